//! # polarsh-tokio
//!
//! The async client of polar-rs for tokio: axum, actix-web, any tokio server or worker. A
//! thin transport like `polarsh-blocking` and `polarsh-wasm`, with the same names: requests,
//! parsing, retries, pagination and uploads are [`polarsh_core`]'s exchanges, driven by
//! [`polarsh_core::client::AsyncClient`]; this crate ([`Reqwest`]) only moves bytes through
//! [`reqwest`] (rustls), waits with `tokio::time::sleep`, reads the system clock and enforces
//! the per-attempt timeout and the response size limit.
//!
//! Its futures and streams own what they need and are `Send + 'static`: spawn them, await
//! them in axum handlers, keep one [`Client`] in your state and clone it (it shares one
//! connection pool).
//!
//! ```no_run
//! use polarsh_tokio::models::CustomerSessionCustomerIdCreate;
//! use polarsh_tokio::{Api, Client, Credential};
//!
//! # async fn run() -> Result<(), polarsh_tokio::Error> {
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
//! // Every product, fetching pages only as the loop needs them (`items()` is also a
//! // `futures::Stream`, for `StreamExt`'s combinators).
//! let mut products = client.products().list().pages().items();
//! while let Some(product) = products.next().await {
//!     println!("{}", product?.name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Any other async HTTP client plugs in as one async function ([`send_with`]), and a
//! configured `reqwest::Client` (proxy, custom roots) through [`Reqwest::with_client`].
//!
//! Everything runs inside a tokio runtime with timers enabled (`#[tokio::main]` has them);
//! polled outside one, a call ends with an [`FaultKind::Unsupported`] fault instead of a panic.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// docs.rs marks each item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ingest;

use polarsh_core::client::Jitter;
use polarsh_core::exchange::Limits;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use ingest::Ingester;
#[doc(inline)]
pub use polarsh_core::client::prelude::*;
pub use polarsh_core::client::{
    AsyncItems, AsyncPages, AsyncRuntime, AsyncTransport, SendFuture, UploadFuture,
};
pub use polarsh_core::ingest::Undelivered;
/// The reqwest this crate is built with, for [`Reqwest::with_client`].
pub use reqwest;

/// The async Polar client over reqwest. Cheap to clone (one connection pool); `Send + Sync`,
/// and so are its futures and streams. Over another HTTP client:
/// [`AsyncClient::builder_with`]`(`[`send_with`]`(..))`.
///
/// Every operation is a method of its API group, reached through [`Api`] (bring it into
/// scope): `client.customers().get(id).send().await?`, and for a list
/// `client.products().list().pages().items()`, a stream. Each operation's page in
/// [`operations`] shows its call (through the blocking client: here `send()` is awaited).
pub type Client = AsyncClient<Reqwest>;

/// Settings for a [`Client`]: `Client::builder()`.
pub type ClientBuilder = Builder<Client>;

/// The pages of a list, a `futures::Stream` fetching each page when polled.
pub type Pages<O> = AsyncPages<Reqwest, O>;

/// The items of every page of a list, a `futures::Stream`.
pub type Items<O> = AsyncItems<Reqwest, O>;

/// A boxed `Send` future, what this crate's transports return for an attempt or a wait.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The time since the Unix epoch by the system clock (zero before 1970).
fn system_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Tokio's timers and reqwest's sockets panic outside a runtime: say so as a fault instead.
fn in_runtime() -> Result<(), Fault> {
    tokio::runtime::Handle::try_current()
        .map(drop)
        .map_err(|_| {
            Fault::new(
                FaultKind::Unsupported,
                "no tokio runtime: poll polarsh-tokio's futures inside one",
            )
        })
}

/// One attempt under the per-attempt timeout (response body included).
async fn timed<F>(timeout: Duration, attempt: F) -> Result<http::Response<Vec<u8>>, Fault>
where
    F: Future<Output = Result<http::Response<Vec<u8>>, Fault>>,
{
    in_runtime()?;
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or_else(|_| Err(Fault::timed_out("request timeout")))
}

/// Tokio's runtime: `tokio::time::sleep` (a fault outside a runtime, not a panic), the
/// system clock, xorshift jitter seeded from the clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioRuntime;

/// The process's jitter source, seeded from the clock on first use.
fn jitter() -> &'static Jitter {
    static JITTER: OnceLock<Jitter> = OnceLock::new();
    JITTER.get_or_init(|| Jitter::new(system_now().as_nanos() as u64))
}

impl AsyncRuntime for TokioRuntime {
    type Sleep = BoxFuture<Result<(), Fault>>;

    fn sleep(&self, wait: Duration) -> Self::Sleep {
        Box::pin(async move {
            in_runtime()?;
            tokio::time::sleep(wait).await;
            Ok(())
        })
    }

    fn now(&self) -> Duration {
        system_now()
    }

    fn jitter(&self) -> f64 {
        jitter().next()
    }
}

/// The reqwest transport: rustls, a connection pool, no redirects, the per-attempt timeout
/// and the size limit enforced while the body streams in.
#[derive(Debug)]
pub struct Reqwest {
    /// `Err`: the client could not be built (its TLS set-up failed), said at each send.
    client: Result<reqwest::Client, String>,
    /// What the owned client was built for (connect timeout, user agent); `None` for a
    /// client brought by the user, which `prepare` leaves alone.
    built_for: Option<(Duration, String)>,
    runtime: TokioRuntime,
}

impl Default for Reqwest {
    fn default() -> Self {
        let mut reqwest = Reqwest {
            client: Err(String::new()),
            built_for: Some((Duration::ZERO, String::new())),
            runtime: TokioRuntime,
        };
        reqwest.prepare(&Options::default());
        reqwest
    }
}

