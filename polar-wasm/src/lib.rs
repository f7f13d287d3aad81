//! # polar-wasm
//!
//! The async client of polar-rs for `wasm32-unknown-unknown`, over the **global** `fetch`:
//! browser pages, dedicated/shared/service workers, edge runtimes (Cloudflare Workers, Deno,
//! Bun) and Node 18+. A thin transport like `polar-blocking`, with the same names: requests,
//! parsing, retry decisions and pagination all come from [`polar_core`]; this crate moves
//! bytes through `fetch`, waits between retries with `setTimeout` and enforces timeouts with
//! `AbortController`, all looked up on `globalThis` (never `window`, which workers lack).
//!
//! ```no_run
//! use polar_wasm::{Api, Client, Credential};
//! use polar_wasm::models::CustomerSessionCustomerIdCreate;
//!
//! # async fn run() -> Result<(), polar_wasm::Error> {
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
//! network or CORS refusal, an abort, a timeout or an unreadable body are each a
//! [`TransportError`]. The crate also compiles on the host (for `cargo check`/`clippy`), but
//! its calls only work on `wasm32`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use polar_core::call::Transport;
use polar_core::operation::next_page;
use polar_core::retry::{Attempt, Decision, Outcome, RetryPolicy};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

mod upload;
pub use upload::UploadProgress;

pub use polar_core::api::Api;
pub use polar_core::{
    json, models, operations, Config, Credential, CredentialKind, Operation, Paginated, Patch,
    Secret, SPEC_VERSION,
};

/// What a call can fail with: the core's typed error, or the transport's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Polar answered (or the request could not be built): see [`polar_core::Error`].
    #[error(transparent)]
    Api(#[from] polar_core::Error),
    /// A file upload could not go on (see [`polar_core::upload::UploadError`]).
    #[error(transparent)]
    Upload(#[from] polar_core::upload::UploadError),
    /// No usable response arrived.
    #[error("transport error after {attempts} attempt(s): {kind}")]
    Transport {
        /// What went wrong on the last attempt.
        kind: TransportError,
        /// How many attempts were made.
        attempts: u32,
    },
}

impl Error {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => e.status(),
            Error::Upload(_) | Error::Transport { .. } => None,
        }
    }
}

/// Why no usable response arrived. Never carries request headers, so never a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// `fetch` rejected with a network error: refused, DNS, TLS, offline, or a CORS refusal
    /// (browsers do not say which, nor whether the request reached the server).
    #[error("network error: {0}")]
    Network(String),
    /// A timeout expired (per request or overall).
    #[error("timed out ({0})")]
    Timeout(String),
    /// The request was aborted by someone else than this client (the runtime, a page
    /// unloading, an abort signal of a custom `fetch`).
    #[error("aborted: {0}")]
    Aborted(String),
    /// The response body could not be read to its end.
    #[error("response body interrupted: {0}")]
    Interrupted(String),
    /// The response body is larger than the configured limit.
    #[error("response body larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: u64,
    },
    /// The runtime lacks what the client needs (`fetch`, `AbortController`, `setTimeout`).
    #[error("unsupported runtime: {0}")]
    Unsupported(String),
    /// Anything else the runtime reports (e.g. an opaque response with status 0).
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// What the retry policy is told; `None` stops at once (retrying cannot help).
    fn outcome(&self) -> Option<Outcome<'static>> {
        match self {
            TransportError::Aborted(_) | TransportError::Unsupported(_) => None,
            // fetch cannot tell whether the request reached the server: only requests safe
            // to repeat are retried.
            _ => Some(Outcome::Interrupted),
        }
    }
}

/// The abort reason of this client's own timer, to tell its timeouts from other aborts.
const TIMEOUT_REASON: &str = "polar-wasm: request timeout";

/// An async Polar client. Cheap to clone (its state is shared); not `Send`, like every
/// JavaScript value.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    config: Config,
    credential: Option<Credential>,
    retry: RetryPolicy,
    request_timeout: Duration,
    overall_timeout: Duration,
    max_response_bytes: u64,
    headers: http::HeaderMap,
    fetch_scope: Option<JsValue>,
}

