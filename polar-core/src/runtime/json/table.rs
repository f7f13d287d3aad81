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
    /// Whether the value `r` is at is this constant, consuming nothing. In exact mode, a
    /// mismatch is recorded with the value found.
    fn check(&self, r: &mut Reader<'_>) -> Result<(), Miss> {
        let mut ahead = r.clone();
        let fits = match self {
            Konst::Str(s) => ahead.str().is_ok_and(|v| v == *s),
            Konst::StrIgnoreCase(s) => ahead.str().is_ok_and(|v| v.eq_ignore_ascii_case(s)),
            // As JSON values (numbers by value, objects in any order): the generator writes
            // the constant as canonical text (as `json::write` writes it, keys sorted), and
            // the value found is compared written the same way.
            Konst::Json(t) => ahead.value().is_ok_and(|v| text(&v) == *t),
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
            Konst::Json(t) => (*t).to_owned(),
        };
        Err(r.reject(&[CONST_MISMATCH, &shown, "`, found `", &text(&found), "`"]))
    }
}

/// What a property is, beyond its type.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Absent is an error; `null` goes to the type (so a nullable one accepts it).
    Required,
    /// Absent or `null` is `None`; an explicit `null` is kept in the struct's `nulls` too,
    /// so that it is written back as it came.
    Optional,
    /// Absent, `null` or a value: three states, the type's (`Patch`).
    Patch,
    /// A `const`: present, it must equal the constant; absent, an error when required (the
    /// bool). With a slot (an optional constant), the value is then stored as `Optional`.
    Const(&'static Konst, bool),
}

/// Where a property's value goes: a generated struct's local, whatever its type. Object safe,
/// so that the loop is compiled once, not per struct; one method, so that each type's
/// table of methods is one entry and its code one function.
pub trait Slot {
    /// Reads the value `r` is at into the slot; `None`: empties the slot (the last of a
    /// repeated key is the one that counts).
    fn read(&mut self, r: Option<&mut Reader<'_>>) -> Result<(), Miss>;
}

impl<T: FromJson> Slot for Option<T> {
    fn read(&mut self, r: Option<&mut Reader<'_>>) -> Result<(), Miss> {
        // A `match`, not `?`: `?` would instantiate `Try` for every `T`.
        *self = match r.map(T::read) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(m)) => return Err(m),
        };
        Ok(())
    }
}

impl<T: FromJson> Slot for Patch<T> {
    fn read(&mut self, r: Option<&mut Reader<'_>>) -> Result<(), Miss> {
        *self = match r.map(<Patch<T> as FromJson>::read) {
            None => Patch::Absent,
            Some(Ok(v)) => v,
            Some(Err(m)) => return Err(m),
        };
        Ok(())
    }
}

impl Slot for () {
    /// A required constant has no field: its value, checked, is skipped.
    fn read(&mut self, r: Option<&mut Reader<'_>>) -> Result<(), Miss> {
        match r {
            Some(r) => r.raw().map(|_| ()),
            None => Ok(()),
        }
    }
}

/// A list parameter of an operation read by id (feature `by-id`), also given as one bare
/// value (a list of one).
#[allow(dead_code)]
pub struct Many<T>(pub Option<Vec<T>>);

impl<T: FromJson> Slot for Many<T> {
    fn read(&mut self, r: Option<&mut Reader<'_>>) -> Result<(), Miss> {
        let Some(r) = r else {
            self.0 = None;
            return Ok(());
        };
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

    /// Its key.
    pub(super) const fn key(&self) -> &'static str {
        self.key
    }

    /// Whether an object must have it.
    pub(super) const fn is_required(&self) -> bool {
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
    /// gives the rest: the unknown properties (for `extra`), and the optional ones sent as
    /// `null` (for `nulls`). `None`: it failed (why is kept).
    pub fn fields(
        &mut self,
        props: &[Prop],
        slots: &mut [&mut dyn Slot],
    ) -> Option<(Map<String, Value>, Nulls)> {
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
    ) -> Option<(Map<String, Value>, Nulls)> {
        let result = match props.len() == slots.len() && props.len() <= MAX_PROPS {
            true => read_props(self.r, props, slots, deny),
            false => Err(Miss::UNSURE),
        };
        result.map_err(|m| self.miss = m).ok()
    }
}

/// A bit per property, for up to [`MAX_PROPS`] of them (the generator refuses a schema
/// with more): fixed, so that reading an object allocates nothing for it.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Bits([u64; MAX_PROPS / 64]);

/// The most properties a generated struct has room for (Polar's largest schema has 61;
/// the generator refuses more).
const MAX_PROPS: usize = 256;

impl Bits {
    const NONE: Bits = Bits([0; MAX_PROPS / 64]);

