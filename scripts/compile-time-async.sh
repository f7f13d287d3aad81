#!/usr/bin/env bash
# Prints what the async client costs the compiler, cold, in a target directory of its own
# (target/compile-time-async, removed afterwards): `cargo build -p polarsh-tokio` with its
# dependencies (a user's first build) and then polarsh-tokio alone; and a small axum user
# crate (outside the workspace, the workspace's lock file, axum's default features) whose
# handler calls three operations: customers:create, checkouts:create and subscriptions:list
# as a stream of items. Debug and release (PROFILES="debug" for one). A figure-printing
# script, not a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

target="$root/target/compile-time-async"
work="$(mktemp -d)"
trap 'rm -rf "$target" "$work"' EXIT
export CARGO_TARGET_DIR="$target"

crate="$work/polar-axum-user"
mkdir -p "$crate/src"
cat >"$crate/Cargo.toml" <<TOML
[package]
name = "polar-axum-user"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
polarsh-tokio = { path = "$root/polar-tokio" }
axum = "0.8"
tokio = { version = "1", features = ["macros", "rt-multi-thread", "net"] }

[workspace]
TOML
# The workspace's lock file pins the versions the SDK is tested with.
cp "$root/Cargo.lock" "$crate/Cargo.lock"

cat >"$crate/src/main.rs" <<'RS'
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use polarsh_tokio::models::{CheckoutProductsCreate, CustomerIndividualCreate};
use polarsh_tokio::{Api, Client, Config, Credential, Error};

async fn signup(State(polar): State<Client>) -> Result<String, String> {
    let shown = |e: Error| e.to_string();
    let customer = polar
        .customers()
        .create(CustomerIndividualCreate::new("ada@example.com"))
        .send()
        .await
        .map_err(shown)?;
    let checkout = polar
        .checkouts()
        .create(CheckoutProductsCreate::new(vec!["d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23".into()]))
        .send()
        .await
        .map_err(shown)?;
    let mut subscriptions = polar.subscriptions().list().pages().items();
    let mut active = 0;
    while let Some(sub) = subscriptions.next().await {
        sub.map_err(shown)?;
        active += 1;
    }
    Ok(format!("{customer:?} {} {active}", checkout.url))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("POLAR_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:4010".into());
    let polar = Client::builder()
        .config(Config::with_base_url(base))
        .credential(Credential::organization_token("polar_oat_..."))
        .build();
    let app = Router::new().route("/signup", post(signup)).with_state(polar);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
RS

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "cores: $(nproc), rustc: $(rustc --version)"
cargo fetch --quiet
(cd "$crate" && cargo fetch --quiet)

for profile in ${PROFILES:-debug release}; do
  flags=()
  [ "$profile" = release ] && flags=(--release)
  rm -rf "${target:?}"
  t0=$(now); cargo build --quiet -p polarsh-tokio "${flags[@]}"; t1=$(now)
  cargo clean --quiet -p polarsh-tokio "${flags[@]}"
  t2=$(now); cargo build --quiet -p polarsh-tokio "${flags[@]}"; t3=$(now)
  printf '%-8s polarsh-tokio cold with dependencies: %6ss   alone: %5ss\n' \
    "$profile" "$(secs "$t0" "$t1")" "$(secs "$t2" "$t3")"
  rm -rf "${target:?}"
  t0=$(now); (cd "$crate" && cargo build --quiet "${flags[@]}"); t1=$(now)
  touch "$crate/src/main.rs"
  t2=$(now); (cd "$crate" && cargo build --quiet "${flags[@]}"); t3=$(now)
  printf '%-8s axum user crate (3 operations) cold: %6ss   after touching main.rs: %5ss\n' \
    "$profile" "$(secs "$t0" "$t1")" "$(secs "$t2" "$t3")"
done
