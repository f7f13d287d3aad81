//! The two conversion traits and their impls for std, `time`, `serde_json` and [`Patch`]
//! types; generated types implement them field by field.

use super::path::expected;
use super::{
    object, push_decimal, quoted, string, text, DecodeError, Json, Map, Num, Number, Path, Value,
};
use crate::runtime::dates;
use crate::runtime::doc::{Miss, Reader};
use crate::runtime::patch::Patch;
use std::collections::BTreeMap;

/// Decoding from JSON.
pub trait FromJson: Sized {
    /// Decodes `value`, which sits at `path` in its document. The parsed document is the
    /// runtime's own; [`from_json`](Self::from_json) and [`super::from_slice`] are the API.
    #[doc(hidden)]
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError>;

    /// Reads the value `r` is at, in one pass (no document): what [`super::from_slice`]
    /// tries first. A [`Miss`] says nothing about why: the caller decodes the document
    /// instead, which gives the value or the exact error. The default reads the value into
    /// a document of its own (only as large as the value) and decodes that.
    #[doc(hidden)]
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        super::read::via_document(r)
    }

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
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.str().map(std::borrow::Cow::into_owned)
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
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.number()?.as_f64().ok_or(Miss::FIT)
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
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        r.number()?.to_number().ok_or(Miss::FIT)
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
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        let s = string(value, path)?;
        dates::parse_date_time(s.as_bytes()).ok_or_else(|| {
            DecodeError::lazy(path, || {
                ["expected an RFC 3339 date-time, found ", &quoted(s)].concat()
            })
        })
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        dates::parse_date_time(r.str()?.as_bytes()).ok_or(Miss::FIT)
    }
}
impl ToJson for time::OffsetDateTime {
    fn to_json(&self) -> Value {
        // Years outside 0..=9999 and offsets with seconds have no RFC 3339 form: null.
        dates::format_date_time(*self).map_or(Value::Null, Value::String)
    }
}

impl FromJson for time::Date {
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        let s = string(value, path)?;
        dates::parse_date(s.as_bytes()).ok_or_else(|| {
            DecodeError::lazy(path, || {
                ["expected a date (YYYY-MM-DD), found ", &quoted(s)].concat()
            })
        })
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
        dates::parse_date(r.str()?.as_bytes()).ok_or(Miss::FIT)
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
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        match value {
            Json::Null => Ok(None),
            v => T::decode(v, path).map(Some),
        }
    }
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
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        T::decode(value, path).map(Box::new)
    }
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
    fn decode(value: &Json<'_>, path: &Path<'_>) -> Result<Self, DecodeError> {
        let mut out = BTreeMap::new();
        for (k, v) in object(value, path)?.entries {
            out.insert(K::from_key(k), V::decode(v, &path.key(k))?);
        }
        Ok(out)
    }
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
    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {
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
        Ok((a.ok_or(Miss::FIT)?, b.ok_or(Miss::FIT)?))
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

/// A number as written, for messages.
fn num_text(n: &Num<'_>) -> String {
    match n {
        Num::Text(t) => (*t).to_owned(),
        Num::Value(n) => text(&Value::Number((*n).clone())),
    }
}
