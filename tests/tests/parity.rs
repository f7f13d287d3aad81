//! Every runtime offers the same options under the same names, so a user switching runtime
//! changes the client type and an `.await`, nothing else.
//!
//! The options live in one place, `polarsh_core::client::Builder`, shared by the blocking and
//! the async client; the transport crates only supply a transport. These checks fail when a
//! transport crate grows an option of its own, or when one client gains a method the other
//! lacks.

use std::collections::BTreeSet;
use std::path::Path;

fn source(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The names of the `pub fn`s of `text` (any impl or free function).
fn pub_fns(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("pub fn ")
                .or_else(|| l.strip_prefix("pub async fn "))?;
            let end = rest.find(['(', '<'])?;
            Some(rest[..end].to_owned())
        })
        .collect()
}

/// The `pub fn`s of the inherent `impl` blocks of `ty<T>` (or of `ty`, not generic).
fn methods_of(text: &str, ty: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut depth = 0i32;
    let mut inside = false;
    let generic = format!(" {ty}<T> {{");
    let plain = format!(" {ty} {{");
    for line in text.lines() {
        if depth == 0
            && line.starts_with("impl")
            && (line.ends_with(&generic) || line.ends_with(&plain))
        {
            inside = !line.contains(" for ");
        }
        if inside && depth == 1 {
            out.extend(pub_fns(line));
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth == 0 {
            inside = false;
        }
    }
    out
}

/// What each transport crate may define besides its transport's trait methods: ways to pick
/// a transport (a scope for `fetch`, a configured HTTP client, a function), never an option.
const TRANSPORT_CHOICES: &[(&str, &[&str])] = &[
    ("polar-blocking/src/lib.rs", &["send_with"]),
    ("polar-wasm/src/lib.rs", &["from_scope"]),
    (
        "polar-tokio/src/lib.rs",
        &["send_with", "with_client", "client"],
    ),
];

#[test]
fn transport_crates_define_no_options_of_their_own() {
    for (path, allowed) in TRANSPORT_CHOICES {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        if !root.exists() {
            continue;
        }
        let text = source(path);
        let found = pub_fns(&text);
        let allowed: BTreeSet<String> = allowed.iter().map(|s| s.to_string()).collect();
        let extra: Vec<_> = found.difference(&allowed).collect();
        assert!(
            extra.is_empty(),
            "{path} defines {extra:?}: an option belongs on polarsh_core::client::Builder, \
             where every runtime gets it"
        );
        assert!(
            !text.contains("struct ClientBuilder") && !text.contains("impl ClientBuilder"),
            "{path} has a builder of its own"
        );
    }
}

#[test]
fn the_blocking_and_the_async_client_have_the_same_methods() {
    let blocking = methods_of(
        &source("polar-core/src/client/blocking.rs"),
        "BlockingClient",
    );
    let asynchronous = methods_of(
        &source("polar-core/src/client/nonblocking.rs"),
        "AsyncClient",
    );
    // Pages come through `Dispatch::pages` on both; the async client also names it.
    let asynchronous: BTreeSet<String> = asynchronous
        .into_iter()
        .filter(|m| !["pages"].contains(&m.as_str()))
        .collect();
    assert!(blocking.len() >= 8, "{blocking:?}");
    assert_eq!(blocking, asynchronous);
}

#[test]
fn every_usage_event_driver_has_the_same_calls() {
    // The thread, the tokio task and the wasm flush-on-demand: one set of names, so moving
    // a metering handler between runtimes changes the type and an `.await`.
    let blocking = methods_of(&source("polar-blocking/src/ingest.rs"), "Ingester");
    let tokio = methods_of(&source("polar-tokio/src/ingest.rs"), "Ingester");
    let wasm = methods_of(&source("polar-wasm/src/ingest.rs"), "Ingester");
    let expected: BTreeSet<String> = ["start", "push", "flush", "stats", "take_rejected", "close"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(blocking, expected);
    assert_eq!(tokio, blocking);
    assert_eq!(wasm, blocking);
    // The drivers' shared types are the core's.
    fn undelivered(u: polarsh_blocking::Undelivered) -> polarsh_tokio::Undelivered {
        u
    }
    let _ = undelivered;
}

#[test]
fn the_clients_are_the_cores_with_a_transport() {
    // Compile-time: the public client types are the core's generic clients.
    fn blocking(
        c: polarsh_blocking::Client,
    ) -> polarsh_core::client::BlockingClient<polarsh_blocking::Ureq> {
        c
    }
    fn builder(
        b: polarsh_blocking::ClientBuilder,
    ) -> polarsh_core::client::Builder<polarsh_core::client::BlockingClient<polarsh_blocking::Ureq>>
    {
        b
    }
    fn tokio(
        c: polarsh_tokio::Client,
    ) -> polarsh_core::client::AsyncClient<polarsh_tokio::Reqwest> {
        c
    }
    let _ = (blocking, builder, tokio);
}