/// Settings for a [`Client`]; every one has a default.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    inner: Inner,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            inner: Inner {
                config: Config::production(),
                credential: None,
                retry: RetryPolicy::default(),
                request_timeout: Duration::from_secs(30),
                overall_timeout: Duration::from_secs(120),
                max_response_bytes: 32 * 1024 * 1024,
                headers: http::HeaderMap::new(),
                fetch_scope: None,
            },
        }
    }
}

impl ClientBuilder {
    /// Server, `Polar-Version` and user agent (default: production).
    pub fn config(mut self, config: Config) -> Self {
        self.inner.config = config;
        self
    }

    /// The credential sent to operations that accept its kind.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.inner.credential = Some(credential);
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]; [`RetryPolicy::none`] turns it off).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.inner.retry = retry;
        self
    }

    /// Time for one attempt, response body included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.inner.request_timeout = timeout;
        self
    }

    /// Time for a whole call, retries and waits included (default 120 s).
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.inner.overall_timeout = timeout;
        self
    }

    /// The largest response body accepted (default 32 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.inner.max_response_bytes = limit;
        self
    }

    /// A header sent with every request (after the core's own, which it replaces when the
    /// name is the same).
    pub fn header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
        self.inner.headers.insert(name, value);
        self
    }

    /// Calls `scope.fetch(...)` instead of the global `fetch`: a Cloudflare service binding,
    /// a wrapped or mocked fetch. Timers and `AbortController` still come from `globalThis`.
    pub fn fetch_from(mut self, scope: JsValue) -> Self {
        self.inner.fetch_scope = Some(scope);
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        Client {
            inner: Rc::new(self.inner),
        }
    }
}

impl Client {
    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The same settings acting with another credential: e.g. a customer session token for
    /// the customer portal operations.
    pub fn with_credential(&self, credential: Credential) -> Client {
        let mut inner = (*self.inner).clone();
        inner.credential = Some(credential);
        Client {
            inner: Rc::new(inner),
        }
    }

    /// The same client sending one more header with every request (e.g. `Prefer` for a mock
    /// server); see [`ClientBuilder::header`].
    pub fn with_header(&self, name: http::HeaderName, value: http::HeaderValue) -> Client {
        let mut inner = (*self.inner).clone();
        inner.headers.insert(name, value);
        Client {
            inner: Rc::new(inner),
        }
    }

    /// Sends an operation built by hand (the group accessors of [`Api`] are the usual way).
    /// The future owns what it needs: it borrows neither the client nor the operation.
    pub fn send<O: Operation>(&self, operation: &O) -> SendFuture<O> {
        self.send_inner(operation, false)
    }

    fn send_inner<O: Operation>(&self, operation: &O, repeatable: bool) -> SendFuture<O> {
        let inner = self.inner.clone();
        let request = operation.request(&inner.config, inner.credential.as_ref());
        let response: ResponseFuture = match request {
            Ok(request) => Box::pin(execute(inner, request, repeatable)),
            Err(e) => Box::pin(std::future::ready(Err(Error::Api(e)))),
        };
        SendFuture {
            response,
            operation: PhantomData,
        }
    }

    /// Sends a request with retries as the core's policy decides. Not generic: the one copy
    /// of the I/O loop serves every operation.
    pub fn execute(
        &self,
        request: http::Request<Vec<u8>>,
        repeatable: bool,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, Error>> + 'static {
        execute(self.inner.clone(), request, repeatable)
    }
}

/// A response on its way (the I/O loop, shared by every operation).
type ResponseFuture = Pin<Box<dyn Future<Output = Result<http::Response<Vec<u8>>, Error>>>>;

/// The future of one call: the response's bytes, then the operation's parser. Owns all it
/// needs (`'static` when the operation type is): it borrows neither client nor operation.
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<O> {
    response: ResponseFuture,
    operation: PhantomData<fn() -> O>,
}

