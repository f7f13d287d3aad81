//! # polar-blocking
//!
//! The synchronous client of polar-rs over [`ureq`]. A thin transport: requests, parsing,
//! retries, pagination and uploads are [`polar_core`]'s exchanges, driven by
//! [`polar_core::client::BlockingClient`]; this crate only moves bytes, sleeps, reads the
//! clock and enforces timeouts and the response size limit.
//!
//! ```no_run
//! use polar_blocking::{Api, Client, Credential};
//! use polar_blocking::models::CustomerSessionCustomerIdCreate;
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
//! # Ok::<(), polar_blocking::Error>(())
//! ```
//!
//! Any other blocking HTTP client plugs in as one function ([`send_with`]):
//!
//! ```no_run
//! use polar_blocking::{send_with, Api, BlockingClient, Fault};
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

mod ingest;
mod resolver;

use polar_core::client::Jitter;
use polar_core::exchange::{Limits, Options};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use polar_core::api::Api;
pub use polar_core::client::{BlockingClient, BlockingItems, BlockingPages, Builder};
pub use polar_core::exchange::{Fault, FaultKind, Settings};
pub use polar_core::retry::RetryPolicy;
pub use polar_core::upload::{FileSpec, UploadProgress};
pub use polar_core::{
    json, models, operations, Config, Credential, CredentialKind, Error, Operation, Paginated,
    Patch, Secret, SPEC_VERSION,
};

/// The synchronous Polar client over ureq. `Sync`: share one by reference across threads.
/// Over another HTTP client: [`BlockingClient::builder_with`]`(`[`send_with`]`(..))`.
pub type Client = BlockingClient<Ureq>;

/// Settings for a [`Client`]: `Client::builder()`.
pub type ClientBuilder = Builder<Client>;

/// The pages of a list, each fetched when the iterator reaches it.
pub type Pages<'c, O> = BlockingPages<'c, Ureq, O>;

/// The items of every page of a list.
pub type Items<'c, O> = BlockingItems<'c, Ureq, O>;

pub use ingest::{BatchReport, Ingester, RejectedEvent, Undelivered};
pub use polar_core::client::Transport;
pub use polar_core::ingest::{IngestConfig, IngestStats, PushError};

/// The time since the Unix epoch by the system clock (zero before 1970).
fn system_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn seeded_jitter() -> Jitter {
    Jitter::new(system_now().as_nanos() as u64)
}

/// The ureq transport: rustls, a connection pool, no redirects, timeouts per attempt.
#[derive(Debug)]
pub struct Ureq {
    agent: ureq::Agent,
    request_timeout: Duration,
    jitter: Jitter,
}

impl Default for Ureq {
    fn default() -> Self {
        let mut ureq = Ureq {
            agent: ureq::Agent::new_with_defaults(),
            request_timeout: Duration::ZERO,
            jitter: seeded_jitter(),
        };
        ureq.prepare(&Options::default());
        ureq
    }
}

impl Transport for Ureq {
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

    fn sleep(&self, wait: Duration) {
        std::thread::sleep(wait);
    }

    fn now(&self) -> Duration {
        system_now()
    }

    fn jitter(&self) -> f64 {
        self.jitter.next()
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
pub fn send_with<F>(send: F) -> SendWith<F>
where
    F: Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Fault>,
{
    SendWith {
        send,
        jitter: seeded_jitter(),
    }
}

/// A transport made of one function ([`send_with`]).
pub struct SendWith<F> {
    send: F,
    jitter: Jitter,
}

impl<F> std::fmt::Debug for SendWith<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendWith")
    }
}

impl<F> Transport for SendWith<F>
where
    F: Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Fault>,
{
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        _limits: &Limits,
    ) -> Result<http::Response<Vec<u8>>, Fault> {
        (self.send)(request)
    }

    fn sleep(&self, wait: Duration) {
        std::thread::sleep(wait);
    }

    fn now(&self) -> Duration {
        system_now()
    }

    fn jitter(&self) -> f64 {
        self.jitter.next()
    }
}
