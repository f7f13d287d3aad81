//! The wasm client in a real JavaScript runtime, against Prism (the local mock of Polar) and
//! a small misbehaving server (`tests/stall-server.js`), both on loopback. Run by
//! `scripts/test-wasm.sh` in Node, and in headless Chromium in a page and in a dedicated
//! worker (no `window` there): the runner picks the runtime from `WASM_BINDGEN_USE_*`; the
//! servers' URLs come in at compile time.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Object, Reflect};
use polar_core::retry::RetryPolicy;
use polar_wasm::models::CustomerSessionCustomerIdCreate;
use polar_wasm::operations::customers;
use polar_wasm::{Api, Client, Config, Credential, Error, TransportError};
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

fn builder(base: &str) -> polar_wasm::ClientBuilder {
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

fn transport_kind<T: std::fmt::Debug>(result: Result<T, Error>) -> (TransportError, u32) {
    match result {
        Err(Error::Transport { kind, attempts }) => (kind, attempts),
        other => panic!("expected a transport error, got {other:?}"),
    }
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
    assert!(
        matches!(err, Error::Api(polar_core::Error::NotFound(_))),
        "{err:?}"
    );
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
    assert!(
        matches!(err, Error::Api(polar_core::Error::Validation(_))),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn a_body_that_never_ends_times_out() {
    let c = builder(&format!("{}/stall", stall_url()))
        .retry(RetryPolicy::none())
        .request_timeout(Duration::from_millis(500))
        .build();
    let (kind, attempts) = transport_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, TransportError::Timeout(_)), "{kind:?}");
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
    let (kind, attempts) = transport_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, TransportError::Timeout(_)), "{kind:?}");
    assert!(attempts >= 2, "{attempts}");
}

#[wasm_bindgen_test]
async fn a_cors_refusal_is_a_network_error() {
    let c = builder(&format!("{}/nocors", stall_url()))
        .retry(RetryPolicy::none())
        .build();
    let result = c.customers().get("x").send().await;
    if in_node() {
        // No CORS in Node: the server's answer (a 418) arrives and is typed.
        assert_eq!(result.expect_err("418").status(), Some(418));
        return;
    }
    let (kind, _) = transport_kind(result);
    assert!(matches!(kind, TransportError::Network(_)), "{kind:?}");
}

#[wasm_bindgen_test]
async fn a_dropped_connection_is_a_network_error() {
    // The server closes the connection without answering.
    let c = builder(&format!("{}/drop", stall_url()))
        .retry(RetryPolicy::none())
        .build();
    let (kind, _) = transport_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, TransportError::Network(_)), "{kind:?}");
}

#[wasm_bindgen_test]
async fn an_aborted_request_is_typed() {
    let scope = Object::new();
    let fetch = Function::new_no_args(
        "return Promise.reject(new DOMException('the user left', 'AbortError'))",
    );
    Reflect::set(&scope, &"fetch".into(), &fetch).unwrap();
    let c = builder(prism_url()).fetch_from(scope.into()).build();
    let (kind, attempts) = transport_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, TransportError::Aborted(_)), "{kind:?}");
    assert_eq!(attempts, 1, "an abort is not retried");
}

#[wasm_bindgen_test]
async fn a_runtime_without_fetch_is_typed() {
    let c = builder(prism_url())
        .fetch_from(JsValue::from(Object::new()))
        .build();
    let (kind, attempts) = transport_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, TransportError::Unsupported(_)), "{kind:?}");
    assert_eq!(attempts, 1);

    // A fetch that throws instead of returning a promise.
    let scope = Object::new();
    Reflect::set(
        &scope,
        &"fetch".into(),
        &Function::new_no_args("throw new TypeError('blocked')"),
    )
    .unwrap();
    let c = builder(prism_url())
        .retry(RetryPolicy::none())
        .fetch_from(scope.into())
        .build();
    let (kind, _) = transport_kind(c.customers().get("x").send().await);
    assert!(matches!(kind, TransportError::Network(_)), "{kind:?}");
}

#[wasm_bindgen_test]
async fn a_build_error_sends_nothing() {
    // No credential: refused before any fetch (the scope has none).
    let c = Client::builder()
        .config(Config::with_base_url(prism_url()))
        .fetch_from(JsValue::from(Object::new()))
        .build();
    let err = c
        .customers()
        .get("x")
        .send()
        .await
        .expect_err("no credential");
    assert!(
        matches!(err, Error::Api(polar_core::Error::Build(_))),
        "{err:?}"
    );
}
