//! The exchange: every protocol that spans several requests, as a sans-IO state machine.
//!
//! A state machine owns a whole call (its retries and waits), a walk over pages, or a file
//! upload. It never touches a socket or a clock: the code driving it (a transport, or your
//! own loop) asks it what to do next, with the time and a jitter value passed in, does it,
//! and hands back what happened.
//!
//! ```
//! use polarsh_core::exchange::{CallExchange, Exchange, Fault, Options, Step};
//! use polarsh_core::operations::customers::Get;
//! use polarsh_core::{Config, Credential};
//! use std::time::Duration;
//!
//! let options = Options::new(Config::sandbox())
//!     .with_credential(Credential::organization_token("polar_oat_..."));
//! let mut call = CallExchange::new(&Get::new("cus_1"), &options, false);
//! // A loop any HTTP client can run: send what it says, sleep what it says.
//! # let mut now = Duration::from_secs(1_800_000_000);
//! let result = loop {
//!     match call.poll(now, 0.5) {
//!         Step::Send(outgoing) => {
//!             // ... send `outgoing.request` within `outgoing.limits` ...
//!             call.handle(Err(Fault::not_sent("connection refused")));
//!         }
//!         Step::Wait(wait) => now += wait, // sleep
//!         Step::Done(result) => break result,
//!     }
//! };
//! // Refused four times (the default policy), then the typed error.
//! assert_eq!(result.unwrap_err().attempts(), Some(4));
//! ```
//!
//! The machines: [`RequestExchange`] (one request, retried as the [`RetryPolicy`] allows),
//! [`CallExchange`] (the same, parsed into an operation's typed output),
//! [`PageExchange`](crate::paging::PageExchange) and
//! [`ItemExchange`](crate::paging::ItemExchange) (every page, or every item, of a paginated
//! operation). File uploads
//! are in `polarsh_core::upload`. All of them implement [`Exchange`].

use super::config::{Config, Credential};
use super::operation::{BuildError, Error, Operation};
use super::retry::{Attempt, Decision, Outcome, RetryPolicy};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// Why an attempt brought back no response, as far as the transport can tell. Never holds
/// request headers, so never a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    kind: FaultKind,
    detail: String,
}

/// What kind of [`Fault`]: it decides whether the request may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// The request never reached the server (connection refused, DNS, TLS handshake,
    /// connect timeout): sending it again cannot duplicate anything.
    NotSent,
    /// The request may have reached the server, but no complete response came back
    /// (connection reset, truncated body, a network error that does not say when).
    Interrupted,
    /// The attempt (or the whole call) ran out of time; the request may have reached the
    /// server.
    TimedOut,
    /// The response body is larger than the limit: a complete answer, which would come back
    /// just as large, so it is not fetched again.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The request was aborted by someone other than this client (the runtime, a page
    /// unloading, a caller's abort signal): not retried.
    Aborted,
    /// The runtime lacks what the transport needs (`fetch`, timers): not retried.
    Unsupported,
}

impl Fault {
    /// A fault of `kind`, with a readable detail (never a header or a token).
    pub fn new(kind: FaultKind, detail: impl Into<String>) -> Self {
        Fault {
            kind,
            detail: detail.into(),
        }
    }

    /// The request never reached the server.
    pub fn not_sent(detail: impl Into<String>) -> Self {
        Fault::new(FaultKind::NotSent, detail)
    }

    /// The request may have reached the server; no complete response came back.
    pub fn interrupted(detail: impl Into<String>) -> Self {
        Fault::new(FaultKind::Interrupted, detail)
    }

    /// A timeout expired.
    pub fn timed_out(detail: impl Into<String>) -> Self {
        Fault::new(FaultKind::TimedOut, detail)
    }

