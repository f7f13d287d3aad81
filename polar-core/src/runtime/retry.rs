//! When to try a request again, and after how long: a pure function of the attempt, its
//! outcome, the time spent so far and a jitter value, all passed in. Transports sleep and
//! resend; they decide nothing.
//!
//! Polar has no idempotency keys, so a repeated create makes a duplicate. By default only
//! requests that are safe to repeat (GET, HEAD, PUT, DELETE, OPTIONS) are retried after
//! they reached the server; a POST or PATCH is retried only when it never left (the
//! connection could not be made) or when Polar answered 429 (the rate limiter rejects a
//! request before anything is done with it), unless the caller opts in for that call.
//!
//! The policy decides one step; [`crate::exchange`] runs it over a whole call.

use http::{HeaderMap, Method};
use std::time::Duration;

/// What happened to one attempt.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The request never reached the server (connection refused, DNS failure, connect
    /// timeout): repeating it cannot duplicate anything.
    NotSent,
    /// The request may have reached the server but no complete response came back
    /// (connection reset, read timeout, truncated response).
    Interrupted,
    /// A response arrived.
    Response {
        /// Its status.
        status: u16,
        /// Its headers (for `Retry-After`).
        headers: &'a HeaderMap,
    },
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the request again after this long.
    RetryAfter(Duration),
    /// Give up: return this outcome to the caller.
    Stop,
}

/// One attempt, as the policy needs to know it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The caller says a POST/PATCH is safe to repeat for this call.
    pub repeatable: bool,
    /// Which attempt this was: 1 for the first.
    pub number: u32,
    /// Time since the first attempt began.
    pub elapsed: Duration,
    /// Now, in Unix seconds, to resolve a `Retry-After` given as an HTTP date.
    pub now_unix: i64,
    /// In `[0, 1)`: spreads clients apart (0.5 when unsure).
    pub jitter: f64,
}

/// The retry policy: how many attempts, how long to wait, how long in total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retry.
    pub max_attempts: u32,
    /// The first backoff delay; each retry doubles it.
    pub base_delay: Duration,
    /// No single wait is longer than this.
    pub max_delay: Duration,
    /// No retry starts after this much time since the first attempt (waits included).
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, 500 ms doubling up to 10 s, at most 60 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

/// Whether a request may be sent twice without changing the result.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Decides what follows `attempt`, which ended with `outcome`.
    pub fn decide(&self, attempt: &Attempt<'_>, outcome: Outcome<'_>) -> Decision {
        let Attempt {
            method,
            repeatable,
            number: attempt,
            elapsed,
            now_unix,
            jitter,
        } = *attempt;
        if attempt >= self.max_attempts {
            return Decision::Stop;
        }
        let safe = repeatable || is_idempotent(method);
        let wait = match outcome {
            Outcome::NotSent => self.backoff(attempt, jitter),
            Outcome::Interrupted if safe => self.backoff(attempt, jitter),
            Outcome::Interrupted => return Decision::Stop,
            Outcome::Response { status, headers } => {
                // A 429 is the rate limiter's answer: Polar did nothing, any method may
                // repeat. A 502/503/504 may come after the work was done.
                let retryable = status == 429 || (safe && matches!(status, 502..=504));
                if !retryable {
                    return Decision::Stop;
                }
                match retry_after(headers, now_unix) {
                    // The server said when: wait that long, or give up if it is too long.
                    Some(d) if d > self.max_delay => return Decision::Stop,
                    Some(d) => d,
                    None => self.backoff(attempt, jitter),
                }
            }
        };
        match elapsed.checked_add(wait) {
            Some(total) if total <= self.max_elapsed => Decision::RetryAfter(wait),
            _ => Decision::Stop,
        }
    }

    /// Exponential backoff with jitter: `base * 2^(attempt-1)`, capped, scaled into
    /// `[50%, 100%)` of itself by `jitter`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        // Saturating: `mul_f64` panics when the product rounds past `Duration::MAX`, which
        // a user's `Duration::MAX` delays and a jitter near 1 reach. Never above `full`.
        Duration::try_from_secs_f64(full.as_secs_f64() * (0.5 + jitter / 2.0))
            .map_or(full, |d| d.min(full))
    }
}

