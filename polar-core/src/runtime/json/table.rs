//! A generated struct's properties as a table, read from tokens by one shared loop.
//!
//! Generated code lists the properties (a constant table of [`Prop`]s: key and rule), gives
//! a local per property as its [`Slot`], and builds the struct from those locals;
//! everything else is here and compiled once. The loop has two modes, the reader's: the
//! fast pass reads each property as its key comes and gives up at the first surprise; exact
//! mode reads on past a bad value and reports the error a decoder of the whole document
//! would (the constants first, then the properties in the order declared).

use super::object::CONST_MISMATCH;
use super::{quoted, text, DecodeError, FromJson, Map, Value};
use crate::runtime::doc::{Miss, Reader};
use crate::runtime::patch::Patch;

/// A property's `const` value.
#[derive(Debug)]
pub enum Konst {
    /// A string (every discriminator), compared as text.
    Str(&'static str),
    /// A string compared without regard to ASCII case (OAuth 2.0's `token_type`).
    StrIgnoreCase(&'static str),
    /// Any other JSON value, as JSON text.
    Json(&'static str),
}

impl Konst {
    fn value(&self) -> Value {
        match self {
            Konst::Str(s) | Konst::StrIgnoreCase(s) => Value::String((*s).to_owned()),
            // Generated from the spec's value, so it reads; were it not, `null` is a
            // constant no property equals but `null`, and the mismatch names it.
            Konst::Json(text) => Reader::new(text.as_bytes())
                .and_then(|mut r| r.value())
                .unwrap_or(Value::Null),
        }
    }

    /// Whether the value `r` is at is this constant, consuming nothing. In exact mode, a
    /// mismatch is recorded with the value found.
    fn check(&self, r: &mut Reader<'_>) -> Result<(), Miss> {
        let mut ahead = r.clone();
        let fits = match self {
            Konst::Str(s) => ahead.str().is_ok_and(|v| v == *s),
            Konst::StrIgnoreCase(s) => ahead.str().is_ok_and(|v| v.eq_ignore_ascii_case(s)),
            // As JSON values (numbers by value, objects in any order), compared as their
            // canonical text: `Value`'s own `==` would add its code to a wasm module.
            Konst::Json(_) => ahead.value().is_ok_and(|v| text(&v) == text(&self.value())),
        };
        if fits {
            return Ok(());
        }
        if !r.is_exact() {
            return Err(Miss::FIT);
        }
        let found = r.clone().value().unwrap_or(Value::Null);
        let shown = match self {
            Konst::Str(s) | Konst::StrIgnoreCase(s) => quoted(s),
            Konst::Json(_) => text(&self.value()),
        };
        Err(r.reject(|| [CONST_MISMATCH, &shown, "`, found `", &text(&found), "`"].concat()))
    }
}

/// What a property is, beyond its type.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Absent is an error; `null` goes to the type (so a nullable one accepts it).
    Required,
    /// Absent or `null` is `None`; an explicit `null` is kept in `extra` too, so that it is
    /// written back as it came.
    Optional,
    /// Absent, `null` or a value: three states, the type's (`Patch`).
    Patch,
    /// A `const`: present, it must equal the constant; absent, an error when required (the
    /// bool). With a slot (an optional constant), the value is then stored as `Optional`.
    Const(&'static Konst, bool),
}

/// Where a property's value goes: a generated struct's local, whatever its type. Object safe,
/// so that the loop is compiled once, not per struct.
pub trait Slot {
    /// Reads the value `r` is at into the slot.
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss>;
    /// Empties the slot: the last of a repeated key is the one that counts.
    fn clear(&mut self);
}

impl<T: FromJson> Slot for Option<T> {
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss> {
        // A `match`, not `?`: `?` would instantiate `Try` for every `T`.
        match T::read(r) {
            Ok(v) => {
                *self = Some(v);
                Ok(())
            }
            Err(m) => Err(m),
        }
    }
    fn clear(&mut self) {
        *self = None;
    }
}

impl<T: FromJson> Slot for Patch<T> {
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss> {
        match <Patch<T> as FromJson>::read(r) {
            Ok(v) => {
                *self = v;
                Ok(())
            }
            Err(m) => Err(m),
        }
    }
    fn clear(&mut self) {
        *self = Patch::Absent;
    }
}

impl Slot for () {
    /// A required constant has no field: its value, checked, is skipped.
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss> {
        r.raw().map(|_| ())
    }
    fn clear(&mut self) {}
}

/// A list parameter of an operation read by id (feature `by-id`), also given as one bare
/// value (a list of one).
#[allow(dead_code)]
pub struct Many<T>(pub Option<Vec<T>>);

impl<T: FromJson> Slot for Many<T> {
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss> {
        let many = match r.peek() {
            Some(b'[') => Vec::<T>::read(r),
            _ => T::read(r).map(|t| vec![t]),
        };
        match many {
            Ok(v) => {
                self.0 = Some(v);
                Ok(())
            }
            Err(m) => Err(m),
        }
    }
    fn clear(&mut self) {
        self.0 = None;
    }
}

/// One property of a struct: its key and rule. A constant table per struct (`PROPS`), its
/// slots given alongside, in the same order, at each decode: a row costs the decoder two
/// words to fill, not five.
#[derive(Debug)]
pub struct Prop {
    key: &'static str,
    rule: Rule,
}

impl Prop {
    /// A required property (a nullable one has an `Option` type); its slot an `Option`.
    pub const fn required(key: &'static str) -> Self {
        Prop {
            key,
            rule: Rule::Required,
        }
    }

    /// An optional property (`None` when absent or `null`); its slot the field's `Option`.
    pub const fn optional(key: &'static str) -> Self {
        Prop {
            key,
            rule: Rule::Optional,
        }
    }

    /// An optional, nullable property of a request body, with its three states; its slot
    /// the field's `Patch`.
    pub const fn patch(key: &'static str) -> Self {
        Prop {
            key,
            rule: Rule::Patch,
        }
    }

    /// A constant: checked when present; absent, an error when `required`. A required one
    /// has no field (its slot is `()`), an optional one is stored (its slot an `Option`).
    pub const fn constant(key: &'static str, konst: &'static Konst, required: bool) -> Self {
        Prop {
            key,
            rule: Rule::Const(konst, required),
        }
    }

    fn is_required(&self) -> bool {
        matches!(self.rule, Rule::Required | Rule::Const(_, true))
    }
}

/// What a generated loader reads its struct from: the reader, and why it missed.
pub struct Source<'x, 'a> {
    r: &'x mut Reader<'a>,
    miss: Miss,
}

/// The generated loader of a struct: its table, then its value.
pub type Load<T> = fn(&mut Source<'_, '_>) -> Option<T>;

/// [`FromJson::read`] of a struct through its loader.
pub fn read_struct<T>(r: &mut Reader<'_>, load: Load<T>) -> Result<T, Miss> {
    let mut src = Source { r, miss: Miss::FIT };
    match load(&mut src) {
        Some(v) => Ok(v),
        None => Err(src.miss),
    }
}

impl Source<'_, '_> {
    /// Reads the properties `props` into their `slots` (one each, in the same order) and
    /// gives the rest (unknown properties, optional ones sent as `null`) for `extra`.
    /// `None`: it failed (why is kept).
    pub fn fields(
        &mut self,
        props: &[Prop],
        slots: &mut [&mut dyn Slot],
    ) -> Option<Map<String, Value>> {
        self.read(props, slots, false)
    }

    /// [`Source::fields`] for the parameters of an operation read by id: a key not in
    /// `props` is an error (a typo, not a newer server), reported before any other.
    #[allow(dead_code)]
    pub fn params(&mut self, props: &[Prop], slots: &mut [&mut dyn Slot]) -> Option<()> {
        self.read(props, slots, true).map(|_| ())
    }

    fn read(
        &mut self,
        props: &[Prop],
        slots: &mut [&mut dyn Slot],
        deny: bool,
    ) -> Option<Map<String, Value>> {
        let result = match props.len() == slots.len() {
            false => Err(Miss::UNSURE),
            true if self.r.is_exact() => read_exact(self.r, props, slots, deny),
            true => read_fields(self.r, props, slots, deny),
        };
        result.map_err(|m| self.miss = m).ok()
    }
}

/// How many properties the fast loop tracks, one bit each (Polar's largest schema has
/// 61); a wider struct is left to exact mode.
const TRACKED: usize = 64;

/// The fast loop: each property read into its slot as its key comes. Keys usually come
/// in the order the spec declares them, so the next row's key is tried first, as bytes. A
/// repeated property is a miss (exact mode takes the last one).
fn read_fields(
    r: &mut Reader<'_>,
    table: &[Prop],
    slots: &mut [&mut dyn Slot],
    deny: bool,
) -> Result<Map<String, Value>, Miss> {
    if table.len() > TRACKED {
        return Err(Miss::UNSURE);
    }
    let mut extra = Map::new();
    let mut seen: u64 = 0;
    let mut next = 0;
    r.begin_object()?;
    let mut first = true;
    while r.next_entry(first)? {
        first = false;
        let i = match table.get(next) {
            Some(f) if r.key_is(f.key) => next,
            _ => {
                let key = r.key()?;
                match table.iter().position(|f| f.key == key) {
                    Some(i) => i,
                    None if deny => return Err(Miss::FIT),
                    None => {
                        let value = r.value()?;
                        extra.insert(key.into_owned(), value);
                        continue;
                    }
                }
            }
        };
        next = i + 1;
        let bit = 1u64 << i;
        if seen & bit != 0 {
            return Err(Miss::UNSURE);
        }
        seen |= bit;
        let (Some(f), Some(slot)) = (table.get(i), slots.get_mut(i)) else {
            return Err(Miss::UNSURE);
        };
        match f.rule {
            Rule::Const(konst, _) => konst.check(r)?,
            Rule::Optional if r.null()? => {
                extra.insert(f.key.to_owned(), Value::Null);
                continue;
            }
            _ => {}
        }
        slot.read(r)?;
    }
    let missing = table
        .iter()
        .enumerate()
        .any(|(i, f)| f.is_required() && seen & (1u64 << i) == 0);
    if missing {
        return Err(Miss::FIT);
    }
    Ok(extra)
}

/// The exact loop: every entry is read (the last of a repeated key counts, as in a
/// document), a bad value is recorded and skipped, and the error reported is the one a
/// decoder of the whole document gives: an unknown key where they are refused, then the
/// constants in the order declared, then each property in the order declared.
#[cold]
fn read_exact(
    r: &mut Reader<'_>,
    table: &[Prop],
    slots: &mut [&mut dyn Slot],
    deny: bool,
) -> Result<Map<String, Value>, Miss> {
    r.begin_object()?;
    let mut extra = Map::new();
    let mut seen = vec![false; table.len()];
    // Per property: why its value failed (`true`: a constant that did not match).
    let mut errors: Vec<Option<(bool, DecodeError)>> = Vec::new();
    errors.resize_with(table.len(), || None);
    // Per property: its last value was `null`, kept in `extra` (added at the end, so that
    // a repeated key's earlier `null` needs no removal: `BTreeMap::remove` alone would add
    // kilobytes to a wasm module).
    let mut nulls = vec![false; table.len()];
    let mut unknown: Option<DecodeError> = None;
    let mut first = true;
    while r.next_entry(first)? {
        first = false;
        let key = r.key()?;
        let found = table.iter().position(|f| f.key == key);
        let (Some(i), Some(f), Some(slot)) = (
            found,
            found.and_then(|i| table.get(i)),
            found.and_then(|i| slots.get_mut(i)),
        ) else {
            if deny && unknown.is_none() {
                let known: Vec<&str> = table.iter().map(|f| f.key).collect();
                unknown = Some(DecodeError {
                    path: String::new(),
                    message: format!("unknown field `{key}`, expected one of {known:?}"),
                });
            }
            let value = r.value()?;
            extra.insert(key.into_owned(), value);
            continue;
        };
        if let (Some(s), Some(e), Some(n)) = (seen.get_mut(i), errors.get_mut(i), nulls.get_mut(i))
        {
            *s = true;
            *e = None;
            *n = false;
        }
        slot.clear();
        let start = r.clone();
        let mut mismatch = false;
        let result = match f.rule {
            Rule::Const(konst, _) => match konst.check(r) {
                Ok(()) => slot.read(r),
                Err(m) => {
                    mismatch = true;
                    Err(m)
                }
            },
            Rule::Optional if r.null()? => {
                if let Some(n) = nulls.get_mut(i) {
                    *n = true;
                }
                Ok(())
            }
            _ => slot.read(r),
        };
        if result.is_err() {
            r.fail_in_key(f.key);
            let e = r.take_fail();
            if let Some(slot) = errors.get_mut(i) {
                *slot = Some((mismatch, e));
            }
            *r = start;
            r.raw()?;
        }
    }
    if let Some(e) = unknown {
        return Err(r.fail_with(e));
    }
    for (f, _) in table.iter().zip(&nulls).filter(|(_, n)| **n) {
        extra.insert(f.key.to_owned(), Value::Null);
    }
    let missing = |r: &mut Reader<'_>, key: &str| {
        r.fail_with(DecodeError {
            path: String::new(),
            message: ["missing field `", key, "`"].concat(),
        })
    };
    for (i, f) in table.iter().enumerate() {
        if let Rule::Const(_, required) = f.rule {
            if let Some(slot @ Some((true, _))) = errors.get_mut(i) {
                if let Some((_, e)) = slot.take() {
                    return Err(r.fail_with(e));
                }
            }
            if required && !seen.get(i).copied().unwrap_or(false) {
                return Err(missing(r, f.key));
            }
        }
    }
    for (i, f) in table.iter().enumerate() {
        match f.rule {
            Rule::Const(_, true) => {}
            Rule::Required if !seen.get(i).copied().unwrap_or(false) => {
                return Err(missing(r, f.key))
            }
            _ => {
                if let Some(Some((_, e))) = errors.get_mut(i).map(Option::take) {
                    return Err(r.fail_with(e));
                }
            }
        }
    }
    Ok(extra)
}
