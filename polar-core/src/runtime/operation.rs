//! What every generated operation plugs into: the [`Operation`] trait (data plus two pure
//! functions, build and parse), request encoding by the spec's rules, the one [`Error`]
//! enum, and page-by-page pagination as a pure function of the last response.

use super::config::{Config, Credential, CredentialKind, TokenKind, DEFAULT_USER_AGENT};
use super::exchange::Fault;
use super::json::{self, DecodeError, FromJson, Path, ToJson, Value};
use crate::generated::models::ErrorBody;
use http::{header, HeaderName, HeaderValue, Method, Request, Response};
use std::borrow::Cow;
use std::fmt;

/// How much of an unexpected response body an error keeps (with secret values replaced by
/// `***`: see [`super::redact`]).
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The static description of an operation, from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpSpec {
    /// The spec's operationId, e.g. `customer-sessions:create`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/v1/customers/{id}`.
    pub path: &'static str,
    /// The credential kinds the operation accepts (any one of them).
    pub credentials: &'static [CredentialKind],
    /// True when the operation may be called without any credential.
    pub public: bool,
    /// The OAuth 2.0 / token scopes it needs (any credential kind).
    pub scopes: &'static [&'static str],
    /// The `Accept` header: `application/json`, or `text/csv` for exports.
    pub accept: &'static str,
    /// True when the operation lists by `page` (it implements [`Paginated`]), so hosts
    /// driving operations by id can walk its pages.
    pub paginated: bool,
}

/// A generated operation: its parameters, plus how to build its request and parse its response.
pub trait Operation {
    /// The typed value of a successful response.
    type Output;
    /// What the spec says of this operation.
    const SPEC: OpSpec;

    /// URL (below `base`) and body of the request (everything but headers and credential).
    /// What [`request`](Self::request) builds on; generated, not for use.
    #[doc(hidden)]
    fn parts(&self, base: &str) -> Result<RequestParts, BuildError>;

    /// Parses a response to this operation's request.
    fn parse(response: &Response<Vec<u8>>) -> Result<Self::Output, Error>;

    /// The complete request, ready for any transport.
    fn request(
        &self,
        config: &Config,
        credential: Option<&Credential>,
    ) -> Result<Request<Vec<u8>>, Error> {
        Ok(build(
            &Self::SPEC,
            self.parts(config.base_url())?,
            config,
            credential,
        )?)
    }
}

/// Why a request could not be built; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The operation needs a credential and none was given.
    #[error("`{operation}` needs a credential: one of {accepted}")]
    MissingCredential {
        /// The operationId.
        operation: &'static str,
        /// The kinds it accepts.
        accepted: KindList,
    },
    /// The credential's kind is not one the operation accepts (the server would answer 401/403).
    #[error("`{operation}` does not accept a {given}; it accepts one of {accepted}")]
    CredentialNotAccepted {
        /// The operationId.
        operation: &'static str,
        /// The kind given.
        given: CredentialKind,
        /// The kinds it accepts.
        accepted: KindList,
    },
    /// The credential's token is, by its Polar prefix, another kind of token than the
    /// credential was declared as (`Credential::organization_token("polar_pat_...")`, a
    /// refresh token given as an access token): Polar would answer 401. See
    /// [`Credential::from_token`] to take the kind from the token.
    #[error("the credential was declared a {declared}, but its token is a {found} (by its `{prefix}` prefix)")]
    TokenKindMismatch {
        /// The kind the credential was declared as.
        declared: CredentialKind,
        /// What the token's prefix says it is.
        found: TokenKind,
        /// That prefix.
        prefix: &'static str,
    },
    /// A parameter value cannot be encoded where the spec puts it.
    #[error("parameter `{name}` cannot be encoded: {reason}")]
    InvalidParameter {
        /// The parameter's name in the spec.
        name: String,
        /// Why.
        reason: String,
    },
    /// A path parameter is `.` or `..`: sent as is, `/v1/customers/..` names another
    /// resource once a proxy or server normalises the path, and percent-encoding does not
    /// help (`%2E` is decoded back to a dot first).
    #[error("path parameter `{name}` cannot be `{value}`: it would be read as a path step")]
    DotSegment {
        /// The parameter's name in the spec.
        name: String,
        /// `.` or `..`.
        value: &'static str,
    },
    /// The base URL and path do not form a valid URI.
    #[error("invalid request URI: {0}")]
    InvalidUri(String),
    /// A header value (credential, version, user agent) has characters HTTP forbids.
    #[error("invalid value for header `{0}`")]
    InvalidHeader(&'static str),
}