/// `Retry-After` as a delay: delta-seconds, or an HTTP date (IMF-fixdate) minus `now_unix`.
/// A date in the past means "now"; anything unparsable is ignored.
pub fn retry_after(headers: &HeaderMap, now_unix: i64) -> Option<Duration> {
    let v = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let delta = super::dates::http_date(v.as_bytes())?.saturating_sub(now_unix);
    Some(Duration::from_secs(u64::try_from(delta).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(retry_after: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(http::header::RETRY_AFTER, HeaderValue::from_static(v));
        }
        h
    }

    fn at(method: &Method, number: u32) -> Attempt<'_> {
        Attempt {
            method,
            repeatable: false,
            number,
            elapsed: Duration::ZERO,
            now_unix: 0,
            jitter: 0.0,
        }
    }

    fn decide(method: Method, attempt: u32, outcome: Outcome<'_>) -> Decision {
        RetryPolicy::default().decide(&at(&method, attempt), outcome)
    }

    #[test]
    fn connection_failures_retry_any_method() {
        assert_eq!(
            decide(Method::POST, 1, Outcome::NotSent),
            Decision::RetryAfter(Duration::from_millis(250))
        );
        assert_eq!(
            decide(Method::POST, 1, Outcome::Interrupted),
            Decision::Stop
        );
        assert!(matches!(
            decide(Method::GET, 1, Outcome::Interrupted),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn statuses() {
        let h = headers(None);
        for (status, retried) in [
            (429, true),
            (502, true),
            (503, true),
            (504, true),
            (500, false),
            (404, false),
            (200, false),
        ] {
            let d = decide(
                Method::GET,
                1,
                Outcome::Response {
                    status,
                    headers: &h,
                },
            );
            assert_eq!(matches!(d, Decision::RetryAfter(_)), retried, "{status}");
        }
        // A POST rate limited before anything was done is repeated.
        assert!(matches!(
            decide(
                Method::POST,
                1,
                Outcome::Response {
                    status: 429,
                    headers: &h
                }
            ),
            Decision::RetryAfter(_)
        ));
        // A POST that reached the server is not repeated unless the caller says so.
        assert_eq!(
            decide(
                Method::POST,
                1,
                Outcome::Response {
                    status: 503,
                    headers: &h
                }
            ),
            Decision::Stop
        );
        let p = RetryPolicy::default();
        let a = Attempt {
            repeatable: true,
            ..at(&Method::POST, 1)
        };
        assert!(matches!(
            p.decide(
                &a,
                Outcome::Response {
                    status: 503,
                    headers: &h
                }
            ),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let h = headers(Some("3"));
        assert_eq!(
            decide(
                Method::GET,
                1,
                Outcome::Response {
                    status: 429,
                    headers: &h
                }
            ),
            Decision::RetryAfter(Duration::from_secs(3))
        );
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        let h = headers(Some("Sun, 06 Nov 1994 08:49:42 GMT"));
        assert_eq!(retry_after(&h, 784_111_777), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(&h, 784_111_999), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(Some("soon")), 0), None);
        // Longer than the longest wait: give up rather than hang.
        let h = headers(Some("3600"));
        assert_eq!(
            decide(
                Method::GET,
                1,
                Outcome::Response {
                    status: 429,
                    headers: &h
                }
            ),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(250));
        assert_eq!(p.backoff(2, 0.0), Duration::from_millis(500));
        assert_eq!(p.backoff(3, 0.999_999), p.backoff(3, 0.999_999));
        assert!(p.backoff(3, 0.999) < Duration::from_secs(2));
        assert_eq!(p.backoff(40, 0.0), Duration::from_secs(5));
        assert_eq!(p.backoff(2, f64::NAN), Duration::from_millis(750));
    }

    #[test]
    fn backoff_saturates_with_the_longest_delays() {
        let p = RetryPolicy {
            max_attempts: u32::MAX,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            max_elapsed: Duration::MAX,
        };
        for jitter in [
            0.0,
            0.5,
            0.999_999_999_999,
            1.0 - f64::EPSILON,
            1.0,
            7.0,
            f64::INFINITY,
        ] {
            for attempt in [0, 1, 2, 31, 64, u32::MAX] {
                assert!(p.backoff(attempt, jitter) <= Duration::MAX);
            }
        }
        assert_eq!(p.backoff(1, 1.0), Duration::MAX);
        let headers = HeaderMap::new();
        let d = p.decide(
            &Attempt {
                jitter: 0.999_999_999_999,
                elapsed: Duration::MAX,
                ..at(&Method::GET, 1)
            },
            Outcome::Response {
                status: 503,
                headers: &headers,
            },
        );
        assert_eq!(
            d,
            Decision::Stop,
            "no wait fits after Duration::MAX elapsed"
        );
    }

    #[test]
    fn caps_on_attempts_and_time() {
        assert_eq!(decide(Method::GET, 4, Outcome::NotSent), Decision::Stop);
        let p = RetryPolicy::default();
        let late = Attempt {
            elapsed: Duration::from_secs(60),
            ..at(&Method::GET, 1)
        };
        assert_eq!(p.decide(&late, Outcome::NotSent), Decision::Stop);
        assert_eq!(
            RetryPolicy::none().decide(&at(&Method::GET, 1), Outcome::NotSent),
            Decision::Stop
        );
    }
}
