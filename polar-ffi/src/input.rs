//! Reading what the host passes: length-delimited byte buffers, UTF-8, JSON, header blocks,
//! the config object. All the raw-pointer reads of inputs are here.

use crate::codes::*;
use crate::failure::Failure;
use http::{HeaderName, HeaderValue};
use polarsh_core::exchange::Options;
use polarsh_core::{Config, Credential, CredentialKind, TokenKind};
use serde_json::Value;
use std::time::Duration;

/// A byte buffer the host passes: `NULL` with length 0 is the empty buffer.
///
/// # Safety
///
/// `ptr` is `NULL` or points to `len` bytes readable for the whole call.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Failure::new(
            POLAR_ERR_NULL_POINTER,
            "null_pointer",
            format!("`{what}` is NULL with length {len}"),
        ));
    }
    if isize::try_from(len).is_err() {
        return Err(Failure::invalid_argument(
            "invalid_length",
            format!("`{what}`: length {len} is larger than any buffer"),
        ));
    }
    // SAFETY: `ptr` is not NULL and, by the caller's contract, points to `len` readable bytes
    // that the host does not change during the call; `len` fits an `isize`; `u8` has no
    // alignment requirement.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A byte buffer that must be given (`NULL` is refused even with length 0).
///
/// # Safety
///
/// As for [`bytes`].
pub(crate) unsafe fn required<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: forwarded contract.
    unsafe { bytes(ptr, len, what) }
}

pub(crate) fn utf8<'a>(b: &'a [u8], what: &str) -> Result<&'a str, Failure> {
    std::str::from_utf8(b).map_err(|e| {
        Failure::new(
            POLAR_ERR_INVALID_UTF8,
            "invalid_utf8",
            format!("`{what}` is not valid UTF-8: {e}"),
        )
    })
}

/// A required UTF-8 text argument.
///
/// # Safety
///
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    utf8(unsafe { required(ptr, len, what)? }, what)
}

/// A required JSON object argument.
///
/// # Safety
///
/// As for [`bytes`].
pub(crate) unsafe fn json_object(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<serde_json::Map<String, Value>, Failure> {
    // SAFETY: forwarded contract.
    let text = unsafe { text(ptr, len, what)? };
    parse_object(text, what)
}

/// `text` as a JSON object.
pub(crate) fn parse_object(
    text: &str,
    what: &str,
) -> Result<serde_json::Map<String, Value>, Failure> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Failure::new(
            POLAR_ERR_INVALID_JSON,
            "invalid_json",
            format!(
                "`{what}` must be a JSON object, found {}",
                polarsh_core::json::kind(&other)
            ),
        )),
        Err(e) => Err(Failure::new(
            POLAR_ERR_INVALID_JSON,
            "invalid_json",
            format!("`{what}` is not valid JSON: {e}"),
        )),
    }
}

/// An output pointer that must not be `NULL`.
///
/// # Safety
///
/// `ptr` is `NULL` or valid for reads and writes of a `T` for the whole call.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller's contract: NULL or valid and not aliased during the call.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(what))
}

/// A header block: `Name: value` lines separated by `\r\n` (or `\n`); empty lines are
/// skipped, and so is a first line that is an HTTP status line (`HTTP/1.1 200 OK`).
/// One header line: name and value, trimmed.
pub(crate) type HeaderLine<'a> = (&'a [u8], &'a [u8]);

pub(crate) fn header_lines(block: &[u8]) -> Result<Vec<HeaderLine<'_>>, Failure> {
    let mut out = Vec::new();
    for (i, line) in block.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) || (i == 0 && line.starts_with(b"HTTP/")) {
            continue;
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(|| {
            Failure::invalid_argument(
                "invalid_header",
                format!(
                    "header line {} has no `:`: {:?}",
                    i + 1,
                    String::from_utf8_lossy(line)
                ),
            )
        })?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        out.push((name.trim_ascii(), value.trim_ascii()));
    }
    Ok(out)
}

/// A header block as an `http::HeaderMap`.
pub(crate) fn header_map(block: &[u8]) -> Result<http::HeaderMap, Failure> {
    let mut map = http::HeaderMap::new();
    for (name, value) in header_lines(block)? {
        let bad = || {
            Failure::invalid_argument(
                "invalid_header",
                format!(
                    "invalid header `{}`",
                    String::from_utf8_lossy(name).escape_debug()
                ),
            )
        };
        let name = http::HeaderName::from_bytes(name).map_err(|_| bad())?;
        let value = http::HeaderValue::from_bytes(value).map_err(|_| bad())?;
        map.append(name, value);
    }
    Ok(map)
}

/// A `base_url` the operations' paths can be appended to: an absolute `http`/`https` URL
/// with a host, and no query or fragment (`http://h?x` would move every path into the query,
/// `http://h#x` drop it: the request would go to `/`), so that every request's `url` is
/// absolute and its `target` a path.
fn base_url(url: &str) -> Result<&str, String> {
    let uri = http::Uri::try_from(url).ok();
    let absolute = uri.as_ref().is_some_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https"))
            && u.authority().is_some_and(|a| !a.host().is_empty())
    });
    if !absolute || url.contains(['?', '#']) {
        return Err(format!(
            "config `base_url` must be an http(s) URL with a host and no query or fragment, \
             found {url:?}"
        ));
    }
    Ok(url)
}