/// A list of credential kinds, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindList(pub &'static [CredentialKind]);

impl fmt::Display for KindList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(k.name())?;
        }
        Ok(())
    }
}

/// The URL and body of a request, encoded by the spec's rules as parameters are added
/// (what generated operations build; not API). The URL is written once, in order (base,
/// path, `?` and query), into a buffer sized up front, and moves into the `Uri` as it is.
#[doc(hidden)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestParts {
    url: String,
    /// Where the path starts (the base's length).
    path_start: usize,
    /// Where the query starts (past its `?`), once a query parameter was written.
    query_start: Option<usize>,
    body: Option<(&'static str, Vec<u8>)>,
}

fn scalar<'v>(name: &str, v: &'v Value) -> Result<Option<Cow<'v, str>>, BuildError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(Cow::Borrowed(s))),
        Value::Bool(b) => Ok(Some(Cow::Borrowed(if *b { "true" } else { "false" }))),
        Value::Number(n) => Ok(Some(Cow::Owned(n.to_string()))),
        other => Err(BuildError::InvalidParameter {
            name: name.to_owned(),
            reason: format!("expected a scalar, found {}", json::kind(other)),
        }),
    }
}

/// An RFC 3986 unreserved character: sent as it is.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_into(out: &mut String, s: &str) {
    // Ids and most values need no escape: copy the plain prefix in one go.
    let plain = s.bytes().position(|b| !unreserved(b)).unwrap_or(s.len());
    // `plain` follows ASCII bytes only, so it is a char boundary; the fallback encodes all.
    let (head, tail) = s.split_at_checked(plain).unwrap_or(("", s));
    out.push_str(head);
    for b in tail.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

impl RequestParts {
    /// Parts below `base`, with room for `more` bytes of path and query (the generator's
    /// estimate: the template's text, and an id per path parameter).
    pub fn new(base: &str, more: usize) -> Self {
        let mut url = String::with_capacity(base.len() + more);
        url.push_str(base);
        RequestParts {
            path_start: url.len(),
            url,
            query_start: None,
            body: None,
        }
    }

    /// Appends a literal piece of the path template.
    pub fn path(&mut self, literal: &str) {
        self.in_path(|url| url.push_str(literal));
    }

    /// Writes to the path: at the end, or before the query if one was started (generated
    /// operations write the whole path first; this keeps any other order right).
    fn in_path(&mut self, write: impl FnOnce(&mut String)) {
        match self.query_start {
            None => write(&mut self.url),
            Some(q) => {
                let mut piece = String::new();
                write(&mut piece);
                self.url.insert_str(q.saturating_sub(1), &piece);
                self.query_start = Some(q + piece.len());
            }
        }
    }

    /// Appends a path parameter, percent-encoded (a `/` in an id cannot change the route).
    pub fn path_param(&mut self, name: &str, value: &Value) -> Result<(), BuildError> {
        match scalar(name, value)? {
            Some(s) => self.path_param_str(name, &s),
            None => self.path_param_str(name, ""),
        }
    }

    /// [`RequestParts::path_param`] for a string parameter: no JSON value on the way. `.` and
    /// `..` are refused ([`BuildError::DotSegment`]): they would change the route.
    pub fn path_param_str(&mut self, name: &str, value: &str) -> Result<(), BuildError> {
        if value.is_empty() {
            return Err(BuildError::InvalidParameter {
                name: name.to_owned(),
                reason: "a path parameter cannot be empty or null".into(),
            });
        }
        if let dots @ ("." | "..") = value {
            return Err(BuildError::DotSegment {
                name: name.to_owned(),
                value: if dots == "." { "." } else { ".." },
            });
        }
        self.in_path(|url| encode_into(url, value));
        Ok(())
    }

    fn pair(&mut self, name: &str, value: &str) {
        match self.query_start {
            Some(_) => self.url.push('&'),
            None => {
                self.url.push('?');
                self.query_start = Some(self.url.len());
            }
        }
        encode_into(&mut self.url, name);
        self.url.push('=');
        encode_into(&mut self.url, value);
    }