impl<O> std::fmt::Debug for SendFuture<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendFuture")
    }
}

impl<O: Operation> Future for SendFuture<O> {
    type Output = Result<O::Output, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.response
            .as_mut()
            .poll(cx)
            .map(|r| r.and_then(|response| Ok(O::parse(&response)?)))
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn transport(kind: TransportError, attempts: u32) -> Error {
    Error::Transport { kind, attempts }
}

async fn execute(
    inner: Rc<Inner>,
    request: http::Request<Vec<u8>>,
    repeatable: bool,
) -> Result<http::Response<Vec<u8>>, Error> {
    let start = now_ms();
    // Whole milliseconds (all `Date.now` gives); `as` saturates, so no overflow panic path.
    let elapsed = || Duration::from_millis((now_ms() - start).max(0.0) as u64);
    let (mut parts, body) = request.into_parts();
    for (name, value) in &inner.headers {
        parts.headers.insert(name, value.clone());
    }
    let mut number = 1;
    loop {
        let Some(left) = inner
            .overall_timeout
            .checked_sub(elapsed())
            .filter(|d| !d.is_zero())
        else {
            return Err(transport(
                TransportError::Timeout("overall".into()),
                number - 1,
            ));
        };
        let result = once(&inner, &parts, &body, left.min(inner.request_timeout)).await;
        let outcome = match &result {
            Ok(resp) => Some(Outcome::Response {
                status: resp.status().as_u16(),
                headers: resp.headers(),
            }),
            Err(e) => e.outcome(),
        };
        let decision = match outcome {
            Some(outcome) => {
                let attempt = Attempt {
                    method: &parts.method,
                    repeatable,
                    number,
                    elapsed: elapsed(),
                    now_unix: (now_ms() / 1000.0) as i64,
                    jitter: js_sys::Math::random(),
                };
                inner.retry.decide(&attempt, outcome)
            }
            None => Decision::Stop,
        };
        match decision {
            Decision::RetryAfter(wait)
                if wait < inner.overall_timeout.saturating_sub(elapsed()) =>
            {
                sleep(wait).await.map_err(|kind| transport(kind, number))?;
                number += 1;
            }
            _ => return result.map_err(|kind| transport(kind, number)),
        }
    }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property of a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `target[name]` as a function, or an unsupported-runtime error.
fn function(target: &JsValue, name: &str) -> Result<Function, TransportError> {
    get(target, name)
        .dyn_into::<Function>()
        .map_err(|_| TransportError::Unsupported(["`", name, "` is not a function here"].concat()))
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
fn classify(e: &JsValue, signal: &JsValue, body: bool) -> TransportError {
    // Only this client's timer aborts its controller.
    if get(signal, "aborted").as_bool() == Some(true) {
        return TransportError::Timeout("request".into());
    }
    let name = get(e, "name").as_string().unwrap_or_default();
    let text = describe(e);
    match name.as_str() {
        "AbortError" => TransportError::Aborted(text),
        "TimeoutError" => TransportError::Timeout(text),
        _ if body => TransportError::Interrupted(text),
        "TypeError" => TransportError::Network(text),
        _ => TransportError::Other(text),
    }
}

fn millis(d: Duration) -> JsValue {
    JsValue::from_f64(d.as_secs_f64() * 1000.0)
}

/// Waits with the global `setTimeout`.
async fn sleep(wait: Duration) -> Result<(), TransportError> {
    let global: JsValue = js_sys::global().into();
    let set_timeout = function(&global, "setTimeout")?;
    let mut failed = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Err(e) = set_timeout.call2(&global, &resolve, &millis(wait)) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(TransportError::Unsupported(describe(&e)));
    }
    JsFuture::from(promise)
        .await
        .map(drop)
        .map_err(|e| TransportError::Other(describe(&e)))
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
    out.push_str(uri.path());
    if let Some(query) = uri.query() {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// One attempt: `fetch`, then the whole body, under one timer.
async fn once(
    inner: &Inner,
    parts: &http::request::Parts,
    body: &[u8],
    timeout: Duration,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let global: JsValue = js_sys::global().into();
    let scope = inner.fetch_scope.clone().unwrap_or_else(|| global.clone());
    let fetch = function(&scope, "fetch")?;
    let controller = Reflect::construct(&function(&global, "AbortController")?, &Array::new())
        .map_err(|e| TransportError::Unsupported(describe(&e)))?;
    let signal = get(&controller, "signal");
    let set_timeout = function(&global, "setTimeout")?;
    let clear_timeout = function(&global, "clearTimeout")?;
    let abort = function(&controller, "abort")?;

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
        set(&init, "body", &Uint8Array::from(body));
    }
    set(&init, "signal", &signal);

    let on_timeout = abort.bind1(&controller, &JsValue::from_str(TIMEOUT_REASON));
    let timer = set_timeout
        .call2(&global, &on_timeout, &millis(timeout))
        .map_err(|e| TransportError::Unsupported(describe(&e)))?;
    let url = JsValue::from_str(&uri_text(&parts.uri));
    let result = fetch_and_read(&fetch, &scope, &url, &init, &signal, inner).await;
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
    inner: &Inner,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let sent = fetch
        .call2(scope, url, init)
        .map_err(|e| classify(&e, signal, false))?;
    let response = JsFuture::from(Promise::resolve(&sent))
        .await
        .map_err(|e| classify(&e, signal, false))?;
    let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
    let status = http::StatusCode::from_u16(status).map_err(|_| {
        TransportError::Other(format!(
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
    let limit = inner.max_response_bytes;
    let declared = out
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(TransportError::BodyTooLarge { limit });
    }
    let read = function(&response, "arrayBuffer")?
        .call0(&response)
        .map_err(|e| classify(&e, signal, true))?;
    let buffer = JsFuture::from(Promise::resolve(&read))
        .await
        .map_err(|e| classify(&e, signal, true))?;
    let bytes = Uint8Array::new(&buffer);
    if u64::from(bytes.length()) > limit {
        return Err(TransportError::BodyTooLarge { limit });
    }
    *out.body_mut() = bytes.to_vec();
    Ok(out)
}

impl Transport for Client {
    type Sent<O: Operation> = SendFuture<O>;
    type Pages<'c, O: Paginated>
        = Pages<'c, O>
    where
        Self: 'c;

    fn send_operation<O: Operation>(&self, operation: O, repeatable: bool) -> Self::Sent<O> {
        self.send_inner(&operation, repeatable)
    }

    fn pages<O: Paginated>(&self, operation: O) -> Pages<'_, O> {
        Pages {
            client: self,
            next: Some(operation),
        }
    }
}

/// The pages of a paginated operation, each fetched when [`Pages::next`] reaches it. Stops
/// after the last page or the first error.
#[derive(Debug)]
pub struct Pages<'c, O> {
    client: &'c Client,
    next: Option<O>,
}

impl<'c, O: Paginated> Pages<'c, O> {
    /// The next page; `None` after the last one or after an error.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<Result<O::Output, Error>> {
        let op = self.next.take()?;
        match self.client.send(&op).await {
            Ok(output) => {
                self.next = next_page(&op, &output);
                Some(Ok(output))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// The items of every page, in order.
    pub fn items(self) -> Items<'c, O> {
        Items {
            pages: self,
            current: Vec::new().into_iter(),
        }
    }
}

/// The items of every page of a paginated operation, fetched page by page when needed.
#[derive(Debug)]
pub struct Items<'c, O: Paginated> {
    pages: Pages<'c, O>,
    current: std::vec::IntoIter<O::Item>,
}

impl<O: Paginated> Items<'_, O> {
    /// The next item; `None` after the last one or after an error.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<Result<O::Item, Error>> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(Ok(item));
            }
            match self.pages.next().await? {
                Ok(output) => self.current = O::into_items(output).into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
