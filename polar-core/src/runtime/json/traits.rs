//! The two conversion traits and their impls for std, `time`, `serde_json` and [`Patch`]
//! types; generated types implement them field by field.

use super::{push_decimal, quoted, DecodeError, Map, Number, Path, Value};
use crate::runtime::dates;
use crate::runtime::doc::{Miss, Reader};
use crate::runtime::patch::Patch;
use crate::runtime::text::{Id, Str};
use std::collections::BTreeMap;

/// Decoding from JSON.
pub trait FromJson: Sized {
    /// Reads the value `r` is at, token by token: no document is built. In the reader's
    /// fast pass a [`Miss`] says nothing about why (the caller reads again in exact mode);
    /// in exact mode the reader records why. The reader is the runtime's own;
    /// [`super::from_slice`] and [`from_json`](Self::from_json) are the API.
    #[doc(hidden)]
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss>;

    /// Decodes a `serde_json::Value`, which sits at `path` in its document (errors name
    /// paths below it). The value is read as its JSON text.
    fn from_json(value: &Value, path: &Path<'_>) -> Result<Self, DecodeError> {
        super::from_value_at(value, path)
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

impl JsonKey for String {
    fn from_key(key: &str) -> Self {
        key.to_owned()
    }
    fn to_key(&self) -> String {
        self.clone()
    }
}

impl FromJson for String {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.str().map(std::borrow::Cow::into_owned)
    }
}
impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}
// Model strings: up to 23 bytes are kept inline, so most fields decode without allocating.
impl FromJson for Str {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.str().map(|s| Str::new(&*s))
    }
}
impl ToJson for Str {
    fn to_json(&self) -> Value {
        self.as_str().to_json()
    }
}
// Ids: a UUID's 36 bytes are kept inline.
impl FromJson for Id {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.str().map(|s| Id::new(&*s))
    }
}
impl ToJson for Id {
    fn to_json(&self) -> Value {
        self.as_str().to_json()
    }
}
impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl FromJson for bool {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.bool()
    }
}
impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for i64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.int()
    }
}
impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::Number((*self).into())
    }
}

impl FromJson for f64 {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.float()
    }
}
impl ToJson for f64 {
    fn to_json(&self) -> Value {
        // JSON has no NaN or infinity; they go out as null rather than failing the request.
        Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

impl FromJson for Number {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.json_number()
    }
}
impl ToJson for Number {
    fn to_json(&self) -> Value {
        Value::Number(self.clone())
    }
}

impl FromJson for Value {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.value()
    }
}
impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl FromJson for time::OffsetDateTime {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        let s = r.str()?;
        dates::parse_date_time(s.as_bytes())
            .ok_or_else(|| r.reject(&["expected an RFC 3339 date-time, found ", &quoted(&s)]))
    }
}
impl ToJson for time::OffsetDateTime {
    fn to_json(&self) -> Value {
        // Years outside 0..=9999 and offsets with seconds have no RFC 3339 form: null.
        dates::format_date_time(*self).map_or(Value::Null, Value::String)
    }
}

impl FromJson for time::Date {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        let s = r.str()?;
        dates::parse_date(s.as_bytes())
            .ok_or_else(|| r.reject(&["expected a date (YYYY-MM-DD), found ", &quoted(&s)]))
    }
}
impl ToJson for time::Date {
    fn to_json(&self) -> Value {
        let mut out = String::with_capacity(11);
        if self.year() < 0 {
            out.push('-');
        }
        dates::push_date(&mut out, *self);
        Value::String(out)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        let mut out = Vec::new();
        r.array(&mut |r| {
            out.push(T::read(r)?);
            Ok(())
        })?;
        Ok(out)
    }
}
impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        if r.null()? {
            return Ok(None);
        }
        T::read(r).map(Some)
    }
}
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        T::read(r).map(Box::new)
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
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        let mut out = BTreeMap::new();
        r.object(&mut |r, k| {
            out.insert(K::from_key(&k), V::read(r)?);
            Ok(())
        })?;
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

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        tuple_len(r, 2)?;
        let (mut a, mut b) = (None, None);
        let mut n = 0;
        r.array(&mut |r| {
            match n {
                0 => a = Some(A::read(r)?),
                1 => b = Some(B::read(r)?),
                _ => return Err(Miss::FIT),
            }
            n += 1;
            Ok(())
        })?;
        match (a, b) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(Miss::FIT),
        }
    }
}
impl<A: ToJson, B: ToJson> ToJson for (A, B) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json()])
    }
}

