//! # polar-blocking
//!
//! The synchronous client of polar-rs over [`ureq`]. A thin transport: requests, parsing,
//! retry decisions and pagination all come from [`polar_core`]; this crate moves bytes,
//! sleeps between retries and enforces timeouts and a response size limit.
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod resolver;

use polar_core::call::Transport;
use polar_core::operation::next_page;
use polar_core::retry::{Attempt, Decision, Outcome, RetryPolicy};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
    /// The connection could not be made (refused, DNS, TLS, connect timeout): the request
    /// never reached the server.
    #[error("could not connect: {0}")]
    Connect(String),
    /// A timeout expired (per request or overall).
    #[error("timed out ({0})")]
    Timeout(String),
    /// The connection broke after the request was sent (reset, truncated response).
    #[error("connection interrupted: {0}")]
    Interrupted(String),
    /// The response body is larger than the configured limit.
    #[error("response body larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: u64,
    },
    /// Anything else ureq reports.
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// What the retry policy is told; `None` for a fault that repeating cannot cure (a
    /// complete answer larger than the limit would come back just as large).
    fn outcome(&self) -> Option<Outcome<'static>> {
        match self {
            TransportError::Connect(_) => Some(Outcome::NotSent),
            TransportError::BodyTooLarge { .. } => None,
            _ => Some(Outcome::Interrupted),
        }
    }

    fn from_ureq(e: ureq::Error, limit: u64) -> Self {
        use ureq::Error as U;
        use ureq::Timeout as T;
        match e {
            U::Timeout(t @ (T::Resolve | T::Connect)) => {
                TransportError::Connect(format!("{t:?} timeout"))
            }
            U::Timeout(t) => TransportError::Timeout(format!("{t:?}")),
            U::HostNotFound | U::ConnectionFailed => TransportError::Connect(e.to_string()),
            U::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                TransportError::Connect(io.to_string())
            }
            U::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                TransportError::Timeout(io.to_string())
            }
            U::Io(io) => TransportError::Interrupted(io.to_string()),
            U::Protocol(p) => TransportError::Interrupted(p.to_string()),
            U::BodyExceedsLimit(_) => TransportError::BodyTooLarge { limit },
            U::BodyStalled => TransportError::Timeout("body stalled".into()),
            other => TransportError::Other(other.to_string()),
        }
    }
}

/// A synchronous Polar client. `Sync`: share one by reference across threads.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    config: Config,
    credential: Option<Credential>,
    retry: RetryPolicy,
    request_timeout: Duration,
    overall_timeout: Duration,
    max_response_bytes: u64,
    jitter_state: AtomicU64,
}

/// Settings for a [`Client`]; every one has a default.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: Config,
    credential: Option<Credential>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    overall_timeout: Duration,
    max_response_bytes: u64,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            config: Config::production(),
            credential: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            overall_timeout: Duration::from_secs(120),
            max_response_bytes: 32 * 1024 * 1024,
        }
    }
}

impl ClientBuilder {
    /// Server, `Polar-Version` and user agent (default: production).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The credential sent to operations that accept its kind.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]; [`RetryPolicy::none`] turns it off).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time for one attempt, response body included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Time for a whole call, retries and waits included (default 120 s).
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.overall_timeout = timeout;
        self
    }

    /// The largest response body accepted (default 32 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let agent_config = ureq::Agent::config_builder()
            // 4xx/5xx bodies must reach the core's parser.
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            // The usual per-attempt limit, set once here: a per-request override copies the
            // whole agent config, so `once` makes one only when the overall deadline is nearer.
            .timeout_global(Some(self.request_timeout))
            .max_redirects(0)
            .user_agent(self.config.user_agent_header())
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::new(),
            resolver::Resolve::default(),
        );
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Client {
            agent,
            config: self.config,
            credential: self.credential,
            retry: self.retry,
            request_timeout: self.request_timeout,
            overall_timeout: self.overall_timeout,
            max_response_bytes: self.max_response_bytes,
            jitter_state: AtomicU64::new(seed | 1),
        }
    }
}

impl Client {
    /// Settings for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The same client (connection pool, settings) acting with another credential: e.g. a
    /// customer session token for the customer portal operations.
    pub fn with_credential(&self, credential: Credential) -> Client {
        Client {
            agent: self.agent.clone(),
            config: self.config.clone(),
            credential: Some(credential),
            retry: self.retry.clone(),
            request_timeout: self.request_timeout,
            overall_timeout: self.overall_timeout,
            max_response_bytes: self.max_response_bytes,
            jitter_state: AtomicU64::new(self.jitter_state.load(Ordering::Relaxed) ^ 0x5DEE_CE66),
        }
    }

    /// Sends an operation built by hand (the group accessors of [`Api`] are the usual way).
    pub fn send<O: Operation>(&self, operation: &O) -> Result<O::Output, Error> {
        self.send_inner(operation, false)
    }

