//! Clients over any transport: every operation, with retries, pages and uploads, for
//! whatever moves the bytes.
//!
//! A transport is one function, send one request within its limits, over a runtime that
//! sleeps, reads the clock and draws jitter values. Everything else (which request, whether to retry, how long to
//! wait, which page is next, what an upload sends) is decided by the [`exchange`] state
//! machines, driven here by one loop for blocking transports ([`BlockingClient`]) and one for
//! async ones ([`AsyncClient`]). `polarsh-blocking` (ureq), `polarsh-wasm` (fetch) and the tokio
//! client are such transports; so is any HTTP client you already have.
//!
//! Both clients are configured by the same [`Builder`], so every runtime takes the same
//! options under the same names.
//!
//! [`exchange`]: crate::exchange

mod blocking;
mod nonblocking;

pub use blocking::{run, BlockingClient, BlockingItems, BlockingPages, Runtime, Transport};
pub use nonblocking::{
    AsyncClient, AsyncItems, AsyncPages, AsyncRuntime, AsyncTransport, Driver, Raw, SendFuture,
    UploadFuture,
};

use crate::call::CallOptions;
use crate::exchange::{Fault, Limits, Options, Settings};
use crate::retry::RetryPolicy;
use crate::{Config, Credential};
use http::{HeaderName, HeaderValue, Request, Response};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// What every client crate re-exports, so a program reads the same whatever its runtime:
/// `use polarsh_blocking::*` and `use polarsh_tokio::*` name the same things.
pub mod prelude {
    pub use super::{AsyncClient, BlockingClient, Builder, SendWith};
    pub use crate::api::Api;
    pub use crate::exchange::{Fault, FaultKind, Options, Settings};
    pub use crate::ingest::{BatchReport, IngestConfig, IngestStats, PushError, RejectedEvent};
    pub use crate::retry::RetryPolicy;
    pub use crate::upload::{FileSpec, UploadProgress};
    pub use crate::{
        json, models, operations, webhooks, Config, Credential, CredentialKind, Csv, Error, Id,
        Operation, Paginated, Patch, Secret, Str, TokenError, TokenKind, SPEC_VERSION,
    };
}

/// A client assembled from options and a transport; what [`Builder::build`] makes.
pub trait FromParts: Sized {
    /// The transport the client drives.
    type Transport;
    /// The client, its transport prepared for `options`.
    fn from_parts(options: Options, transport: Self::Transport) -> Self;
}

/// The settings of a client, the same for every runtime; every one has a default.
///
/// `Client::builder()` starts one with the runtime's default transport,
/// `Client::builder_with(transport)` with another.
pub struct Builder<C: FromParts> {
    options: Options,
    transport: C::Transport,
}

impl<C: FromParts> fmt::Debug for Builder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<C: FromParts> Builder<C> {
    /// Default options (production, no credential) over `transport`.
    pub fn new(transport: C::Transport) -> Self {
        Builder {
            options: Options::default(),
            transport,
        }
    }

    /// Server, `Polar-Version` and user agent (default: production).
    pub fn config(mut self, config: Config) -> Self {
        self.options.config = config;
        self
    }

    /// The credential sent to operations that accept its kind ([`Credential::from_token`]
    /// reads the kind from the token).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.options.credential = Some(credential);
        self
    }

    /// The organization a user-level credential (a personal access token, a user's OAuth
    /// token) acts in: its id, sent as the `Polar-Organization` header, as Polar's own
    /// clients do. An organization token belongs to one organization and needs none.
    pub fn organization(mut self, organization_id: impl Into<String>) -> Self {
        self.options.organization = Some(organization_id.into());
        self
    }

    /// Appends ` suffix` to the user agent (`polar-rs/<version> suffix`): say who is calling.
    pub fn user_agent_suffix(mut self, suffix: &str) -> Self {
        let agent = [self.options.config.user_agent_header(), " ", suffix].concat();
        self.options.config = self.options.config.user_agent(agent);
        self
    }

    /// A header sent with every request to Polar (after the core's own, which it replaces
    /// when the name is the same); never to a file storage host.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.options.headers.insert(name, value);
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]; [`RetryPolicy::none`] turns it off).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.options.settings.retry = retry;
        self
    }

    /// The longest one attempt may take, response body included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.options.settings.request_timeout = timeout;
        self
    }

    /// The longest opening a connection may take (default 10 s). A transport that cannot
    /// see that phase (`fetch`) keeps to the request timeout alone.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.settings.connect_timeout = timeout;
        self
    }

    /// The longest a whole call may take, retries and waits included (default 120 s).
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.options.settings.overall_timeout = timeout;
        self
    }

    /// The largest response body accepted (default 32 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.options.settings.max_response_bytes = limit;
        self
    }

    /// Every setting at once.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.options.settings = settings;
        self
    }

    /// Every option at once.
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// Another transport of the same type (a configured agent, a scope for `fetch`).
    pub fn transport(mut self, transport: C::Transport) -> Self {
        self.transport = transport;
        self
    }

    /// The client.
    pub fn build(self) -> C {
        C::from_parts(self.options, self.transport)
    }
}