    /// The response body is larger than `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Fault::new(FaultKind::BodyTooLarge { limit }, String::new())
    }

    /// Its kind.
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    /// What the transport said.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// What the retry policy is told; `None` for a fault that repeating cannot cure.
    fn outcome(&self) -> Option<Outcome<'static>> {
        match self.kind {
            FaultKind::NotSent => Some(Outcome::NotSent),
            FaultKind::Interrupted | FaultKind::TimedOut => Some(Outcome::Interrupted),
            FaultKind::BodyTooLarge { .. } | FaultKind::Aborted | FaultKind::Unsupported => None,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FaultKind::NotSent => "could not connect",
            FaultKind::Interrupted => "connection interrupted",
            FaultKind::TimedOut => "timed out",
            FaultKind::BodyTooLarge { limit } => {
                return write!(f, "response body larger than the limit of {limit} bytes")
            }
            FaultKind::Aborted => "aborted",
            FaultKind::Unsupported => "unsupported runtime",
        };
        if self.detail.is_empty() {
            f.write_str(what)
        } else {
            write!(f, "{what}: {}", self.detail)
        }
    }
}

impl std::error::Error for Fault {}

/// What a state machine asks of its driver next.
// A step is moved once, straight into a match: boxing the request would cost an allocation
// per attempt to save stack space for an instant.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[must_use = "a step is an instruction: send, wait, or take the result"]
pub enum Step<T> {
    /// Send this request, then hand what came back to [`Exchange::handle`].
    Send(Outgoing),
    /// Wait this long, then poll again.
    Wait(Duration),
    /// A result: a call's typed output or error, a page, an item, or the end of a walk.
    Done(T),
}

/// A request to send, and the limits its attempt must keep to.
pub struct Outgoing {
    /// The request, complete: URL, method, headers, body.
    pub request: Request<Vec<u8>>,
    /// How long it may take and how large its answer may be.
    pub limits: Limits,
}

impl fmt::Debug for Outgoing {
    /// Method, URI, header names and the body's length: no header value (one is the
    /// token) and no body (a form body can hold a client secret).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.request.headers().keys().map(|k| k.as_str()).collect();
        f.debug_struct("Outgoing")
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("headers", &names)
            .field("body_bytes", &self.request.body().len())
            .field("limits", &self.limits)
            .finish()
    }
}

/// The limits of one attempt, decided by the exchange from its [`Settings`] and the time
/// left; a transport enforces what its runtime can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest the attempt may take, response body included.
    pub timeout: Duration,
    /// The longest opening a connection may take (transports that cannot see that phase,
    /// like `fetch`, enforce `timeout` alone).
    pub connect_timeout: Duration,
    /// The largest response body to accept.
    pub max_response_bytes: u64,
}

/// How every exchange of a client behaves: retries, timeouts, the response size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// When to try again (default: [`RetryPolicy::default`]).
    pub retry: RetryPolicy,
    /// The longest one attempt may take, response body included (default 30 s).
    pub request_timeout: Duration,
    /// The longest opening a connection may take (default 10 s).
    pub connect_timeout: Duration,
    /// The longest a whole call may take, retries and waits included (default 120 s).
    pub overall_timeout: Duration,
    /// The largest response body accepted (default 32 MiB).
    pub max_response_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            overall_timeout: Duration::from_secs(120),
            max_response_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Everything a client knows: where and as whom requests go ([`Config`], credential,
/// extra headers) and how exchanges behave ([`Settings`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Server, `Polar-Version` and user agent.
    pub config: Config,
    /// The credential sent to operations that accept its kind.
    pub credential: Option<Credential>,
    /// The organization a user-level credential acts in, sent to Polar as the
    /// `Polar-Organization` header.
    pub organization: Option<String>,
    /// Headers sent with every request to Polar (not to a storage host), after the core's
    /// own, which one of the same name replaces.
    pub headers: HeaderMap,
    /// Retries, timeouts, size limit.
    pub settings: Settings,
}

impl Default for Options {
    fn default() -> Self {
        Options::new(Config::production())
    }
}