    /// How many are set.
    fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & 1 << (i % 64) != 0)
    }

    fn set(&mut self, i: usize, on: bool) {
        if let Some(w) = self.0.get_mut(i / 64) {
            match on {
                true => *w |= 1 << (i % 64),
                false => *w &= !(1 << (i % 64)),
            }
        }
    }
}

/// Which optional properties of a struct Polar sent as an explicit `null`, by their place
/// in the struct's `FIELDS`: their fields read `None`, as when left out, and this keeps
/// the difference, so that the value is written back as it came. Fixed size (no
/// allocation, whichever properties are `null`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Nulls(Bits);

impl Nulls {
    /// No property sent as `null`: what a value built in code has.
    pub const NONE: Nulls = Nulls(Bits::NONE);

    /// Whether property `i` (the struct's `FIELDS[i]`) came as `null`.
    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i)
    }

    /// Marks property `i` as sent as `null` (written back as `null` while its field is
    /// `None`), or unmarks it (left out while `None`).
    pub fn set(&mut self, i: usize, null: bool) {
        self.0.set(i, null);
    }

    /// Whether no property came as `null`.
    pub fn is_empty(&self) -> bool {
        self.0.count() == 0
    }
}

impl std::fmt::Debug for Nulls {
    /// The places set, as a set: `{3, 14}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries((0..MAX_PROPS).filter(|&i| self.0.get(i)))
            .finish()
    }
}

/// The loop, both modes: each property read into its slot as its key comes. Keys usually
/// come in the order the spec declares them, so the next row's key is tried first, as
/// bytes. The fast pass gives up at the first surprise (a value that does not fit, a
/// repeated key, an unknown one where they are refused); exact mode reads every entry
/// (the last of a repeated key counts, as in a document), records a bad value and skips
/// it, and reports the error a decoder of the whole document reports (see [`Faults`]).
fn read_props(
    r: &mut Reader<'_>,
    table: &[Prop],
    slots: &mut [&mut dyn Slot],
    deny: bool,
) -> Result<(Map<String, Value>, Nulls), Miss> {
    let exact = r.is_exact();
    let mut extra = Map::new();
    let mut seen = Bits::NONE;
    // Optional properties whose (last) value was `null`.
    let mut nulls = Bits::NONE;
    let mut faults = Faults::default();
    // Keys the table does not have (each time one comes).
    let mut unknown = 0;
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
                    None => {
                        if deny {
                            if !exact {
                                return Err(Miss::FIT);
                            }
                            faults.refused(&key, table);
                        }
                        unknown += 1;
                        let value = r.value()?;
                        extra.insert(key.into_owned(), value);
                        continue;
                    }
                }
            }
        };
        next = i + 1;
        let (Some(f), Some(slot)) = (table.get(i), slots.get_mut(i)) else {
            return Err(Miss::UNSURE);
        };
        if seen.get(i) {
            if !exact {
                return Err(Miss::UNSURE);
            }
            faults.forget(i);
            nulls.set(i, false);
            slot.read(None)?;
        }
        seen.set(i, true);
        let start = r.mark();
        let mut mismatch = false;
        let result = match f.rule {
            Rule::Const(konst, _) => match konst.check(r) {
                Ok(()) => slot.read(Some(r)),
                Err(m) => {
                    mismatch = true;
                    Err(m)
                }
            },
            Rule::Optional if r.null()? => {
                nulls.set(i, true);
                continue;
            }
            _ => slot.read(Some(r)),
        };
        if let Err(m) = result {
            if !exact {
                // The last of a repeated key counts: a bad value is no verdict when its
                // key comes again (exact mode decides).
                return Err(match m.unsure || r.repeats_later(start, f.key) {
                    true => Miss::UNSURE,
                    false => m,
                });
            }
            faults.failed(r, start, f.key, i, mismatch)?;
        }
    }
    // Polar usually sends every property: then nothing required can be missing.
    let complete = seen.count() == table.len()
        || table
            .iter()
            .enumerate()
            .all(|(i, f)| !f.is_required() || seen.get(i));
    if !complete || faults.any() {
        if !exact {
            return Err(Miss::FIT);
        }
        return Err(faults.first(r, table, &seen));
    }
    // For a union that tries this struct first next time (`best_fit`): what it had.
    r.read_struct_as(table.len(), seen.0[0], unknown);
    Ok((extra, Nulls(nulls)))
}

