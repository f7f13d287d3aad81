//! Accessors on unions for the properties every known variant shares with one type:
//! `customer.email()`, `benefit.id()`, `price.amount_type()`, without a `match`.
//!
//! Every accessor returns an `Option`, for two reasons. A variant may leave the property out
//! or send `null` (`email` is required of an individual customer, nullable for a team), and
//! the `Unknown` variant, a shape Polar added after this SDK was generated, may not have it at
//! all. For `Unknown` the accessor reads the JSON that was kept, where the value can be had
//! from it: a string, number or boolean is borrowed or copied, a date or a string enum is
//! parsed; an object, list or map is not (it would have to be decoded and owned somewhere), so
//! those accessors answer `None` there and the JSON stays in the variant.

use crate::emit::{render, Ctx};
use crate::model::{Def, FieldKind, Kind, Member, Model, Ty};
use crate::names::lit;
use std::collections::BTreeSet;
use std::fmt::Write;

/// A property every known variant of a union has, with one type.
#[derive(Debug, Clone)]
pub struct Shared {
    pub json: String,
    /// The accessor's name.
    pub rust: String,
    /// The value's type, without `Option` (`String` for a string constant).
    pub base: Ty,
    /// Some variant may leave it out or send `null`.
    pub optional: bool,
    /// A string constant in every variant (a tag such as `type`).
    pub konst: bool,
    /// The first line of its docs, from the first variant that documents it.
    pub doc: Option<String>,
}

/// How one member of a union holds a property.
#[derive(Debug, Clone)]
enum Holds {
    /// A field of a struct: its Rust name and kind, or the constant's value.
    Field {
        rust: String,
        kind: FieldKind,
        konst: Option<String>,
    },
    /// A union's own accessor.
    Accessor,
}

/// Names a union already uses for other methods.
const TAKEN: &[&str] = &["unknown_reason", "closest_error"];

/// The properties every member of the union shares, in the order of the first member.
pub fn shared(model: &Model, members: &[Member]) -> Vec<Shared> {
    let mut seen = BTreeSet::new();
    shared_of(model, members, &mut seen)
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

fn shared_of(
    model: &Model,
    members: &[Member],
    seen: &mut BTreeSet<String>,
) -> Vec<(Shared, Vec<Holds>)> {
    let mut per_member: Vec<Vec<(Shared, Holds)>> = Vec::new();
    for m in members {
        match props(model, &m.ty, seen) {
            Some(p) => per_member.push(p),
            None => return Vec::new(),
        }
    }
    let Some((first, rest)) = per_member.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    'props: for (s, holds) in first {
        let mut merged = s.clone();
        let mut all = vec![holds.clone()];
        for other in rest {
            let Some((o, h)) = other.iter().find(|(o, _)| o.json == s.json) else {
                continue 'props;
            };
            if o.base != s.base || o.konst != s.konst {
                continue 'props;
            }
            merged.optional |= o.optional;
            if merged.doc.is_none() {
                merged.doc.clone_from(&o.doc);
            }
            all.push(h.clone());
        }
        if TAKEN.contains(&merged.rust.as_str()) {
            continue;
        }
        out.push((merged, all));
    }
    out
}

/// The properties a member type offers to a union accessor: a struct's fields, or the
/// accessors of a union. `None` for any other type (the union then has no accessors).
fn props(model: &Model, t: &Ty, seen: &mut BTreeSet<String>) -> Option<Vec<(Shared, Holds)>> {
    let Ty::Named(n) = t else { return None };
    let d: &Def = model.defs.get(n)?;
    match &d.kind {
        Kind::Struct { fields, .. } => Some(
            fields
                .iter()
                .filter_map(|f| {
                    let doc = crate::emit::useful(f.doc.as_deref(), &[&f.json, &f.rust])
                        .and_then(|t| t.trim().lines().next())
                        .map(str::to_string);
                    let (base, optional, konst) = match (f.kind, &f.ty, &f.konst) {
                        (FieldKind::ConstRequired, _, Some(crate::json::J::Str(_))) => {
                            (Ty::String, false, true)
                        }
                        (FieldKind::ConstOptional, _, Some(crate::json::J::Str(_))) => {
                            (Ty::String, true, true)
                        }
                        (FieldKind::ConstRequired | FieldKind::ConstOptional, _, _) => return None,
                        (FieldKind::Required, t, _) => (t.clone(), false, false),
                        (FieldKind::RequiredNullable | FieldKind::Optional, Ty::Option(t), _) => {
                            ((**t).clone(), true, false)
                        }
                        // Three-state request fields have no one answer to give.
                        _ => return None,
                    };
                    let konst_value = match (&f.konst, konst) {
                        (Some(crate::json::J::Str(v)), true) => Some(v.clone()),
                        _ => None,
                    };
                    Some((
                        Shared {
                            json: f.json.clone(),
                            rust: f.rust.clone(),
                            base,
                            optional,
                            konst,
                            doc,
                        },
                        Holds::Field {
                            rust: f.rust.clone(),
                            kind: f.kind,
                            konst: konst_value,
                        },
                    ))
                })
                .collect(),
        ),
        Kind::Union { members, .. } => {
            // A union nested in itself would recurse for ever: it offers nothing.
            if !seen.insert(n.clone()) {
                return None;
            }
            let inner = shared_of(model, members, seen);
            seen.remove(n);
            Some(
                inner
                    .into_iter()
                    .map(|(s, _)| (s, Holds::Accessor))
                    .collect(),
            )
        }
        Kind::Alias(inner) => props(model, &inner.clone(), seen),
        Kind::Enum { .. } | Kind::Events { .. } => None,
    }
}

