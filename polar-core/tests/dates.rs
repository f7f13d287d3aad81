//! The hand-written RFC 3339 and `YYYY-MM-DD` code of `json` agrees with `time`'s own
//! parsers and formatters, on seeds and on many mutations of them.

use polarsh_core::json::{FromJson, Path, ToJson, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

const SEEDS: &[&str] = &[
    "2025-01-02T03:04:05.123456Z",
    "2025-01-02t03:04:05z",
    "2025-06-01T12:30:00+02:00",
    "2025-06-01 12:30:00-09:30",
    "2016-12-31T23:59:60Z",
    "2016-12-31T23:59:60.5Z",
    "2017-01-01T00:59:60+01:00",
    "2016-06-30T23:59:60-00:00",
    "2016-06-29T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "9999-12-31T23:59:59.9999999999999-23:59",
    "0000-01-01T00:00:00+23:59",
    "2024-02-29T00:00:00.000000001Z",
    "2023-02-29T00:00:00Z",
    "2025-13-01T00:00:00Z",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:60:00Z",
    "2025-01-01T00:00:00+24:00",
    "2025-01-01T00:00:00+01:60",
    "2025-01-01T00:00:00.Z",
    "2025-01-01T00:00:00",
    "2025-01-01T00:00:00Zjunk",
    "2025-01-01",
    "",
    "2024-02-29",
    "-0001-03-04",
    "+2024-01-31",
    "0000-00-01",
    "2023-02-29",
    "12024-01-01",
];

fn ours_dt(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::from_json(&Value::String(s.to_owned()), &Path::Root).ok()
}

fn ours_date(s: &str) -> Option<Date> {
    Date::from_json(&Value::String(s.to_owned()), &Path::Root).ok()
}

fn check(s: &str) {
    let theirs = OffsetDateTime::parse(s, &Rfc3339).ok();
    assert_eq!(ours_dt(s), theirs, "date-time {s:?}");
    if let Some(dt) = theirs {
        let written = dt.format(&Rfc3339).map_or(Value::Null, Value::String);
        assert_eq!(dt.to_json(), written, "writing {s:?}");
    }
    let theirs = Date::parse(s, DATE_FORMAT).ok();
    assert_eq!(ours_date(s), theirs, "date {s:?}");
    if let Some(d) = theirs {
        let written = d.format(DATE_FORMAT).map_or(Value::Null, Value::String);
        assert_eq!(d.to_json(), written, "writing {s:?}");
    }
}

#[test]
fn seeds_agree_with_time() {
    for s in SEEDS {
        check(s);
    }
}

#[test]
fn mutations_agree_with_time() {
    // A small xorshift: deterministic, no dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    const ALPHABET: &[u8] = b"0123456789-+:.TtZz 956012";
    for _ in 0..200_000 {
        let mut b = SEEDS[next(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..1 + next(3) {
            let at = next(b.len() + 1);
            let c = ALPHABET[next(ALPHABET.len())];
            match next(3) {
                0 if at < b.len() => b[at] = c,
                1 => b.insert(at, c),
                _ if at < b.len() => {
                    b.remove(at);
                }
                _ => {}
            }
        }
        if let Ok(s) = String::from_utf8(b) {
            check(&s);
        }
    }
}

#[test]
fn writing_agrees_with_time() {
    let offsets = [
        (0, 0, 0),
        (2, 0, 0),
        (-9, -30, 0),
        (23, 59, 0),
        (-23, -59, 0),
        (1, 2, 3),
    ];
    let nanos = [0, 1, 10, 120_000_000, 123_456_000, 999_999_999, 500_000_000];
    let dates = [
        (0, 1, 1),
        (1970, 1, 1),
        (2024, 2, 29),
        (9999, 12, 31),
        (-1, 6, 15),
    ];
    for (y, m, d) in dates {
        let date =
            Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d).expect("date");
        let written = date.format(DATE_FORMAT).map_or(Value::Null, Value::String);
        assert_eq!(date.to_json(), written);
        for n in nanos {
            for (h, mi, s) in offsets {
                let offset = time::UtcOffset::from_hms(h, mi, s).expect("offset");
                let t = time::Time::from_hms_nano(13, 5, 9, n).expect("time");
                let dt = time::PrimitiveDateTime::new(date, t).assume_offset(offset);
                let written = dt.format(&Rfc3339).map_or(Value::Null, Value::String);
                assert_eq!(dt.to_json(), written, "{dt:?}");
            }
        }
    }
}

#[test]
fn retry_after_dates_agree_with_time() {
    use http::{header::RETRY_AFTER, HeaderMap, HeaderValue};
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let seeds = [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "Thu, 29 Feb 2024 23:59:59 GMT",
        "Fri, 29 Feb 2023 00:00:00 GMT",
        "Mon, 01 Jan -0001 00:00:00 GMT",
        "Mon, 01 Jan +2030 00:00:00 GMT",
        "Sat, 31 Dec 9999 23:59:59 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "120",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    const ALPHABET: &[u8] = b"0123456789 ,:-+GMTSunovDecJ";
    let check = |s: &str| {
        let mut headers = HeaderMap::new();
        let Ok(value) = HeaderValue::from_str(s) else {
            return;
        };
        headers.insert(RETRY_AFTER, value);
        let now = 1_000_000_000;
        let theirs = if let Ok(secs) = s.trim().parse::<u64>() {
            Some(std::time::Duration::from_secs(secs))
        } else {
            time::PrimitiveDateTime::parse(s.trim(), format)
                .ok()
                .map(|at| {
                    let delta = at.assume_utc().unix_timestamp().saturating_sub(now);
                    std::time::Duration::from_secs(u64::try_from(delta).unwrap_or(0))
                })
        };
        assert_eq!(
            polarsh_core::retry::retry_after(&headers, now),
            theirs,
            "{s:?}"
        );
    };
    for s in seeds {
        check(s);
    }
    for _ in 0..100_000 {
        let mut b = seeds[next(seeds.len())].as_bytes().to_vec();
        for _ in 0..1 + next(3) {
            let at = next(b.len() + 1);
            let c = ALPHABET[next(ALPHABET.len())];
            match next(3) {
                0 if at < b.len() => b[at] = c,
                1 => b.insert(at, c),
                _ if at < b.len() => {
                    b.remove(at);
                }
                _ => {}
            }
        }
        if let Ok(s) = String::from_utf8(b) {
            check(&s);
        }
    }
}
