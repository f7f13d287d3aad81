//! JSON conversion for generated types, without serde derive.
//!
//! Every generated type decodes from a parsed document ([`Json`], which borrows from the
//! response bytes) and encodes to a [`serde_json::Value`] through two non-generic traits,
//! [`FromJson`] and [`ToJson`]. Compared with `#[derive(Serialize, Deserialize)]` on a
//! thousand types this gives the compiler far less to chew on, keeps properties the spec
//! does not describe (nothing Polar sends is lost), lets unions try members on the parsed
//! document, and names the JSON path of a bad field in every error. The path is built on
//! the stack while decoding and rendered only when an error occurs.

use super::patch::Patch;
use std::cell::Cell;
use std::collections::BTreeMap;

pub use super::doc::{Json, Num};
pub use serde_json::{Map, Number, Value};

/// Location in a JSON document, built on the stack while decoding and rendered only on error.
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    /// The document itself (`$`).
    Root,
    /// The root of a union member that [`best_fit`] is trying: a failure below it is
    /// discarded, so its error is neither rendered nor worded (unions of scalars fail
    /// several members on every value).
    Probe,
    /// A property of an object.
    Key(&'a Path<'a>, &'a str),
    /// An element of an array.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of property `key` below this one.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    /// The path of element `i` below this one.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// Whether this is below [`Path::Probe`], where errors are thrown away.
    pub fn is_probe(&self) -> bool {
        let mut cur = self;
        loop {
            match cur {
                Path::Root => return false,
                Path::Probe => return true,
                Path::Key(parent, _) | Path::Index(parent, _) => cur = parent,
            }
        }
    }

    /// `$`, `$.items[3].name`, `$["cf-turnstile-response"]`.
    pub fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Path::Root | Path::Probe => break,
                Path::Key(parent, k) => {
                    segs.push(Seg::Key(k));
                    cur = parent;
                }
                Path::Index(parent, i) => {
                    segs.push(Seg::Index(*i));
                    cur = parent;
                }
            }
        }
        let mut out = String::from("$");
        for seg in segs.iter().rev() {
            match seg {
                Seg::Key(k) if is_identifier(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Seg::Key(k) => {
                    out.push('[');
                    out.push_str(&quoted(k));
                    out.push(']');
                }
                Seg::Index(i) => {
                    out.push('[');
                    push_decimal(&mut out, *i as u64);
                    out.push(']');
                }
            }
        }
        out
    }
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A JSON value did not match the type expected at `path`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at {path}: {message}")]
pub struct DecodeError {
    /// Where the bad value is, e.g. `$.items[3].created_at`.
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
}

impl DecodeError {
    /// An error at `path`.
    pub fn new(path: &Path<'_>, message: impl Into<String>) -> Self {
        Self::lazy(path, || message.into())
    }

    /// An error at `path`, worded only if it will be seen: below [`Path::Probe`] it stays
    /// empty, since the union member being tried is simply dropped.
    pub fn lazy(path: &Path<'_>, message: impl FnOnce() -> String) -> Self {
        if path.is_probe() {
            return DecodeError {
                path: String::new(),
                message: String::new(),
            };
        }
        DecodeError {
            path: path.render(),
            message: message(),
        }
    }

    /// The body is not JSON at all (empty, truncated, HTML): reported at `$`.
    pub fn syntax(err: &dyn std::fmt::Display) -> Self {
        DecodeError {
            path: "$".into(),
            message: ["not valid JSON: ", &err.to_string()].concat(),
        }
    }
}

/// The JSON kind of a value, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JSON kind of a parsed value, for error messages.
pub fn kind_of(v: &Json<'_>) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn expected(path: &Path<'_>, what: &str, found: &Json<'_>) -> DecodeError {
    DecodeError::lazy(path, || {
        ["expected ", what, ", found ", kind_of(found)].concat()
    })
}

/// Decoding from JSON.
pub trait FromJson: Sized {
    /// Decodes `value`, which sits at `path` in its document.
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError>;

    /// Decodes a `serde_json::Value`, which sits at `path` in its document.
    fn from_json(value: &Value, path: &Path<'_>) -> Result<Self, DecodeError> {
        Self::decode(&Json::from_value(value), path)
    }
}

