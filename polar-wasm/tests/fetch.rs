//! The wasm client in a real JavaScript runtime, against Prism (the local mock of Polar) and
//! a small misbehaving server (`tests/stall-server.js`), both on loopback. Run by
//! `scripts/test-wasm.sh` in Node, and in headless Chromium in a page and in a dedicated
//! worker (no `window` there): the runner picks the runtime from `WASM_BINDGEN_USE_*`; the
//! servers' URLs come in at compile time. Where a server cannot play a case (an abort, a
//! 429 then success, endless empty pages, a runtime without `fetch`), a scope object given
//! to [`Fetch::from_scope`] plays it, as a Cloudflare service binding or a mocked fetch would.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Object, Reflect};
use polarsh_wasm::models::CustomerSessionCustomerIdCreate;
use polarsh_wasm::operations::customers;
use polarsh_wasm::{Api, Client, Config, Credential, Error, FaultKind, Fetch, RetryPolicy};
use std::time::Duration;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const PRISM: Option<&str> = option_env!("POLAR_WASM_PRISM_URL");
const STALL: Option<&str> = option_env!("POLAR_WASM_STALL_URL");
const CUSTOMER: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

fn prism_url() -> &'static str {
    PRISM.expect("build with POLAR_WASM_PRISM_URL (scripts/test-wasm.sh does)")
}

fn stall_url() -> &'static str {
    STALL.expect("build with POLAR_WASM_STALL_URL (scripts/test-wasm.sh does)")
}

fn builder(base: &str) -> polarsh_wasm::ClientBuilder {
    Client::builder()
        .config(Config::with_base_url(base))
        .credential(Credential::organization_token("polar_oat_SECRET"))
}

fn client(base: &str) -> Client {
    builder(base).build()
}

/// In Node (no CORS there), rather than a browser page or worker.
fn in_node() -> bool {
    let process = Reflect::get(&js_sys::global(), &"process".into()).unwrap_or_default();
    !process.is_undefined()
}

/// The kind of the fault that ended a call, and how many attempts were sent.
fn fault_kind<T: std::fmt::Debug>(result: Result<T, Error>) -> (FaultKind, u32) {
    match result {
        Err(Error::Transport { fault, attempts }) => (fault.kind(), attempts),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// Quick retries, so that tests retrying several times stay fast.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A scope object made by JavaScript `source` (a function body returning it), such as a
/// Cloudflare service binding `{ fetch(url, init) { ... } }`.
fn scope(source: &str) -> JsValue {
    Function::new_no_args(source)
        .call0(&JsValue::UNDEFINED)
        .expect("the scope's source runs")
}

/// `scope.calls`, the number of times a test scope's `fetch` was called.
fn calls(scope: &JsValue) -> f64 {
    Reflect::get(scope, &"calls".into())
        .ok()
        .and_then(|v| v.as_f64())
        .expect("the scope counts its calls")
}

#[wasm_bindgen_test]
async fn creates_a_customer_session() {
    let session = client(prism_url())
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .send()
        .await
        .expect("customer session");
    assert!(!session.customer_portal_url.is_empty());
    assert!(!session.token.expose().is_empty());
}

#[wasm_bindgen_test]
async fn gets_a_customer() {
    let c = client(prism_url());
    c.customers().get(CUSTOMER).send().await.expect("customer");
    // The same through `Client::send` with an operation built by hand.
    let op = customers::Get::new(CUSTOMER);
    c.send(&op).await.expect("customer by hand");
}

#[wasm_bindgen_test]
async fn lists_every_page() {
    let c = client(prism_url());
    let mut pages = c.products().list().pages();
    let first = pages.next().await.expect("a first page").expect("page 1");
    let max_page = first.pagination.max_page.max(1);
    let mut count = 1;
    while let Some(page) = pages.next().await {
        page.expect("page");
        count += 1;
        assert!(count <= max_page, "more pages than max_page");
    }
    assert_eq!(count, max_page);

    let mut items = c.products().list().pages().items();
    let mut n = 0;
    while let Some(item) = items.next().await {
        assert!(!item.expect("product").name.is_empty());
        n += 1;
    }
    assert_eq!(n, first.items.len() as i64 * max_page);
}

#[wasm_bindgen_test]
async fn not_found_is_typed() {
    let err = client(prism_url())
        .with_header(
            http::HeaderName::from_static("prefer"),
            http::HeaderValue::from_static("code=404"),
        )
        .customers()
        .get(CUSTOMER)
        .send()
        .await
        .expect_err("404");
    assert_eq!(err.status(), Some(404));
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[wasm_bindgen_test]
async fn validation_error_is_typed() {
    let err = client(prism_url())
        .with_header(
            http::HeaderName::from_static("prefer"),
            http::HeaderValue::from_static("code=422"),
        )
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .send()
        .await
        .expect_err("422");
    assert_eq!(err.status(), Some(422));
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}

#[wasm_bindgen_test]
async fn a_body_that_never_ends_times_out() {
    let c = builder(&format!("{}/stall", stall_url()))
        .retry(RetryPolicy::none())
        .request_timeout(Duration::from_millis(500))
        .build();
    let (kind, attempts) = fault_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, FaultKind::TimedOut), "{kind:?}");
    assert_eq!(attempts, 1);
}

#[wasm_bindgen_test]
async fn retries_then_gives_up_within_the_overall_timeout() {
    // A GET may be retried: attempts time out, waits go through setTimeout, and the overall
    // timeout ends the call.
    let c = builder(&format!("{}/stall", stall_url()))
        .request_timeout(Duration::from_millis(200))
        .overall_timeout(Duration::from_millis(1500))
        .build();
    let (kind, attempts) = fault_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, FaultKind::TimedOut), "{kind:?}");
    assert!(attempts >= 2, "{attempts}");
}

