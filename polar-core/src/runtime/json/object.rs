//! Reading and writing the properties of an object: required, optional, three-state and
//! constant properties, list parameters, and the properties kept in `extra`.

use super::path::expected;
use super::{quoted, text, DecodeError, FromJson, Json, Map, Path, ToJson, Value};
use crate::runtime::patch::Patch;
use std::cell::Cell;

/// The properties of an object being decoded, with a record of which entries the decoder
/// read, so that collecting the unknown ones costs nothing when there are none.
///
/// The record is a set of entry indexes, not a count of lookups: a key read twice (a
/// constant checked, then stored) is one entry, so it cannot make unread entries look read.
#[derive(Debug)]
pub struct Fields<'j, 'a> {
    pub(super) entries: &'j [(std::borrow::Cow<'a, str>, Json<'a>)],
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
    pub(super) fn get_at(&self, key: &str) -> Option<(usize, &'j Json<'a>)> {
        let i = self.entries.iter().rposition(|(k, _)| k == key)?;
        if i < MARKED {
            self.read.set(self.read.get() | 1 << i);
        }
        self.entries.get(i).map(|(_, v)| (i, v))
    }

    /// The value of `key` (the last one if the key is repeated), marked read.
    pub(super) fn get(&self, key: &str) -> Option<&'j Json<'a>> {
        self.get_at(key).map(|(_, v)| v)
    }

    /// Remembers that entry `i`, an optional property, was sent as `null`.
    pub(super) fn mark_null(&self, i: usize) {
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

pub(super) fn missing(path: &Path<'_>, key: &str) -> DecodeError {
    DecodeError::lazy(path, || ["missing field `", key, "`"].concat())
}

/// An optional property: absent or `null` is `None`. An explicit `null` is remembered, and
/// [`extra`] keeps it, so that the value is written back as it came: users read one
/// `Option`, and a `Some` they set later still wins (see [`put_extra`]).
// Structs read their properties through `table`; operations read by id (feature `by-id`)
// call this.
#[allow(dead_code)]
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
// Operations read by id (feature `by-id`) call it.
#[allow(dead_code)]
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
// Only operations read by id call it (feature `by-id`), and only where the spec has such a
// parameter.
#[allow(dead_code)]
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
// Only operations read by id call it (feature `by-id`), and only where the spec has such a
// parameter.
#[allow(dead_code)]
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

/// The entries of `obj` whose key `known` does not accept (properties newer than the spec), and
/// the optional properties sent as an explicit `null` (which `Option` cannot tell from
/// absent): kept so that nothing is lost. Call it after the known properties were read.
pub fn extra(obj: &Fields<'_, '_>, known: &dyn Fn(&str) -> bool) -> Map<String, Value> {
    // Every entry was read as a known property, none was a null: nothing to keep (the
    // common case).
    if obj.all_read() {
        return Map::new();
    }
    let mut map = Map::new();
    for (i, (k, v)) in obj.entries.iter().enumerate() {
        if !known(k) || matches!(v, Json::Null) && obj.is_optional_null(i) {
            map.insert(k.as_ref().to_owned(), v.to_value());
        }
    }
    map
}

/// Fails on a key outside `known`: for inputs a caller wrote (operation parameters), where
/// an unknown key is a typo, not a newer server.
// Only operations read by id call it (feature `by-id`).
#[allow(dead_code)]
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

/// How the message of a mismatched constant starts (see [`check_const`]), so that
/// [`closest_error`](super::closest_error) can tell "not this member" from "this member,
/// with a bad field".
pub(super) const CONST_MISMATCH: &str = "expected `";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_read_twice_does_not_hide_unknown_ones() {
        // A struct with an optional string constant checks the key, then stores it: two
        // reads of one entry must not count as two entries read.
        let doc =
            crate::runtime::doc::parse(br#"{"func":"count","new_property":1}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        assert!(expect_const_str(&obj, "func", "count", false, &Path::Root).is_ok());
        let func: Option<String> = optional(&obj, "func", &Path::Root).expect("string");
        assert_eq!(func.as_deref(), Some("count"));
        let extra = extra(&obj, &|k| k == "func");
        assert_eq!(extra.get("new_property"), Some(&Value::from(1)));
        assert_eq!(extra.len(), 1);
    }

    #[test]
    fn explicit_nulls_of_optional_properties_are_kept_and_a_later_value_wins() {
        let doc = crate::runtime::doc::parse(br#"{"a":null,"b":null,"c":1}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        let a: Option<i64> = optional(&obj, "a", &Path::Root).expect("null");
        // `b` is required and nullable: its `None` is written as `null` by `put` already.
        let b: Option<i64> = required(&obj, "b", &Path::Root).expect("null");
        let c: Option<i64> = optional(&obj, "c", &Path::Root).expect("int");
        assert_eq!((a, b, c), (None, None, Some(1)));
        let kept = extra(&obj, &|k| ["a", "b", "c"].contains(&k));
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
        let doc = crate::runtime::doc::parse(br#"{"a":1,"b":null}"#).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        let _: Option<i64> = optional(&obj, "a", &Path::Root).expect("int");
        let _: Option<i64> = required(&obj, "b", &Path::Root).expect("null");
        assert!(obj.all_read());
        assert!(extra(&obj, &|k| ["a", "b"].contains(&k)).is_empty());
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
        let doc = crate::runtime::doc::parse(text.as_bytes()).expect("JSON");
        let obj = object(&doc, &Path::Root).expect("object");
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        for k in &keys {
            let _: Option<i64> = optional(&obj, k, &Path::Root).expect("int or null");
        }
        let known: Vec<&str> = keys.iter().map(String::as_str).collect();
        let kept = extra(&obj, &|k| known.contains(&k));
        assert_eq!(
            Value::Object(kept),
            serde_json::json!({"k150": null, "new": true})
        );
    }

    #[test]
    fn string_constants_are_checked_as_text() {
        let doc = crate::runtime::doc::parse(br#"{"type":"team","n":1}"#).expect("JSON");
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