impl Reqwest {
    /// A transport over your own `reqwest::Client` (a proxy, extra root certificates, a
    /// local address), used as it is: its connect timeout, user agent, redirect policy and
    /// pool are yours (keep redirects off: Polar's answers are final). The client still
    /// enforces its per-attempt timeout and the response size limit around it.
    ///
    /// `Client::builder_with(Reqwest::with_client(my_reqwest)).credential(..).build()`
    pub fn with_client(client: reqwest::Client) -> Self {
        Reqwest {
            client: Ok(client),
            built_for: None,
            runtime: TokioRuntime,
        }
    }

    /// The reqwest client requests go through.
    pub fn client(&self) -> Option<&reqwest::Client> {
        self.client.as_ref().ok()
    }
}

impl AsyncTransport for Reqwest {
    type Runtime = TokioRuntime;
    type Send = BoxFuture<Result<http::Response<Vec<u8>>, Fault>>;

    fn runtime(&self) -> &TokioRuntime {
        &self.runtime
    }

    fn send(&self, request: http::Request<Vec<u8>>, limits: &Limits) -> Self::Send {
        let client = self.client.clone();
        let limit = limits.max_response_bytes;
        Box::pin(timed(limits.timeout, async move {
            let client = client.map_err(|e| Fault::new(FaultKind::Unsupported, e))?;
            attempt(&client, request, limit).await
        }))
    }

    fn prepare(&mut self, options: &Options) {
        let wanted = (
            options.settings.connect_timeout,
            options.config.user_agent_header().to_owned(),
        );
        // A user's client is kept; an owned one is rebuilt only when what it was built
        // for changed (building one sets up TLS).
        if self.built_for.as_ref().is_none_or(|b| *b == wanted) {
            return;
        }
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(wanted.0)
                // Polar's answers are final; a redirect would carry the token elsewhere.
                .redirect(reqwest::redirect::Policy::none())
        };
        // The core puts its user agent on Polar's requests; this one is for storage hosts.
        // An agent that is not a valid header value is dropped rather than failing the build.
        self.client = builder()
            .user_agent(wanted.1.as_str())
            .build()
            .or_else(|_| builder().build())
            .map_err(|e| format!("could not set up the HTTP client: {}", chain(&e)));
        self.built_for = Some(wanted);
    }
}

/// One request through reqwest, the body read chunk by chunk up to `limit` bytes.
async fn attempt(
    client: &reqwest::Client,
    request: http::Request<Vec<u8>>,
    limit: u64,
) -> Result<http::Response<Vec<u8>>, Fault> {
    // A GET (HEAD, DELETE, OPTIONS) without a body goes out without one, as every other
    // client sends it: no `content-length: 0` on a request that has no content.
    let bodiless = request.body().is_empty()
        && matches!(
            *request.method(),
            http::Method::GET | http::Method::HEAD | http::Method::DELETE | http::Method::OPTIONS
        );
    let mut request = reqwest::Request::try_from(request)
        .map_err(|e| Fault::not_sent(format!("invalid request: {}", chain(&e))))?;
    if bodiless {
        *request.body_mut() = None;
    }
    let mut response = client
        .execute(request)
        .await
        .map_err(|e| fault(&e, "sending"))?;
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(Fault::body_too_large(limit));
    }
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    // Capacity from the declared length, but never a large allocation on a server's word.
    let capacity = declared.unwrap_or(0).min(limit).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| fault(&e, "reading the body"))?
    {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(Fault::body_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = http::Response::new(body);
    *out.status_mut() = status;
    *out.version_mut() = version;
    *out.headers_mut() = headers;
    Ok(out)
}

/// What reqwest's error says of the request: whether it left, timed out, or broke.
fn fault(e: &reqwest::Error, phase: &str) -> Fault {
    let detail = [phase, ": ", &chain(e)].concat();
    if e.is_builder() || e.is_connect() {
        // Never left: an unusable request, or no connection (refused, DNS, TLS handshake,
        // connect timeout: reqwest reports a connect timeout as a connect error).
        Fault::not_sent(detail)
    } else if e.is_timeout() {
        // A timeout of a user's own client, after the connection was made.
        Fault::timed_out(detail)
    } else {
        // Reset, closed early, truncated body, bad HTTP: the request may have arrived.
        Fault::interrupted(detail)
    }
}

/// An error and its sources, without the URL (a presigned storage URL holds a signature).
fn chain(e: &reqwest::Error) -> String {
    // reqwest's `Display` appends ` for url (...)`; its kind says enough.
    let text = e.to_string();
    let mut out = match text.split_once(" for url (") {
        Some((head, _)) => head.to_owned(),
        None => text,
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Any async HTTP client as a transport: `send` moves one request and returns the whole
/// response (any status) or a [`Fault`] (say whether the request left: it decides retries).
/// Sleeping is tokio's, the clock the system's; the per-attempt timeout is enforced around
/// `send`; the core checks the response size limit and decides retries, pages and uploads.
///
/// ```no_run
/// use polarsh_tokio::{send_with, Api, AsyncClient, Fault};
///
/// # async fn run() {
/// let client = AsyncClient::builder_with(send_with(|request: http::Request<Vec<u8>>| async move {
///     // ... your HTTP client sends `request` and returns the whole response ...
///     # let _ = request;
///     Err::<http::Response<Vec<u8>>, _>(Fault::not_sent("no network in this example"))
/// }))
/// .build();
/// let products = client.products().list().send().await;
/// # }
/// ```
pub fn send_with<F, Fut>(send: F) -> SendWith<F, TokioRuntime>
where
    F: Fn(http::Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<http::Response<Vec<u8>>, Fault>>,
{
    SendWith::new(send, TokioRuntime)
}