/// Encoding to a JSON value.
pub trait ToJson {
    /// The JSON form of `self`.
    fn to_json(&self) -> Value;
}

/// A type usable as the key of a JSON object map.
pub trait JsonKey: Sized + Ord {
    /// The key from its JSON string.
    fn from_key(key: &str) -> Self;
    /// The JSON string of the key.
    fn to_key(&self) -> String;
}

/// The decoder of one union member, as generated code lists them for [`best_fit`].
pub type Decoder<T> = fn(&Json<'_>, &Path<'_>) -> Result<T, DecodeError>;

impl JsonKey for String {
    fn from_key(key: &str) -> Self {
        key.to_owned()
    }
    fn to_key(&self) -> String {
        self.clone()
    }
}

impl FromJson for String {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        string(value, path).map(str::to_owned)
    }
}
impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}
impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl FromJson for bool {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Bool(b) => Ok(*b),
            other => Err(expected(path, "a boolean", other)),
        }
    }
}
impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for i64 {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Number(n) => n.as_i64().ok_or_else(|| {
                DecodeError::lazy(path, || {
                    ["expected an integer that fits i64, found ", &num_text(n)].concat()
                })
            }),
            other => Err(expected(path, "an integer", other)),
        }
    }
}
impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::Number((*self).into())
    }
}

impl FromJson for f64 {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Number(n) => n.as_f64().ok_or_else(|| {
                DecodeError::lazy(path, || {
                    ["number ", &num_text(n), " is not representable"].concat()
                })
            }),
            other => Err(expected(path, "a number", other)),
        }
    }
}
impl ToJson for f64 {
    fn to_json(&self) -> Value {
        // JSON has no NaN or infinity; they go out as null rather than failing the request.
        Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

impl FromJson for Number {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Number(n) => n.to_number().ok_or_else(|| {
                DecodeError::lazy(path, || {
                    ["number ", &num_text(n), " is not representable"].concat()
                })
            }),
            other => Err(expected(path, "a number", other)),
        }
    }
}
impl ToJson for Number {
    fn to_json(&self) -> Value {
        Value::Number(self.clone())
    }
}

impl FromJson for Value {
    fn decode(value: &Json<'_>, _path: &Path<'_>) -> Result<Self, DecodeError> {
        Ok(value.to_value())
    }
}
impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl FromJson for time::OffsetDateTime {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        let s = string(value, path)?;
        parse_date_time(s.as_bytes()).ok_or_else(|| {
            DecodeError::lazy(path, || {
                ["expected an RFC 3339 date-time, found ", &quoted(s)].concat()
            })
        })
    }
}
impl ToJson for time::OffsetDateTime {
    fn to_json(&self) -> Value {
        // Years outside 0..=9999 and offsets with seconds have no RFC 3339 form: null.
        format_date_time(*self).map_or(Value::Null, Value::String)
    }
}

impl FromJson for time::Date {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        let s = string(value, path)?;
        parse_date(s.as_bytes()).ok_or_else(|| {
            DecodeError::lazy(path, || {
                ["expected a date (YYYY-MM-DD), found ", &quoted(s)].concat()
            })
        })
    }
}
impl ToJson for time::Date {
    fn to_json(&self) -> Value {
        let mut out = String::with_capacity(11);
        if self.year() < 0 {
            out.push('-');
        }
        push_date(&mut out, *self);
        Value::String(out)
    }
}

