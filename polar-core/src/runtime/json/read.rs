//! What generated `read` functions call: one pass over an object's entries, each value read
//! into a slot as its key comes, unknown properties kept in `extra` as they come.
//!
//! A slot is an `Option` (`None`: the key has not come yet). A key that comes twice is a
//! [`Miss`]: the document decides (the last one wins there), so this path need not.

use super::{Map, Value};
use crate::runtime::doc::{Json, Miss, Reader};

/// Reads a property into its slot.
pub fn set<T: super::FromJson>(r: &mut Reader<'_>, slot: &mut Option<T>) -> Result<(), Miss> {
    if slot.is_some() {
        return Err(Miss::UNSURE);
    }
    // A `match`, not `?`: `?` would instantiate `Try` for every `T`.
    match T::read(r) {
        Ok(v) => {
            *slot = Some(v);
            Ok(())
        }
        Err(m) => Err(m),
    }
}

/// Reads an optional property into its slot; an explicit `null` is kept in `extra` too (as
/// [`super::extra`] keeps it), so that it is written back as it came.
pub fn set_opt<T: super::FromJson>(
    r: &mut Reader<'_>,
    slot: &mut Option<Option<T>>,
    key: &str,
    extra: &mut Map<String, Value>,
) -> Result<(), Miss> {
    if slot.is_some() {
        return Err(Miss::UNSURE);
    }
    if r.null()? {
        extra.insert(key.to_owned(), Value::Null);
        *slot = Some(None);
    } else {
        match T::read(r) {
            Ok(v) => *slot = Some(Some(v)),
            Err(m) => return Err(m),
        }
    }
    Ok(())
}

/// A property the type does not declare: kept in `extra` (a repeated one, the last).
pub fn unknown(r: &mut Reader<'_>, key: &str, extra: &mut Map<String, Value>) -> Result<(), Miss> {
    let value = r.value()?;
    extra.insert(key.to_owned(), value);
    Ok(())
}

/// Checks that the value coming next is the string constant `expected` (compared without
/// regard to ASCII case when `ignore_case`), consuming nothing.
pub fn peek_const_str(r: &Reader<'_>, expected: &str, ignore_case: bool) -> Result<(), Miss> {
    let s = r.clone().str()?;
    match ignore_case {
        false if s == expected => Ok(()),
        true if s.eq_ignore_ascii_case(expected) => Ok(()),
        _ => Err(Miss::FIT),
    }
}

/// Checks that the value coming next equals the constant `expected` as JSON, consuming
/// nothing.
pub fn peek_const(r: &Reader<'_>, expected: &Value) -> Result<(), Miss> {
    let v = r.clone().value()?;
    match Json::from_value(&v).eq_value(expected) {
        true => Ok(()),
        false => Err(Miss::FIT),
    }
}

/// A property that is a constant and has no field: `check` (whether the value is the
/// constant, found without consuming it), then skipped and marked `seen`.
pub fn konst(check: Result<(), Miss>, r: &mut Reader<'_>, seen: &mut bool) -> Result<(), Miss> {
    if *seen {
        return Err(Miss::UNSURE);
    }
    check?;
    r.raw()?;
    *seen = true;
    Ok(())
}

/// Reads the value into a document of its own (only as large as the value) and decodes
/// that: for the types `read` does not cover in one pass (unions without a tag).
pub fn via_document<T: super::FromJson>(r: &mut Reader<'_>) -> Result<T, Miss> {
    let doc = r.document()?;
    T::decode(&doc, &super::Path::Probe).map_err(|_| Miss::FIT)
}

/// A union member or event this SDK does not know, found by its tag `tag` under `key`: the
/// value as sent. The tag was the first `key` of the object; the document takes the last,
/// so a second one that differs is a [`Miss`].
pub fn unknown_tagged(r: &mut Reader<'_>, key: &str, tag: &str) -> Result<Value, Miss> {
    let value = r.value()?;
    match value.get(key).and_then(Value::as_str) {
        Some(t) if t == tag => Ok(value),
        _ => Err(Miss::UNSURE),
    }
}

