//! Verifying (and, with the `webhook-signing` feature, signing) Polar's webhooks, sans-IO.
//!
//! # How Polar signs a webhook
//!
//! Polar follows [Standard Webhooks](https://www.standardwebhooks.com/). Each delivery carries
//! three headers:
//!
//! | header | value |
//! | --- | --- |
//! | `webhook-id` | the message id, the same on every retry of one event (`msg_...`) |
//! | `webhook-timestamp` | when it was sent, in unix seconds |
//! | `webhook-signature` | `v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`; several such entries separated by spaces while a secret is being rotated |
//!
//! The body is signed byte for byte: verify the raw bytes you received, before any JSON
//! parsing or re-encoding.
//!
//! [`Webhook::verify`] checks, in this order: the three headers are present (names are
//! case-insensitive), the timestamp is an integer within the tolerance of `now` (5 minutes by
//! default, both ways, inclusive: a message exactly 300 s old passes), and at least one `v1`
//! signature matches (compared in constant time; entries of other versions are skipped). Only
//! then is the body parsed into a typed [`WebhookPayload`]; an event type this SDK does not
//! know becomes [`WebhookPayload::Unknown`], never an error, and properties the spec does not
//! describe (such as a top-level `api_version`) are kept in the payload's `extra` maps.
//!
//! # The secrets it accepts
//!
//! Every secret a Polar dashboard has ever shown works, as it does with Polar's own
//! validators, which try two keys for any secret:
//!
//! - the base64 decoding of the secret after an optional `whsec_` prefix (the Standard
//!   Webhooks form, `whsec_<base64>`, which Polar issues today);
//! - the UTF-8 bytes of the whole secret string (the older raw secrets, `polar_whs_...`).
//!
//! A signature made with either key passes. Leading and trailing whitespace (a stray newline
//! from an `.env` file) is ignored. The secret never appears in an error or in `Debug` output.
//!
//! # Time is an argument
//!
//! This module reads no clock: pass `now` in unix seconds, e.g.
//! `time::OffsetDateTime::now_utc().unix_timestamp()` or
//! `SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64`.
//!
//! ```
//! use polarsh_core::models::WebhookPayload;
//! use polarsh_core::webhooks::{Webhook, WebhookError};
//!
//! let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let body = br#"{"type":"invoice.drafted","timestamp":"2026-01-01T00:00:00Z","data":{}}"#;
//! let headers = [
//!     ("Webhook-Id", "msg_2Zx1tbC7fQJxXvJ5gAXpfvNPyKk"),
//!     ("Webhook-Timestamp", "1767225600"),
//!     ("Webhook-Signature", "v1,rM5r5/J3d8f9YMPhbWABSKtW/zPSkv2KWvoigr1J3Ok="),
//! ];
//! let now = 1767225600 + 60; // a minute later
//! match webhook.verify_pairs(&headers, body, now)? {
//!     WebhookPayload::OrderPaid(event) => println!("order {} paid", event.data.id),
//!     WebhookPayload::Unknown { type_, .. } => assert_eq!(type_, "invoice.drafted"),
//!     other => println!("{}", other.event_type()),
//! }
//!
//! // One byte changed: rejected before the body is parsed.
//! let err = webhook.verify_pairs(&headers, b"{}", now).unwrap_err();
//! assert!(matches!(err, WebhookError::NoMatchingSignature));
//! // Ten minutes late: rejected.
//! let err = webhook.verify_pairs(&headers, body, now + 600).unwrap_err();
//! assert_eq!(err.kind(), "timestamp_too_old");
//! # Ok::<(), WebhookError>(())
//! ```
//!
//! With the `webhook-signing` feature, `Webhook::sign` and `Webhook::signed_headers` make
//! the headers Polar would send, to test your own handlers:
//!
//! ```
//! # #[cfg(feature = "webhook-signing")]
//! # {
//! use polarsh_core::webhooks::Webhook;
//!
//! let webhook = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let body = br#"{"test": 2432232314}"#;
//! let signature = webhook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
//! assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
//!
//! let headers = webhook.signed_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)?;
//! webhook.verify_signature(
//!     polarsh_core::webhooks::WebhookHeaders::from_header_map(&headers)?,
//!     body,
//!     1614265330,
//! )?;
//! # }
//! # Ok::<(), polarsh_core::webhooks::WebhookError>(())
//! ```