// RFC 3339 and `YYYY-MM-DD` by hand rather than through `time`'s format descriptions: the
// same rules as `time`'s `Rfc3339` and `[year]-[month]-[day]`, in a fraction of the code
// (its generic parser was the largest piece of the wasm module).

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
fn parse_date(b: &[u8]) -> Option<time::Date> {
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
fn parse_date_time(b: &[u8]) -> Option<time::OffsetDateTime> {
    let (year, b) = digits(b, 4)?;
    let (date, b) = month_day(year as i32, b)?;
    let (hour, b) = digits(b.get(1..)?, 2)?;
    let (minute, b) = digits(lit(b, b':')?, 2)?;
    let (mut second, mut b) = digits(lit(b, b':')?, 2)?;
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
fn push_date(out: &mut String, d: time::Date) {
    push_digits(out, d.year().unsigned_abs(), 4);
    out.push('-');
    push_digits(out, u32::from(u8::from(d.month())), 2);
    out.push('-');
    push_digits(out, u32::from(d.day()), 2);
}

/// RFC 3339 as `time` writes it: fraction only when not zero, without trailing zeros; `Z`
/// for a zero offset.
fn format_date_time(dt: time::OffsetDateTime) -> Option<String> {
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

impl<T: FromJson> FromJson for Vec<T> {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| T::decode(v, &path.index(i)))
                .collect(),
            other => Err(expected(path, "an array", other)),
        }
    }
}
impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Null => Ok(None),
            v => T::decode(v, path).map(Some),
        }
    }
}
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        T::decode(value, path).map(Box::new)
    }
}
impl<T: ToJson + ?Sized> ToJson for Box<T> {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

// Maps are filled by `insert`, not `collect`: collecting into a BTreeMap sorts first, which
// links a stable sort per entry type for input that is already in key order.
impl<K: JsonKey, V: FromJson> FromJson for BTreeMap<K, V> {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        let mut out = BTreeMap::new();
        for (k, v) in object(value, path)?.entries {
            out.insert(K::from_key(k), V::decode(v, &path.key(k))?);
        }
        Ok(out)
    }
}
impl<K: JsonKey, V: ToJson> ToJson for BTreeMap<K, V> {
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        for (k, v) in self {
            out.insert(k.to_key(), v.to_json());
        }
        Value::Object(out)
    }
}

fn tuple_items<'v, 'a>(
    value: &'v Json<'a>,
    path: &Path<'_>,
    n: usize,
) -> Result<&'v [Json<'a>], DecodeError> {
    match value {
        Json::Array(items) if items.len() == n => Ok(items),
        Json::Array(items) => Err(DecodeError::lazy(path, || {
            let mut message = String::from("expected an array of ");
            push_decimal(&mut message, n as u64);
            message.push_str(" items, found ");
            push_decimal(&mut message, items.len() as u64);
            message
        })),
        other => Err(expected(path, "an array", other)),
    }
}

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match tuple_items(value, path, 2)? {
            [a, b] => Ok((A::decode(a, &path.index(0))?, B::decode(b, &path.index(1))?)),
            _ => Err(DecodeError::new(path, "expected an array of 2 items")),
        }
    }
}
impl<A: ToJson, B: ToJson> ToJson for (A, B) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json()])
    }
}

impl<A: FromJson, B: FromJson, C: FromJson> FromJson for (A, B, C) {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match tuple_items(value, path, 3)? {
            [a, b, c] => Ok((
                A::decode(a, &path.index(0))?,
                B::decode(b, &path.index(1))?,
                C::decode(c, &path.index(2))?,
            )),
            _ => Err(DecodeError::new(path, "expected an array of 3 items")),
        }
    }
}
impl<A: ToJson, B: ToJson, C: ToJson> ToJson for (A, B, C) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json(), self.2.to_json()])
    }
}

impl<T: FromJson> FromJson for Patch<T> {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Null => Ok(Patch::Null),
            v => T::decode(v, path).map(Patch::Set),
        }
    }
}
impl<T: ToJson> ToJson for Patch<T> {
    fn to_json(&self) -> Value {
        match self {
            Patch::Set(v) => v.to_json(),
            // Only `put_patch` can leave a key out; as a value, absent reads as null.
            Patch::Absent | Patch::Null => Value::Null,
        }
    }
}

/// The properties of an object being decoded, with a record of which entries the decoder
/// read, so that collecting the unknown ones costs nothing when there are none.
///
/// The record is a set of entry indexes, not a count of lookups: a key read twice (a
/// constant checked, then stored) is one entry, so it cannot make unread entries look read.
#[derive(Debug)]
pub struct Fields<'j, 'a> {
    entries: &'j [(std::borrow::Cow<'a, str>, Json<'a>)],
    /// Bit `i`: entry `i` was read. Entries past [`MARKED`] are never marked, which sends
    /// [`extra`] down its slow and exact path.
    read: Cell<u128>,
    /// Bit `i`: entry `i` is an optional property sent as an explicit `null`.
    nulls: Cell<u128>,
    /// An optional property past entry [`MARKED`] was sent as an explicit `null`.
    nulls_past: Cell<bool>,
}

/// How many entries of an object [`Fields`] records by index (Polar's largest schema has 61
/// properties).
const MARKED: usize = 128;

