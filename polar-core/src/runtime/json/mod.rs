//! JSON conversion for generated types, without serde derive.
//!
//! Every generated type decodes from JSON and encodes to a [`serde_json::Value`] through two
//! non-generic traits, [`FromJson`] and [`ToJson`]; [`from_slice`] and [`to_vec`] are the
//! usual entry points. Compared with `#[derive(Serialize, Deserialize)]` on a thousand types
//! this gives the compiler far less to chew on, keeps properties the spec does not describe
//! (nothing Polar sends is lost), lets unions try members on the value, and names
//! the JSON path of a bad field in every error ([`DecodeError`]). The path is built on the
//! way back from a bad value, only when there is one.
//!
//! Every generated type also implements serde's `Serialize` and `Deserialize` through these
//! traits, so it embeds in your own serde types.
//!
//! By concern: `path` (where a value sits, what went wrong there), `traits` (the traits and
//! their impls for std types), `table` (a struct's properties, read by one loop), `object`
//! (writing an object's properties), `union` (choosing a union's member), `write` (writing
//! JSON text); the token reader is the runtime's `doc`, dates its `dates`.

mod object;
mod path;
mod table;
mod traits;
mod union;
mod write;

#[doc(hidden)]
pub use super::doc::{Miss, Num, Reader};
pub(crate) use path::push_key;
pub use path::{kind, DecodeError, Path};
pub use serde_json::{Map, Number, Value};
#[allow(unused_imports)]
pub(crate) use traits::{position, value_at};
pub use traits::{FromJson, JsonKey, ToJson};
pub use write::write;

// What generated code calls to read and write its fields and to pick union members: crate
// private, as generated code lives in the crate it is generated into. Which of them a crate
// calls depends on its spec and features (`by-id` reads parameters as JSON).
#[allow(unused_imports)]
pub(crate) use object::{put, put_extra, put_opt, put_patch};
pub use table::Nulls;
#[allow(unused_imports)]
pub(crate) use table::{read_struct, Konst, Many, Prop, Source};
#[allow(unused_imports)]
pub(crate) use union::{
    best_fit, closest_error, cross, event_type, guessed, no_variant, unknown_reason,
    unknown_tagged, Closest, Keys, Member,
};
pub(crate) use write::{push_decimal, quoted, text};

/// Decodes a JSON document into `T`.
///
/// In one fast pass first, reading tokens straight into `T` ([`FromJson::read`]); if that
/// misses (a value that does not fit, a document that is not JSON, a repeated key), the
/// document is read again in exact mode, which gives the value or the exact error. Neither
/// builds a document: the memory used is the value's own.
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, DecodeError> {
    from_slice_at(bytes, &Path::Root)
}

/// The fast half of [`from_slice`] alone: `None` where it would read in exact mode
/// instead. For tests that hold the two halves to each other.
#[doc(hidden)]
pub fn read_slice<T: FromJson>(bytes: &[u8]) -> Option<T> {
    let mut r = Reader::new(bytes).ok()?;
    let v = T::read(&mut r).ok()?;
    r.finish().ok().map(|()| v)
}

/// The value `read` gives for `bytes`, the fast pass first, exact mode where it misses;
/// `None` when the value does not fit (for a caller that does not need to know why).
pub(crate) fn read_with<T>(
    bytes: &[u8],
    read: fn(&mut Reader<'_>) -> Result<T, Miss>,
) -> Option<T> {
    let whole = |mut r: Reader<'_>| {
        let v = read(&mut r).ok()?;
        r.finish().ok().map(|()| v)
    };
    Reader::new(bytes)
        .ok()
        .and_then(whole)
        .or_else(|| Reader::exact(bytes).ok().and_then(whole))
}

/// The exact half of [`from_slice`] alone. For tests that hold the two halves to each
/// other.
#[doc(hidden)]
pub fn exact_slice<T: FromJson>(bytes: &[u8]) -> Result<T, DecodeError> {
    exact_at(bytes, &Path::Root, &[])
}

/// [`from_slice`] of a document that sits at `path` (errors name paths below it).
fn from_slice_at<T: FromJson>(bytes: &[u8], path: &Path<'_>) -> Result<T, DecodeError> {
    match read_slice(bytes) {
        Some(v) => Ok(v),
        None => exact_at(bytes, path, &[]),
    }
}

/// [`FromJson::from_json`]: `value` sits at `path`; it is read as the text `json::write`
/// gives it, its floats read back as the values written.
pub(crate) fn from_value_at<T: FromJson>(value: &Value, path: &Path<'_>) -> Result<T, DecodeError> {
    let mut text = Vec::new();
    let floats = write::write_noting_floats(value, &mut text);
    let fast = Reader::new(&text).ok().and_then(|r| {
        let mut r = r.written(&floats);
        let v = T::read(&mut r).ok()?;
        r.finish().ok().map(|()| v)
    });
    match fast {
        Some(v) => Ok(v),
        None => exact_at(&text, path, &floats),
    }
}

/// Exact mode of a document that sits at `path` (`written`: see [`Reader::written`]).
fn exact_at<T: FromJson>(
    bytes: &[u8],
    path: &Path<'_>,
    floats: &[(usize, f64)],
) -> Result<T, DecodeError> {
    let mut r = Reader::exact(bytes)?.written(floats);
    match T::read(&mut r) {
        Ok(v) => Ok(v),
        Err(_) => {
            let mut e = r.take_fail();
            if !path.is_probe() {
                e.path.insert_str(0, &path.render());
            }
            Err(e)
        }
    }
}

/// Decodes a [`Value`] into `T` (errors name paths from `$`).
pub fn from_value<T: FromJson>(value: &Value) -> Result<T, DecodeError> {
    T::from_json(value, &Path::Root)
}

/// Encodes `value` as a JSON document.
pub fn to_vec<T: ToJson + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    write(&value.to_json(), &mut out);
    out
}

/// Parses a JSON document into a [`Value`], as `serde_json::from_slice` would: the same
/// numbers, strings and escapes, the last of duplicate keys wins, whitespace around the value
/// only. A syntax error is reported at `$` with its line and column.
pub fn parse(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut r = Reader::exact(bytes)?;
    // A checked document always reads as a value.
    r.value().map_err(|_| r.take_fail())
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
    fn floats_of_a_value_read_back_as_written() {
        // serde_json's default parse of `24e243` is an ulp off 2.4e244, and its parse of
        // that value written back is another ulp off: `from_json` must not drift.
        let v: Value = serde_json::from_slice(b"24e243").expect("a number");
        let f = v.as_f64().expect("a float");
        assert_ne!(
            f, 2.4e244,
            "the case this guards: serde_json's parse is an ulp off"
        );
        assert_eq!(from_value::<Value>(&v), Ok(v.clone()));
        assert_eq!(from_value::<f64>(&v), Ok(f));
        // A body from Polar is read as serde_json reads it.
        assert_eq!(from_slice::<f64>(b"24e243"), Ok(f));
    }
}