    /// A query parameter in `form` style with `explode`: `null` leaves it out, a scalar is
    /// `name=v`, an array repeats the name for each element.
    pub fn query(&mut self, name: &str, value: &Value) -> Result<(), BuildError> {
        match value {
            Value::Array(items) => {
                for item in items {
                    if let Some(s) = scalar(name, item)? {
                        self.pair(name, &s);
                    }
                }
                Ok(())
            }
            v => {
                if let Some(s) = scalar(name, v)? {
                    self.pair(name, &s);
                }
                Ok(())
            }
        }
    }

    /// A query parameter in `deepObject` style: `name[key]=v`, array values repeated.
    pub fn query_deep(&mut self, name: &str, value: &Value) -> Result<(), BuildError> {
        match value {
            Value::Null => Ok(()),
            Value::Object(map) => {
                for (k, v) in map {
                    let key = format!("{name}[{k}]");
                    self.query(&key, v)?;
                }
                Ok(())
            }
            other => Err(BuildError::InvalidParameter {
                name: name.to_owned(),
                reason: format!("expected an object, found {}", json::kind(other)),
            }),
        }
    }

    /// A JSON request body.
    pub fn json_body<T: ToJson + ?Sized>(&mut self, body: &T) {
        self.body = Some(("application/json", json::to_vec(body)));
    }

    /// An `application/x-www-form-urlencoded` body from an object's scalar properties.
    pub fn form_body<T: ToJson + ?Sized>(&mut self, body: &T) -> Result<(), BuildError> {
        let mut form = RequestParts::new("", 0);
        match body.to_json() {
            Value::Object(map) => {
                for (k, v) in &map {
                    form.query(k, v)?;
                }
            }
            other => {
                return Err(BuildError::InvalidParameter {
                    name: "body".into(),
                    reason: format!(
                        "a form body must be an object, found {}",
                        json::kind(&other)
                    ),
                })
            }
        }
        // The form is the query of parts with no base: its buffer, less the leading `?`.
        let mut text = form.url;
        text.replace_range(..form.query_start.unwrap_or(text.len()), "");
        self.body = Some(("application/x-www-form-urlencoded", text.into_bytes()));
        Ok(())
    }

    /// The path so far (for tests and logs).
    pub fn path_str(&self) -> &str {
        let end = self
            .query_start
            .map_or(self.url.len(), |q| q.saturating_sub(1));
        self.url.get(self.path_start..end).unwrap_or_default()
    }

    /// The query string so far, without `?`.
    pub fn query_str(&self) -> &str {
        self.query_start
            .and_then(|q| self.url.get(q..))
            .unwrap_or_default()
    }
}

/// `Polar-Version`, made at compile time (a name given as a string is looked up in `http`'s
/// table of standard headers at run time).
const POLAR_VERSION: HeaderName = HeaderName::from_static("polar-version");

/// Assembles the request: URL, method, headers (`Authorization`, `Polar-Version`,
/// `User-Agent`, `Accept`, `Content-Type`) and body. Refuses a credential the operation does
/// not accept before anything is sent.
#[doc(hidden)]
pub fn build(
    spec: &OpSpec,
    parts: RequestParts,
    config: &Config,
    credential: Option<&Credential>,
) -> Result<Request<Vec<u8>>, BuildError> {
    let bearer = match credential {
        Some(c) if spec.credentials.contains(&c.kind()) => Some(c),
        // A public operation needs no credential; one it does not take is not sent.
        Some(_) | None if spec.public => None,
        Some(c) => {
            return Err(BuildError::CredentialNotAccepted {
                operation: spec.id,
                given: c.kind(),
                accepted: KindList(spec.credentials),
            })
        }
        None => {
            return Err(BuildError::MissingCredential {
                operation: spec.id,
                accepted: KindList(spec.credentials),
            })
        }
    };
    if let Some(c) = bearer {
        if let Some(found) = c.contradiction() {
            return Err(BuildError::TokenKindMismatch {
                declared: c.kind(),
                found,
                prefix: TokenKind::prefix_of(c.token().expose()).unwrap_or_default(),
            });
        }
    }
    // The URL's buffer becomes the `Uri`'s (`Bytes` from a `String` takes its allocation),
    // and stays readable for the error message.
    let url = bytes::Bytes::from(parts.url);
    let uri = http::Uri::from_maybe_shared(url.clone())
        .map_err(|_| BuildError::InvalidUri(String::from_utf8_lossy(&url).into_owned()))?;
    let (content_type, body) = match parts.body {
        Some((content_type, bytes)) => (Some(content_type), bytes),
        None => (None, Vec::new()),
    };
    let mut request = Request::new(body);
    *request.method_mut() = spec.method.clone();
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    if let Some(c) = bearer {
        let token = c.token().expose();
        let mut text = String::with_capacity(7 + token.len());
        text.push_str("Bearer ");
        text.push_str(token);
        let mut v =
            HeaderValue::try_from(text).map_err(|_| BuildError::InvalidHeader("authorization"))?;
        v.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, v);
    }
    headers.insert(
        POLAR_VERSION,
        header_value(config.polar_version_header(), &DEFAULT_POLAR_VERSION)
            .ok_or(BuildError::InvalidHeader("polar-version"))?,
    );
    headers.insert(
        header::USER_AGENT,
        header_value(config.user_agent_header(), &DEFAULT_USER_AGENT_VALUE)
            .ok_or(BuildError::InvalidHeader("user-agent"))?,
    );
    headers.insert(header::ACCEPT, HeaderValue::from_static(spec.accept));
    if let Some(content_type) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    Ok(request)
}