impl Options {
    /// `config`, no credential, no extra header, default settings.
    pub fn new(config: Config) -> Self {
        Options {
            config,
            credential: None,
            organization: None,
            headers: HeaderMap::new(),
            settings: Settings::default(),
        }
    }

    /// The same with `credential`.
    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The same with one more header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The same acting in an organization (the `Polar-Organization` header).
    pub fn with_organization(mut self, organization_id: impl Into<String>) -> Self {
        self.organization = Some(organization_id.into());
        self
    }

    /// The API version requests are pinned to (see [`Config::api_version`]).
    pub fn api_version(&self) -> &str {
        self.config.api_version()
    }

    /// The request of `operation`, with these options' server, credential and headers.
    pub fn request<O: Operation + ?Sized>(&self, operation: &O) -> Result<Request<Vec<u8>>, Error> {
        self.request_as(operation, self.credential.as_ref())
    }

    /// [`Options::request`] with another credential than the options' own (a call's own,
    /// see `Call::with_credential`).
    pub fn request_as<O: Operation + ?Sized>(
        &self,
        operation: &O,
        credential: Option<&Credential>,
    ) -> Result<Request<Vec<u8>>, Error> {
        let mut request = operation.request(&self.config, credential)?;
        self.add_headers(&mut request)?;
        Ok(request)
    }

    /// Adds what these options send with every request to Polar (the organization, the
    /// extra headers) to a request built elsewhere. An organization id that is no valid
    /// header value is refused.
    pub fn add_headers(&self, request: &mut Request<Vec<u8>>) -> Result<(), BuildError> {
        if let Some(id) = &self.organization {
            let value = HeaderValue::from_str(id)
                .map_err(|_| BuildError::InvalidHeader("polar-organization"))?;
            request.headers_mut().insert(POLAR_ORGANIZATION, value);
        }
        for (name, value) in &self.headers {
            request.headers_mut().insert(name, value.clone());
        }
        Ok(())
    }
}

/// `Polar-Organization`, made at compile time.
const POLAR_ORGANIZATION: HeaderName = HeaderName::from_static("polar-organization");

/// A sans-IO state machine: poll it for the next [`Step`], do what it says, hand back what
/// happened. Every transport is a loop over this trait.
pub trait Exchange {
    /// What [`Step::Done`] carries.
    type Output;

    /// The next step. `now` is the time since the Unix epoch (the transport's clock, read
    /// just before the call); `jitter` is a random number in `[0, 1)` that spreads retries.
    fn poll(&mut self, now: Duration, jitter: f64) -> Step<Self::Output>;

    /// What came back for the request of the last [`Step::Send`]: a response (any status),
    /// or the fault that kept it from coming.
    fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>);

    /// The driver could not do what the last step asked (it could not sleep, say): the
    /// exchange ends with `fault` on the next poll.
    fn fail(&mut self, fault: Fault);
}

impl<E: Exchange + ?Sized> Exchange for &mut E {
    type Output = E::Output;
    fn poll(&mut self, now: Duration, jitter: f64) -> Step<Self::Output> {
        (**self).poll(now, jitter)
    }
    fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        (**self).handle(outcome)
    }
    fn fail(&mut self, fault: Fault) {
        (**self).fail(fault)
    }
}

#[derive(Debug)]
enum State {
    /// The next poll sends (first attempt, or after a wait).
    Ready,
    /// Waiting until this time (since the epoch).
    Waiting(Duration),
    /// A request is out; `handle` comes next.
    InFlight,
    /// What came back, to decide on at the next poll.
    Handled(Result<Response<Vec<u8>>, Fault>),
    /// The result to report at the next poll.
    Failed(Error),
    /// The result was reported.
    Finished,
}

/// One request, sent and retried as the [`RetryPolicy`] allows, within the overall
/// timeout; done with the last response (any status) or the fault that ended it.
///
/// Not generic: one copy serves every operation.
#[derive(Debug)]
pub struct RequestExchange {
    request: Option<Request<Vec<u8>>>,
    settings: Settings,
    repeatable: bool,
    attempts: u32,
    start: Option<Duration>,
    state: State,
}

