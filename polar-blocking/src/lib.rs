//! # polarsh-blocking
//!
//! The synchronous client of polar-rs over [`ureq`]. A thin transport: requests, parsing,
//! retries, pagination and uploads are [`polarsh_core`]'s exchanges, driven by
//! [`polarsh_core::client::BlockingClient`]; this crate only moves bytes, sleeps, reads the
//! clock and enforces timeouts and the response size limit.
//!
//! ```no_run
//! use polarsh_blocking::{Api, Client, Credential};
//! use polarsh_blocking::models::CustomerSessionCustomerIdCreate;
//!
//! let client = Client::builder()
//!     .credential(Credential::organization_token("polar_oat_..."))
//!     .build();
//! // The seed example: a customer session for a customer id.
//! let session = client
//!     .customer_sessions()
//!     .create(CustomerSessionCustomerIdCreate::new("00000000-0000-4000-8000-000000000000"))
//!     .send()?;
//! println!("{}", session.customer_portal_url);
//!
//! // Every product, fetching pages only as the loop needs them.
//! for product in client.products().list().pages().items() {
//!     println!("{}", product?.name);
//! }
//! # Ok::<(), polarsh_blocking::Error>(())
//! ```
//!
//! Any other blocking HTTP client plugs in as one function ([`send_with`]):
//!
//! ```no_run
//! use polarsh_blocking::{send_with, Api, BlockingClient, Fault};
//!
//! let client = BlockingClient::builder_with(send_with(|request: http::Request<Vec<u8>>| {
//!     // ... your HTTP client sends `request` and returns the whole response ...
//!     # let _ = request;
//!     Err::<http::Response<Vec<u8>>, _>(Fault::not_sent("no network in this example"))
//! }))
//! .build();
//! let products = client.products().list().send();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// docs.rs marks each item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ingest;
mod resolver;

use polarsh_core::client::Jitter;
use polarsh_core::exchange::Limits;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[doc(inline)]
pub use polarsh_core::client::prelude::*;
pub use polarsh_core::client::{BlockingItems, BlockingPages, Runtime, Transport};

pub use ingest::Ingester;
pub use polarsh_core::ingest::Undelivered;

/// The synchronous Polar client over ureq. `Sync`: share one by reference across threads.
/// Over another HTTP client: [`BlockingClient::builder_with`]`(`[`send_with`]`(..))`.
///
/// Every operation is a method of its API group, reached through [`Api`] (bring it into
/// scope): `client.customers().get(id).send()?`, and for a list
/// `client.products().list().pages().items()`. Each operation's page in [`operations`] shows
/// its call.
pub type Client = BlockingClient<Ureq>;

/// Settings for a [`Client`]: `Client::builder()`.
pub type ClientBuilder = Builder<Client>;

/// The pages of a list, each fetched when the iterator reaches it.
pub type Pages<'c, O> = BlockingPages<'c, Ureq, O>;

/// The items of every page of a list.
pub type Items<'c, O> = BlockingItems<'c, Ureq, O>;

/// The time since the Unix epoch by the system clock (zero before 1970).
fn system_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The standard library's runtime: `thread::sleep`, the system clock, xorshift jitter seeded
/// from the clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdRuntime;

/// The process's jitter source, seeded from the clock on first use.
fn jitter() -> &'static Jitter {
    static JITTER: OnceLock<Jitter> = OnceLock::new();
    JITTER.get_or_init(|| Jitter::new(system_now().as_nanos() as u64))
}

impl Runtime for StdRuntime {
    fn sleep(&self, wait: Duration) {
        std::thread::sleep(wait);
    }

    fn now(&self) -> Duration {
        system_now()
    }

    fn jitter(&self) -> f64 {
        jitter().next()
    }
}

/// The ureq transport: rustls, a connection pool, no redirects, timeouts per attempt.
#[derive(Debug)]
pub struct Ureq {
    agent: ureq::Agent,
    request_timeout: Duration,
    runtime: StdRuntime,
}

impl Default for Ureq {
    fn default() -> Self {
        let mut ureq = Ureq {
            agent: ureq::Agent::new_with_defaults(),
            request_timeout: Duration::ZERO,
            runtime: StdRuntime,
        };
        ureq.prepare(&Options::default());
        ureq
    }
}

impl Transport for Ureq {
    type Runtime = StdRuntime;

    fn runtime(&self) -> &StdRuntime {
        &self.runtime
    }

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        limits: &Limits,
    ) -> Result<http::Response<Vec<u8>>, Fault> {
        // The usual attempt timeout is the agent's own; a per-request override copies the
        // whole agent config, so one is made only when the overall deadline is nearer.
        let request = if limits.timeout < self.request_timeout {
            self.agent
                .configure_request(request)
                .timeout_global(Some(limits.timeout))
                .build()
        } else {
            request
        };
        let limit = limits.max_response_bytes;
        // A GET (HEAD, DELETE, OPTIONS) without a body goes out without one, as every other
        // client sends it: no `content-length: 0` on a request that has no content.
        let bodiless = request.body().is_empty()
            && matches!(
                *request.method(),
                http::Method::GET
                    | http::Method::HEAD
                    | http::Method::DELETE
                    | http::Method::OPTIONS
            );
        let response = if bodiless {
            self.agent.run(request.map(|_| ureq::SendBody::none()))
        } else {
            self.agent.run(request)
        }
        .map_err(|e| fault(e, limit))?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| fault(e, limit))?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    fn prepare(&mut self, options: &Options) {
        let s = &options.settings;
        let config = ureq::Agent::config_builder()
            // 4xx/5xx bodies must reach the core's parser.
            .http_status_as_error(false)
            .timeout_connect(Some(s.connect_timeout))
            .timeout_global(Some(s.request_timeout))
            .max_redirects(0)
            .user_agent(options.config.user_agent_header())
            .build();
        self.agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            resolver::Resolve::default(),
        );
        self.request_timeout = s.request_timeout;
    }
}

/// What ureq's error says of the request: whether it left, timed out, or broke.
fn fault(e: ureq::Error, limit: u64) -> Fault {
    use ureq::Error as U;
    use ureq::Timeout as T;
    match e {
        U::Timeout(t @ (T::Resolve | T::Connect)) => Fault::not_sent(format!("{t:?} timeout")),
        U::Timeout(t) => Fault::timed_out(format!("{t:?}")),
        U::HostNotFound | U::ConnectionFailed => Fault::not_sent(e.to_string()),
        U::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Fault::not_sent(io.to_string())
        }
        U::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Fault::timed_out(io.to_string()),
        U::Io(io) => Fault::interrupted(io.to_string()),
        U::Protocol(p) => Fault::interrupted(p.to_string()),
        U::BodyExceedsLimit(_) => Fault::body_too_large(limit),
        U::BodyStalled => Fault::timed_out("body stalled"),
        // Anything else (TLS, an invalid URI, ...) may have happened after the request left:
        // only requests safe to repeat are retried.
        other => Fault::interrupted(other.to_string()),
    }
}

/// Any blocking HTTP client as a transport: `send` moves one request and returns the whole
/// response (any status) or a [`Fault`]; sleeping, the clock and jitter are std's. The
/// function enforces its own timeouts; the core checks the response size limit and decides
/// retries, pages and uploads.
pub fn send_with<F>(send: F) -> SendWith<F, StdRuntime>
where
    F: Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Fault>,
{
    SendWith::new(send, StdRuntime)
}