/// Reads one member of a union, as generated code lists them for [`best_fit`].
pub type ReadFn<T> = fn(&mut Reader<'_>) -> Result<T, Miss>;

/// [`super::best_fit`] in one pass, for a value that is no object: the first member that
/// reads it wins (no properties, none unknown), none: `unknown` of the value. An object is
/// decoded from its document: there the members that miss stop at their first missing
/// property, where a one-pass read would read each to its end.
pub fn best_fit<T: super::FromJson>(
    r: &mut Reader<'_>,
    reads: &[ReadFn<T>],
    unknown: fn(Value) -> T,
) -> Result<T, Miss> {
    if r.peek() == Some(b'{') {
        return via_document(r);
    }
    for read in reads {
        let mut c = r.clone();
        match read(&mut c) {
            Ok(v) => {
                r.advance_to(&c);
                return Ok(v);
            }
            // A member that cannot tell may be the one the document picks.
            Err(m) if m.unsure => return Err(m),
            Err(_) => {}
        }
    }
    r.value().map(unknown)
}

#[cfg(test)]
mod tests {
    use super::super::{decode_slice, read_slice, FromJson};
    use crate::models::{Customer, DiscountBase, WebhookPayload};

    /// Where the one-pass read gives a value, the document gives the same one.
    fn agree<T: FromJson + PartialEq + std::fmt::Debug>(bytes: &[u8]) -> bool {
        match read_slice::<T>(bytes) {
            Some(v) => {
                let doc = decode_slice::<T>(bytes);
                assert_eq!(
                    doc.as_ref().ok(),
                    Some(&v),
                    "one pass and document differ on {:?}",
                    String::from_utf8_lossy(bytes)
                );
                true
            }
            None => false,
        }
    }

    const CUSTOMER: &[u8] = br#"{"id":"c1","created_at":"2026-01-01T00:00:00Z","modified_at":null,"metadata":{"plan":"pro","seats":3,"n":1.5,"ok":true},"external_id":null,"email":"a@b.c","email_verified":true,"type":"individual","name":"N\u00e9","billing_name":null,"billing_address":{"line1":null,"country":"US","x":[1,{"y":null}]},"tax_id":["1","us_ein"],"organization_id":"o","deleted_at":null,"first_user_event_at":null,"avatar_url":null,"new":{"a":[true]}}"#;
    const EVENT: &[u8] = br#"{"type":"customer.created","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1","created_at":"2026-01-01T00:00:00Z","modified_at":null,"metadata":{},"email":"a@b.c","email_verified":false,"type":"team","name":null,"billing_name":null,"billing_address":null,"tax_id":null,"organization_id":"o","deleted_at":null,"first_user_event_at":null,"avatar_url":null}}"#;
    const DISCOUNT: &[u8] = br#"{"duration":"repeating","duration_in_months":3,"type":"percentage","basis_points":1000,"created_at":"2026-01-01T00:00:00Z","modified_at":null,"id":"d","metadata":{},"name":"n","code":null,"starts_at":null,"ends_at":null,"max_redemptions":null,"max_redemptions_per_customer":null,"redemptions_count":0,"organization_id":"o"}"#;

    fn mutations<T: FromJson + PartialEq + std::fmt::Debug>(doc: &[u8]) {
        assert!(agree::<T>(doc), "the one-pass read misses the original");
        for end in 0..doc.len() {
            agree::<T>(&doc[..end]);
        }
        let replacements = b" \"\\{}[],:0-.eE+tfnu\x01\xffa";
        let mut x: u32 = 0x9e37_79b9;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let mut m = doc.to_vec();
            let i = x as usize % m.len();
            m[i] = replacements[(x >> 16) as usize % replacements.len()];
            agree::<T>(&m);
        }
    }

    #[test]
    fn one_pass_agrees_with_the_document_on_mutations() {
        mutations::<Customer>(CUSTOMER);
        mutations::<WebhookPayload>(EVENT);
        mutations::<DiscountBase>(DISCOUNT);
    }

    #[test]
    fn repeated_keys_and_tags_are_left_to_the_document() {
        let cases: &[&[u8]] = &[
            br#"{"type":"customer.created","type":"x.new","data":1}"#,
            br#"{"type":1,"type":"x.new","data":1}"#,
            br#"{"type":"x.new","data":1}"#,
            br#"{"id":"a","id":"b","type":"team"}"#,
        ];
        for case in cases {
            agree::<WebhookPayload>(case);
            agree::<Customer>(case);
        }
        let twice = br#"{"type":"customer.created","type":"x.new","data":1}"#;
        assert!(read_slice::<WebhookPayload>(twice).is_none());
        let unknown = read_slice::<WebhookPayload>(br#"{"type":"x.new","data":1}"#);
        assert!(matches!(unknown, Some(WebhookPayload::Unknown { .. })));
    }
}