use crate::json::{from_slice, DecodeError};
use crate::models::WebhookPayload;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, Engine as _, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The name of the header carrying the message id.
pub const HEADER_ID: &str = "webhook-id";
/// The name of the header carrying the send time in unix seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The name of the header carrying the signature(s).
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// The default tolerance between a webhook's timestamp and `now`, either way: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The prefix of Standard Webhooks secrets (`whsec_<base64 key>`).
const SECRET_PREFIX: &str = "whsec_";

type HmacSha256 = Hmac<Sha256>;

/// Standard base64, with or without padding (secrets are sometimes shown without it).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a webhook was rejected.
///
/// Everything here can be caused by whoever can reach your endpoint: answer `400` (or `401`)
/// and don't retry. None of the variants carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is empty.
    #[error("invalid webhook secret: it is empty")]
    InvalidSecret,
    /// A required header is absent or empty; its (lower-case) name.
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// A header's value is not visible ASCII (a [`http::HeaderMap`] value that is not a
    /// string) or cannot be sent as a header; its (lower-case) name.
    #[error("invalid value in header `{0}`")]
    InvalidHeader(&'static str),
    /// `webhook-timestamp` is not an integer number of unix seconds that fits an `i64`.
    #[error("invalid `webhook-timestamp`: not an integer number of unix seconds")]
    InvalidTimestamp,
    /// The timestamp is older than `now` minus the tolerance (an old message, or a replay).
    #[error(
        "webhook timestamp {timestamp} is too old (now is {now}, tolerance {tolerance_secs} s)"
    )]
    TimestampTooOld {
        /// The message's timestamp, unix seconds.
        timestamp: i64,
        /// The `now` it was checked against.
        now: i64,
        /// The tolerance in seconds.
        tolerance_secs: u64,
    },
    /// The timestamp is later than `now` plus the tolerance (or the receiver's clock is wrong).
    #[error("webhook timestamp {timestamp} is in the future (now is {now}, tolerance {tolerance_secs} s)")]
    TimestampTooNew {
        /// The message's timestamp, unix seconds.
        timestamp: i64,
        /// The `now` it was checked against.
        now: i64,
        /// The tolerance in seconds.
        tolerance_secs: u64,
    },
    /// `webhook-signature` holds no well-formed `v1,<base64>` entry.
    #[error("invalid `webhook-signature`: no well-formed `v1,<base64>` entry")]
    InvalidSignatureHeader,
    /// Well-formed signatures, none of which matches: a wrong secret, or a body, id or
    /// timestamp changed on the way (verify the raw body bytes, not re-encoded JSON).
    #[error("no matching webhook signature (wrong secret, or the body, id or timestamp changed)")]
    NoMatchingSignature,
    /// The signature is genuine but the body is not a webhook payload (not JSON, or a known
    /// event whose fields don't match the spec).
    #[error("genuine webhook with an invalid body: {0}")]
    Decode(#[from] DecodeError),
}

impl WebhookError {
    /// A stable snake_case name of the variant (`"missing_header"`, `"timestamp_too_old"`,
    /// `"no_matching_signature"`, ...), for logs, metrics and other languages.
    pub fn kind(&self) -> &'static str {
        match self {
            WebhookError::InvalidSecret => "invalid_secret",
            WebhookError::MissingHeader(_) => "missing_header",
            WebhookError::InvalidHeader(_) => "invalid_header",
            WebhookError::InvalidTimestamp => "invalid_timestamp",
            WebhookError::TimestampTooOld { .. } => "timestamp_too_old",
            WebhookError::TimestampTooNew { .. } => "timestamp_too_new",
            WebhookError::InvalidSignatureHeader => "invalid_signature_header",
            WebhookError::NoMatchingSignature => "no_matching_signature",
            WebhookError::Decode(_) => "decode",
        }
    }
}