impl RequestExchange {
    /// An exchange sending `request` (or reporting the error that kept it from being
    /// built). `repeatable`: the caller says a POST or PATCH is safe to send twice.
    pub fn new(
        request: Result<Request<Vec<u8>>, Error>,
        settings: Settings,
        repeatable: bool,
    ) -> Self {
        let (request, state) = match request {
            Ok(r) => (Some(r), State::Ready),
            Err(e) => (None, State::Failed(e)),
        };
        RequestExchange {
            request,
            settings,
            repeatable,
            attempts: 0,
            start: None,
            state,
        }
    }

    /// Attempts sent so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    fn send(&mut self, elapsed: Duration) -> Step<Result<Response<Vec<u8>>, Error>> {
        let s = self.settings;
        let Some(left) = s
            .overall_timeout
            .checked_sub(elapsed)
            .filter(|d| !d.is_zero())
        else {
            return self.finish(Err(Fault::timed_out("overall timeout")));
        };
        self.attempts = self.attempts.saturating_add(1);
        // The last attempt the policy allows takes the request; earlier ones send a copy
        // and keep it for the next.
        let request = if self.attempts >= s.retry.max_attempts {
            self.request.take()
        } else {
            self.request.clone()
        };
        let Some(request) = request else {
            self.state = State::Finished;
            return Step::Done(Err(Error::Misuse("no request left to send")));
        };
        self.state = State::InFlight;
        let timeout = left.min(s.request_timeout);
        Step::Send(Outgoing {
            request,
            limits: Limits {
                timeout,
                connect_timeout: s.connect_timeout.min(timeout),
                max_response_bytes: s.max_response_bytes,
            },
        })
    }

    fn finish(
        &mut self,
        result: Result<Response<Vec<u8>>, Fault>,
    ) -> Step<Result<Response<Vec<u8>>, Error>> {
        self.state = State::Finished;
        self.request = None;
        let attempts = self.attempts;
        Step::Done(result.map_err(|fault| Error::Transport { fault, attempts }))
    }

    fn decide(
        &mut self,
        result: Result<Response<Vec<u8>>, Fault>,
        now: Duration,
        elapsed: Duration,
        jitter: f64,
    ) -> Step<Result<Response<Vec<u8>>, Error>> {
        let s = self.settings;
        // The limit holds for transports that do not enforce it while reading.
        let result = result.and_then(|r| {
            if r.body().len() as u64 > s.max_response_bytes {
                Err(Fault::body_too_large(s.max_response_bytes))
            } else {
                Ok(r)
            }
        });
        let outcome = match &result {
            Ok(r) => Some(Outcome::Response {
                status: r.status().as_u16(),
                headers: r.headers(),
            }),
            Err(fault) => fault.outcome(),
        };
        let method = self.request.as_ref().map(|r| r.method().clone());
        let decision = match (outcome, method) {
            (Some(outcome), Some(method)) => s.retry.decide(
                &Attempt {
                    method: &method,
                    repeatable: self.repeatable,
                    number: self.attempts,
                    elapsed,
                    now_unix: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
                    jitter,
                },
                outcome,
            ),
            _ => Decision::Stop,
        };
        match decision {
            // A wait that outlasts the overall timeout is not started.
            Decision::RetryAfter(wait) if wait < s.overall_timeout.saturating_sub(elapsed) => {
                if wait.is_zero() {
                    return self.send(elapsed);
                }
                self.state = State::Waiting(now.saturating_add(wait));
                Step::Wait(wait)
            }
            _ => self.finish(result),
        }
    }
}

impl Exchange for RequestExchange {
    type Output = Result<Response<Vec<u8>>, Error>;