impl<'j, 'a> Fields<'j, 'a> {
    /// The value of `key` (the last one if the key is repeated) and its index, marked read.
    fn get_at(&self, key: &str) -> Option<(usize, &'j Json<'a>)> {
        let i = self.entries.iter().rposition(|(k, _)| k == key)?;
        if i < MARKED {
            self.read.set(self.read.get() | 1 << i);
        }
        self.entries.get(i).map(|(_, v)| (i, v))
    }

    /// The value of `key` (the last one if the key is repeated), marked read.
    fn get(&self, key: &str) -> Option<&'j Json<'a>> {
        self.get_at(key).map(|(_, v)| v)
    }

    /// Remembers that entry `i`, an optional property, was sent as `null`.
    fn mark_null(&self, i: usize) {
        if i < MARKED {
            self.nulls.set(self.nulls.get() | 1 << i);
        } else {
            self.nulls_past.set(true);
        }
    }

    /// Whether every entry was read and none is an optional `null`: nothing for `extra`.
    fn all_read(&self) -> bool {
        let every = match self.entries.len() {
            n if n < MARKED => (1u128 << n) - 1,
            MARKED => u128::MAX,
            _ => return false,
        };
        self.read.get() == every && self.nulls.get() == 0
    }

    /// Whether entry `i` is an optional property sent as `null`.
    fn is_optional_null(&self, i: usize) -> bool {
        if i < MARKED {
            self.nulls.get() & 1 << i != 0
        } else {
            self.nulls_past.get()
        }
    }

    /// The keys, in document order.
    pub fn keys(&self) -> impl Iterator<Item = &'j str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }
}

/// `value` as an object.
pub fn object<'j, 'a>(value: &'j Json<'a>, path: &Path<'_>) -> Result<Fields<'j, 'a>, DecodeError> {
    match value {
        Json::Object(entries) => Ok(Fields {
            entries,
            read: Cell::new(0),
            nulls: Cell::new(0),
            nulls_past: Cell::new(false),
        }),
        other => Err(expected(path, "an object", other)),
    }
}

/// `value` as a string.
pub fn string<'v>(value: &'v Json<'_>, path: &Path<'_>) -> Result<&'v str, DecodeError> {
    match value {
        Json::String(s) => Ok(s),
        other => Err(expected(path, "a string", other)),
    }
}

/// A required property: absent is an error; `null` goes to `T` (so `Option<T>` accepts it).
pub fn required<T: FromJson>(
    obj: &Fields<'_, '_>,
    key: &str,
    path: &Path<'_>,
) -> Result<T, DecodeError> {
    match obj.get(key) {
        Some(v) => T::decode(v, &path.key(key)),
        None => Err(missing(path, key)),
    }
}

fn missing(path: &Path<'_>, key: &str) -> DecodeError {
    DecodeError::lazy(path, || ["missing field `", key, "`"].concat())
}

/// An optional property: absent or `null` is `None`. An explicit `null` is remembered, and
/// [`extra`] keeps it, so that the value is written back as it came: users read one
/// `Option`, and a `Some` they set later still wins (see [`put_extra`]).
pub fn optional<T: FromJson>(
    obj: &Fields<'_, '_>,
    key: &str,
    path: &Path<'_>,
) -> Result<Option<T>, DecodeError> {
    match obj.get_at(key) {
        None => Ok(None),
        Some((i, Json::Null)) => {
            obj.mark_null(i);
            Ok(None)
        }
        Some((_, v)) => T::decode(v, &path.key(key)).map(Some),
    }
}

/// An optional, nullable property with its three states.
pub fn patch<T: FromJson>(
    obj: &Fields<'_, '_>,
    key: &str,
    path: &Path<'_>,
) -> Result<Patch<T>, DecodeError> {
    match obj.get(key) {
        None => Ok(Patch::Absent),
        Some(Json::Null) => Ok(Patch::Null),
        Some(v) => T::decode(v, &path.key(key)).map(Patch::Set),
    }
}

/// A property whose schema is a `const`: present, it must equal `expected`; absent, it is an
/// error only when `required`. This is how unions decided by a constant tell members apart.
pub fn expect_const(
    obj: &Fields<'_, '_>,
    key: &str,
    expected: &Value,
    required: bool,
    path: &Path<'_>,
) -> Result<(), DecodeError> {
    check_const(
        obj,
        key,
        |v| v.eq_value(expected),
        || text(expected),
        required,
        path,
    )
}

