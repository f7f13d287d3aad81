//! `Retry-After`, RFC 3339 date-times and dates against the `time` crate, and the backoff
//! arithmetic with any policy.
//!
//! Input: one selector byte, then text. Checked: `retry_after` reads what an independent
//! parser (`u64` seconds, or `time`'s IMF-fixdate description) reads; the JSON runtime's
//! date-time and date parsers accept what `time`'s `Rfc3339` and `[year]-[month]-[day]`
//! accept, with the same value; `RetryPolicy::backoff` and `decide` never panic, whatever
//! the durations and jitter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polarsh_core::json::{from_value, Value};
use polarsh_core::retry::{retry_after, Attempt, Outcome, RetryPolicy};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut x = [0u8; 8];
    for (j, slot) in x.iter_mut().enumerate() {
        *slot = b.get(i * 8 + j).copied().unwrap_or(0);
    }
    u64::from_le_bytes(x)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let now = i64::from(selector) * 1_000_000_007;
    if let Ok(text) = std::str::from_utf8(rest) {
        // Retry-After.
        if let Ok(value) = http::HeaderValue::from_str(text) {
            let mut headers = http::HeaderMap::new();
            headers.insert(http::header::RETRY_AFTER, value);
            let ours = retry_after(&headers, now);
            let v = text.trim();
            let visible_ascii = headers[http::header::RETRY_AFTER].to_str().is_ok();
            let expected = match v.parse::<u64>() {
                // A value that is not visible ASCII is no valid Retry-After: ignored.
                _ if !visible_ascii => None,
                Ok(secs) => Some(Duration::from_secs(secs)),
                Err(_) => {
                    let fixdate = format_description!(
                        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
                    );
                    time::PrimitiveDateTime::parse(v, &fixdate).ok().map(|dt| {
                        let delta = dt.assume_utc().unix_timestamp().saturating_sub(now);
                        Duration::from_secs(u64::try_from(delta).unwrap_or(0))
                    })
                }
            };
            assert_eq!(ours, expected, "Retry-After {text:?}");
        }
        // Date-times and dates, as the JSON runtime reads them.
        let json = Value::String(text.to_owned());
        let ours = from_value::<time::OffsetDateTime>(&json).ok();
        let theirs = time::OffsetDateTime::parse(text, &Rfc3339).ok();
        assert_eq!(ours, theirs, "date-time {text:?}");
        if let Some(dt) = ours {
            // Written back, it reads as the same instant (when it can be written at all).
            if let Some(s) = polarsh_core::json::ToJson::to_json(&dt).as_str() {
                assert_eq!(time::OffsetDateTime::parse(s, &Rfc3339).ok(), Some(dt));
            }
        }
        let ours = from_value::<time::Date>(&json).ok();
        let theirs = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok();
        assert_eq!(ours, theirs, "date {text:?}");
    }

    // Backoff and decisions with any policy: no panic, waits within the caps.
    let policy = RetryPolicy {
        max_attempts: u64_at(rest, 0) as u32,
        base_delay: Duration::new(u64_at(rest, 1), (u64_at(rest, 2) % 1_000_000_000) as u32),
        max_delay: Duration::new(u64_at(rest, 3), (u64_at(rest, 4) % 1_000_000_000) as u32),
        max_elapsed: Duration::from_nanos(u64_at(rest, 5)),
    };
    let jitter = f64::from_bits(u64_at(rest, 6));
    let attempt = u64_at(rest, 7) as u32;
    let wait = policy.backoff(attempt, jitter);
    assert!(
        wait <= policy.max_delay,
        "{wait:?} above the cap {policy:?}"
    );
    let headers = http::HeaderMap::new();
    let method = http::Method::GET;
    let _ = policy.decide(
        &Attempt {
            method: &method,
            repeatable: false,
            number: attempt,
            elapsed: Duration::from_nanos(u64_at(rest, 8)),
            now_unix: now,
            jitter,
        },
        Outcome::Response {
            status: 503,
            headers: &headers,
        },
    );
});