// The default `Polar-Version` and `User-Agent` values, checked at compile time and shared
// by every request (a static value is cloned without allocating).
const DEFAULT_POLAR_VERSION: HeaderValue = HeaderValue::from_static(crate::generated::SPEC_VERSION);
const DEFAULT_USER_AGENT_VALUE: HeaderValue = HeaderValue::from_static(DEFAULT_USER_AGENT);

/// `value` as a header value; the default, as almost every request has it, without copying.
fn header_value(value: &str, default: &HeaderValue) -> Option<HeaderValue> {
    if value.as_bytes() == default.as_bytes() {
        Some(default.clone())
    } else {
        HeaderValue::from_str(value).ok()
    }
}

/// An error response the spec declares for the operation: its status, the parsed error
/// model, and the (bounded) raw body.
#[derive(Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The parsed body (`ErrorBody::Unknown` when it matches no error model of the spec).
    pub body: ErrorBody,
    /// The first [`MAX_ERROR_BODY`] bytes of the body as received, secret values replaced
    /// by `***` (see [`super::redact`]).
    pub raw: Vec<u8>,
}

impl fmt::Display for ApiError {
    /// `status error: detail`, the first validation messages, or the start of the body. Read
    /// from `raw`, what Polar sent: encoding `body` back would link the encoder of every error
    /// model into each binary that prints an error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = json::parse(&self.raw).unwrap_or(Value::Null);
        let name = v.get("error").and_then(Value::as_str);
        let mut out = String::new();
        json::push_decimal(&mut out, u64::from(self.status));
        out.push(' ');
        match (name, v.get("detail")) {
            (Some(n), Some(Value::String(d))) => {
                out.push_str(n);
                out.push_str(": ");
                out.push_str(d);
            }
            (_, Some(Value::Array(items))) => {
                out.push_str("validation failed:");
                for item in items.iter().take(5) {
                    let msg = item.get("msg").and_then(Value::as_str).unwrap_or("?");
                    out.push(' ');
                    if let Some(loc) = item.get("loc") {
                        out.push_str(&json::text(loc));
                    }
                    out.push_str(": ");
                    out.push_str(msg);
                    out.push(';');
                }
            }
            (Some(n), _) => out.push_str(n),
            _ => out.push_str(&snippet(&self.raw)),
        }
        f.write_str(&out)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("body", &self.body)
            .field("raw", &BodyText(&self.raw))
            .finish()
    }
}

/// A raw body in `Debug` output: as text (lossy UTF-8), which a reader can use, rather
/// than a list of byte values.
struct BodyText<'a>(&'a [u8]);

impl fmt::Debug for BodyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&String::from_utf8_lossy(self.0), f)
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    s
}