/// [`expect_const`] for a string constant, such as a union's discriminator.
pub fn expect_const_str(
    obj: &Fields<'_, '_>,
    key: &str,
    expected: &str,
    required: bool,
    path: &Path<'_>,
) -> Result<(), DecodeError> {
    let is = |v: &Json<'_>| matches!(v, Json::String(s) if s == expected);
    check_const(obj, key, is, || quoted(expected), required, path)
}

/// [`expect_const_str`] compared without regard to ASCII case, for the constants a standard
/// says are case-insensitive (OAuth 2.0's `token_type`: `Bearer` and `bearer` are one).
pub fn expect_const_str_ignore_case(
    obj: &Fields<'_, '_>,
    key: &str,
    expected: &str,
    required: bool,
    path: &Path<'_>,
) -> Result<(), DecodeError> {
    let is = |v: &Json<'_>| matches!(v, Json::String(s) if s.eq_ignore_ascii_case(expected));
    check_const(obj, key, is, || quoted(expected), required, path)
}

/// The check behind [`expect_const`] and [`expect_const_str`]: `is` tells the constant,
/// `shown` writes it for the message.
fn check_const(
    obj: &Fields<'_, '_>,
    key: &str,
    is: impl Fn(&Json<'_>) -> bool,
    shown: impl FnOnce() -> String,
    required: bool,
    path: &Path<'_>,
) -> Result<(), DecodeError> {
    match obj.get(key) {
        Some(v) if is(v) => Ok(()),
        Some(v) => Err(DecodeError::lazy(&path.key(key), || {
            [
                CONST_MISMATCH,
                &shown(),
                "`, found `",
                &text(&v.to_value()),
                "`",
            ]
            .concat()
        })),
        None if required => Err(missing(path, key)),
        None => Ok(()),
    }
}

/// A required list parameter, also given as one bare value (a list of one).
pub fn required_many<T: FromJson>(
    obj: &Fields<'_, '_>,
    key: &str,
    path: &Path<'_>,
) -> Result<Vec<T>, DecodeError> {
    match obj.get(key) {
        Some(v) => many(v, &path.key(key)),
        None => Err(missing(path, key)),
    }
}

/// An optional list parameter, also given as one bare value (a list of one).
pub fn optional_many<T: FromJson>(
    obj: &Fields<'_, '_>,
    key: &str,
    path: &Path<'_>,
) -> Result<Option<Vec<T>>, DecodeError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => many(v, &path.key(key)).map(Some),
    }
}

fn many<T: FromJson>(value: &Json<'_>, path: &Path<'_>) -> Result<Vec<T>, DecodeError> {
    match value {
        Json::Array(_) => Vec::decode(value, path),
        one => T::decode(one, path).map(|t| vec![t]),
    }
}

/// The entries of `obj` whose key is not in `known` (properties newer than the spec), and
/// the optional properties sent as an explicit `null` (which `Option` cannot tell from
/// absent): kept so that nothing is lost. Call it after the known properties were read.
pub fn extra(obj: &Fields<'_, '_>, known: &[&str]) -> Map<String, Value> {
    // Every entry was read as a known property, none was a null: nothing to keep (the
    // common case).
    if obj.all_read() {
        return Map::new();
    }
    let mut map = Map::new();
    for (i, (k, v)) in obj.entries.iter().enumerate() {
        if !known.contains(&k.as_ref()) || matches!(v, Json::Null) && obj.is_optional_null(i) {
            map.insert(k.as_ref().to_owned(), v.to_value());
        }
    }
    map
}

/// Fails on a key outside `known`: for inputs a caller wrote (operation parameters), where
/// an unknown key is a typo, not a newer server.
pub fn deny_unknown(
    obj: &Fields<'_, '_>,
    known: &[&str],
    path: &Path<'_>,
) -> Result<(), DecodeError> {
    match obj.keys().find(|k| !known.contains(k)) {
        Some(k) => Err(DecodeError::new(
            path,
            format!("unknown field `{k}`, expected one of {known:?}"),
        )),
        None => Ok(()),
    }
}

impl ToJson for () {
    fn to_json(&self) -> Value {
        Value::Null
    }
}