/// The three signature headers of one delivery, borrowed from wherever they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookHeaders<'a> {
    /// `webhook-id`.
    pub id: &'a str,
    /// `webhook-timestamp`, as sent.
    pub timestamp: &'a str,
    /// `webhook-signature`, as sent (one or more space-separated `v1,<base64>` entries).
    pub signature: &'a str,
}

impl<'a> WebhookHeaders<'a> {
    /// The three headers from an [`http::HeaderMap`] (the first value of each).
    pub fn from_header_map(headers: &'a http::HeaderMap) -> Result<Self, WebhookError> {
        let get = |name: &'static str| match headers.get(name) {
            None => Err(WebhookError::MissingHeader(name)),
            Some(v) => v.to_str().map_err(|_| WebhookError::InvalidHeader(name)),
        };
        Self::checked(
            get(HEADER_ID)?,
            get(HEADER_TIMESTAMP)?,
            get(HEADER_SIGNATURE)?,
        )
    }

    /// The three headers from plain `(name, value)` pairs, names compared case-insensitively
    /// (the first pair of each name counts). For callers without an [`http::HeaderMap`].
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: &'a [(K, V)],
    ) -> Result<Self, WebhookError> {
        let get = |name: &'static str| {
            pairs
                .iter()
                .find(|(k, _)| k.as_ref().trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_ref())
                .ok_or(WebhookError::MissingHeader(name))
        };
        Self::checked(
            get(HEADER_ID)?,
            get(HEADER_TIMESTAMP)?,
            get(HEADER_SIGNATURE)?,
        )
    }

    /// Trims the values and rejects empty ones (as Standard Webhooks' reference does).
    fn checked(id: &'a str, timestamp: &'a str, signature: &'a str) -> Result<Self, WebhookError> {
        let non_empty = |v: &'a str, name: &'static str| {
            let v = v.trim();
            if v.is_empty() {
                Err(WebhookError::MissingHeader(name))
            } else {
                Ok(v)
            }
        };
        Ok(WebhookHeaders {
            id: non_empty(id, HEADER_ID)?,
            timestamp: non_empty(timestamp, HEADER_TIMESTAMP)?,
            signature: non_empty(signature, HEADER_SIGNATURE)?,
        })
    }
}

/// A webhook endpoint's secret and tolerance: verifies deliveries (and signs them with the
/// `webhook-signing` feature). Cheap to clone; build it once and share it.
///
/// `Debug` never shows the secret.
#[derive(Clone)]
pub struct Webhook {
    /// The key Polar signs with today: the decoded `whsec_` key, else the secret's bytes.
    primary: HmacSha256,
    /// The other candidate key, when there is one and it differs.
    alternate: Option<HmacSha256>,
    tolerance_secs: u64,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("secret", &"***")
            .field("tolerance_secs", &self.tolerance_secs)
            .finish()
    }
}

