//! JSON conversion for generated types, without serde derive.
//!
//! Every generated type decodes from JSON and encodes to a [`serde_json::Value`] through two
//! non-generic traits, [`FromJson`] and [`ToJson`]; [`from_slice`] and [`to_vec`] are the
//! usual entry points. Compared with `#[derive(Serialize, Deserialize)]` on a thousand types
//! this gives the compiler far less to chew on, keeps properties the spec does not describe
//! (nothing Polar sends is lost), lets unions try members on the parsed document, and names
//! the JSON path of a bad field in every error ([`DecodeError`]). The path is built on the
//! stack while decoding and rendered only when an error occurs.
//!
//! Every generated type also implements serde's `Serialize` and `Deserialize` through these
//! traits, so it embeds in your own serde types.
//!
//! By concern: `path` (where a value sits, what went wrong there), `traits` (the traits and
//! their impls for std types), `table` (a struct's properties, read in one pass or from a
//! document), `object` (the properties of a document's object), `union` and `read` (choosing
//! a union's member, from a document or in one pass), `write` (writing JSON text); the
//! token reader and the document are the runtime's `doc`, dates its `dates`.

mod object;
mod path;
mod read;
mod table;
mod traits;
mod union;
mod write;

#[doc(hidden)]
pub use super::doc::{Json, Miss, Num, Reader};
pub use path::{kind, kind_of, DecodeError, Path};
pub use serde_json::{Map, Number, Value};
pub use traits::{FromJson, JsonKey, ToJson};
pub use write::write;

// What generated code calls to read and write its fields and to pick union members: crate
// private, as generated code lives in the crate it is generated into. Which of them a crate
// calls depends on its spec and features (`by-id` reads parameters as JSON).
#[allow(unused_imports)]
pub(crate) use object::{
    deny_unknown, expect_const, expect_const_str, expect_const_str_ignore_case, extra, object,
    optional, optional_many, patch, put, put_extra, put_opt, put_patch, required, required_many,
    string,
};
#[allow(unused_imports)]
pub(crate) use read::{best_fit as best_fit_read, unknown_tagged, via_document, ReadFn};
pub(crate) use table::{decode_struct, read_struct, Konst, Prop, Source};
pub(crate) use union::{best_fit, closest_error, tag, Decoder};
pub(crate) use write::{push_decimal, quoted, text};

/// Decodes a JSON document into `T`.
///
/// In one pass first, reading tokens straight into `T` ([`FromJson::read`]); if that misses
/// (a value that does not fit, a document that is not JSON, a repeated key), the document
/// is parsed and decoded, which gives the exact error, or the value.
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, DecodeError> {
    match read_slice(bytes) {
        Some(v) => Ok(v),
        None => decode_slice(bytes),
    }
}

/// The one-pass half of [`from_slice`] alone: `None` where it would decode the document
/// instead. For tests that hold the two halves to each other.
#[doc(hidden)]
pub fn read_slice<T: FromJson>(bytes: &[u8]) -> Option<T> {
    let mut r = Reader::new(bytes).ok()?;
    let v = T::read(&mut r).ok()?;
    r.finish().ok().map(|()| v)
}

/// The document half of [`from_slice`] alone. For tests that hold the two halves to each
/// other.
#[doc(hidden)]
pub fn decode_slice<T: FromJson>(bytes: &[u8]) -> Result<T, DecodeError> {
    let doc = super::doc::parse(bytes).map_err(|e| DecodeError::syntax(&e))?;
    T::decode(&doc, &Path::Root)
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
    super::doc::parse(bytes)
        .map(|doc| doc.to_value())
        .map_err(|e| DecodeError::syntax(&e))
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