/// Writes a property.
pub fn put<T: ToJson + ?Sized>(obj: &mut Map<String, Value>, key: &str, value: &T) {
    obj.insert(key.to_owned(), value.to_json());
}

/// Writes an optional property; `None` leaves it out.
pub fn put_opt<T: ToJson>(obj: &mut Map<String, Value>, key: &str, value: &Option<T>) {
    if let Some(v) = value {
        obj.insert(key.to_owned(), v.to_json());
    }
}

/// Writes a three-state property: absent leaves it out, null writes `null`.
pub fn put_patch<T: ToJson>(obj: &mut Map<String, Value>, key: &str, value: &Patch<T>) {
    match value {
        Patch::Absent => {}
        Patch::Null => {
            obj.insert(key.to_owned(), Value::Null);
        }
        Patch::Set(v) => {
            obj.insert(key.to_owned(), v.to_json());
        }
    }
}

/// Writes back the unknown properties and the remembered `null`s; a known property already
/// written wins (a value set after decoding replaces the `null` that came, and no key is
/// written twice).
pub fn put_extra(obj: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        if !obj.contains_key(k) {
            obj.insert(k.clone(), v.clone());
        }
    }
}

/// Chooses the union member that fits `value` best. Each candidate is the member's known
/// top-level property names and its decoder. Every decoder is tried; among those that
/// succeed, the one leaving the fewest of `value`'s keys unknown wins, ties going to the
/// earliest. `None` when none succeeds: the caller keeps the value as `Unknown`.
pub fn best_fit<T>(
    value: &Json<'_>,
    _path: &Path<'_>,
    candidates: &[(&[&str], Decoder<T>)],
) -> Option<T> {
    let mut best: Option<(usize, T)> = None;
    for (known, decode) in candidates {
        let unknown = match value {
            Json::Object(entries) => entries
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_ref()))
                .count(),
            _ => 0,
        };
        if best.as_ref().is_some_and(|(score, _)| *score <= unknown) {
            continue;
        }
        // A member that fails is dropped with its error: try it below `Probe`, where the
        // error costs nothing to make.
        if let Ok(v) = decode(value, &Path::Probe) {
            if unknown == 0 {
                return Some(v);
            }
            best = Some((unknown, v));
        }
    }
    best.map(|(_, v)| v)
}

/// Why `value` fits no member of a union: the decode error of the member that came closest,
/// worded, at its path below `path`. `None` when a member fits, and below [`Path::Probe`]
/// (where nobody reads it).
///
/// Closest is the member whose decoding got furthest: a mismatched constant (the member's
/// tag) counts as not started, otherwise the deeper the failing path the further it got;
/// then the member leaving the fewest keys unknown; then the most specific (first).
pub fn closest_error<T>(
    value: &Json<'_>,
    path: &Path<'_>,
    candidates: &[(&[&str], Decoder<T>)],
) -> Option<DecodeError> {
    if path.is_probe() {
        return None;
    }
    let mut best: Option<((usize, std::cmp::Reverse<usize>), DecodeError)> = None;
    for (known, decode) in candidates {
        let error = match decode(value, path) {
            Ok(_) => return None,
            Err(e) => e,
        };
        let unknown = match value {
            Json::Object(entries) => entries
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_ref()))
                .count(),
            _ => 0,
        };
        let progress = if error.message.starts_with(CONST_MISMATCH) {
            0
        } else {
            // Segments of the rendered path: a key or an index each.
            1 + error
                .path
                .bytes()
                .filter(|b| matches!(b, b'.' | b'['))
                .count()
        };
        let score = (progress, std::cmp::Reverse(unknown));
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, error));
        }
    }
    best.map(|(_, e)| e)
}

/// How the message of a mismatched constant starts (see [`check_const`]), so that
/// [`closest_error`] can tell "not this member" from "this member, with a bad field".
const CONST_MISMATCH: &str = "expected `";

/// The value of a string property used as a union's tag.
pub fn tag<'v>(value: &'v Json<'_>, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Json::as_str)
}

/// Decodes a JSON document into `T`.
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, DecodeError> {
    let doc = super::doc::parse(bytes).map_err(|e| DecodeError::syntax(&e))?;
    T::decode(&doc, &Path::Root)
}