    fn poll(&mut self, now: Duration, jitter: f64) -> Step<Self::Output> {
        let start = *self.start.get_or_insert(now);
        // A clock that went back reads as no time passed.
        let elapsed = now.saturating_sub(start);
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Ready => self.send(elapsed),
            State::Waiting(until) if now < until => {
                self.state = State::Waiting(until);
                Step::Wait(until - now)
            }
            State::Waiting(_) => self.send(elapsed),
            State::Handled(result) => self.decide(result, now, elapsed, jitter),
            State::Failed(e) => {
                self.request = None;
                Step::Done(Err(e))
            }
            // Polled again with a request out: its answer is lost, and sending it again
            // could duplicate a create.
            State::InFlight => {
                self.request = None;
                Step::Done(Err(Error::Misuse(
                    "polled again before the response to the last request was handed back",
                )))
            }
            State::Finished => Step::Done(Err(Error::Misuse("polled after it finished"))),
        }
    }

    fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        self.state = match std::mem::replace(&mut self.state, State::Finished) {
            State::InFlight => State::Handled(outcome),
            // An answer nobody asked for: the driver is out of step; say so, keep nothing.
            State::Failed(e) => State::Failed(e),
            _ => State::Failed(Error::Misuse(
                "a response was handed back with no request in flight",
            )),
        };
    }

    fn fail(&mut self, fault: Fault) {
        self.state = match std::mem::replace(&mut self.state, State::Finished) {
            State::Finished => State::Finished,
            State::Failed(e) => State::Failed(e),
            _ => State::Failed(Error::Transport {
                fault,
                attempts: self.attempts,
            }),
        };
    }
}

/// How a response becomes a typed value: an operation's parser, or (for hosts that drive
/// operations by id) a dynamic one.
pub trait Parse {
    /// The typed value.
    type Output;
    /// Parses a response.
    fn parse(&self, response: Response<Vec<u8>>) -> Result<Self::Output, Error>;
}

/// The parser of operation `O` ([`Operation::parse`]).
pub struct ParseAs<O>(PhantomData<fn() -> O>);

impl<O> ParseAs<O> {
    /// The parser of `O`.
    pub fn new() -> Self {
        ParseAs(PhantomData)
    }
}

impl<O> Default for ParseAs<O> {
    fn default() -> Self {
        ParseAs::new()
    }
}

impl<O> fmt::Debug for ParseAs<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ParseAs")
    }
}

impl<O: Operation> Parse for ParseAs<O> {
    type Output = O::Output;
    fn parse(&self, response: Response<Vec<u8>>) -> Result<O::Output, Error> {
        O::parse(&response)
    }
}

/// One call: a [`RequestExchange`] whose last response is parsed into a typed output or a
/// typed error.
#[derive(Debug)]
pub struct CallExchange<P> {
    inner: RequestExchange,
    parse: P,
}

impl<O: Operation> CallExchange<ParseAs<O>> {
    /// The call of `operation` with `options`; `repeatable` lets a POST or PATCH that
    /// reached the server be sent again.
    pub fn new(operation: &O, options: &Options, repeatable: bool) -> Self {
        CallExchange::with_parser(
            RequestExchange::new(options.request(operation), options.settings, repeatable),
            ParseAs::new(),
        )
    }
}

impl<P: Parse> CallExchange<P> {
    /// The exchange of a request, parsed by `parse`.
    pub fn with_parser(inner: RequestExchange, parse: P) -> Self {
        CallExchange { inner, parse }
    }

    /// Attempts sent so far.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts()
    }
}

impl<P: Parse> Exchange for CallExchange<P> {
    type Output = Result<P::Output, Error>;

    fn poll(&mut self, now: Duration, jitter: f64) -> Step<Self::Output> {
        match self.inner.poll(now, jitter) {
            Step::Send(o) => Step::Send(o),
            Step::Wait(d) => Step::Wait(d),
            Step::Done(r) => Step::Done(r.and_then(|response| self.parse.parse(response))),
        }
    }

    fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        self.inner.handle(outcome)
    }

    fn fail(&mut self, fault: Fault) {
        self.inner.fail(fault)
    }
}
