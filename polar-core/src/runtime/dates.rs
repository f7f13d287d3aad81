//! Every date the runtime reads or writes by hand: RFC 3339 date-times and `YYYY-MM-DD` dates
//! (JSON `date-time` and `date` fields) and IMF-fixdates (`Retry-After`).
//!
//! By hand rather than through `time`'s format descriptions: the same rules as `time`'s
//! `Rfc3339`, `[year]-[month]-[day]` and the IMF-fixdate description, in a fraction of the code
//! (`time`'s generic parser was the largest piece of the wasm module).

/// Exactly `n` ASCII digits at the start of `b`, and what follows.
fn digits(b: &[u8], n: usize) -> Option<(u32, &[u8])> {
    let rest = b.get(n..)?;
    let mut v = 0;
    for &c in b.get(..n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some((v, rest))
}

/// Whether the bytes of `w` that `mask` selects (`0xff` each) are all ASCII digits: high
/// nibble 3, and a low one that 6 does not carry out of. No carry crosses into a selected
/// byte from one that passes.
fn digits_at(w: u64, mask: u64) -> bool {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;
    w & HIGH & mask == THREES & mask && w.wrapping_add(SIXES & mask) & HIGH & mask == THREES & mask
}

/// For digits in `w` (one per byte, little-endian), byte `i` of the result is the
/// two-digit number bytes `i` and `i + 1` write (`10 * a + b`, at most 165 for any low
/// nibbles: no byte carries into the next).
fn pairs(w: u64) -> u64 {
    let d = w & 0x0f0f_0f0f_0f0f_0f0f;
    d.wrapping_mul(10).wrapping_add(d >> 8)
}

/// `b` after its first byte, when that byte is `c`.
fn lit(b: &[u8], c: u8) -> Option<&[u8]> {
    match b.split_first() {
        Some((&x, rest)) if x == c => Some(rest),
        _ => None,
    }
}

/// `MM-DD` after the year, as a date.
fn month_day(year: i32, b: &[u8]) -> Option<(time::Date, &[u8])> {
    let (month, b) = digits(lit(b, b'-')?, 2)?;
    let (day, b) = digits(lit(b, b'-')?, 2)?;
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    Some((date, b))
}

/// `[+-]YYYY-MM-DD`, as `time`'s `[year]-[month]-[day]` reads it.
pub(crate) fn parse_date(b: &[u8]) -> Option<time::Date> {
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    let (year, b) = digits(b, 4)?;
    let year = year as i32;
    match month_day(if negative { -year } else { year }, b)? {
        (date, []) => Some(date),
        _ => None,
    }
}

/// An RFC 3339 date-time: any separator between date and time, an optional fraction (digits
/// past nanoseconds ignored), `Z`/`z` or `±hh:mm`, and a leap second only where one can be
/// (read as the last nanosecond before it).
pub(crate) fn parse_date_time(b: &[u8]) -> Option<time::OffsetDateTime> {
    // `YYYY-MM-DD?hh:mm:ss` has fixed places: `YYYY-MM-` and `hh:mm:ss` are read as two
    // 8-byte words, checked and converted eight bytes at a time (dates are a large share of
    // a response's values), the day on its own.
    let date: [u8; 8] = b.get(..8)?.try_into().ok()?;
    let clock: [u8; 8] = b.get(11..19)?.try_into().ok()?;
    let (day, _) = digits(b.get(8..10)?, 2)?;
    let mut b = b.get(19..)?;
    let (date, clock) = (u64::from_le_bytes(date), u64::from_le_bytes(clock));
    // Digits at bytes 0-3 and 5-6 of the first, 0-1, 3-4 and 6-7 of the second; the rest
    // are separators.
    const DATE_DIGITS: u64 = 0x00ff_ff00_ffff_ffff;
    const CLOCK_DIGITS: u64 = 0xffff_00ff_ff00_ffff;
    if !digits_at(date, DATE_DIGITS)
        || date & !DATE_DIGITS != u64::from_le_bytes(*b"\0\0\0\0-\0\0-")
        || !digits_at(clock, CLOCK_DIGITS)
        || clock & !CLOCK_DIGITS != u64::from_le_bytes(*b"\0\0:\0\0:\0\0")
    {
        return None;
    }
    let (date, clock) = (pairs(date), pairs(clock));
    // Byte `i` of a word of pairs: the number its digits `i` and `i + 1` write.
    let at = |w: u64, i: u32| (w >> (8 * i)) as u8;
    let year = u32::from(at(date, 0)) * 100 + u32::from(at(date, 2));
    let month = time::Month::try_from(at(date, 5)).ok()?;
    let date = time::Date::from_calendar_date(year as i32, month, day as u8).ok()?;
    let (hour, minute, mut second) = (
        u32::from(at(clock, 0)),
        u32::from(at(clock, 3)),
        u32::from(at(clock, 6)),
    );
    let mut nanos = 0;
    if let Some(mut rest) = lit(b, b'.') {
        let mut scale = 100_000_000;
        while let Some((&c, tail)) = rest.split_first().filter(|(c, _)| c.is_ascii_digit()) {
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
            rest = tail;
        }
        if scale == 100_000_000 {
            return None;
        }
        b = rest;
    }
    let (offset, b) = match b.split_first()? {
        (b'Z' | b'z', rest) => (time::UtcOffset::UTC, rest),
        (&sign @ (b'+' | b'-'), rest) => {
            let (h, rest) = digits(rest, 2)?;
            let (m, rest) = digits(lit(rest, b':')?, 2)?;
            if h > 23 {
                return None;
            }
            let (h, m) = (h as i8, m as i8);
            let (h, m) = if sign == b'-' { (-h, -m) } else { (h, m) };
            (time::UtcOffset::from_hms(h, m, 0).ok()?, rest)
        }
        _ => return None,
    };
    if !b.is_empty() {
        return None;
    }
    let leap = second == 60;
    if leap {
        second = 59;
        nanos = 999_999_999;
    }
    let t = time::Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).ok()?;
    let dt = time::PrimitiveDateTime::new(date, t).assume_offset(offset);
    if leap {
        let utc = dt.checked_to_offset(time::UtcOffset::UTC)?;
        let last_day = time::util::days_in_month(utc.month(), utc.year());
        if (utc.hour(), utc.minute(), utc.day()) != (23, 59, last_day) || utc.second() != 59 {
            return None;
        }
    }
    Some(dt)
}