/// Everything that can go wrong with an operation, from building its request to parsing its
/// response, through the transport's faults: one error for every client and runtime.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built; nothing was sent.
    #[error("cannot build the request: {0}")]
    Build(#[from] BuildError),
    /// 400, declared by the operation.
    #[error("bad request: {0}")]
    BadRequest(ApiError),
    /// 401, declared by the operation.
    #[error("unauthorized: {0}")]
    Unauthorized(ApiError),
    /// 402 (payment failed or needs action), declared by the operation.
    #[error("payment required: {0}")]
    PaymentRequired(ApiError),
    /// 403, declared by the operation.
    #[error("forbidden: {0}")]
    Forbidden(ApiError),
    /// 404, declared by the operation.
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 409, declared by the operation.
    #[error("conflict: {0}")]
    Conflict(ApiError),
    /// 410, declared by the operation.
    #[error("gone: {0}")]
    Gone(ApiError),
    /// 412, declared by the operation.
    #[error("precondition failed: {0}")]
    PreconditionFailed(ApiError),
    /// 422: the request did not validate; the body is usually `HTTPValidationError`.
    #[error("validation error: {0}")]
    Validation(ApiError),
    /// 429: rate limited.
    #[error("too many requests: {0}")]
    TooManyRequests(ApiError),
    /// A status the spec does not declare for this operation.
    #[error("unexpected HTTP status {status}: {}", snippet(body))]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
        /// The first [`MAX_ERROR_BODY`] bytes of the body.
        body: Vec<u8>,
    },
    /// A declared status whose body is not what the spec promises (wrong type, truncated,
    /// HTML, wrong content type).
    #[error("response with status {status} does not match the spec: {error}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// What did not match, with its JSON path.
        error: DecodeError,
        /// The first [`MAX_ERROR_BODY`] bytes of the body.
        body: Vec<u8>,
    },
    /// No usable response arrived: the fault of the last attempt, after every attempt the
    /// retry policy allowed.
    #[error("transport error after {attempts} attempt(s): {fault}")]
    Transport {
        /// What went wrong on the last attempt.
        fault: Fault,
        /// How many attempts were sent.
        attempts: u32,
    },
    /// A file upload could not go on.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// The code driving an exchange broke its protocol (polled it after it finished, or
    /// before handing back the response to its request): a bug in that loop, not a fault of
    /// the network. Nothing more was sent.
    #[error("exchange driven out of order: {0}")]
    Misuse(&'static str),
}

/// Why a file upload cannot go on. Nothing is left half-done silently: the step that failed
/// and, for a part, its number are named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// Polar does not take empty files.
    #[error("the file is empty")]
    EmptyFile,
    /// The part size is zero, or the file would need more parts than allowed.
    #[error(
        "invalid part size {part_size} for a file of {size} bytes (at most {max_parts} parts)"
    )]
    InvalidPartSize {
        /// The requested part size.
        part_size: u64,
        /// The file size.
        size: u64,
        /// The most parts one upload may have.
        max_parts: u64,
    },
    /// The service has no file type this SDK knows how to create.
    #[error("files cannot be created for service `{0}`")]
    UnknownService(String),
    /// Polar's answer to `files:create` does not match the parts that were asked for.
    #[error("Polar's upload plan does not match the file: {0}")]
    PlanMismatch(String),
    /// A presigned part URL or header that cannot form a request.
    #[error("part {number}: invalid presigned request: {reason}")]
    InvalidPartRequest {
        /// The part number.
        number: i64,
        /// Why.
        reason: String,
    },
    /// The storage host refused a part (e.g. 403 for an expired URL).
    #[error("part {number}: storage host answered {status}")]
    PartRejected {
        /// The part number.
        number: i64,
        /// The HTTP status.
        status: u16,
    },
    /// The storage host accepted a part but sent no `ETag`.
    #[error("part {number}: no ETag in the storage host's answer")]
    MissingEtag {
        /// The part number.
        number: i64,
    },
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, e) = match self {
            Error::Build(e) => return f.debug_tuple("Build").field(e).finish(),
            Error::Transport { fault, attempts } => {
                return f
                    .debug_struct("Transport")
                    .field("fault", fault)
                    .field("attempts", attempts)
                    .finish()
            }
            Error::Upload(e) => return f.debug_tuple("Upload").field(e).finish(),
            Error::Misuse(e) => return f.debug_tuple("Misuse").field(e).finish(),
            Error::UnexpectedStatus { status, body } => {
                return f
                    .debug_struct("UnexpectedStatus")
                    .field("status", status)
                    .field("body", &BodyText(body))
                    .finish()
            }
            Error::Decode {
                status,
                error,
                body,
            } => {
                return f
                    .debug_struct("Decode")
                    .field("status", status)
                    .field("error", error)
                    .field("body", &BodyText(body))
                    .finish()
            }
            Error::BadRequest(e) => ("BadRequest", e),
            Error::Unauthorized(e) => ("Unauthorized", e),
            Error::PaymentRequired(e) => ("PaymentRequired", e),
            Error::Forbidden(e) => ("Forbidden", e),
            Error::NotFound(e) => ("NotFound", e),
            Error::Conflict(e) => ("Conflict", e),
            Error::Gone(e) => ("Gone", e),
            Error::PreconditionFailed(e) => ("PreconditionFailed", e),
            Error::Validation(e) => ("Validation", e),
            Error::TooManyRequests(e) => ("TooManyRequests", e),
        };
        f.debug_tuple(name).field(e).finish()
    }
}