/// Encodes `value` as a JSON document.
pub fn to_vec<T: ToJson + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    write(&value.to_json(), &mut out);
    out
}

// The document reader (`doc.rs`) and writer are hand-written rather than serde_json's
// `Deserialize` and `Serialize` for `Value`: serde's visitor machinery was a large part of
// the wasm module. They accept and produce exactly what serde_json does (numbers are still
// read by serde_json's own `Number::from_str`, and written by serde_json).

/// Parses a JSON document into a [`Value`], as `serde_json::from_slice` would: the same
/// numbers, strings and escapes, the last of duplicate keys wins, whitespace around the value
/// only. A syntax error is reported at `$` with its line and column.
pub fn parse(bytes: &[u8]) -> Result<Value, DecodeError> {
    super::doc::parse(bytes)
        .map(|doc| doc.to_value())
        .map_err(|e| DecodeError::syntax(&e))
}

/// Writes `value` as compact JSON, byte for byte what `serde_json::to_writer` writes.
pub fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Writing to memory cannot fail.
        Value::Number(n) => drop(serde_json::to_writer(&mut *out, n)),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write(v, out);
            }
            out.push(b'}');
        }
    }
}

/// A JSON string literal, escaped as serde_json escapes it.
fn write_str(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s.as_bytes() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
                continue;
            }
            _ => {
                out.push(b);
                continue;
            }
        };
        out.push(b'\\');
        out.push(short);
    }
    out.push(b'"');
}

/// A number as written, for messages.
fn num_text(n: &Num<'_>) -> String {
    match n {
        Num::Text(t) => (*t).to_owned(),
        Num::Value(n) => text(&Value::Number((*n).clone())),
    }
}