/// `n` decimal digits of `v`, zero-padded.
fn push_digits(out: &mut String, v: u32, n: u32) {
    for i in (0..n).rev() {
        out.push(char::from(b'0' + (v / 10u32.pow(i) % 10) as u8));
    }
}

/// `YYYY-MM-DD` (the year's absolute value; the caller writes a sign).
pub(crate) fn push_date(out: &mut String, d: time::Date) {
    push_digits(out, d.year().unsigned_abs(), 4);
    out.push('-');
    push_digits(out, u32::from(u8::from(d.month())), 2);
    out.push('-');
    push_digits(out, u32::from(d.day()), 2);
}

/// RFC 3339 as `time` writes it: fraction only when not zero, without trailing zeros; `Z`
/// for a zero offset.
pub(crate) fn format_date_time(dt: time::OffsetDateTime) -> Option<String> {
    let (oh, om, os) = dt.offset().as_hms();
    if !(0..10_000).contains(&dt.year()) || oh.unsigned_abs() > 23 || os != 0 {
        return None;
    }
    let mut out = String::with_capacity(35);
    push_date(&mut out, dt.date());
    out.push('T');
    push_digits(&mut out, u32::from(dt.hour()), 2);
    out.push(':');
    push_digits(&mut out, u32::from(dt.minute()), 2);
    out.push(':');
    push_digits(&mut out, u32::from(dt.second()), 2);
    let mut nanos = dt.nanosecond();
    if nanos != 0 {
        let mut width = 9;
        while nanos % 10 == 0 {
            nanos /= 10;
            width -= 1;
        }
        out.push('.');
        push_digits(&mut out, nanos, width);
    }
    if dt.offset().is_utc() {
        out.push('Z');
    } else {
        out.push(if dt.offset().is_negative() { '-' } else { '+' });
        push_digits(&mut out, u32::from(oh.unsigned_abs()), 2);
        out.push(':');
        push_digits(&mut out, u32::from(om.unsigned_abs()), 2);
    }
    Some(out)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) in Unix seconds, read as `time`'s
/// `[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT`
/// would (the weekday is not checked against the date). By hand: `time`'s generic parser
/// was a fifth of the wasm module.
pub(crate) fn http_date(b: &[u8]) -> Option<i64> {
    const WEEKDAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let (weekday, b) = (b.get(..3)?, b.get(3..)?);
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let (day, b) = digits(b.strip_prefix(b", ")?, 2)?;
    let b = b.strip_prefix(b" ")?;
    let month = MONTHS.iter().position(|m| b.starts_with(m))?;
    let b = b.get(4..).filter(|_| b.get(3) == Some(&b' '))?;
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    let (year, b) = digits(b, 4)?;
    let (hour, b) = digits(b.strip_prefix(b" ")?, 2)?;
    let (minute, b) = digits(b.strip_prefix(b":")?, 2)?;
    let (second, b) = digits(b.strip_prefix(b":")?, 2)?;
    if b != b" GMT" {
        return None;
    }
    let year = if negative {
        -(year as i32)
    } else {
        year as i32
    };
    let month = time::Month::try_from(month as u8 + 1).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let time = time::Time::from_hms(hour as u8, minute as u8, second as u8).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    /// The date-time reader accepts what `time`'s `Rfc3339` accepts, with the same value:
    /// on date-times with every byte replaced by each byte that matters to a check
    /// (digits at and past the ranges, separators, the bytes around `0` and `9` that a
    /// word-at-a-time check could let through).
    #[test]
    fn date_times_read_as_time_reads_them() {
        let bases = [
            "2025-12-31T23:59:30Z",
            "2024-02-29T00:00:00.123456789+02:00",
            "1999-01-01t09:09:09.5-23:59",
            "2016-12-31T23:59:60Z",
            "0000-01-01 00:00:00z",
        ];
        let bytes = b"0123456789/:;-+.Zz T\x00\x7f\xff\xfa\x29\x2f\x3a\x3f\x40\xc0";
        let mut checked = 0;
        for base in bases {
            for i in 0..base.len() {
                for &c in bytes {
                    let mut m = base.as_bytes().to_vec();
                    m[i] = c;
                    // JSON strings are UTF-8: nothing else reaches the reader.
                    let Ok(text) = std::str::from_utf8(&m) else {
                        continue;
                    };
                    let theirs = time::OffsetDateTime::parse(text, &Rfc3339).ok();
                    assert_eq!(
                        super::parse_date_time(&m),
                        theirs,
                        "{:?}",
                        String::from_utf8_lossy(&m)
                    );
                    checked += usize::from(theirs.is_some());
                }
            }
        }
        assert!(checked > 500, "{checked} accepted");
    }
}