#[wasm_bindgen_test]
async fn a_cors_refusal_is_an_interrupted_request() {
    let c = builder(&format!("{}/nocors", stall_url()))
        .retry(RetryPolicy::none())
        .build();
    let result = c.customers().get("x").send().await;
    if in_node() {
        // No CORS in Node: the server's answer (a 418) arrives and is typed.
        assert_eq!(result.expect_err("418").status(), Some(418));
        return;
    }
    // A browser refuses the answer with the same TypeError as any network error: fetch cannot
    // say whether the request reached the server.
    let (kind, attempts) = fault_kind(result);
    assert_eq!(kind, FaultKind::Interrupted);
    assert_eq!(attempts, 1);
}

#[wasm_bindgen_test]
async fn a_dropped_connection_is_an_interrupted_request() {
    // The server closes the connection without answering.
    let c = builder(&format!("{}/drop", stall_url()))
        .retry(RetryPolicy::none())
        .build();
    let (kind, attempts) = fault_kind(c.customers().get("x").send().await);
    assert_eq!(kind, FaultKind::Interrupted);
    assert_eq!(attempts, 1);
}

#[wasm_bindgen_test]
async fn after_a_network_error_only_a_request_safe_to_repeat_is_retried() {
    let c = builder(&format!("{}/drop", stall_url()))
        .retry(quick_retries())
        .build();
    // A GET is sent again, up to the policy's 4 attempts.
    let (kind, attempts) = fault_kind(c.customers().get("x").send().await);
    assert_eq!((kind, attempts), (FaultKind::Interrupted, 4));
    // A POST may have reached the server (fetch cannot tell): sent once, never duplicated.
    let create = c
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .send()
        .await;
    let (kind, attempts) = fault_kind(create);
    assert_eq!((kind, attempts), (FaultKind::Interrupted, 1));
    // ...unless the call says it is safe to repeat.
    let create = c
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .repeatable()
        .send()
        .await;
    let (kind, attempts) = fault_kind(create);
    assert_eq!((kind, attempts), (FaultKind::Interrupted, 4));
}

#[wasm_bindgen_test]
async fn a_body_over_the_limit_is_refused() {
    // Prism declares the length: refused before the body is read, and not fetched again.
    let c = builder(prism_url()).max_response_bytes(64).build();
    let (kind, attempts) = fault_kind(c.customers().get(CUSTOMER).send().await);
    assert_eq!((kind, attempts), (FaultKind::BodyTooLarge { limit: 64 }, 1));
    // A body of undeclared length (chunked, 64 KiB): refused once read.
    let c = builder(&format!("{}/big", stall_url()))
        .max_response_bytes(1024)
        .build();
    let (kind, attempts) = fault_kind(c.customers().get(CUSTOMER).send().await);
    assert_eq!(
        (kind, attempts),
        (FaultKind::BodyTooLarge { limit: 1024 }, 1)
    );
}

#[wasm_bindgen_test]
async fn an_aborted_request_is_typed() {
    // Aborted by someone else (the runtime, a page unloading): never retried.
    let binding = scope(
        "const b = { calls: 0, fetch() { b.calls++; \
         return Promise.reject(new DOMException('the user left', 'AbortError')); } }; return b;",
    );
    let c = builder(prism_url())
        .transport(Fetch::from_scope(binding.clone()))
        .build();
    let (kind, attempts) = fault_kind(c.customers().get("x").send().await);
    assert_eq!(kind, FaultKind::Aborted);
    assert_eq!(attempts, 1, "an abort is not retried");
    assert_eq!(calls(&binding), 1.0);
}

