//! # polarsh-wasm
//!
//! The async client of polar-rs for `wasm32-unknown-unknown`, over the **global** `fetch`:
//! browser pages, dedicated/shared/service workers, edge runtimes (Cloudflare Workers, Deno,
//! Bun) and Node 18+. A thin transport like `polarsh-blocking`, with the same names: requests,
//! parsing, retries, pagination and uploads are [`polarsh_core`]'s exchanges, driven by
//! [`polarsh_core::client::AsyncClient`]; this crate ([`Fetch`]) moves bytes through `fetch`,
//! waits with `setTimeout` and enforces timeouts with `AbortController`, all looked up on
//! `globalThis` (never `window`, which workers lack).
//!
//! ```no_run
//! use polarsh_wasm::{Api, Client, Credential};
//! use polarsh_wasm::models::CustomerSessionCustomerIdCreate;
//!
//! # async fn run() -> Result<(), polarsh_wasm::Error> {
//! let client = Client::builder()
//!     .credential(Credential::organization_token("polar_oat_..."))
//!     .build();
//! // The seed example: a customer session for a customer id.
//! let session = client
//!     .customer_sessions()
//!     .create(CustomerSessionCustomerIdCreate::new("00000000-0000-4000-8000-000000000000"))
//!     .send()
//!     .await?;
//! println!("{}", session.customer_portal_url);
//!
//! // Every product, fetching pages only as the loop needs them.
//! let mut products = client.products().list().pages().items();
//! while let Some(product) = products.next().await {
//!     println!("{}", product?.name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Nothing here panics on a runtime's failure (a panic kills a wasm worker): no `fetch`, a
//! network or CORS refusal, an abort, a timeout or an unreadable body are each a [`Fault`]
//! in [`Error::Transport`]. The crate also compiles on the host (for `cargo check`/`clippy`),
//! but its calls only work on `wasm32`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// docs.rs marks each item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ingest;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use polarsh_core::exchange::Limits;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[doc(inline)]
pub use polarsh_core::client::prelude::*;
pub use polarsh_core::client::{AsyncItems, AsyncPages, AsyncRuntime, AsyncTransport, SendFuture};
pub use polarsh_core::ingest::Undelivered;

pub use ingest::Ingester;

/// The async Polar client over the global `fetch` (or, through
/// `Client::builder().transport(`[`Fetch::from_scope`]`(..))`, a scope's). Cheap to clone;
/// its futures borrow nothing. Not `Send`, like every JavaScript value.
///
/// Every operation is a method of its API group, reached through [`Api`] (bring it into
/// scope): `client.customers().get(id).send().await?`, and for a list
/// `client.products().list().pages().items()`, a stream. Each operation's page in
/// [`operations`] shows its call (through the blocking client: here `send()` is awaited).
pub type Client = AsyncClient<Fetch>;

/// Settings for a [`Client`]: `Client::builder()`.
pub type ClientBuilder = Builder<Client>;

/// The pages of a list, each fetched when [`AsyncPages::next`] reaches it.
pub type Pages<O> = AsyncPages<Fetch, O>;

/// The items of every page of a list.
pub type Items<O> = AsyncItems<Fetch, O>;

/// The abort reason of this client's own timer, to tell its timeouts from other aborts.
const TIMEOUT_REASON: &str = "polarsh-wasm: request timeout";

/// JavaScript's runtime, looked up on `globalThis`: `setTimeout` waits, `Date.now` reads the
/// clock, `Math.random` draws jitter.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsRuntime;

