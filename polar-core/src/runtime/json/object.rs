//! Writing the properties of an object: required, optional and three-state properties,
//! and the properties kept in `extra` (reading them is `table`'s).

use super::{Map, ToJson, Value};
use crate::runtime::patch::Patch;

/// Writes a property.
pub fn put<T: ToJson + ?Sized>(obj: &mut Map<String, Value>, key: &str, value: &T) {
    obj.insert(key.to_owned(), value.to_json());
}

/// Writes an optional property; `None` leaves it out, or writes `null` where it came as
/// `null` (`null`: the struct's `nulls` has it).
pub fn put_opt<T: ToJson>(obj: &mut Map<String, Value>, key: &str, value: &Option<T>, null: bool) {
    match value {
        Some(v) => {
            obj.insert(key.to_owned(), v.to_json());
        }
        None if null => {
            obj.insert(key.to_owned(), Value::Null);
        }
        None => {}
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

/// Writes back the unknown properties; a known property already written wins (no key is
/// written twice).
pub fn put_extra(obj: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        if !obj.contains_key(k) {
            obj.insert(k.clone(), v.clone());
        }
    }
}

/// How the message of a mismatched constant starts, so that
/// [`closest_error`](super::closest_error) can tell "not this member" from "this member,
/// with a bad field".
pub(super) const CONST_MISMATCH: &str = "expected `";

impl ToJson for () {
    fn to_json(&self) -> Value {
        Value::Null
    }
}