impl Webhook {
    /// A verifier for `secret` as Polar shows it (`whsec_...` or `polar_whs_...`; see the
    /// [module docs](self) for the keys tried), with the default tolerance of 5 minutes.
    ///
    /// Fails only on an empty secret.
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        let raw = secret.as_bytes();
        let prefixed = secret.strip_prefix(SECRET_PREFIX);
        let decoded = BASE64
            .decode(prefixed.unwrap_or(secret))
            .ok()
            .filter(|k| !k.is_empty() && k.as_slice() != raw);
        let key = |k: &[u8]| {
            // HMAC takes keys of any length: this cannot fail, but stay panic-free anyway.
            HmacSha256::new_from_slice(k).map_err(|_| WebhookError::InvalidSecret)
        };
        let (primary, alternate) = match (prefixed, decoded) {
            (Some(_), Some(d)) => (key(&d)?, Some(key(raw)?)),
            (None, Some(d)) => (key(raw)?, Some(key(&d)?)),
            (_, None) => (key(raw)?, None),
        };
        Ok(Webhook {
            primary,
            alternate,
            tolerance_secs: DEFAULT_TOLERANCE.as_secs(),
        })
    }

    /// The same verifier with another tolerance (whole seconds; `Duration::ZERO` accepts only
    /// `timestamp == now`).
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance_secs = tolerance.as_secs();
        self
    }

    /// The tolerance between a webhook's timestamp and `now`, either way.
    pub fn tolerance(&self) -> Duration {
        Duration::from_secs(self.tolerance_secs)
    }

    /// Verifies a delivery from its [`http::HeaderMap`] and raw body, then parses the event.
    ///
    /// `now` is the current time in unix seconds.
    pub fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<WebhookPayload, WebhookError> {
        self.verify_headers(WebhookHeaders::from_header_map(headers)?, body, now)
    }

    /// Verifies a delivery from plain `(name, value)` header pairs and the raw body, then
    /// parses the event. `now` is the current time in unix seconds.
    pub fn verify_pairs<K: AsRef<str>, V: AsRef<str>>(
        &self,
        headers: &[(K, V)],
        body: &[u8],
        now: i64,
    ) -> Result<WebhookPayload, WebhookError> {
        self.verify_headers(WebhookHeaders::from_pairs(headers)?, body, now)
    }

    /// Verifies a delivery from its three headers and raw body, then parses the event.
    pub fn verify_headers(
        &self,
        headers: WebhookHeaders<'_>,
        body: &[u8],
        now: i64,
    ) -> Result<WebhookPayload, WebhookError> {
        self.verify_signature(headers, body, now)?;
        Ok(from_slice::<WebhookPayload>(body)?)
    }

    /// Only the checks (timestamp and signature), without parsing the body: for callers
    /// that want the raw bytes, or their own types.
    pub fn verify_signature(
        &self,
        headers: WebhookHeaders<'_>,
        body: &[u8],
        now: i64,
    ) -> Result<(), WebhookError> {
        let headers = WebhookHeaders::checked(headers.id, headers.timestamp, headers.signature)?;
        let timestamp = parse_timestamp(headers.timestamp)?;
        check_timestamp(timestamp, now, self.tolerance_secs)?;
        let keys = std::iter::once(&self.primary).chain(self.alternate.as_ref());
        let mut well_formed = false;
        for key in keys {
            let expected = mac(key, headers.id, timestamp, body);
            let (matched, any_v1) = match_signatures(headers.signature, &expected);
            if matched {
                return Ok(());
            }
            well_formed |= any_v1;
        }
        Err(if well_formed {
            WebhookError::NoMatchingSignature
        } else {
            WebhookError::InvalidSignatureHeader
        })
    }

    /// The `webhook-signature` value Polar would send for this message (`v1,<base64>`),
    /// signed with the key Polar uses for this secret (the decoded key of a `whsec_` secret,
    /// else the secret's bytes).
    #[cfg(feature = "webhook-signing")]
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let sig = mac(&self.primary, id, timestamp, body);
        format!("v1,{}", BASE64.encode(sig))
    }

    /// The three headers Polar would send for this message, ready for a test request.
    ///
    /// Fails with [`WebhookError::InvalidHeader`] if `id` cannot be a header value.
    #[cfg(feature = "webhook-signing")]
    pub fn signed_headers(
        &self,
        id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<http::HeaderMap, WebhookError> {
        use http::HeaderValue;
        let value = |v: &str, name: &'static str| {
            HeaderValue::from_str(v).map_err(|_| WebhookError::InvalidHeader(name))
        };
        let mut map = http::HeaderMap::with_capacity(3);
        map.insert(HEADER_ID, value(id, HEADER_ID)?);
        map.insert(HEADER_TIMESTAMP, HeaderValue::from(timestamp));
        let signature = self.sign(id, timestamp, body);
        map.insert(HEADER_SIGNATURE, value(&signature, HEADER_SIGNATURE)?);
        Ok(map)
    }
}