impl Error {
    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Build(_) | Error::Transport { .. } | Error::Upload(_) | Error::Misuse(_) => None,
            Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => Some(*status),
            declared => declared.api_error().map(|e| e.status),
        }
    }

    /// The transport's fault, when no usable response arrived.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Error::Transport { fault, .. } => Some(fault),
            _ => None,
        }
    }

    /// How many attempts were sent, when no usable response arrived.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Transport { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// The declared error response, if this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(e)
            | Error::Unauthorized(e)
            | Error::PaymentRequired(e)
            | Error::Forbidden(e)
            | Error::NotFound(e)
            | Error::Conflict(e)
            | Error::Gone(e)
            | Error::PreconditionFailed(e)
            | Error::Validation(e)
            | Error::TooManyRequests(e) => Some(e),
            _ => None,
        }
    }
}

/// The body an error keeps: its first [`MAX_ERROR_BODY`] bytes, secrets replaced by `***`
/// (see [`super::redact`]), so that no `Debug` or `Display` of an error shows a token.
fn bounded(body: &[u8]) -> Vec<u8> {
    super::redact::redact(body.get(..MAX_ERROR_BODY).unwrap_or(body)).into_owned()
}

fn is_json(response: &Response<Vec<u8>>) -> Result<(), DecodeError> {
    match response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str())
    {
        // No content type: let the JSON parser judge the bytes.
        None => Ok(()),
        Some(Ok(ct))
            if ct
                .trim_start()
                .get(..16)
                .is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
                || ct
                    .as_bytes()
                    .windows(5)
                    .any(|w| w.eq_ignore_ascii_case(b"+json")) =>
        {
            Ok(())
        }
        Some(ct) => Err(DecodeError::new(
            &Path::Root,
            [
                "expected content type application/json, found ",
                &json::quoted(ct.unwrap_or("(not text)")),
            ]
            .concat(),
        )),
    }
}

/// Parses a declared JSON success response into `T`.
#[doc(hidden)]
pub fn parse_json<T: FromJson>(response: &Response<Vec<u8>>) -> Result<T, Error> {
    let status = response.status().as_u16();
    is_json(response)
        .and_then(|()| json::from_slice(response.body()))
        .map_err(|error| Error::Decode {
            status,
            error,
            body: bounded(response.body()),
        })
}

/// A declared success response without a body (204, 202): the body is ignored.
#[doc(hidden)]
pub fn parse_empty(_response: &Response<Vec<u8>>) -> Result<(), Error> {
    Ok(())
}

/// A CSV export (`text/csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csv {
    /// The CSV text as Polar sent it.
    pub text: String,
}

impl ToJson for Csv {
    fn to_json(&self) -> Value {
        Value::String(self.text.clone())
    }
}

/// Parses a declared `text/csv` success response.
#[doc(hidden)]
pub fn parse_csv(response: &Response<Vec<u8>>) -> Result<Csv, Error> {
    let status = response.status().as_u16();
    String::from_utf8(response.body().clone())
        .map(|text| Csv { text })
        .map_err(|e| Error::Decode {
            status,
            error: DecodeError::new(&Path::Root, format!("CSV is not UTF-8: {e}")),
            body: bounded(response.body()),
        })
}

/// A declared error response whose schema is not one model: every error model of the spec
/// is tried (see [`parse_api_error_with`]).
#[doc(hidden)]
pub fn parse_api_error(response: &Response<Vec<u8>>) -> Error {
    parse_api_error_with(response, ErrorBody::read)
}

/// A declared error response whose body the spec says is the error model `M`: one copy of
/// the decoder per model, shared by every operation that declares it.
#[doc(hidden)]
pub fn parse_api_error_as<M: FromJson + Into<ErrorBody>>(response: &Response<Vec<u8>>) -> Error {
    parse_api_error_with(response, |r| M::read(r).map(Into::into))
}

