#!/usr/bin/env bash
# The wasm tests of polar-rs (polarsh-wasm), in real JavaScript runtimes: Node, then headless
# Chromium in a page and in a dedicated worker, against Prism (the local mock of Polar), a
# misbehaving server (which also plays a deduplicating events:ingest for the Ingester's
# tests) and an upload server (Polar's two upload calls, checked by Prism, and a
# presigned storage host) on loopback; then the Cloudflare-Worker-style example, built to wasm
# and run once in Node with signed webhook deliveries.
#
# Installs what is missing first (fresh machine): the wasm32 target, wasm-bindgen-cli at the
# exact version of the wasm-bindgen crate in Cargo.lock (from crates.io), Prism (npm, pinned),
# and Debian's chromium + chromium-driver when running as root.
# Prints `wasm: N passed, N failed` last; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
target=wasm32-unknown-unknown
logdir="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$logdir"
}
trap cleanup EXIT
die() { echo "$*" >&2; echo "wasm: 0 passed, 1 failed"; exit 1; }

# --- installs -------------------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target" >&2 || die "cannot add the $target target"
fi
cargo fetch -q >&2 || die "cargo fetch failed"
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
[ -n "$wb_version" ] || die "wasm-bindgen is not in Cargo.lock"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  echo "installing wasm-bindgen-cli $wb_version (a few minutes)..." >&2
  cargo install -q wasm-bindgen-cli --version "$wb_version" >&2 || die "cannot install wasm-bindgen-cli"
fi
./scripts/install-prism.sh || die "cannot install Prism"
browser=1
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium and chromium-driver (apt)..." >&2
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; } >&2 \
      || die "cannot install chromium"
  else
    echo "chromium/chromedriver missing and not root: skipping the browser runs" >&2
    browser=0
  fi
fi

# --- servers --------------------------------------------------------------------------
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
wait_port() { # port seconds
  for _ in $(seq 1 $(( $2 * 4 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}
prism_port="$(free_port)"
stall_port="$(free_port)"
upload_port="$(free_port)"
tests/prism/node_modules/.bin/prism mock -h 127.0.0.1 -p "$prism_port" spec/polar-2026-10.openapi.json \
  >"$logdir/prism.log" 2>&1 &
pids+=($!)
node polar-wasm/tests/stall-server.js "$stall_port" >"$logdir/stall.log" 2>&1 &
pids+=($!)
node polar-wasm/tests/upload-server.js "$upload_port" "http://127.0.0.1:$prism_port" >"$logdir/upload.log" 2>&1 &
pids+=($!)
wait_port "$prism_port" 90 || { cat "$logdir/prism.log" >&2; die "Prism did not start"; }
wait_port "$stall_port" 20 || die "the stall server did not start"
wait_port "$upload_port" 20 || die "the upload server did not start"

export POLAR_WASM_PRISM_URL="http://127.0.0.1:$prism_port"
export POLAR_WASM_STALL_URL="http://127.0.0.1:$stall_port"
export POLAR_WASM_UPLOAD_URL="http://127.0.0.1:$upload_port"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=120

passed=0
failed=0
count() { # log name [binaries]: add up the `N passed; M failed` lines, one per test binary
  local lines
  lines="$(grep -E '^test result: .* [0-9]+ passed; [0-9]+ failed' "$1")"
  if [ "$(grep -c . <<<"$lines")" -lt "${3:-1}" ]; then
    echo "$2: a test binary gave no result (see above)" >&2
    failed=$((failed + 1))
  fi
  [ -n "$lines" ] || return
  local p f
  p="$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$lines" | awk '{ s += $1 } END { print s + 0 }')"
  f="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$lines" | awk '{ s += $1 } END { print s + 0 }')"
  echo "$2: $p passed, $f failed" >&2
  passed=$((passed + p))
  failed=$((failed + f))
}

echo "building the wasm tests..." >&2
cargo test -q -p polarsh-wasm --target "$target" --test fetch --test upload --test ingest --no-run >&2 || die "the wasm tests do not build"

run() { # name, env assignments...
  local name="$1"; shift
  echo "=== $name" >&2
  # --no-fail-fast: a failure in one binary must not hide the other's results.
  env "$@" cargo test -p polarsh-wasm --target "$target" --no-fail-fast --test fetch --test upload --test ingest 2>&1 \
    | tee "$logdir/$name.log" >&2
  count "$logdir/$name.log" "$name" 3
}
run node
if [ "$browser" = 1 ]; then
  chrome=(CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_WEBDRIVER_JSON="$root/polar-wasm/webdriver.json")
  run chromium-page "${chrome[@]}" WASM_BINDGEN_USE_BROWSER=1
  run chromium-worker "${chrome[@]}" WASM_BINDGEN_USE_DEDICATED_WORKER=1
fi

echo "=== worker example" >&2
if cargo build -q -p polarsh-wasm --example worker --target "$target" >&2 \
  && wasm-bindgen --target nodejs --out-dir "$logdir/worker" \
    "$target_dir/$target/debug/examples/worker.wasm" >&2; then
  node polar-wasm/tests/worker-example.js "$logdir/worker" 2>&1 | tee "$logdir/worker.log" >&2
  count "$logdir/worker.log" "worker example"
else
  echo "worker example: build failed" >&2
  failed=$((failed + 1))
fi

echo "wasm: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