#[wasm_bindgen_test]
async fn a_runtime_without_fetch_is_typed() {
    let c = builder(prism_url())
        .transport(Fetch::from_scope(Object::new().into()))
        .build();
    let (kind, attempts) = fault_kind(c.customers().get("x").send().await);
    assert_eq!(kind, FaultKind::Unsupported);
    assert_eq!(attempts, 1);

    // A fetch that throws instead of returning a promise: like a network error.
    let binding = scope("return { fetch() { throw new TypeError('blocked'); } };");
    let c = builder(prism_url())
        .retry(RetryPolicy::none())
        .transport(Fetch::from_scope(binding))
        .build();
    let (kind, _) = fault_kind(c.customers().get("x").send().await);
    assert_eq!(kind, FaultKind::Interrupted);
}

#[wasm_bindgen_test]
async fn a_scope_fetch_is_called_on_its_scope() {
    // A Cloudflare service binding (`env.SERVICE.fetch(...)`) must be called as a method of
    // the binding; this one refuses any other `this`, then forwards to the global fetch.
    let binding = scope(
        "const b = { calls: 0, fetch(url, init) { \
         if (this !== b) throw new TypeError('Illegal invocation'); \
         b.calls++; return globalThis.fetch(url, init); } }; return b;",
    );
    let c = builder(prism_url())
        .transport(Fetch::from_scope(binding.clone()))
        .build();
    c.customers()
        .get(CUSTOMER)
        .send()
        .await
        .expect("a customer through the binding");
    c.customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .send()
        .await
        .expect("a POST through the binding");
    assert_eq!(calls(&binding), 2.0);
}

#[wasm_bindgen_test]
async fn a_429_is_retried_after_retry_after_even_for_a_post() {
    // Polar's rate limiter answers 429 before doing anything, so the core sends a POST again
    // (since c4113e0; before, only requests safe to repeat were), after `Retry-After`.
    let binding = scope(
        "const b = { calls: 0, fetch(url, init) { \
         if (b.calls++ === 0) return Promise.resolve(new Response('{\"detail\":\"slow down\"}', \
           { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '1' } })); \
         return globalThis.fetch(url, init); } }; return b;",
    );
    let c = builder(prism_url())
        .transport(Fetch::from_scope(binding.clone()))
        .build();
    let started = js_sys::Date::now();
    let session = c
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .send()
        .await
        .expect("created after the 429");
    assert!(!session.customer_portal_url.is_empty());
    assert_eq!(calls(&binding), 2.0);
    let waited = js_sys::Date::now() - started;
    assert!(waited >= 950.0, "Retry-After: 1 not honoured ({waited} ms)");

    // Without retries the 429 is typed.
    let c = builder(prism_url())
        .retry(RetryPolicy::none())
        .transport(Fetch::from_scope(binding.clone()))
        .build();
    Reflect::set(&binding, &"calls".into(), &0.into()).expect("reset");
    let err = c
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(CUSTOMER))
        .send()
        .await
        .expect_err("429");
    assert_eq!(err.status(), Some(429), "{err:?}");
}

#[wasm_bindgen_test]
async fn a_page_walk_ends_at_an_empty_page() {
    // A list announcing pages forever but answering none: one request, then the end (since
    // c4113e0 a walk ends at an empty page, whatever the list says of a next one).
    let binding = scope(
        "const b = { calls: 0, fetch() { b.calls++; \
         const page = { items: [], pagination: { total_count: 1000, max_page: Number.MAX_SAFE_INTEGER } }; \
         return Promise.resolve(new Response(JSON.stringify(page), \
           { status: 200, headers: { 'content-type': 'application/json' } })); } }; return b;",
    );
    let c = builder(prism_url())
        .transport(Fetch::from_scope(binding.clone()))
        .build();
    let mut items = c.products().list().pages().items();
    assert!(items.next().await.is_none());
    assert!(items.next().await.is_none());
    assert_eq!(calls(&binding), 1.0);

    let mut pages = c.products().list().pages();
    let page = pages.next().await.expect("a page").expect("an empty page");
    assert!(page.items.is_empty());
    assert!(pages.next().await.is_none());
    assert_eq!(calls(&binding), 2.0);
}

#[wasm_bindgen_test]
async fn a_build_error_sends_nothing() {
    // No credential: refused before any fetch (the scope has none).
    let c = Client::builder()
        .config(Config::with_base_url(prism_url()))
        .transport(Fetch::from_scope(Object::new().into()))
        .build();
    let err = c
        .customers()
        .get("x")
        .send()
        .await
        .expect_err("no credential");
    assert!(matches!(err, Error::Build(_)), "{err:?}");
}