/// A future of this crate (JavaScript values are not `Send`).
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl AsyncRuntime for JsRuntime {
    type Sleep = LocalFuture<Result<(), Fault>>;

    fn sleep(&self, wait: Duration) -> Self::Sleep {
        Box::pin(sleep(wait))
    }

    fn now(&self) -> Duration {
        // Whole milliseconds (all `Date.now` gives); `as` saturates, so no overflow panic.
        Duration::from_millis(js_sys::Date::now().max(0.0) as u64)
    }

    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// The `fetch` transport: requests through `fetch` (the global one, or a scope's), timeouts
/// through `AbortController`, over [`JsRuntime`].
#[derive(Debug, Clone, Default)]
pub struct Fetch {
    scope: Option<JsValue>,
    runtime: JsRuntime,
}

impl Fetch {
    /// Calls `scope.fetch(...)` instead of the global `fetch`: a Cloudflare service binding,
    /// a wrapped or mocked fetch. Timers and `AbortController` still come from `globalThis`.
    pub fn from_scope(scope: JsValue) -> Self {
        Fetch {
            scope: Some(scope),
            runtime: JsRuntime,
        }
    }
}

impl AsyncTransport for Fetch {
    type Runtime = JsRuntime;
    type Send = LocalFuture<Result<http::Response<Vec<u8>>, Fault>>;

    fn runtime(&self) -> &JsRuntime {
        &self.runtime
    }

    fn send(&self, request: http::Request<Vec<u8>>, limits: &Limits) -> Self::Send {
        let scope = self.scope.clone();
        let limits = *limits;
        Box::pin(async move { once(scope, request, limits).await })
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `target[name]` as a function, or an unsupported-runtime fault.
fn function(target: &JsValue, name: &str) -> Result<Function, Fault> {
    get(target, name).dyn_into::<Function>().map_err(|_| {
        Fault::new(
            FaultKind::Unsupported,
            ["`", name, "` is not a function here"].concat(),
        )
    })
}

/// A readable description of a thrown JavaScript value: `name: message (cause)`.
fn describe(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    let text = |v: JsValue| v.as_string().filter(|s| !s.is_empty());
    let mut out = match (text(get(e, "name")), text(get(e, "message"))) {
        (Some(n), Some(m)) => [n, m].join(": "),
        (Some(s), None) | (None, Some(s)) => s,
        (None, None) => "unknown JavaScript error".into(),
    };
    // Node's undici puts the real reason (ECONNREFUSED, ...) in `cause`.
    let cause = get(e, "cause");
    if !cause.is_undefined() && !cause.is_null() {
        let code = text(get(&cause, "code"));
        let msg = text(get(&cause, "message")).or_else(|| cause.as_string());
        if let Some(c) = code.or(msg) {
            out.push_str(" (");
            out.push_str(&c);
            out.push(')');
        }
    }
    out
}

/// Classifies a rejection of `fetch` (`body: false`) or of reading the body (`body: true`).
/// `fetch` never says whether a request reached the server (a network error, a CORS refusal
/// and a reset look alike): those are `Interrupted`, retried only when safe.
fn classify(e: &JsValue, signal: &JsValue, body: bool) -> Fault {
    // Only this client's timer aborts its controller.
    if get(signal, "aborted").as_bool() == Some(true) {
        return Fault::timed_out("request");
    }
    let name = get(e, "name").as_string().unwrap_or_default();
    let text = describe(e);
    match name.as_str() {
        "AbortError" => Fault::new(FaultKind::Aborted, text),
        "TimeoutError" => Fault::timed_out(text),
        _ if body => Fault::interrupted(["response body: ", &text].concat()),
        "TypeError" => Fault::interrupted(["network error: ", &text].concat()),
        _ => Fault::interrupted(text),
    }
}

fn millis(d: Duration) -> JsValue {
    JsValue::from_f64(d.as_secs_f64() * 1000.0)
}

/// Waits with the global `setTimeout`.
async fn sleep(wait: Duration) -> Result<(), Fault> {
    let global: JsValue = js_sys::global().into();
    let set_timeout = function(&global, "setTimeout")?;
    let mut failed = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Err(e) = set_timeout.call2(&global, &resolve, &millis(wait)) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(Fault::new(FaultKind::Unsupported, describe(&e)));
    }
    JsFuture::from(promise)
        .await
        .map(drop)
        .map_err(|e| Fault::new(FaultKind::Unsupported, describe(&e)))
}

/// The bytes of a header value as a JavaScript ByteString (one char per byte).
fn byte_string(bytes: &[u8]) -> JsValue {
    JsValue::from_str(&bytes.iter().map(|&b| char::from(b)).collect::<String>())
}

/// The URI as `Uri`'s `Display` writes it, without `std::fmt`.
fn uri_text(uri: &http::Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        out.push_str(authority.as_str());
    }
    // Path and query as one `str`: `path()` and `query()` slice it, and a slice of a
    // `str` links core's slice-error formatting (its `char` escaping and Unicode tables).
    out.push_str(uri.path_and_query().map_or("", |p| p.as_str()));
    out
}

/// One attempt: `fetch`, then the whole body, under one timer.
async fn once(
    scope: Option<JsValue>,
    request: http::Request<Vec<u8>>,
    limits: Limits,
) -> Result<http::Response<Vec<u8>>, Fault> {
    let global: JsValue = js_sys::global().into();
    let scope = scope.unwrap_or_else(|| global.clone());
    let fetch = function(&scope, "fetch")?;
    let controller = Reflect::construct(&function(&global, "AbortController")?, &Array::new())
        .map_err(|e| Fault::new(FaultKind::Unsupported, describe(&e)))?;
    let signal = get(&controller, "signal");
    let set_timeout = function(&global, "setTimeout")?;
    let clear_timeout = function(&global, "clearTimeout")?;
    let abort = function(&controller, "abort")?;

    let (parts, body) = request.into_parts();
    let init = Object::new();
    set(&init, "method", &JsValue::from_str(parts.method.as_str()));
    let headers = Array::new();
    for (name, value) in &parts.headers {
        headers.push(&Array::of2(
            &JsValue::from_str(name.as_str()),
            &byte_string(value.as_bytes()),
        ));
    }
    set(&init, "headers", &headers);
    if !body.is_empty() {
        set(&init, "body", &Uint8Array::from(body.as_slice()));
    }
    set(&init, "signal", &signal);

    let on_timeout = abort.bind1(&controller, &JsValue::from_str(TIMEOUT_REASON));
    let timer = set_timeout
        .call2(&global, &on_timeout, &millis(limits.timeout))
        .map_err(|e| Fault::new(FaultKind::Unsupported, describe(&e)))?;
    let url = JsValue::from_str(&uri_text(&parts.uri));
    let limit = limits.max_response_bytes;
    let result = fetch_and_read(&fetch, &scope, &url, &init, &signal, limit).await;
    if result.is_err() {
        // Stop a download still going (body too large, bad status line).
        let _ = abort.call0(&controller);
    }
    let _ = clear_timeout.call1(&global, &timer);
    result
}

async fn fetch_and_read(
    fetch: &Function,
    scope: &JsValue,
    url: &JsValue,
    init: &JsValue,
    signal: &JsValue,
    limit: u64,
) -> Result<http::Response<Vec<u8>>, Fault> {
    let sent = fetch
        .call2(scope, url, init)
        .map_err(|e| classify(&e, signal, false))?;
    let response = JsFuture::from(Promise::resolve(&sent))
        .await
        .map_err(|e| classify(&e, signal, false))?;
    let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
    let status = http::StatusCode::from_u16(status).map_err(|_| {
        Fault::interrupted(format!(
            "response with status {status} (opaque: a CORS or redirect response)"
        ))
    })?;
    let mut out = http::Response::new(Vec::new());
    *out.status_mut() = status;
    // `Array.from(headers)`: one call for all `[name, value]` pairs, instead of the iterator
    // protocol per entry. Called through `Function::call1`, so a throwing iterator is an
    // absent header list, not an exception through Rust frames.
    let headers = get(&response, "headers");
    let entries = match function(&get(&js_sys::global(), "Array"), "from") {
        Ok(from) if !headers.is_undefined() && !headers.is_null() => {
            from.call1(&JsValue::UNDEFINED, &headers).ok()
        }
        _ => None,
    };
    if let Some(entries) = entries.and_then(|e| e.dyn_into::<Array>().ok()) {
        for entry in entries.iter() {
            let pair = Array::from(&entry);
            let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            let bytes: Vec<u8> = value.chars().map(|c| c as u32 as u8).collect();
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(&bytes),
            ) {
                out.headers_mut().append(n, v);
            }
        }
    }
    let declared = out
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Fault::body_too_large(limit));
    }
    let read = function(&response, "arrayBuffer")?
        .call0(&response)
        .map_err(|e| classify(&e, signal, true))?;
    let buffer = JsFuture::from(Promise::resolve(&read))
        .await
        .map_err(|e| classify(&e, signal, true))?;
    let bytes = Uint8Array::new(&buffer);
    if u64::from(bytes.length()) > limit {
        return Err(Fault::body_too_large(limit));
    }
    *out.body_mut() = bytes.to_vec();
    Ok(out)
}