/// A declared error response, its body read by `read` (the generated code passes the
/// model the spec declares for the status, so a program links only the error models of the
/// operations it calls); `ErrorBody::Unknown` with the JSON when the body does not fit.
#[doc(hidden)]
pub fn parse_api_error_with(
    response: &Response<Vec<u8>>,
    read: fn(&mut json::Reader<'_>) -> Result<ErrorBody, json::Miss>,
) -> Error {
    let status = response.status().as_u16();
    // The model is read from the redacted body too: an `Unknown` body or a validation
    // error's `input` would otherwise show a secret the request or response carried.
    let redacted = super::redact::redact(response.body());
    let body = json::read_with(&redacted, read)
        .unwrap_or_else(|| ErrorBody::Unknown(json::parse(&redacted).unwrap_or(json::Value::Null)));
    let e = ApiError {
        status,
        body,
        raw: redacted.get(..MAX_ERROR_BODY).unwrap_or(&redacted).to_vec(),
    };
    match status {
        400 => Error::BadRequest(e),
        401 => Error::Unauthorized(e),
        402 => Error::PaymentRequired(e),
        403 => Error::Forbidden(e),
        404 => Error::NotFound(e),
        409 => Error::Conflict(e),
        410 => Error::Gone(e),
        412 => Error::PreconditionFailed(e),
        422 => Error::Validation(e),
        429 => Error::TooManyRequests(e),
        _ => Error::UnexpectedStatus {
            status,
            body: e.raw,
        },
    }
}

/// A status the operation does not declare.
#[doc(hidden)]
pub fn unexpected_status(response: &Response<Vec<u8>>) -> Error {
    Error::UnexpectedStatus {
        status: response.status().as_u16(),
        body: bounded(response.body()),
    }
}

/// An operation that lists by `page` and `limit` (`x-polar-pagination`), with either a
/// page count (`pagination.max_page`) or a cursor flag (`pagination.has_next_page`,
/// `events:list`). [`super::paging`] walks its pages.
pub trait Paginated: Operation + Clone {
    /// The listed item.
    type Item;
    /// The page this operation asks for (1 when unset).
    fn page(&self) -> i64;
    /// Asks for another page.
    fn set_page(&mut self, page: i64);
    /// Whether a page follows the one `output` answered for `self`. A list shape the SDK
    /// does not know answers false: better to stop than to loop.
    fn has_next(&self, output: &Self::Output) -> bool;
    /// The items of a response (none for a list shape the SDK does not know; the output
    /// itself still holds what was sent).
    fn items(output: &Self::Output) -> &[Self::Item];
    /// The items of a response, moved out.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL is written in one buffer, in order; a path piece written after the query
    /// still lands before the `?`; the accessors read their parts back.
    #[test]
    fn request_parts_write_the_url_once_in_order() {
        let mut r = RequestParts::new("https://api.polar.sh", 20);
        let room = r.url.capacity();
        r.path("/v1/customers/");
        r.path_param_str("id", "a b/c").expect("id");
        r.query("limit", &Value::from(10)).expect("limit");
        r.query("q", &Value::from("x&y")).expect("q");
        assert_eq!(
            r.url,
            "https://api.polar.sh/v1/customers/a%20b%2Fc?limit=10&q=x%26y"
        );
        assert_eq!(r.path_str(), "/v1/customers/a%20b%2Fc");
        assert_eq!(r.query_str(), "limit=10&q=x%26y");
        r.path("/more");
        assert_eq!(r.path_str(), "/v1/customers/a%20b%2Fc/more");
        assert_eq!(r.query_str(), "limit=10&q=x%26y");
        // Sized up front: a template and an id fit without growing.
        let mut sized = RequestParts::new("https://api.polar.sh", 14 + 36);
        let before = sized.url.capacity();
        sized.path("/v1/customers/");
        sized
            .path_param_str("id", "992fae2a-2a17-4b7a-8d9e-e287cf90131b")
            .expect("id");
        assert_eq!(sized.url.capacity(), before);
        assert!(room >= "https://api.polar.sh".len() + 20);

        let mut form = RequestParts::new("", 0);
        form.form_body(&serde_json::json!({"grant_type": "x y", "n": 1}))
            .expect("form");
        assert_eq!(
            form.body,
            Some((
                "application/x-www-form-urlencoded",
                b"grant_type=x%20y&n=1".to_vec()
            ))
        );
        assert_eq!(form.url, "");
    }
}
