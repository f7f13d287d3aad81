//! Choosing the member of a union, in one pass: by tag, by best fit, and why none fitted.

use super::object::CONST_MISMATCH;
use super::table::Prop;
use super::{to_vec, DecodeError, Value};
use crate::runtime::doc::{Miss, Reader};
use std::borrow::Cow;

/// One member of a union, as generated code lists them, most specific first: what it knows
/// of an object's keys, and its read.
pub type Member<T> = (Keys, fn(&mut Reader<'_>) -> Result<T, Miss>);

/// What a member of a union knows of an object's keys: a struct's property table (its
/// names, and which it requires), or names alone (a member that is itself a union, or is
/// no object: none).
pub enum Keys {
    /// A struct's `PROPS`.
    Props(&'static [Prop]),
    /// Names, none of them required.
    Names(&'static [&'static str]),
}

impl Keys {
    /// Name `i`, and whether it is required, in a `const fn`.
    const fn nth(&self, i: usize) -> Option<(&'static str, bool)> {
        match self {
            Keys::Props(p) if i < p.len() => Some((p[i].key(), p[i].is_required())),
            Keys::Names(n) if i < n.len() => Some((n[i], false)),
            _ => None,
        }
    }

    fn name(&self, i: usize) -> Option<&'static str> {
        self.nth(i).map(|(name, _)| name)
    }

    /// Whether one of the keys this member requires is not among `keys`.
    fn lacks_one_of(&self, keys: &[Cow<'_, str>]) -> bool {
        let Keys::Props(props) = self else {
            return false;
        };
        let required = props.iter().filter(|p| p.is_required()).map(Prop::key);
        count_missing(|i| keys.get(i).map(|k| &**k), required, 1) > 0
    }

    /// How many of `keys` this member does not know, counted up to `limit`.
    fn unknown(&self, keys: &[Cow<'_, str>], limit: usize) -> usize {
        count_missing(|i| self.name(i), keys.iter().map(|k| &**k), limit)
    }
}

/// The closest error of a union (see [`closest_error`]), as generated code gives it.
pub type Closest = fn(&Reader<'_>) -> Option<DecodeError>;

/// A union member or event this SDK does not know, found by its tag `tag` under `key`: the
/// value as sent. The fast pass takes the first `key` of the object, a document the last,
/// so a second one that differs is a [`Miss`] (exact mode then decides).
pub fn unknown_tagged(r: &mut Reader<'_>, key: &str, tag: &str) -> Result<Value, Miss> {
    let value = r.value()?;
    match value.get(key).and_then(Value::as_str) {
        Some(t) if t == tag => Ok(value),
        _ => Err(Miss::UNSURE),
    }
}

/// A tagged union read by a guess at its tag ([`Reader::guess_tag`]), skipping the walk to
/// the tag: `read` reads the member the tag names. Sound only where each member checks the
/// tag it is read by (a required constant, or `unknown_tagged`), so that a read that
/// succeeds is the read the walk leads to; one that fails is undone (`None`), and the
/// caller walks.
#[inline]
pub fn guessed<T>(
    r: &mut Reader<'_>,
    key: &str,
    read: fn(&mut Reader<'_>, &str) -> Result<T, Miss>,
) -> Option<T> {
    let tag = r.guess_tag(key)?;
    let start = r.mark();
    match read(r, tag) {
        Ok(v) => Some(v),
        Err(_) => {
            r.rewind(start);
            None
        }
    }
}

/// The `type` of a webhook event, the reader at the event. In exact mode a miss says why:
/// the event is no object, has no `type`, or its `type` is no string.
pub fn event_type<'a>(r: &mut Reader<'a>) -> Result<Cow<'a, str>, Miss> {
    match r.tag("type")? {
        Some(t) => return Ok(t),
        None if !r.is_exact() => return Err(Miss::UNSURE),
        None => {}
    }
    if r.peek() != Some(b'{') {
        return Err(r.expected("an object"));
    }
    let mut found = None;
    let mut scan = r.clone();
    scan.object(&mut |s, k| {
        if k == "type" {
            found = Some(s.found());
        }
        s.raw().map(|_| ())
    })?;
    let error = match found {
        Some(kind) => DecodeError {
            path: ".type".into(),
            message: ["expected a string, found ", kind].concat(),
        },
        None => DecodeError {
            path: String::new(),
            message: "missing field `type`".into(),
        },
    };
    Err(r.fail_with(error))
}

/// What a union's members know of each other, for trying first the member that fitted
/// last (see [`best_fit`]): entry `j * n + k` (`n` members) holds, over member `k`'s
/// property table (its first 64), the properties member `j` knows and the ones it
/// requires, and whether `j` requires a name `k` does not have. Computed at compile time
/// from the members' [`Keys`].
pub type Cross = [(u64, u64, bool)];

/// [`Cross`] of `members` (`N` = their number squared).
pub const fn cross<const N: usize, T>(members: &[Member<T>]) -> [(u64, u64, bool); N] {
    let mut out = [(0, 0, false); N];
    let n = members.len();
    if n * n != N {
        return out;
    }
    let mut k = 0;
    while k < n {
        let Keys::Props(props) = &members[k].0 else {
            k += 1;
            continue;
        };
        let mut j = 0;
        while j < n {
            let entry = &mut out[j * n + k];
            let mut i = 0;
            while let Some((name, required)) = members[j].0.nth(i) {
                let mut p = 0;
                while p < props.len() && !same(props[p].key(), name) {
                    p += 1;
                }
                if p < props.len() && p < 64 {
                    entry.0 |= 1 << p;
                    if required {
                        entry.1 |= 1 << p;
                    }
                } else if required {
                    entry.2 = true;
                }
                i += 1;
            }
            j += 1;
        }
        k += 1;
    }
    out
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// After member `k` of `members` (`known`: its keys) read the value, the reader just past
/// it: whether [`best_fit`] would have chosen it. So when `k` is a struct that found no key
/// it does not know (a score of 0, which ends the search), and no earlier member could
/// score 0 without lacking a key it requires (it might read the value first).
fn first_fit(r: &Reader<'_>, known: &Keys, k: usize, n: usize, cross: &Cross) -> bool {
    let Keys::Props(props) = known else {
        return false;
    };
    // The struct read last is `k`'s own (its read ends with its table's): its size is a
    // check, not an identity (a constant table may sit at more than one address).
    let (len, seen, unknown) = r.last_struct();
    if len != props.len() || len > 64 || unknown != 0 || cross.len() != n * n {
        return false;
    }
    (0..k).all(|j| match cross.get(j * n + k) {
        Some(&(knows, requires, outside)) => outside || requires & !seen != 0 || seen & !knows != 0,
        None => false,
    })
}

/// Chooses the member that fits the value best: among the members that read it, the one
/// leaving the fewest of its keys unknown (not in the member's known list) wins, ties
/// going to the earliest; a member leaving none ends the search; none: `unknown` of the
/// value. The object's keys are listed once first, so that a member missing a required
/// key, or unable to beat the best so far, is not read at all. In the fast pass, the
/// member that fitted last with no key left over is tried first, without the list, and
/// kept where its read shows that the search would have ended at it (`cross`: see
/// [`first_fit`]): the members of a list of unions are usually one kind.
pub fn best_fit<T>(
    r: &mut Reader<'_>,
    members: &[Member<T>],
    cross: &Cross,
    unknown: fn(Value) -> T,
) -> Result<T, Miss> {
    // Each member reads from here; the best one's end is where the reader goes.
    let start = r.mark();
    // Only where the members' `cross` was built (see `first_fit`).
    let union = match cross.len() == members.len() * members.len() {
        true => members.as_ptr() as usize,
        false => 0,
    };
    if let Some((k, (known, read))) = r.fitted(union).and_then(|k| Some((k, members.get(k)?))) {
        if let Ok(v) = read(r) {
            if first_fit(r, known, k, members.len(), cross) {
                return Ok(v);
            }
        }
        r.rewind(start);
    }
    let keys = r.keys()?;
    let mut best: Option<(usize, T, (usize, usize))> = None;
    for (i, (known, read)) in members.iter().enumerate() {
        if known.lacks_one_of(&keys) {
            continue;
        }
        // A member that cannot beat the best so far is not counted to the end.
        let bound = best.as_ref().map_or(usize::MAX, |(s, _, _)| *s);
        let score = known.unknown(&keys, bound);
        if score >= bound {
            continue;
        }
        match read(r) {
            Ok(v) if score == 0 => {
                // Only a struct can be checked (`first_fit`): a scalar union nested in it
                // must not take its place.
                if union != 0 && matches!(known, Keys::Props(_)) {
                    r.remember_fit(union, i);
                }
                return Ok(v);
            }
            Ok(v) => best = Some((score, v, r.mark())),
            // A member that cannot tell may be the one exact mode picks.
            Err(m) if m.unsure => return Err(m),
            Err(_) => {}
        }
        r.rewind(start);
    }
    match best {
        Some((_, v, end)) => {
            r.rewind(end);
            Ok(v)
        }
        None => r.value().map(unknown),
    }
}

/// Why the value `r` is at (exact mode) fits no member of a union: the error of the member
/// that came closest, its path relative to the value. `None` when a member fits.
///
/// Closest is the member whose read got furthest: a mismatched constant (the member's
/// tag) counts as not started, otherwise the deeper the failing path the further it got;
/// then the member leaving the fewest keys unknown; then the most specific (first).
pub fn closest_error<T>(r: &Reader<'_>, members: &[Member<T>]) -> Option<DecodeError> {
    let keys = r.keys().ok()?;
    let mut best: Option<((usize, std::cmp::Reverse<usize>), DecodeError)> = None;
    for (known, read) in members {
        let mut c = r.clone();
        let error = match read(&mut c) {
            Ok(_) => return None,
            Err(_) => c.take_fail(),
        };
        let unknown = known.unknown(&keys, usize::MAX);
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

/// A member that is itself an open union read the value as its `Unknown`: not a match
/// here. In exact mode, why: that union's own closest error, when it has members.
#[cold]
pub fn no_variant(r: &mut Reader<'_>, at: &Reader<'_>, closest: Option<Closest>) -> Miss {
    if !r.is_exact() {
        return Miss::FIT;
    }
    let error = closest.and_then(|f| f(at)).unwrap_or_else(|| DecodeError {
        path: String::new(),
        message: "no variant matched".into(),
    });
    r.fail_with(error)
}

/// `unknown_reason` of a union whose value is `Unknown`: `closest` (the union's closest
/// error) run on the value, its path from `$`.
pub fn unknown_reason(value: &Value, closest: Closest) -> Option<DecodeError> {
    let text = to_vec(value);
    let r = Reader::exact(&text).ok()?;
    closest(&r).map(|mut e| {
        e.path.insert(0, '$');
        e
    })
}

/// How many of `keys` are not in the set whose `i`th name is `set(i)`, counted up to
/// `limit`. Both usually follow the spec's order, so the name after the last one found is
/// tried first: linear, where a search per key is quadratic.
fn count_missing<'s, 'k>(
    set: impl Fn(usize) -> Option<&'s str>,
    keys: impl Iterator<Item = &'k str>,
    limit: usize,
) -> usize {
    let mut next = 0;
    let mut missing = 0;
    for k in keys {
        if set(next) == Some(k) {
            next += 1;
            continue;
        }
        match (0..).map_while(&set).position(|s| s == k) {
            Some(i) => next = i + 1,
            None => {
                missing += 1;
                if missing >= limit {
                    break;
                }
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::super::{exact_slice, read_slice, FromJson};
    use crate::models::{Customer, DiscountBase, WebhookPayload};
    use crate::runtime::doc::Reader;

    /// Where the fast pass gives a value, exact mode gives the same one.
    fn agree<T: FromJson + PartialEq + std::fmt::Debug>(bytes: &[u8]) -> bool {
        match read_slice::<T>(bytes) {
            Some(v) => {
                let doc = exact_slice::<T>(bytes);
                assert_eq!(
                    doc.as_ref().ok(),
                    Some(&v),
                    "fast pass and exact mode differ on {:?}",
                    String::from_utf8_lossy(bytes)
                );
                true
            }
            None => false,
        }
    }

    const CUSTOMER: &[u8] = br#"{"id":"c1","created_at":"2026-01-01T00:00:00Z","modified_at":null,"metadata":{"plan":"pro","seats":3,"n":1.5,"ok":true},"external_id":null,"email":"a@b.c","email_verified":true,"type":"individual","name":"N\u00e9","billing_name":null,"billing_address":{"line1":null,"country":"US","x":[1,{"y":null}]},"tax_id":["1","us_ein"],"organization_id":"o","deleted_at":null,"first_user_event_at":null,"avatar_url":null,"new":{"a":[true]}}"#;
    const EVENT: &[u8] = br#"{"type":"customer.created","timestamp":"2026-01-01T00:00:00Z","data":{"id":"c1","created_at":"2026-01-01T00:00:00Z","modified_at":null,"metadata":{},"email":"a@b.c","email_verified":false,"type":"team","name":null,"billing_name":null,"billing_address":null,"tax_id":null,"organization_id":"o","deleted_at":null,"first_user_event_at":null,"avatar_url":null}}"#;
    pub(super) const DISCOUNT: &[u8] = br#"{"duration":"repeating","duration_in_months":3,"type":"percentage","basis_points":1000,"created_at":"2026-01-01T00:00:00Z","modified_at":null,"id":"d","metadata":{},"name":"n","code":null,"starts_at":null,"ends_at":null,"max_redemptions":null,"max_redemptions_per_customer":null,"redemptions_count":0,"organization_id":"o"}"#;

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

    /// A value that is no object has no keys: it goes to the first member that reads it
    /// (one requiring keys is passed over), in both modes; one that no member reads is
    /// kept as sent.
    #[test]
    fn scalars_take_the_first_member_that_reads_them() {
        use crate::models::MetadataValue as M;
        let cases: [(&[u8], M); 6] = [
            (b"\"x\"", M::String("x".into())),
            (b"3", M::Integer(3)),
            (b"1.5", M::Number(1.5)),
            (b" true", M::Boolean(true)),
            (b"null", M::Unknown(serde_json::Value::Null)),
            (b"[1]", M::Unknown(serde_json::json!([1]))),
        ];
        for (text, want) in cases {
            assert!(agree::<M>(text));
            assert_eq!(read_slice::<M>(text), Some(want));
        }
    }

    /// In a list, the member that fitted the item before is tried first: every item reads
    /// as it reads alone (and as exact mode reads the list), whichever member, mutation or
    /// unknown key came before it.
    #[test]
    fn the_member_tried_first_reads_as_the_search_would() {
        let doc = std::str::from_utf8(DISCOUNT).expect("UTF-8");
        let fixed = doc.replacen(
            r#""basis_points":1000"#,
            r#""amount":5,"currency":"usd""#,
            1,
        );
        let fixed = fixed.replacen(r#""type":"percentage""#, r#""type":"fixed""#, 1);
        let mut items = vec![doc.to_owned(), fixed.clone()];
        for base in [doc, fixed.as_str()] {
            let once = base.replacen(r#""duration_in_months":3,"#, "", 1);
            items.push(once.replacen("repeating", "once", 1));
            items.push(base.replacen('{', r#"{"new":true,"#, 1));
            items.push(base.replacen(r#""code":null,"#, "", 1));
            items.push(base.replacen(r#""duration":"repeating","#, "", 1));
            items.push(base.replacen(r#""metadata":{}"#, r#""metadata":{"k":"v","n":1}"#, 1));
            items.push(base.replacen("1000", "\"x\"", 1));
            items.push(base.replacen(r#""name":"n""#, r#""name":"n","name":"m""#, 1));
        }
        let mut read = 0;
        for a in &items {
            for b in &items {
                let list = format!("[{a},{b},{a}]");
                agree::<Vec<DiscountBase>>(list.as_bytes());
                let Some(got) = read_slice::<Vec<DiscountBase>>(list.as_bytes()) else {
                    continue;
                };
                let alone: Vec<Option<DiscountBase>> =
                    [a, b, a].iter().map(|i| read_slice(i.as_bytes())).collect();
                let got: Vec<Option<DiscountBase>> = got.into_iter().map(Some).collect();
                assert_eq!(got, alone, "{list}");
                read += 1;
            }
        }
        assert!(read > 100, "{read} lists read");
    }

    /// The member tried first gives way where an earlier member could have ended the
    /// search: here the first member (an integer `a`, an optional `b`) reads `{"a":1}` as
    /// well as the second (any `a`), which fitted the item before.
    #[test]
    fn the_member_tried_first_gives_way_to_an_earlier_fit() {
        use super::super::table::{read_struct, Prop, Source};
        use super::{best_fit, cross, Keys, Member};
        const J: &[Prop] = &[Prop::required("a"), Prop::optional("b")];
        const K: &[Prop] = &[Prop::required("a")];
        fn load_j(src: &mut Source<'_, '_>) -> Option<u8> {
            let (mut a, mut b) = (None::<i64>, None::<String>);
            src.fields(J, &mut [&mut a, &mut b])?;
            a.map(|_| 0)
        }
        fn load_k(src: &mut Source<'_, '_>) -> Option<u8> {
            let mut a = None::<serde_json::Value>;
            src.fields(K, &mut [&mut a])?;
            a.map(|_| 1)
        }
        const MEMBERS: &[Member<u8>] = &[
            (Keys::Props(J), |r| read_struct(r, load_j)),
            (Keys::Props(K), |r| read_struct(r, load_k)),
        ];
        const CROSS: [(u64, u64, bool); 4] = cross(MEMBERS);
        let mut r = Reader::new(br#"[{"a":"s"},{"a":1},{"a":"s"},{"a":"t"}]"#).expect("UTF-8");
        let mut got = Vec::new();
        r.array(&mut |r| {
            got.push(best_fit(r, MEMBERS, &CROSS, |_| 9)?);
            Ok(())
        })
        .expect("read");
        assert_eq!(got, [1, 0, 1, 1]);
    }

    #[test]
    fn one_pass_agrees_with_the_document_on_mutations() {
        mutations::<Customer>(CUSTOMER);
        mutations::<WebhookPayload>(EVENT);
        mutations::<DiscountBase>(DISCOUNT);
    }

    /// The entries of every object of `doc` (any depth) as byte spans: (where the object's
    /// first entry starts, each entry's `"key":value` span).
    fn entries(doc: &[u8]) -> Vec<(String, std::ops::Range<usize>)> {
        fn walk(r: &mut Reader<'_>, out: &mut Vec<(String, std::ops::Range<usize>)>) {
            match r.peek() {
                Some(b'{') => {
                    let _ = r.begin_object();
                    let mut first = true;
                    while r.next_entry(first) == Ok(true) {
                        first = false;
                        let start = r.mark().0;
                        let Ok(key) = r.key() else { return };
                        let key = key.into_owned();
                        walk(r, out);
                        out.push((key, start..r.mark().0));
                    }
                }
                Some(b'[') => {
                    let _ = r.array(&mut |r| {
                        walk(r, out);
                        Ok(())
                    });
                }
                _ => {
                    let _ = r.raw();
                }
            }
        }
        let mut out = Vec::new();
        if let Ok(mut r) = Reader::new(doc) {
            walk(&mut r, &mut out);
        }
        out
    }

    /// Every entry of every object repeated, right after itself, with each value another
    /// entry of the document has (a bad value, then the good one, and the other way
    /// round): where the fast pass gives a value, exact mode gives the same (the last of a
    /// repeated key counts in both).
    #[test]
    fn repeated_keys_agree() {
        fn repeat<T: FromJson + PartialEq + std::fmt::Debug>(doc: &[u8]) {
            let entries = entries(doc);
            let values: Vec<&[u8]> = entries
                .iter()
                .filter_map(|(k, span)| doc.get(span.start + k.len() + 3..span.end))
                .collect();
            for (key, span) in &entries {
                for value in &values {
                    let entry = [b"\"", key.as_bytes(), b"\":", value].concat();
                    for (at, with) in [
                        (span.start, [&entry[..], b","].concat()),
                        (span.end, [b",", &entry[..]].concat()),
                    ] {
                        let mut m = doc.to_vec();
                        m.splice(at..at, with);
                        agree::<T>(&m);
                    }
                }
            }
        }
        repeat::<Customer>(CUSTOMER);
        repeat::<WebhookPayload>(EVENT);
        repeat::<DiscountBase>(DISCOUNT);
    }

    /// Spaces and newlines around keys and values (pretty-printed JSON) cost the fast pass
    /// nothing: the tag and key scans skip them too.
    #[test]
    fn whitespace_keeps_the_fast_pass() {
        fn pretty(compact: &[u8]) -> Vec<u8> {
            let v: serde_json::Value = serde_json::from_slice(compact).expect("JSON");
            serde_json::to_vec_pretty(&v).expect("written")
        }
        assert!(agree::<Customer>(&pretty(CUSTOMER)));
        assert!(agree::<WebhookPayload>(&pretty(EVENT)));
        assert!(agree::<DiscountBase>(&pretty(DISCOUNT)));
    }

    /// A guess at the tag that is wrong (a nested object's `type`, a later object's, a key
    /// that is a value) costs a second read, never a wrong member: the member the guess
    /// names checks its tag.
    #[test]
    fn a_wrong_guess_at_the_tag_is_undone() {
        let customer = std::str::from_utf8(CUSTOMER).expect("UTF-8");
        let individual = |v: Option<Customer>| matches!(v, Some(Customer::Individual(_)));
        // A nested `type` first, naming the other member, then one naming no member.
        for nested in [r#"{"type":"team"}"#, r#"{"type":"x.new"}"#, r#""type""#] {
            let doc = customer.replacen(r#""plan":"pro""#, &format!(r#""plan":{nested}"#), 1);
            let doc = doc.replacen(r#"{"plan""#, r#"{"a":"type","plan""#, 1);
            assert!(agree::<Customer>(doc.as_bytes()), "{doc}");
            assert!(individual(read_slice::<Customer>(doc.as_bytes())), "{doc}");
        }
        // No tag in the first object: the guess finds the second's, and is undone.
        let untagged = customer.replacen(r#""type":"individual","#, "", 1);
        let team = customer.replacen(r#""individual""#, r#""team""#, 1);
        let list = format!("[{untagged},{team}]");
        assert!(agree::<Vec<Customer>>(list.as_bytes()));
        let read = read_slice::<Vec<Customer>>(list.as_bytes()).expect("read");
        assert!(matches!(read.first(), Some(Customer::Unknown(_))));
        assert!(matches!(read.get(1), Some(Customer::Team(_))));
        // A tag past the guess's window is found by the walk.
        let far = customer.replacen(
            r#""plan":"pro""#,
            &format!(
                r#""plan":"{}""#,
                "p".repeat(crate::runtime::doc::GUESS_WINDOW)
            ),
            1,
        );
        assert!(individual(read_slice::<Customer>(far.as_bytes())));
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
        // A bad value then a good one under the same key: the last counts, so the member
        // still fits (exact mode decides), rather than the union falling to `Unknown`.
        let repeated = br#"{"duration":"repeating","duration_in_months":3,"type":"percentage","basis_points":"x","created_at":"2026-01-01T00:00:00Z","modified_at":null,"id":"d","metadata":{},"name":"n","code":null,"starts_at":null,"ends_at":null,"max_redemptions":null,"max_redemptions_per_customer":null,"redemptions_count":0,"organization_id":"o","basis_points":1000}"#;
        assert!(read_slice::<DiscountBase>(repeated).is_none());
        assert!(matches!(
            exact_slice::<DiscountBase>(repeated),
            Ok(DiscountBase::DiscountPercentageRepeatDurationBase(_))
        ));
        let twice = br#"{"type":"customer.created","type":"x.new","data":1}"#;
        assert!(read_slice::<WebhookPayload>(twice).is_none());
        let unknown = read_slice::<WebhookPayload>(br#"{"type":"x.new","data":1}"#);
        assert!(matches!(unknown, Some(WebhookPayload::Unknown { .. })));
    }
}
