//! Clients over any transport: every operation, with retries, pages and uploads, for
//! whatever moves the bytes.
//!
//! A transport is four small functions: send one request within [`Limits`], sleep, read the
//! clock, draw a jitter value. Everything else (which request, whether to retry, how long to
//! wait, which page is next, what an upload sends) is decided by the [`exchange`] state
//! machines, driven here by one loop for blocking transports ([`BlockingClient`]) and one for
//! async ones ([`AsyncClient`]). `polar-blocking` (ureq), `polar-wasm` (fetch) and the tokio
//! client are such transports; so is any HTTP client you already have.
//!
//! Both clients are configured by the same [`Builder`], so every runtime takes the same
//! options under the same names.
//!
//! [`exchange`]: crate::exchange

mod blocking;
mod nonblocking;

pub use blocking::{run, BlockingClient, BlockingItems, BlockingPages, Transport};
pub use nonblocking::{
    AsyncClient, AsyncItems, AsyncPages, AsyncTransport, Driver, Raw, SendFuture, UploadFuture,
};

use crate::exchange::{Options, Settings};
use crate::retry::RetryPolicy;
use crate::{Config, Credential};
use http::{HeaderName, HeaderValue};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

    /// The credential sent to operations that accept its kind.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.options.credential = Some(credential);
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