/// The config object: where and as whom requests go, and how exchanges behave. Every key is
/// optional; unknown keys are refused.
///
/// - `base_url` or `server` (`"production"` (default) / `"sandbox"`), `token` and
///   `credential` (its kind; by default read from the token's prefix, else
///   `organization_token`), `organization` (sent as `Polar-Organization`), `polar_version`,
///   `user_agent`;
/// - `headers`: an object of extra headers sent with every request to Polar;
/// - the settings of exchanges: `max_attempts` (1 = no retry), `base_delay_ms`,
///   `max_delay_ms`, `max_elapsed_ms` (the retry policy), `request_timeout_ms`,
///   `connect_timeout_ms`, `overall_timeout_ms`, `max_response_bytes`.
pub(crate) fn options(map: &serde_json::Map<String, Value>) -> Result<Options, Failure> {
    let bad = |m: String| Failure::invalid_argument("invalid_config", m);
    let string = |key: &str| -> Result<Option<&str>, Failure> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(bad(format!(
                "config `{key}` must be a string, found {}",
                polarsh_core::json::kind(other)
            ))),
        }
    };
    let number = |key: &str| -> Result<Option<u64>, Failure> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| bad(format!("config `{key}` must be an integer >= 0, found {v}"))),
        }
    };
    const KEYS: [&str; 16] = [
        "base_url",
        "server",
        "token",
        "credential",
        "organization",
        "polar_version",
        "user_agent",
        "headers",
        "max_attempts",
        "base_delay_ms",
        "max_delay_ms",
        "max_elapsed_ms",
        "request_timeout_ms",
        "connect_timeout_ms",
        "overall_timeout_ms",
        "max_response_bytes",
    ];
    if let Some(k) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown config key `{k}`, expected one of {KEYS:?}"
        )));
    }
    let mut config = match (string("base_url")?, string("server")?) {
        (Some(_), Some(_)) => {
            return Err(bad("config: give `base_url` or `server`, not both".into()))
        }
        (Some(url), None) => Config::with_base_url(base_url(url).map_err(bad)?),
        (None, None) | (None, Some("production")) => Config::production(),
        (None, Some("sandbox")) => Config::sandbox(),
        (None, Some(other)) => {
            return Err(bad(format!(
                "config `server` must be \"production\" or \"sandbox\", found {other:?}"
            )))
        }
    };
    if let Some(v) = string("polar_version")? {
        config = config.polar_version(v);
    }
    if let Some(v) = string("user_agent")? {
        config = config.user_agent(v);
    }
    // Without a declared kind, the token's prefix says it (`polar_pat_...` is a personal
    // token); a token without a Polar prefix is taken for an organization token.
    let prefixed = string("token")?.and_then(TokenKind::of);
    let kind = match string("credential")? {
        None => match prefixed {
            Some(TokenKind::Credential(kind)) => kind,
            _ => CredentialKind::OrganizationToken,
        },
        Some("organization_token") => CredentialKind::OrganizationToken,
        Some("personal_token") => CredentialKind::PersonalToken,
        Some("oauth2_token") => CredentialKind::OAuth2Token,
        Some("customer_session") => CredentialKind::CustomerSession,
        Some("member_session") => CredentialKind::MemberSession,
        Some(other) => {
            return Err(bad(format!(
                "config `credential` must be one of organization_token, personal_token, \
                 oauth2_token, customer_session, member_session; found {other:?}"
            )))
        }
    };
    let mut options = Options::new(config);
    match string("token")? {
        Some(t) => options.credential = Some(Credential::new(kind, t)),
        None if map.contains_key("credential") => {
            return Err(bad("config `credential` given without `token`".into()))
        }
        None => {}
    }
    if let Some(id) = string("organization")? {
        HeaderValue::from_str(id)
            .map_err(|_| bad("config `organization` is no valid header value".into()))?;
        options.organization = Some(id.to_owned());
    }
    match map.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                let invalid = || {
                    bad(format!(
                        "config `headers`: invalid header `{}`",
                        name.escape_debug()
                    ))
                };
                let Value::String(value) = value else {
                    return Err(bad(format!(
                        "config `headers`: the value of `{}` must be a string",
                        name.escape_debug()
                    )));
                };
                let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
                let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
                options.headers.insert(name, value);
            }
        }
        Some(other) => {
            return Err(bad(format!(
                "config `headers` must be an object, found {}",
                polarsh_core::json::kind(other)
            )))
        }
    }
    let ms = Duration::from_millis;
    let s = &mut options.settings;
    if let Some(n) = number("max_attempts")? {
        s.retry.max_attempts = u32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
            bad(format!(
                "config `max_attempts` must be 1 or more, found {n}"
            ))
        })?;
    }
    if let Some(n) = number("base_delay_ms")? {
        s.retry.base_delay = ms(n);
    }
    if let Some(n) = number("max_delay_ms")? {
        s.retry.max_delay = ms(n);
    }
    if let Some(n) = number("max_elapsed_ms")? {
        s.retry.max_elapsed = ms(n);
    }
    if let Some(n) = number("request_timeout_ms")? {
        s.request_timeout = ms(n);
    }
    if let Some(n) = number("connect_timeout_ms")? {
        s.connect_timeout = ms(n);
    }
    if let Some(n) = number("overall_timeout_ms")? {
        s.overall_timeout = ms(n);
    }
    if let Some(n) = number("max_response_bytes")? {
        s.max_response_bytes = n;
    }
    Ok(options)
}