/// The options of one call: the client's, with the call's own credential when it has one
/// (shared, not copied, when it has none).
fn options_for(options: &Arc<Options>, call: CallOptions) -> Arc<Options> {
    match call.credential {
        Some(credential) => {
            let mut own = (**options).clone();
            own.credential = Some(credential);
            Arc::new(own)
        }
        None => options.clone(),
    }
}

/// A source of jitter values for transports: xorshift, seeded by the caller (spreading
/// retries needs no cryptography, and the core draws no entropy of its own).
#[derive(Debug)]
pub struct Jitter(AtomicU64);

impl Jitter {
    /// A source seeded with `seed` (the clock's nanoseconds will do).
    pub fn new(seed: u64) -> Self {
        Jitter(AtomicU64::new(seed | 1))
    }

    /// The next value, in `[0, 1)`.
    pub fn next(&self) -> f64 {
        let mut x = self.0.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Any HTTP client as a transport: one function that sends a request and returns the whole
/// response (any status) or a [`Fault`], over a runtime (sleep, clock, jitter). Blocking when
/// the function returns a `Result` and the runtime is a [`Runtime`]; async when it returns a
/// future and the runtime is an [`AsyncRuntime`] (the attempt's timeout is then enforced
/// around the future with the runtime's sleep). Each client crate has a `send_with(f)` that
/// supplies its runtime.
pub struct SendWith<F, R> {
    send: F,
    runtime: R,
}

impl<F, R> SendWith<F, R> {
    /// `send` over `runtime`.
    pub fn new(send: F, runtime: R) -> Self {
        SendWith { send, runtime }
    }
}

impl<F, R> fmt::Debug for SendWith<F, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendWith")
    }
}

impl<F, R> Transport for SendWith<F, R>
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Fault>,
    R: Runtime,
{
    type Runtime = R;

    fn runtime(&self) -> &R {
        &self.runtime
    }

    /// A blocking function keeps to its own timeouts; the core checks the size limit.
    fn send(
        &self,
        request: Request<Vec<u8>>,
        _limits: &Limits,
    ) -> Result<Response<Vec<u8>>, Fault> {
        (self.send)(request)
    }
}

impl<F, Fut, R> AsyncTransport for SendWith<F, R>
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, Fault>>,
    R: AsyncRuntime,
{
    type Runtime = R;
    type Send = Timed<Fut, R::Sleep>;

    fn runtime(&self) -> &R {
        &self.runtime
    }

    fn send(&self, request: Request<Vec<u8>>, limits: &Limits) -> Self::Send {
        Timed {
            attempt: Box::pin((self.send)(request)),
            timer: self.runtime.sleep(limits.timeout),
        }
    }
}

/// An attempt under a timer: its answer, or a timeout fault when the timer fires first.
pub struct Timed<F, S> {
    attempt: Pin<Box<F>>,
    timer: S,
}

impl<F, S> fmt::Debug for Timed<F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Timed")
    }
}

impl<F, S> Future for Timed<F, S>
where
    F: Future<Output = Result<Response<Vec<u8>>, Fault>>,
    S: Future<Output = Result<(), Fault>> + Unpin,
{
    type Output = Result<Response<Vec<u8>>, Fault>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(r) = self.attempt.as_mut().poll(cx) {
            return Poll::Ready(r);
        }
        match Pin::new(&mut self.timer).poll(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Err(Fault::timed_out("request timeout"))),
            // A runtime that cannot time the attempt cannot run it either.
            Poll::Ready(Err(fault)) => Poll::Ready(Err(fault)),
            Poll::Pending => Poll::Pending,
        }
    }
}

// `attempt` is boxed and `timer` is `Unpin`: nothing is pinned in place.
impl<F, S: Unpin> Unpin for Timed<F, S> {}