/// Verifies a delivery with `secret` and the default tolerance, then parses the event: the
/// one-call form of [`Webhook::new`] and [`Webhook::verify`]. `now` is in unix seconds.
pub fn verify(
    secret: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<WebhookPayload, WebhookError> {
    Webhook::new(secret)?.verify(headers, body, now)
}

/// The `webhook-signature` value for a message: the one-call form of [`Webhook::new`] and
/// [`Webhook::sign`].
#[cfg(feature = "webhook-signing")]
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, WebhookError> {
    Ok(Webhook::new(secret)?.sign(id, timestamp, body))
}

/// An integer number of seconds; anything else (fractions, exponents, overflow) is invalid.
fn parse_timestamp(value: &str) -> Result<i64, WebhookError> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::InvalidTimestamp);
    }
    value.parse().map_err(|_| WebhookError::InvalidTimestamp)
}

/// Inclusive both ways: `|now - timestamp| <= tolerance` passes. In `i128`, so that no
/// pair of `i64` overflows.
fn check_timestamp(timestamp: i64, now: i64, tolerance_secs: u64) -> Result<(), WebhookError> {
    let age = i128::from(now) - i128::from(timestamp);
    let tolerance = i128::from(tolerance_secs);
    if age > tolerance {
        Err(WebhookError::TimestampTooOld {
            timestamp,
            now,
            tolerance_secs,
        })
    } else if age < -tolerance {
        Err(WebhookError::TimestampTooNew {
            timestamp,
            now,
            tolerance_secs,
        })
    } else {
        Ok(())
    }
}