/// How an accessor hands its value out.
enum Out {
    /// `Option<&str>`.
    Str,
    /// `Option<T>` by value: a `Copy` scalar, read from the JSON of `Unknown` with `how`.
    Copy(&'static str),
    /// `Option<T>` by value: a date, parsed from the JSON of `Unknown`.
    Date,
    /// `Option<E>` of a string enum, cloned (no allocation for a known value), parsed from
    /// the JSON of `Unknown`.
    Enum,
    /// `Option<&Number>` / `Option<&Value>`, borrowed from the JSON of `Unknown` too.
    Json(&'static str),
    /// `Option<&[T]>`.
    Slice,
    /// `Option<&T>`; `None` for `Unknown`.
    Ref,
}

fn out_kind(model: &Model, base: &Ty) -> Out {
    match base {
        Ty::String | Ty::Id => Out::Str,
        Ty::Bool => Out::Copy("as_bool"),
        Ty::I64 => Out::Copy("as_i64"),
        Ty::F64 => Out::Copy("as_f64"),
        Ty::DateTime | Ty::Date => Out::Date,
        Ty::Number => Out::Json("Number"),
        Ty::Value => Out::Json("Value"),
        Ty::Vec(_) => Out::Slice,
        Ty::Named(n) if matches!(model.defs.get(n).map(|d| &d.kind), Some(Kind::Enum { .. })) => {
            Out::Enum
        }
        _ => Out::Ref,
    }
}

/// The accessors' `impl` block for union `name` (empty when nothing is shared).
pub fn emit(model: &Model, name: &str, members: &[Member], out: &mut String) {
    let mut seen = BTreeSet::from([name.to_string()]);
    let shared = shared_of(model, members, &mut seen);
    if shared.is_empty() {
        return;
    }
    let _ = writeln!(out, "impl {name} {{");
    for (s, holds) in &shared {
        let kind = out_kind(model, &s.base);
        let ret = match (&kind, &s.base) {
            (Out::Str, _) => "Option<&str>".to_string(),
            (Out::Slice, Ty::Vec(t)) => format!("Option<&[{}]>", render(t, Ctx::Core)),
            (Out::Ref | Out::Json(_), t) => format!("Option<&{}>", render(t, Ctx::Core)),
            (_, t) => format!("Option<{}>", render(t, Ctx::Core)),
        };
        let mut text = match &s.doc {
            Some(d) => d.clone(),
            None => format!("`{}`, read from whichever variant this is.", s.json),
        };
        text.push_str("\n\nEvery known variant has it");
        text.push_str(if s.optional {
            "; `None` where Polar left it out or sent `null`."
        } else {
            "."
        });
        text.push_str(match kind {
            Out::Ref | Out::Slice => " For `Unknown`, `None`: its JSON stays in the variant.",
            _ => " For `Unknown`, read from the JSON Polar sent (`None` when absent or of another type).",
        });
        for line in text.lines() {
            if line.is_empty() {
                out.push_str("    ///\n");
            } else {
                let _ = writeln!(out, "    /// {line}");
            }
        }
        let _ = writeln!(
            out,
            "    #[inline]\n    pub fn {}(&self) -> {ret} {{\n        match self {{",
            s.rust
        );
        for (m, h) in members.iter().zip(holds) {
            let arm = match h {
                Holds::Accessor => format!("v.{}()", s.rust),
                Holds::Field { konst: Some(c), .. } => format!("Some({})", lit(c)),
                Holds::Field { rust, kind: fk, .. } => {
                    let required = *fk == FieldKind::Required;
                    match (&kind, required) {
                        (Out::Str, true) => format!("Some(v.{rust}.as_str())"),
                        (Out::Str, false) => format!("v.{rust}.as_deref()"),
                        (Out::Copy(_) | Out::Date, true) => format!("Some(v.{rust})"),
                        (Out::Copy(_) | Out::Date, false) => format!("v.{rust}"),
                        (Out::Enum, true) => format!("Some(v.{rust}.clone())"),
                        (Out::Enum, false) => format!("v.{rust}.clone()"),
                        (Out::Slice, true) => format!("Some(v.{rust}.as_slice())"),
                        (Out::Slice, false) => format!("v.{rust}.as_deref()"),
                        (Out::Ref | Out::Json(_), true) => format!("Some(&v.{rust})"),
                        (Out::Ref | Out::Json(_), false) => format!("v.{rust}.as_ref()"),
                    }
                }
            };
            let binding = if matches!(h, Holds::Field { konst: Some(_), .. }) {
                "_"
            } else {
                "v"
            };
            let _ = writeln!(out, "            Self::{}({binding}) => {arm},", m.variant);
        }
        let key = lit(&s.json);
        let unknown = match kind {
            Out::Str => format!("v.get({key}).and_then(Value::as_str)"),
            Out::Copy(how) => format!("v.get({key}).and_then(Value::{how})"),
            Out::Date | Out::Enum => {
                format!("v.get({key}).and_then(|x| FromJson::from_json(x, &Path::Root).ok())")
            }
            Out::Json("Number") => {
                format!("match v.get({key}) {{ Some(Value::Number(n)) => Some(n), _ => None }}")
            }
            Out::Json(_) => format!("v.get({key})"),
            Out::Slice | Out::Ref => "None".to_string(),
        };
        let binding = if unknown == "None" { "_" } else { "v" };
        let _ = writeln!(
            out,
            "            Self::Unknown({binding}) => {unknown},\n        }}\n    }}\n"
        );
    }
    out.push_str("}\n\n");
}