/// `value` as compact JSON text, for messages.
pub(crate) fn text(value: &Value) -> String {
    let mut out = Vec::new();
    write(value, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `s` as a JSON string literal, for messages.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = Vec::new();
    write_str(s, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `n` in decimal (without `std::fmt`).
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Implements serde's `Serialize` and `Deserialize` for generated types through
/// [`ToJson`]/[`FromJson`], so they embed in a user's own serde types. Generic code is
/// instantiated only where a user calls it.
macro_rules! serde_via_json {
    ($($t:ty),* $(,)?) => {$(
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                ::serde::Serialize::serialize(&crate::runtime::json::ToJson::to_json(self), serializer)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <crate::runtime::json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                crate::runtime::json::FromJson::from_json(&value, &crate::runtime::json::Path::Root)
                    .map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    )*};
}
pub(crate) use serde_via_json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_below_a_probe_are_not_worded_and_others_are() {
        let worded = Cell::new(0);
        let word = || {
            worded.set(worded.get() + 1);
            String::from("bad")
        };
        let probe = Path::Probe;
        let deep = probe.key("a");
        let deeper = deep.index(2);
        assert!(deeper.is_probe());
        let e = DecodeError::lazy(&deeper, word);
        assert_eq!(
            (e.path.as_str(), e.message.as_str(), worded.get()),
            ("", "", 0)
        );

        let root = Path::Root;
        let key = root.key("items");
        let at = key.index(3);
        assert!(!at.is_probe());
        let e = DecodeError::lazy(&at, word);
        assert_eq!(
            (e.path.as_str(), e.message.as_str(), worded.get()),
            ("$.items[3]", "bad", 1)
        );
    }

    #[test]
    fn best_fit_skips_failing_members_and_errors_keep_their_path() {
        fn int(v: &Json<'_>, p: &Path<'_>) -> Result<String, DecodeError> {
            i64::decode(v, p).map(|i| format!("int {i}"))
        }
        fn text(v: &Json<'_>, p: &Path<'_>) -> Result<String, DecodeError> {
            String::decode(v, p).map(|s| format!("text {s}"))
        }
        let candidates: &[(&[&str], Decoder<String>)] = &[(&[], int), (&[], text)];
        let doc = super::super::doc::parse(br#"["x", 7, true]"#).expect("JSON");
        let Json::Array(items) = &doc else {
            panic!("array")
        };
        let picked: Vec<Option<String>> = items
            .iter()
            .map(|v| best_fit(v, &Path::Root, candidates))
            .collect();
        assert_eq!(
            picked,
            [Some("text x".to_owned()), Some("int 7".to_owned()), None]
        );

        let e = from_slice::<Vec<i64>>(br#"[1, "two"]"#).expect_err("a string is no i64");
        assert_eq!(
            e.to_string(),
            "invalid JSON at $[1]: expected an integer, found a string"
        );
    }

    #[test]
    fn a_key_read_twice_does_not_hide_unknown_ones() {
        // A struct with an optional string constant checks the key, then stores it: two
        // reads of one entry must not count as two entries read.
        let doc = super::super::doc::parse(br#"{"func":"count","new_property":1}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        assert!(expect_const_str(&obj, "func", "count", false, &Path::Root).is_ok());
        let func: Option<String> = optional(&obj, "func", &Path::Root).expect("string");
        assert_eq!(func.as_deref(), Some("count"));
        let extra = extra(&obj, &["func"]);
        assert_eq!(extra.get("new_property"), Some(&Value::from(1)));
        assert_eq!(extra.len(), 1);
    }

    #[test]
    fn explicit_nulls_of_optional_properties_are_kept_and_a_later_value_wins() {
        let doc = super::super::doc::parse(br#"{"a":null,"b":null,"c":1}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        let a: Option<i64> = optional(&obj, "a", &Path::Root).expect("null");
        // `b` is required and nullable: its `None` is written as `null` by `put` already.
        let b: Option<i64> = required(&obj, "b", &Path::Root).expect("null");
        let c: Option<i64> = optional(&obj, "c", &Path::Root).expect("int");
        assert_eq!((a, b, c), (None, None, Some(1)));
        let kept = extra(&obj, &["a", "b", "c"]);
        assert_eq!(Value::Object(kept.clone()), serde_json::json!({"a": null}));

        let encode = |a: Option<i64>| {
            let mut out = Map::new();
            put_opt(&mut out, "a", &a);
            put(&mut out, "b", &b);
            put_opt(&mut out, "c", &c);
            put_extra(&mut out, &kept);
            text(&Value::Object(out))
        };
        assert_eq!(encode(None), r#"{"a":null,"b":null,"c":1}"#);
        assert_eq!(encode(Some(5)), r#"{"a":5,"b":null,"c":1}"#);

        // Nothing unknown, no optional null: nothing kept, nothing allocated.
        let doc = super::super::doc::parse(br#"{"a":1,"b":null}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        let _: Option<i64> = optional(&obj, "a", &Path::Root).expect("int");
        let _: Option<i64> = required(&obj, "b", &Path::Root).expect("null");
        assert!(obj.all_read());
        assert!(extra(&obj, &["a", "b"]).is_empty());
    }

    #[test]
    fn objects_wider_than_the_record_are_still_exact() {
        let mut text = String::from("{");
        for i in 0..200 {
            text.push_str(&format!(
                "\"k{i}\":{},",
                if i == 150 { "null" } else { "1" }
            ));
        }
        text.push_str("\"new\":true}");
        let doc = super::super::doc::parse(text.as_bytes()).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        for k in &keys {
            let _: Option<i64> = optional(&obj, k, &Path::Root).expect("int or null");
        }
        let known: Vec<&str> = keys.iter().map(String::as_str).collect();
        let kept = extra(&obj, &known);
        assert_eq!(
            Value::Object(kept),
            serde_json::json!({"k150": null, "new": true})
        );
    }

    #[test]
    fn string_constants_are_checked_as_text() {
        let doc = super::super::doc::parse(br#"{"type":"team","n":1}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        assert!(expect_const_str(&obj, "type", "team", true, &Path::Root).is_ok());
        let e = expect_const_str(&obj, "type", "individual", true, &Path::Root).expect_err("other");
        assert_eq!(
            e.to_string(),
            r#"invalid JSON at $.type: expected `"individual"`, found `"team"`"#
        );
        let e = expect_const_str(&obj, "n", "1", true, &Path::Root).expect_err("a number");
        assert_eq!(
            e.to_string(),
            r#"invalid JSON at $.n: expected `"1"`, found `1`"#
        );
        assert!(expect_const_str(&obj, "kind", "x", false, &Path::Root).is_ok());
        let e = expect_const_str(&obj, "kind", "x", true, &Path::Root).expect_err("missing");
        assert_eq!(e.to_string(), "invalid JSON at $: missing field `kind`");
    }
}