impl<A: FromJson, B: FromJson, C: FromJson> FromJson for (A, B, C) {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        tuple_len(r, 3)?;
        let (mut a, mut b, mut c) = (None, None, None);
        let mut n = 0;
        r.array(&mut |r| {
            match n {
                0 => a = Some(A::read(r)?),
                1 => b = Some(B::read(r)?),
                2 => c = Some(C::read(r)?),
                _ => return Err(Miss::FIT),
            }
            n += 1;
            Ok(())
        })?;
        match (a, b, c) {
            (Some(a), Some(b), Some(c)) => Ok((a, b, c)),
            _ => Err(Miss::FIT),
        }
    }
}
impl<A: ToJson, B: ToJson, C: ToJson> ToJson for (A, B, C) {
    fn to_json(&self) -> Value {
        Value::Array(vec![self.0.to_json(), self.1.to_json(), self.2.to_json()])
    }
}

impl<T: FromJson> FromJson for Patch<T> {
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        if r.null()? {
            return Ok(Patch::Null);
        }
        T::read(r).map(Patch::Set)
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

/// Value `i` of a generated enum's table: `text` holds the values end to end, `ends` where
/// each ends.
pub fn value_at(text: &'static str, ends: &[u16], i: usize) -> &'static str {
    let (start, end) = bounds(ends, i);
    text.get(start..end).unwrap_or_default()
}

/// Where value `i` of a generated enum's table starts and ends in its text.
fn bounds(ends: &[u16], i: usize) -> (usize, usize) {
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(i).copied().unwrap_or(0);
    (usize::from(start), usize::from(end))
}

/// The position of `v` among the values of a generated enum's table (see [`value_at`]), by
/// binary search: the values are sorted by their bytes, or `order` (when not empty) lists
/// their positions in that order.
pub fn position(text: &'static str, ends: &[u16], order: &[u16], v: &str) -> Option<usize> {
    let nth = |k: usize| match order {
        [] => Some(k),
        _ => order.get(k).map(|&i| usize::from(i)),
    };
    let (mut low, mut high) = (0, ends.len());
    let v = v.as_bytes();
    while low < high {
        let mid = low + (high - low) / 2;
        let i = nth(mid)?;
        let (start, end) = bounds(ends, i);
        // As bytes: the values are sorted by them, and no char boundary needs checking.
        let at = text.as_bytes().get(start..end).unwrap_or_default();
        // Most steps are decided by the first byte: compared in place, before `memcmp`.
        let step = match (at.first(), v.first()) {
            (Some(a), Some(b)) if a != b => a.cmp(b),
            _ => at.cmp(v),
        };
        match step {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            std::cmp::Ordering::Equal => return Some(i),
        }
    }
    None
}

/// In exact mode, that the array `r` is at has `n` items, as a tuple needs: the length is
/// checked before any item, as a decoder of the document checks it.
fn tuple_len(r: &mut Reader<'_>, n: usize) -> Result<(), Miss> {
    if !r.is_exact() {
        return Ok(());
    }
    let mut scan = r.clone();
    let mut len = 0usize;
    if scan.peek() != Some(b'[') {
        return Err(r.expected("an array"));
    }
    scan.array(&mut |s| {
        len += 1;
        s.raw().map(|_| ())
    })?;
    if len == n {
        return Ok(());
    }
    let (mut want, mut found) = (String::new(), String::new());
    push_decimal(&mut want, n as u64);
    push_decimal(&mut found, len as u64);
    Err(r.reject(&["expected an array of ", &want, " items, found ", &found]))
}
