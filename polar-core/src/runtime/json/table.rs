//! A generated struct's properties as a table, read by one shared loop two ways: from tokens
//! in one pass ([`Reader`]), or from a parsed document ([`Json`], which gives exact errors and
//! serves union members tried on a value).
//!
//! Generated code lists the properties (a constant table of [`Prop`]s: key and rule), gives
//! a local per property as its [`Slot`], and builds the struct from those locals; everything else, in either mode, is here and compiled once.
//! One table for both modes keeps them from disagreeing, and keeps the generated code small:
//! a struct costs a few lines per field, not two decoders.

use super::object::{self, Fields};
use super::{DecodeError, FromJson, Json, Map, Path, Value};
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
            // Generated from the spec's value, so it parses; were it not, `null` is a
            // constant no property equals but `null`, and the mismatch names it. Read by
            // the runtime's own parser: serde_json's would add its deserializer to wasm.
            Konst::Json(text) => crate::runtime::doc::parse(text.as_bytes())
                .map_or(Value::Null, |json| json.to_value()),
        }
    }

    /// Whether the value `r` is at is this constant, consuming nothing.
    fn peek(&self, r: &Reader<'_>) -> Result<(), Miss> {
        let fits = match self {
            Konst::Str(s) => r.clone().str()? == *s,
            Konst::StrIgnoreCase(s) => r.clone().str()?.eq_ignore_ascii_case(s),
            Konst::Json(_) => Json::from_value(&r.clone().value()?).eq_value(&self.value()),
        };
        match fits {
            true => Ok(()),
            false => Err(Miss::FIT),
        }
    }

    /// The check of the document path, with its message.
    fn expect(
        &self,
        obj: &Fields<'_, '_>,
        key: &str,
        required: bool,
        path: &Path<'_>,
    ) -> Result<(), DecodeError> {
        match self {
            Konst::Str(s) => object::expect_const_str(obj, key, s, required, path),
            Konst::StrIgnoreCase(s) => {
                object::expect_const_str_ignore_case(obj, key, s, required, path)
            }
            Konst::Json(_) => object::expect_const(obj, key, &self.value(), required, path),
        }
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
/// so that the loops are compiled once, not per struct.
pub trait Slot {
    /// Reads the value `r` is at into the slot.
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss>;
    /// Decodes `value` (at `path`) into the slot.
    fn decode(&mut self, value: &Json<'_>, path: &Path<'_>) -> Result<(), DecodeError>;
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
    fn decode(&mut self, value: &Json<'_>, path: &Path<'_>) -> Result<(), DecodeError> {
        match T::decode(value, path) {
            Ok(v) => {
                *self = Some(v);
                Ok(())
            }
            Err(e) => Err(e),
        }
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
    fn decode(&mut self, value: &Json<'_>, path: &Path<'_>) -> Result<(), DecodeError> {
        match <Patch<T> as FromJson>::decode(value, path) {
            Ok(v) => {
                *self = v;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Slot for () {
    /// A required constant has no field: its value, checked, is skipped.
    fn read(&mut self, r: &mut Reader<'_>) -> Result<(), Miss> {
        r.raw().map(|_| ())
    }
    fn decode(&mut self, _: &Json<'_>, _: &Path<'_>) -> Result<(), DecodeError> {
        Ok(())
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

/// What a struct is decoded from: tokens or a document. Keeps why it failed, so that a
/// generated loader returns an `Option`, one type for both modes.
pub struct Source<'x, 'a> {
    from: Mode<'x, 'a>,
    miss: Miss,
    error: Option<DecodeError>,
}

enum Mode<'x, 'a> {
    Read(&'x mut Reader<'a>),
    Doc(&'x Json<'a>, &'x Path<'x>),
}

/// The generated loader of a struct: its table, then its value.
pub type Load<T> = fn(&mut Source<'_, '_>) -> Option<T>;

/// [`FromJson::decode`] of a struct through its loader.
pub fn decode_struct<T>(
    value: &Json<'_>,
    path: &Path<'_>,
    load: Load<T>,
) -> Result<T, DecodeError> {
    let mut src = Source {
        from: Mode::Doc(value, path),
        miss: Miss::FIT,
        error: None,
    };
    match load(&mut src) {
        Some(v) => Ok(v),
        // The loop checks every required property before the loader builds anything, so
        // the loader has no failure of its own; were there one, it is still an error.
        None => Err(src
            .error
            .unwrap_or_else(|| DecodeError::new(path, "missing field"))),
    }
}

/// [`FromJson::read`] of a struct through its loader.
pub fn read_struct<T>(r: &mut Reader<'_>, load: Load<T>) -> Result<T, Miss> {
    let mut src = Source {
        from: Mode::Read(r),
        miss: Miss::FIT,
        error: None,
    };
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
        let result = match &mut self.from {
            _ if props.len() != slots.len() => Err(()),
            Mode::Read(r) => read_fields(r, props, slots).map_err(|m| self.miss = m),
            Mode::Doc(value, path) => {
                decode_fields(value, path, props, slots).map_err(|e| self.error = Some(e))
            }
        };
        result.ok()
    }
}

/// How many properties the one-pass loop tracks, one bit each (Polar's largest schema has
/// 61); a wider struct is left to the document.
const TRACKED: usize = 64;

/// The one-pass loop: each property read into its slot as its key comes. Keys usually come
/// in the order the spec declares them, so the next row's key is tried first, as bytes. A repeated property
/// is a miss (the document takes the last one; this path need not know).
fn read_fields(
    r: &mut Reader<'_>,
    table: &[Prop],
    slots: &mut [&mut dyn Slot],
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
            Rule::Const(konst, _) => konst.peek(r)?,
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

/// The document loop, as decoding always went: the constants first, then each property in
/// the order declared (the first error wins), then what is left for `extra`.
fn decode_fields(
    value: &Json<'_>,
    path: &Path<'_>,
    table: &[Prop],
    slots: &mut [&mut dyn Slot],
) -> Result<Map<String, Value>, DecodeError> {
    let obj = object::object(value, path)?;
    for f in table.iter() {
        if let Rule::Const(konst, required) = f.rule {
            konst.expect(&obj, f.key, required, path)?;
        }
    }
    for (f, slot) in table.iter().zip(slots.iter_mut()) {
        match f.rule {
            // Checked above; a required one has no field.
            Rule::Const(_, true) => {}
            Rule::Required => match obj.get(f.key) {
                Some(v) => slot.decode(v, &path.key(f.key))?,
                None => return Err(object::missing(path, f.key)),
            },
            Rule::Optional | Rule::Const(..) => match obj.get_at(f.key) {
                None => {}
                Some((i, Json::Null)) => obj.mark_null(i),
                Some((_, v)) => slot.decode(v, &path.key(f.key))?,
            },
            Rule::Patch => {
                if let Some(v) = obj.get(f.key) {
                    slot.decode(v, &path.key(f.key))?;
                }
            }
        }
    }
    Ok(object::extra(&obj, &|k| table.iter().any(|f| f.key == k)))
}