/// HMAC-SHA256 of `{id}.{timestamp}.{body}`.
fn mac(key: &HmacSha256, id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    let mut mac = key.clone();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Whether any `v1` entry of a `webhook-signature` value equals `expected` (each compared in
/// constant time), and whether there was any well-formed `v1` entry at all. Entries of other
/// versions are skipped; malformed entries (no comma, bad base64) count as absent.
fn match_signatures(header: &str, expected: &[u8; 32]) -> (bool, bool) {
    let mut well_formed = false;
    for entry in header.split_ascii_whitespace() {
        let Some((version, signature)) = entry.split_once(',') else {
            continue;
        };
        if version != "v1" {
            continue;
        }
        let Ok(signature) = BASE64.decode(signature) else {
            continue;
        };
        well_formed = true;
        if bool::from(signature.as_slice().ct_eq(expected.as_slice())) {
            return (true, true);
        }
    }
    (false, well_formed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers<'a>(ts: &'a str, sig: &'a str) -> WebhookHeaders<'a> {
        WebhookHeaders {
            id: ID,
            timestamp: ts,
            signature: sig,
        }
    }

    fn check(ts: &str, sig: &str, now: i64) -> Result<(), WebhookError> {
        Webhook::new(SECRET)?.verify_signature(headers(ts, sig), BODY, now)
    }

    #[test]
    fn standard_webhooks_readme_vector() {
        assert_eq!(check("1614265330", SIG, TS), Ok(()));
    }

    #[test]
    fn tolerance_is_inclusive_both_ways() {
        assert_eq!(check("1614265330", SIG, TS + 300), Ok(()));
        assert_eq!(check("1614265330", SIG, TS - 300), Ok(()));
        assert_eq!(
            check("1614265330", SIG, TS + 301).unwrap_err().kind(),
            "timestamp_too_old"
        );
        assert_eq!(
            check("1614265330", SIG, TS - 301).unwrap_err().kind(),
            "timestamp_too_new"
        );
        let strict = Webhook::new(SECRET).unwrap().with_tolerance(Duration::ZERO);
        assert!(strict
            .verify_signature(headers("1614265330", SIG), BODY, TS)
            .is_ok());
        assert!(strict
            .verify_signature(headers("1614265330", SIG), BODY, TS + 1)
            .is_err());
    }

    #[test]
    fn absurd_timestamps_are_typed_errors() {
        for (ts, now, kind) in [
            ("9223372036854775807", i64::MIN, "timestamp_too_new"),
            ("-9223372036854775808", i64::MAX, "timestamp_too_old"),
            ("-1", TS, "timestamp_too_old"),
            ("9223372036854775808", TS, "invalid_timestamp"),
            ("1614265330.0", TS, "invalid_timestamp"),
            ("1e9", TS, "invalid_timestamp"),
            ("+1614265330", TS, "invalid_timestamp"),
            ("-", TS, "invalid_timestamp"),
            ("abc", TS, "invalid_timestamp"),
            ("１６", TS, "invalid_timestamp"),
        ] {
            assert_eq!(check(ts, SIG, now).unwrap_err().kind(), kind, "{ts}");
        }
    }

    #[test]
    fn signature_header_shapes() {
        let ok = [
            SIG.to_string(),
            format!("v1,bm9wZQ== {SIG}"),
            format!("v2,xyz  v1a,abc {SIG} garbage"),
            format!("{SIG} v1,!!!"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE".to_string(), // unpadded
        ];
        for sig in &ok {
            assert_eq!(check("1614265330", sig, TS), Ok(()), "{sig}");
        }
        for (sig, kind) in [
            (
                "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                "invalid_signature_header",
            ),
            ("v1,!!!notbase64", "invalid_signature_header"),
            (
                "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                "invalid_signature_header",
            ),
            ("v1,", "no_matching_signature"),
            ("v1,bm9wZQ==", "no_matching_signature"),
            ("   ", "missing_header"),
        ] {
            assert_eq!(
                check("1614265330", sig, TS).unwrap_err().kind(),
                kind,
                "{sig}"
            );
        }
    }

    #[test]
    fn both_keys_of_any_secret() {
        // The raw-string key, as older `polar_whs_` secrets are used.
        let raw = "polar_whs_abc123";
        let expected = mac(
            &HmacSha256::new_from_slice(raw.as_bytes()).unwrap(),
            ID,
            TS,
            BODY,
        );
        let sig = format!("v1,{}", BASE64.encode(expected));
        let w = Webhook::new(raw).unwrap();
        assert_eq!(
            w.verify_signature(headers("1614265330", &sig), BODY, TS),
            Ok(())
        );
        // The whole `whsec_` string's bytes also work as a key.
        let expected = mac(
            &HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap(),
            ID,
            TS,
            BODY,
        );
        let sig = format!("v1,{}", BASE64.encode(expected));
        assert_eq!(check("1614265330", &sig, TS), Ok(()));
        // Surrounding whitespace is ignored.
        let w = Webhook::new(&format!(" {SECRET}\n")).unwrap();
        assert_eq!(
            w.verify_signature(headers("1614265330", SIG), BODY, TS),
            Ok(())
        );
        assert_eq!(
            Webhook::new(" \n").unwrap_err(),
            WebhookError::InvalidSecret
        );
    }

    #[test]
    fn secret_not_in_debug() {
        let w = Webhook::new(SECRET).unwrap();
        let dbg = format!("{w:?}");
        assert!(!dbg.contains("MfKQ9r8G"), "{dbg}");
    }

    #[test]
    fn header_map_and_pairs() {
        let mut map = http::HeaderMap::new();
        map.insert("Webhook-Id", ID.parse().unwrap());
        map.insert("WEBHOOK-TIMESTAMP", "1614265330".parse().unwrap());
        map.insert("webhook-signature", SIG.parse().unwrap());
        let h = WebhookHeaders::from_header_map(&map).unwrap();
        assert_eq!(h, headers("1614265330", SIG));
        let pairs = [
            ("WEBHOOK-ID".to_string(), ID.to_string()),
            ("Webhook-Timestamp".to_string(), "1614265330".to_string()),
            ("webhook-Signature".to_string(), SIG.to_string()),
        ];
        assert_eq!(WebhookHeaders::from_pairs(&pairs).unwrap(), h);
        map.insert(
            "webhook-id",
            http::HeaderValue::from_bytes(b"msg_\xff").unwrap(),
        );
        assert_eq!(
            WebhookHeaders::from_header_map(&map),
            Err(WebhookError::InvalidHeader("webhook-id"))
        );
        map.remove("webhook-timestamp");
        let only: [(&str, &str); 0] = [];
        assert_eq!(
            WebhookHeaders::from_pairs(&only),
            Err(WebhookError::MissingHeader("webhook-id"))
        );
    }
}