/// Exact mode's record of an object's errors: the properties whose value failed (`true`:
/// a constant that did not match), and the first key refused. Out of the loop and cold,
/// so that the fast pass carries little of it.
#[derive(Default)]
struct Faults {
    errors: Vec<(usize, bool, DecodeError)>,
    unknown: Option<DecodeError>,
}

impl Faults {
    fn any(&self) -> bool {
        !self.errors.is_empty() || self.unknown.is_some()
    }

    /// A key the table does not have, where unknown keys are refused.
    #[cold]
    #[inline(never)]
    fn refused(&mut self, key: &str, table: &[Prop]) {
        if self.unknown.is_none() {
            self.unknown = Some(unknown_key(key, table));
        }
    }

    /// A repeated key: its earlier value's error no longer counts.
    #[cold]
    #[inline(never)]
    fn forget(&mut self, i: usize) {
        self.errors.retain(|e| e.0 != i);
    }

    /// The value of property `i` (at `key`), read from `start`, failed: its error is
    /// kept, and the reader skips the value.
    #[cold]
    #[inline(never)]
    fn failed(
        &mut self,
        r: &mut Reader<'_>,
        start: (usize, usize),
        key: &str,
        i: usize,
        mismatch: bool,
    ) -> Result<(), Miss> {
        r.fail_in_key(key);
        self.errors.push((i, mismatch, r.take_fail()));
        r.rewind(start);
        r.raw().map(|_| ())
    }

    /// The error of the object, as a decoder of the whole document reports it: a key
    /// refused, then the constants in the order declared, then each property in the order
    /// declared (absent when required, or its value's error).
    #[cold]
    #[inline(never)]
    fn first(self, r: &mut Reader<'_>, table: &[Prop], seen: &Bits) -> Miss {
        let Faults {
            mut errors,
            unknown,
        } = self;
        if let Some(e) = unknown {
            return r.fail_with(e);
        }
        let mut take = |i: usize, mismatch: bool| {
            let at = errors.iter().position(|e| e.0 == i && (e.1 || !mismatch))?;
            Some(errors.swap_remove(at).2)
        };
        let missing = |key: &str| DecodeError {
            path: String::new(),
            message: ["missing field `", key, "`"].concat(),
        };
        for (i, f) in table.iter().enumerate() {
            if let Rule::Const(_, required) = f.rule {
                if let Some(e) = take(i, true) {
                    return r.fail_with(e);
                }
                if required && !seen.get(i) {
                    return r.fail_with(missing(f.key));
                }
            }
        }
        for (i, f) in table.iter().enumerate() {
            match f.rule {
                Rule::Const(_, true) => {}
                Rule::Required if !seen.get(i) => return r.fail_with(missing(f.key)),
                _ => {
                    if let Some(e) = take(i, false) {
                        return r.fail_with(e);
                    }
                }
            }
        }
        // Not reached: the caller found an error to report.
        r.reject(&["invalid object"])
    }
}

/// The error of a key the table does not have, where unknown keys are refused.
#[cold]
fn unknown_key(key: &str, table: &[Prop]) -> DecodeError {
    // As `format!("{known:?}")` of the keys would list them (they need no escaping).
    let known: Vec<String> = table.iter().map(|f| quoted(f.key)).collect();
    DecodeError {
        path: String::new(),
        message: [
            "unknown field `",
            key,
            "`, expected one of [",
            &known.join(", "),
            "]",
        ]
        .concat(),
    }
}