    fn send_inner<O: Operation>(
        &self,
        operation: &O,
        repeatable: bool,
    ) -> Result<O::Output, Error> {
        let request = operation.request(&self.config, self.credential.as_ref())?;
        let response = self.execute(request, repeatable)?;
        Ok(O::parse(&response)?)
    }

    /// Sends a request with retries as the core's policy decides. Not generic: the one
    /// copy of the I/O loop serves every operation.
    pub fn execute(
        &self,
        request: http::Request<Vec<u8>>,
        repeatable: bool,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let start = Instant::now();
        let (parts, body) = request.into_parts();
        let mut number = 1;
        loop {
            let elapsed = start.elapsed();
            let Some(left) = self
                .overall_timeout
                .checked_sub(elapsed)
                .filter(|d| !d.is_zero())
            else {
                return Err(Error::Transport {
                    kind: TransportError::Timeout("overall".into()),
                    attempts: number - 1,
                });
            };
            // The body is lent, not copied: only the head is rebuilt for each attempt.
            let mut req = http::Request::new(body.as_slice());
            *req.method_mut() = parts.method.clone();
            *req.uri_mut() = parts.uri.clone();
            *req.headers_mut() = parts.headers.clone();
            let result = self.once(req, left.min(self.request_timeout));
            let outcome = match &result {
                Ok(resp) => Some(Outcome::Response {
                    status: resp.status().as_u16(),
                    headers: resp.headers(),
                }),
                Err(e) => e.outcome(),
            };
            let attempt = Attempt {
                method: &parts.method,
                repeatable,
                number,
                elapsed: start.elapsed(),
                now_unix: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0),
                jitter: self.jitter(),
            };
            let decision = match outcome {
                Some(outcome) => self.retry.decide(&attempt, outcome),
                None => Decision::Stop,
            };
            match decision {
                Decision::RetryAfter(wait)
                    if wait < self.overall_timeout.saturating_sub(start.elapsed()) =>
                {
                    std::thread::sleep(wait);
                    number += 1;
                }
                _ => {
                    return result.map_err(|kind| Error::Transport {
                        kind,
                        attempts: number,
                    })
                }
            }
        }
    }

    fn once(
        &self,
        request: http::Request<&[u8]>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let limit = self.max_response_bytes;
        let request = if timeout < self.request_timeout {
            self.agent
                .configure_request(request)
                .timeout_global(Some(timeout))
                .build()
        } else {
            request
        };
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
        .map_err(|e| TransportError::from_ureq(e, limit))?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| TransportError::from_ureq(e, limit))?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    /// A jitter value in `[0, 1)` (xorshift: spreading retries needs no cryptography).
    fn jitter(&self) -> f64 {
        let mut x = self.jitter_state.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter_state.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Transport for Client {
    type Sent<O: Operation> = Result<O::Output, Error>;
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

/// The pages of a paginated operation, each fetched when the iterator reaches it. Stops
/// after the last page or the first error.
#[derive(Debug)]
pub struct Pages<'c, O> {
    client: &'c Client,
    next: Option<O>,
}

impl<O: Paginated> Iterator for Pages<'_, O> {
    type Item = Result<O::Output, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let op = self.next.take()?;
        match self.client.send(&op) {
            Ok(output) => {
                self.next = next_page(&op, &output);
                Some(Ok(output))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl<'c, O: Paginated> Pages<'c, O> {
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

impl<O: Paginated> Iterator for Items<'_, O> {
    type Item = Result<O::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(Ok(item));
            }
            match self.pages.next()? {
                Ok(output) => self.current = O::into_items(output).into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

pub use polar_core::upload::UploadProgress;

impl Client {
    /// Uploads a file of any size the way Polar expects: `files:create` with per-part and
    /// whole-file SHA-256 checksums, a `PUT` of each part to its presigned URL (a failed part
    /// is retried on its own, as the retry policy allows, without restarting the upload),
    /// then `files:uploaded` with the ETags. `progress` is called after each step.
    pub fn upload_file(
        &self,
        file: &polar_core::upload::FileSpec,
        data: &[u8],
        mut progress: impl FnMut(UploadProgress),
    ) -> Result<models::FileRead, Error> {
        use polar_core::upload::{part_data, part_etag, part_request, UploadPlan};

        let plan = UploadPlan::new(data.len() as u64, file.part_size)?;
        let body = plan.file_create_for(file, data)?;
        let upload = self.send(&operations::files::Create::new(body))?;
        plan.check(&upload)?;
        let mut status = plan.progress();
        progress(status);

        let mut done = Vec::with_capacity(upload.upload.parts.len());
        for part in &upload.upload.parts {
            let request = part_request(part, part_data(data, part).to_vec())?;
            // A PUT of the same bytes is safe to repeat: the policy may retry it.
            let response = self.execute(request, true)?;
            done.push(part_etag(part, &response)?);
            status.part_sent(part);
            progress(status);
        }

        let completed =
            models::FileUploadCompleted::new(&upload.upload.id, &upload.upload.path, done);
        self.send(&operations::files::Uploaded::new(&upload.id, completed))
    }
}
