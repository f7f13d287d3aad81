//! From the model to Rust source. Output is passed through rustfmt by the caller.

use crate::model::{
    Def, FieldKind, Kind, Model, OpDef, ParamIn, RespKind, Ty, COMMON, INTERNAL, WEBHOOKS,
};
use crate::names::lit;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How a type is spelled: inside polarsh-core (short names, imported) or from another crate.
#[derive(Clone, Copy, PartialEq)]
pub enum Ctx {
    Core,
    External,
    /// In a doc example, as a user of `polarsh-blocking` writes it (`models::Customer`).
    Snippet,
}

pub fn render(t: &Ty, cx: Ctx) -> String {
    if cx == Ctx::Snippet {
        return render_snippet(t);
    }
    let ext = cx == Ctx::External;
    match t {
        Ty::String => if ext { "polarsh_core::Str" } else { "Str" }.into(),
        Ty::Id => if ext { "polarsh_core::Id" } else { "Id" }.into(),
        Ty::Bool => "bool".into(),
        Ty::I64 => "i64".into(),
        Ty::F64 => "f64".into(),
        Ty::Number => if ext { "serde_json::Number" } else { "Number" }.into(),
        Ty::Value => if ext { "serde_json::Value" } else { "Value" }.into(),
        Ty::DateTime => if ext {
            "time::OffsetDateTime"
        } else {
            "OffsetDateTime"
        }
        .into(),
        Ty::Date => if ext { "time::Date" } else { "Date" }.into(),
        Ty::Vec(i) => format!("Vec<{}>", render(i, cx)),
        Ty::Map(k, v) => format!(
            "{}<{}, {}>",
            if ext {
                "std::collections::BTreeMap"
            } else {
                "BTreeMap"
            },
            map_key(k, |k| render(k, cx)),
            render(v, cx)
        ),
        Ty::Option(i) => format!("Option<{}>", render(i, cx)),
        Ty::Patch(i) => format!(
            "{}<{}>",
            if ext { "polarsh_core::Patch" } else { "Patch" },
            render(i, cx)
        ),
        Ty::Tuple(ts) => format!(
            "({})",
            ts.iter()
                .map(|t| render(t, cx))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Named(n) => {
            if ext {
                format!("polarsh_core::models::{n}")
            } else {
                n.clone()
            }
        }
        Ty::Secret => if ext {
            "polarsh_core::Secret"
        } else {
            "Secret"
        }
        .into(),
    }
}

/// Bare `http(s)://` URLs in a description as `<...>` autolinks: rustdoc links those (and
/// warns about bare ones). URLs already in `<...>`, `(...)` of a Markdown link or code are
/// left alone.
fn autolink(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        }
        let starts = rest.starts_with("https://") || rest.starts_with("http://");
        let prev = out.chars().last();
        if starts && !in_code && !matches!(prev, Some('<' | '(' | '[' | '"')) {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '`'))
                .unwrap_or(rest.len());
            let (url, tail) = rest.split_at(end);
            // A sentence's full stop or comma is not part of the URL.
            let url_end = url.trim_end_matches(['.', ',', ';', ':']).len();
            let (url, punct) = url.split_at(url_end);
            out.push('<');
            out.push_str(url);
            out.push('>');
            out.push_str(punct);
            rest = tail;
            continue;
        }
        // `{metadata.<key>}` is not an HTML tag: escaped, or rustdoc reads one (and warns).
        if c == '<' && !in_code && !rest.starts_with("<http") {
            let tag: String = rest[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            let tag = tag.trim_start_matches('/');
            if !matches!(
                tag,
                "a" | "b"
                    | "br"
                    | "code"
                    | "em"
                    | "i"
                    | "li"
                    | "ol"
                    | "p"
                    | "pre"
                    | "strong"
                    | "ul"
            ) {
                out.push_str("\\<");
                rest = &rest[1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether a description only repeats its item's name (`"Id"` on `id`, the schema title
/// `ListResource[Customer]` on `ListResourceCustomer`): such a doc says nothing.
fn repeats(text: &str, names: &[&str]) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let t = norm(text);
    t.is_empty() || names.iter().any(|n| norm(n) == t)
}

/// `text` unless it only repeats one of `names`.
pub fn useful<'t>(text: Option<&'t str>, names: &[&str]) -> Option<&'t str> {
    text.filter(|t| !repeats(t, names))
}

/// `facts` as one sentence: `A UUID, e.g. "...".`
fn facts_sentence(facts: &[String]) -> Option<String> {
    let joined = facts.join(", ");
    let mut chars = joined.chars();
    let first = chars.next()?;
    Some(format!("{}{}.", first.to_uppercase(), chars.as_str()))
}

/// Docs for a field the spec does not describe: what its schema says beyond the Rust type,
/// and what `None` means for it.
fn field_fallback(f: &crate::model::Field, input: bool) -> String {
    if let (FieldKind::ConstOptional, Some(c)) = (f.kind, &f.konst) {
        return format!("`{}` when present.", c.to_value());
    }
    let presence = match (f.kind, input) {
        (FieldKind::Required, false) => "Always present.",
        (FieldKind::Required, true) => "Required.",
        (FieldKind::RequiredNullable, false) => "Always sent; `None` when Polar sends `null`.",
        (FieldKind::RequiredNullable, true) => "Required; `None` is sent as `null`.",
        (FieldKind::Optional, false) => "`None` when Polar leaves it out or sends `null`.",
        (FieldKind::Optional, true) => "Optional; `None` leaves it out.",
        (FieldKind::Patch, _) => "Left out, `null`, or a value: see [`Patch`].",
        (FieldKind::ConstRequired | FieldKind::ConstOptional, _) => "",
    };
    match facts_sentence(&f.facts) {
        Some(facts) => format!("{facts} {presence}"),
        None => presence.to_string(),
    }
}

/// A map's key type: string keys stay `String` (one B-tree instantiation with `extra`'s
/// maps), others are spelled by `other`.
fn map_key(k: &Ty, other: impl Fn(&Ty) -> String) -> String {
    match k {
        Ty::String => "String".into(),
        k => other(k),
    }
}

fn render_snippet(t: &Ty) -> String {
    match t {
        Ty::Number => "json::Number".into(),
        Ty::Value => "json::Value".into(),
        Ty::DateTime => "time::OffsetDateTime".into(),
        Ty::Date => "time::Date".into(),
        Ty::Vec(i) => format!("Vec<{}>", render_snippet(i)),
        Ty::Map(k, v) => format!(
            "std::collections::BTreeMap<{}, {}>",
            map_key(k, render_snippet),
            render_snippet(v)
        ),
        Ty::Option(i) => format!("Option<{}>", render_snippet(i)),
        Ty::Patch(i) => format!("Patch<{}>", render_snippet(i)),
        Ty::Tuple(ts) => format!(
            "({})",
            ts.iter().map(render_snippet).collect::<Vec<_>>().join(", ")
        ),
        Ty::Named(n) if n == "()" || n == "Csv" => n.clone(),
        Ty::Named(n) => format!("models::{n}"),
        other => render(other, Ctx::Core),
    }
}

/// An operation's doc example: a function calling it through a blocking client.
pub struct Snippet {
    /// The function's name (`customers_get`).
    pub name: String,
    /// The example's code, as the docs show it.
    pub code: String,
}

/// The accessor path of an operation's group: `customer_portal().customers()`. A child
/// group whose name an operation of its parent already takes is `<child>_group()` (see
/// [`api_file`]).
fn group_call(model: &Model, op: &OpDef) -> String {
    let mut call = String::new();
    for (depth, g) in op.group_path.iter().enumerate() {
        let parent = &op.group_path[..depth];
        let taken = depth > 0
            && model
                .ops
                .iter()
                .any(|o| o.group_path.as_slice() == parent && o.method_name == *g);
        let _ = write!(call, ".{g}{}()", if taken { "_group" } else { "" });
    }
    call
}

/// The doc example of `op` (see [`Snippet`]).
pub fn snippet(model: &Model, op: &OpDef) -> Snippet {
    let name = format!("{}_{}", op.group, op.method_name);
    let mut params = vec!["client: &Client".to_string()];
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let t = if matches!(p.ty, Ty::String | Ty::Id) {
            "&str".to_string()
        } else {
            render(&p.ty, Ctx::Snippet)
        };
        params.push(format!("{}: {t}", p.rust));
        args.push(p.rust.clone());
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        params.push(format!("body: {}", render(&b.ty, Ctx::Snippet)));
        args.push("body".to_string());
    }
    let call = format!(
        "client{}.{}({})",
        group_call(model, op),
        op.method_name,
        args.join(", ")
    );
    let (ret, body) = match &op.paginated {
        Some(paging) => {
            let limit = if op.params.iter().any(|p| p.json == "limit") {
                ".with(|op| op.limit = Some(100))"
            } else {
                ""
            };
            (
                "()".to_string(),
                format!(
                    "    for item in {call}{limit}.pages().items() {{\n        let item: {} = item?;\n    }}\n    Ok(())\n",
                    render(&paging.item, Ctx::Snippet)
                ),
            )
        }
        None => {
            let out = match op.output() {
                Ty::Named(n) if n == "()" => "()".to_string(),
                t => render(&t, Ctx::Snippet),
            };
            (out, format!("    {call}.send()\n"))
        }
    };
    let signature = format!(
        "fn {name}({}) -> Result<{ret}, Error> {{",
        params.join(", ")
    );
    let all = format!("{signature}{body}");
    let mut imports = vec!["models", "Api", "Client", "Error"];
    if all.contains("json::") {
        imports.insert(0, "json");
    }
    if all.contains("Csv") {
        imports.insert(0, "Csv");
    }
    if all.contains("Patch<") {
        imports.push("Patch");
    }
    if !all.contains("models::") {
        imports.retain(|i| *i != "models");
    }
    Snippet {
        code: format!(
            "use polarsh_blocking::{{{}}};\n\n{signature}\n{body}}}\n",
            imports.join(", ")
        ),
        name,
    }
}

/// The doc example of `op` as rustfmt formats it (see `main`), or unformatted.
pub fn snippet_code(model: &Model, op: &OpDef) -> String {
    model
        .snippets
        .get(&op.id)
        .cloned()
        .unwrap_or_else(|| snippet(model, op).code)
}

/// `tests/src/generated/snippets.rs`: every operation's doc example, compiled.
pub fn snippets_file(model: &Model) -> String {
    let mut out = header(
        model,
        "Every operation's doc example, compiled: each module is the example as its docs show it.",
    );
    out.push_str("\n/// (operationId, the example's code as its docs show it).\npub static SNIPPETS: &[(&str, &str)] = &[\n");
    let mut all: Vec<&OpDef> = model.ops.iter().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    for op in &all {
        let _ = writeln!(
            out,
            "    ({}, {}),",
            lit(&op.id),
            lit(&snippet_code(model, op))
        );
    }
    out.push_str("];\n");
    for op in &all {
        let _ = writeln!(
            out,
            "\n/// `{}`\n#[allow(dead_code, unused_variables)]\npub mod {} {{\n{}}}",
            op.id,
            snippet(model, op).name,
            snippet_code(model, op)
        );
    }
    out
}

/// `///` lines for a description.
fn doc(out: &mut String, text: &str) {
    for line in text.trim().lines() {
        let line = &autolink(line);
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            // Four leading spaces would make an indented code block, which rustdoc compiles
            // as a doctest: keep at most three (enough for nested lists).
            let body = line.trim_start();
            let indent = (line.len() - body.len()).min(3);
            let _ = writeln!(out, "/// {}{body}", " ".repeat(indent));
        }
    }
}

/// The top of a generated file: a note for whoever opens the source (not rendered in the
/// docs), then the module's docs.
fn header(model: &Model, what: &str) -> String {
    format!(
        "// Generated by `cargo xtask generate` from Polar's OpenAPI spec, version {}.\n// Do not edit: change the generator in `xtask/` and regenerate.\n\n//! {what}\n",
        model.version
    )
}

fn group_doc(model: &Model, group: &str) -> String {
    let what = match group {
        COMMON => "Models shared by several API groups: errors, pagination, and types several\n//! groups use (prices, metadata, countries, content-named unions).".to_string(),
        INTERNAL => "Schemas of Polar's spec that no operation or webhook references (Polar's internal\n//! models). Compiled only with the `internal-models` feature.".into(),
        WEBHOOKS => "Models of the `webhooks` API group, and the payloads of webhook events\n//! ([`WebhookPayload`] is any of them, by its `type`).".into(),
        g => format!("Models of the `{g}` API group{}.", some_types(model, g)),
    };
    if model.ops.iter().any(|o| o.group == group) {
        format!(
            "{what}\n//!\n//! Its operations are in [`operations::{group}`](crate::operations::{group}); every model\n//! is also in [`models`](crate::models) itself."
        )
    } else {
        format!("{what}\n//!\n//! Every model is also in [`models`](crate::models) itself.")
    }
}

/// `: [`Customer`], [`CustomerTeam`], and 22 more`: the group's shortest type names (its
/// main concepts, more often than not) and how many others, so the list of groups on the
/// `models` page says what each holds rather than only its name.
fn some_types(model: &Model, group: &str) -> String {
    let mut names: Vec<&str> = model
        .defs
        .values()
        .filter(|d| d.group == group)
        .map(|d| d.name.as_str())
        .collect();
    names.sort_by_key(|n| (n.len(), *n));
    let shown: Vec<String> = names.iter().take(3).map(|n| format!("[`{n}`]")).collect();
    match names.len() {
        0 => String::new(),
        n if n <= 3 => format!(": {}", shown.join(", ")),
        n => format!(": {}, and {} more", shown.join(", "), n - 3),
    }
}

/// All files under `polar-core/src/generated/`, keyed by path relative to it.
pub fn core_files(model: &Model) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut by_group: BTreeMap<&str, Vec<&Def>> = BTreeMap::new();
    for d in model.defs.values() {
        by_group.entry(&d.group).or_default().push(d);
    }
    let mut m = header(
        model,
        "Generated code: models for every schema of Polar's spec.",
    );
    m.push_str("\npub mod api;\npub mod models;\npub mod operations;\n\n/// The version of Polar's API (the spec's `info.version`) this code was generated from;\n/// sent as the `Polar-Version` header.\npub const SPEC_VERSION: &str = ");
    let _ = writeln!(m, "{};", lit(&model.version));
    let _ = writeln!(
        m,
        "\n/// The property names whose values are secrets (typed `Secret`, never printed): in a\n/// response body an error keeps, their values are replaced by `***`.\npub const SECRET_KEYS: &[&str] = &[{}];",
        model.secret_keys.iter().map(|k| lit(k)).collect::<Vec<_>>().join(", ")
    );
    files.insert("mod.rs".to_string(), m);

    let mut mods = header(
        model,
        "Typed models of every schema in Polar's spec, one module per API group, all re-exported here.",
    );
    mods.push_str(
        "//!\n//! Browse them by API group below (`customers`, `products`, ...: the groups of Polar's\n//! docs); every type is also here, at `models::Customer`. The spec's schemas that no\n//! operation or webhook references (Polar's internal models) are in `internal`, behind the\n//! `internal-models` feature.\n//!\n//! Types convert to and from JSON with [`crate::json::from_slice`] / [`crate::json::to_vec`]\n//! and implement serde's `Serialize`/`Deserialize`. Open by construction: enums and unions\n//! have an `Unknown` variant that keeps what Polar sent, and structs keep properties the\n//! spec does not describe in `extra`, and which optional ones came as `null` in `nulls`.\n//! Unions have accessors for the properties all their variants share (`customer.email()`).\n\n",
    );
    for g in by_group.keys() {
        // The flat re-exports stay out of the docs: each type has its page in its group, and
        // forty `pub use group::*` lines before the list of groups read as noise.
        if *g == INTERNAL {
            let _ = writeln!(mods, "#[cfg(feature = \"internal-models\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"internal-models\")))]\npub mod {g};\n#[cfg(feature = \"internal-models\")]\n#[doc(hidden)]\npub use {g}::*;");
        } else {
            let _ = writeln!(mods, "pub mod {g};\n#[doc(hidden)]\npub use {g}::*;");
        }
    }
    files.insert("models/mod.rs".to_string(), mods);
    files.extend(operation_files(model));
    files.insert("api.rs".to_string(), api_file(model));

    let uses = referrers(model);
    for (g, defs) in by_group {
        let mut out = header(model, &group_doc(model, g));
        out.push_str(
            "#![allow(unused_imports, clippy::large_enum_variant, clippy::doc_lazy_continuation, clippy::too_many_arguments, clippy::manual_unwrap_or, clippy::manual_unwrap_or_default)]\n\n\
             use super::*;\n\
             use crate::runtime::json::{self, DecodeError, FromJson, JsonKey, Map, Miss, Number, Path, Reader, ToJson, Value};\n\
             use crate::runtime::config::Secret;\n\
             use crate::{Id, Str};\n\
             use crate::runtime::Patch;\n\
             use std::collections::BTreeMap;\n\
             use time::{Date, OffsetDateTime};\n\n",
        );
        let mut serde_types = Vec::new();
        for d in defs {
            emit_def(model, d, &uses, &mut out);
            if !matches!(d.kind, Kind::Alias(_)) {
                serde_types.push(d.name.clone());
            }
        }
        if !serde_types.is_empty() {
            let _ = writeln!(
                out,
                "crate::runtime::json::serde_via_json!({});",
                serde_types.join(", ")
            );
        }
        files.insert(format!("models/{g}.rs"), out);
    }
    files
}

/// Where a type is used, as doc links, for the docs of types the spec does not describe.
#[derive(Default)]
struct Uses {
    /// Unions it is a variant of.
    variant_of: Vec<String>,
    /// Operations it is the request body of.
    body_of: Vec<String>,
    /// Operations that return it (or list it).
    returned_by: Vec<String>,
    /// (type, as its docs name it, and property) that hold it.
    field_of: Vec<(String, String)>,
    /// Every operation that uses it, any way.
    ops: Vec<String>,
    /// Every type that uses it, any way.
    types: Vec<String>,
}

/// For each type, where it is used.
type Referrers = BTreeMap<String, Uses>;

fn named_in(t: &Ty, out: &mut Vec<String>) {
    match t {
        Ty::Named(n) => out.push(n.clone()),
        Ty::Vec(i) | Ty::Option(i) | Ty::Patch(i) => named_in(i, out),
        Ty::Map(k, v) => {
            named_in(k, out);
            named_in(v, out);
        }
        Ty::Tuple(ts) => ts.iter().for_each(|t| named_in(t, out)),
        _ => {}
    }
}

fn push_new(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

fn referrers(model: &Model) -> Referrers {
    let mut uses: Referrers = BTreeMap::new();
    let names = |t: &Ty| {
        let mut v = Vec::new();
        named_in(t, &mut v);
        v
    };
    let internal = |n: &str| model.defs.get(n).is_some_and(|d| d.group == INTERNAL);
    for d in model.defs.values() {
        // An internal type exists only with the `internal-models` feature: the docs of a
        // type that is always there name it without a link (which would not resolve).
        let link_from = |n: &str| match d.group == INTERNAL && !internal(n) {
            true => format!("`{}`", d.name),
            false => format!("[`{}`]", d.name),
        };
        let mut any = Vec::new();
        match &d.kind {
            Kind::Struct { fields, .. } => {
                for f in fields {
                    for n in names(&f.ty) {
                        let owner = link_from(&n);
                        let u = uses.entry(n.clone()).or_default();
                        if !u.field_of.iter().any(|(o, _)| *o == owner) {
                            u.field_of.push((owner, f.json.clone()));
                        }
                        any.push(n);
                    }
                }
            }
            Kind::Union { members, .. } => {
                for m in members {
                    for n in names(&m.ty) {
                        let link = link_from(&n);
                        push_new(&mut uses.entry(n.clone()).or_default().variant_of, &link);
                        any.push(n);
                    }
                }
            }
            Kind::Alias(t) => any.extend(names(t)),
            Kind::Events { events } => events.iter().for_each(|(_, _, t)| any.extend(names(t))),
            Kind::Enum { .. } => {}
        }
        for n in any.into_iter().filter(|n| *n != d.name) {
            let link = link_from(&n);
            push_new(&mut uses.entry(n).or_default().types, &link);
        }
    }
    for op in &model.ops {
        let link = format!(
            "[`{0}::{1}`](crate::operations::{0}::{1})",
            op.group, op.rust
        );
        let mut any = Vec::new();
        op.params.iter().for_each(|p| any.extend(names(&p.ty)));
        if let Some(b) = &op.body {
            for n in names(&b.ty) {
                push_new(&mut uses.entry(n.clone()).or_default().body_of, &link);
                any.push(n);
            }
        }
        let mut out = names(&op.output());
        if let Some(p) = &op.paginated {
            out.extend(names(&p.item));
        }
        for n in out {
            push_new(&mut uses.entry(n.clone()).or_default().returned_by, &link);
            any.push(n);
        }
        for n in any {
            push_new(&mut uses.entry(n).or_default().ops, &link);
        }
    }
    uses
}

/// `A`, `A and B`, `A, B and 3 more`.
fn some_of(items: &[String], what: &str) -> String {
    match items.len() {
        0..=3 => and_list(items),
        n => format!("{}, and {} more {what}", items[..2].join(", "), n - 2),
    }
}

/// Docs for a type the spec does not describe: what it is (its values, its variants, the
/// list it pages, or its role), and where it is used.
fn def_fallback(d: &Def, uses: &Referrers) -> String {
    let none = Uses::default();
    let u = uses.get(&d.name).unwrap_or(&none);
    let role = if !u.variant_of.is_empty() {
        format!("A variant of {}.", and_list(&u.variant_of))
    } else if !u.body_of.is_empty() {
        format!("The request body of {}.", some_of(&u.body_of, "operations"))
    } else if !u.returned_by.is_empty() {
        let verb = if u.returned_by.len() == 1 {
            "returns"
        } else {
            "return"
        };
        format!("What {} {verb}.", some_of(&u.returned_by, "operations"))
    } else if let [(owner, field)] = u.field_of.as_slice() {
        format!("The `{field}` of {owner}.")
    } else if d.group == INTERNAL {
        "No operation or webhook uses it (one of Polar's internal schemas).".to_string()
    } else {
        String::new()
    };
    let what = match &d.kind {
        Kind::Enum { values } => {
            let shown: Vec<String> = values
                .iter()
                .take(6)
                .map(|(_, v)| format!("`{v}`"))
                .collect();
            let list = if values.len() > shown.len() {
                format!("one of {} values ({}, ...)", values.len(), shown.join(", "))
            } else {
                format!("one of {}", shown.join(", "))
            };
            format!("A string, {list}; a value this SDK does not know is kept in `Unknown`.")
        }
        Kind::Struct { fields, .. } => match list_item(fields) {
            Some(item) => format!(
                "One page of a list of {item}: its `items`, and the `pagination` to walk the rest."
            ),
            None => String::new(),
        },
        Kind::Union { members, .. } => {
            let shown: Vec<String> = members
                .iter()
                .map(|m| match &m.ty {
                    Ty::Named(n) => format!("[`{n}`]"),
                    t => format!("`{}`", render(t, Ctx::Core)),
                })
                .collect();
            let list = if shown.len() == 2 {
                format!("Either {} or {}", shown[0], shown[1])
            } else {
                format!("One of {}", some_of(&shown, "variants"))
            };
            format!("{list}; a shape this SDK does not know is kept in `Unknown`.")
        }
        Kind::Alias(_) | Kind::Events { .. } => String::new(),
    };
    // Where it is used, when the role above does not say: the operations first (what a
    // reader calls), else the types.
    let role_names_ops =
        !u.variant_of.is_empty() || !u.body_of.is_empty() || !u.returned_by.is_empty();
    let used = if !u.ops.is_empty() && u.body_of.is_empty() && u.returned_by.is_empty() {
        format!("Used by {}.", some_of(&u.ops, "operations"))
    } else if !role_names_ops && u.field_of.len() != 1 && !u.types.is_empty() {
        format!("Part of {}.", some_of(&u.types, "types"))
    } else {
        String::new()
    };
    let parts = [what, role, used];
    let parts: Vec<String> = parts.into_iter().filter(|s| !s.is_empty()).collect();
    if parts.is_empty() {
        format!(
            "The `{}` schema of Polar's spec.",
            d.pointer.rsplit('/').next().unwrap_or_default()
        )
    } else {
        parts.join("\n\n")
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `[`T`]` when `fields` are a page of a list (`items: Vec<T>` and `pagination`).
fn list_item(fields: &[crate::model::Field]) -> Option<String> {
    let items = fields.iter().find(|f| f.json == "items")?;
    fields.iter().find(|f| f.json == "pagination")?;
    match &items.ty {
        Ty::Vec(t) => Some(match &**t {
            Ty::Named(n) => format!("[`{n}`]"),
            t => format!("`{}`", render(t, Ctx::Core)),
        }),
        _ => None,
    }
}

fn spec_ref(out: &mut String, d: &Def) {
    let _ = writeln!(out, "///\n/// Spec: `#{}`", d.pointer);
}

fn emit_def(model: &Model, d: &Def, uses: &Referrers, out: &mut String) {
    let name = &d.name;
    let title = d.pointer.rsplit('/').next().unwrap_or_default();
    match useful(d.doc.as_deref(), &[name, title]) {
        Some(text) => doc(out, text),
        None => doc(out, &def_fallback(d, uses)),
    }
    if let Kind::Union { members, .. } = &d.kind {
        let shared = crate::accessors::shared(model, members);
        if !shared.is_empty() {
            let list: Vec<String> = shared
                .iter()
                .map(|s| format!("[`{0}()`](Self::{0})", s.rust))
                .collect();
            let _ = writeln!(
                out,
                "///\n/// Every known variant has {}: read {} without a `match`.",
                if shared.len() == 1 {
                    "this property"
                } else {
                    "these properties"
                },
                list.join(", ")
            );
        }
    }
    spec_ref(out, d);
    match &d.kind {
        Kind::Alias(t) => {
            let _ = writeln!(out, "pub type {name} = {};\n", render(t, Ctx::Core));
        }
        Kind::Enum { values } => emit_enum(name, values, out),
        Kind::Struct { fields, input } => emit_struct(name, fields, *input, out),
        Kind::Union {
            members,
            discriminator,
        } => emit_union(model, name, members, discriminator, out),
        Kind::Events { events } => emit_events(model, name, events, out),
    }
}

fn emit_enum(name: &str, values: &[(String, String)], out: &mut String) {
    out.push_str("#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]\n");
    let _ = writeln!(out, "pub enum {name} {{");
    for (v, raw) in values {
        let _ = writeln!(out, "    /// `{raw}` in JSON.\n    {v},");
    }
    out.push_str("    /// A value this version of the SDK does not know, kept as Polar sent it.\n    Unknown(String),\n}\n\n");
    if values.len() >= TABLE_ENUM {
        emit_enum_table(name, values, out);
    } else {
        let _ = writeln!(out, "impl {name} {{\n    /// The value on the wire.\n    pub fn as_str(&self) -> &str {{\n        match self {{");
        for (v, raw) in values {
            let _ = writeln!(out, "            Self::{v} => {},", lit(raw));
        }
        out.push_str("            Self::Unknown(v) => v,\n        }\n    }\n}\n\n");
        let _ = writeln!(
            out,
            "impl From<&str> for {name} {{\n    fn from(v: &str) -> Self {{\n        match v {{"
        );
        for (v, raw) in values {
            let _ = writeln!(out, "            {} => Self::{v},", lit(raw));
        }
        out.push_str(
            "            other => Self::Unknown(other.to_owned()),\n        }\n    }\n}\n\n",
        );
    }

    let _ = writeln!(
        out,
        "impl std::fmt::Display for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(self.as_str())\n    }}\n}}\n\n\
         impl FromJson for {name} {{\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        r.str().map(|s| Self::from(&*s))\n    }}\n}}\n\n\
         impl ToJson for {name} {{\n    fn to_json(&self) -> Value {{\n        Value::String(self.as_str().to_owned())\n    }}\n}}\n\n\
         impl JsonKey for {name} {{\n    fn from_key(key: &str) -> Self {{\n        Self::from(key)\n    }}\n    fn to_key(&self) -> String {{\n        self.as_str().to_owned()\n    }}\n}}\n"
    );
}

/// From how many values an enum keeps them in a table: its `From<&str>` is then a binary
/// search (a `match` on strings compares them one by one, each compare its own code: 8.6 KB
/// of wasm for the 249 countries), and `as_str` an index into the table.
const TABLE_ENUM: usize = 16;

fn emit_enum_table(name: &str, values: &[(String, String)], out: &mut String) {
    // The values as one text and where each ends: two bytes a value, where a `&str` each
    // would be eight (a pointer and a length) and compress worse.
    let text: String = values.iter().map(|(_, raw)| raw.as_str()).collect();
    let mut end = 0;
    let ends: Vec<String> = values
        .iter()
        .map(|(_, raw)| {
            end += raw.len();
            end.to_string()
        })
        .collect();
    assert!(
        end <= usize::from(u16::MAX),
        "enum {name}: its values exceed 64 KiB"
    );
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// Every value on the wire this SDK knows, end to end, in the order of the variants.\n    const TEXT: &'static str = {};\n    /// Where each value of `TEXT` ends.\n    const ENDS: &'static [u16] = &[{}];\n",
        lit(&text),
        ends.join(", ")
    );
    let sorted = values
        .windows(2)
        .all(|w| w[0].1.as_bytes() < w[1].1.as_bytes());
    let order = if sorted {
        "&[]".to_string()
    } else {
        let mut by: Vec<usize> = (0..values.len()).collect();
        by.sort_by(|&a, &b| values[a].1.as_bytes().cmp(values[b].1.as_bytes()));
        let _ = writeln!(
            out,
            "    /// The values' positions in the order of their bytes: what `from` searches.\n    const BY_VALUE: &'static [u16] = &[{}];\n",
            by.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
        );
        "Self::BY_VALUE".to_string()
    };
    out.push_str("    /// The value on the wire.\n    pub fn as_str(&self) -> &str {\n        let i = match self {\n");
    for (i, (v, _)) in values.iter().enumerate() {
        let _ = writeln!(out, "            Self::{v} => {i},");
    }
    out.push_str("            Self::Unknown(v) => return v,\n        };\n        json::value_at(Self::TEXT, Self::ENDS, i)\n    }\n}\n\n");
    let _ = writeln!(
        out,
        "impl From<&str> for {name} {{\n    fn from(v: &str) -> Self {{\n        match json::position(Self::TEXT, Self::ENDS, {order}, v) {{"
    );
    for (i, (v, _)) in values.iter().enumerate() {
        let _ = writeln!(out, "            Some({i}) => Self::{v},");
    }
    out.push_str("            _ => Self::Unknown(v.to_owned()),\n        }\n    }\n}\n\n");
}

fn const_expr(c: &crate::json::J) -> String {
    use crate::json::J;
    match c {
        J::Str(s) => format!("Value::from({})", lit(s)),
        J::Bool(b) => format!("Value::Bool({b})"),
        J::Num(n) if n.is_f64() => format!("Value::from({}f64)", n),
        J::Num(n) => format!("Value::from({}i64)", n),
        J::Null => "Value::Null".into(),
        other => format!("serde_json::json!({})", other.to_value()),
    }
}

fn emit_struct(name: &str, fields: &[crate::model::Field], input: bool, out: &mut String) {
    let has_required = fields
        .iter()
        .any(|f| matches!(f.kind, FieldKind::Required | FieldKind::RequiredNullable));
    if has_required {
        out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    } else {
        out.push_str("#[derive(Debug, Clone, PartialEq, Default)]\n");
    }
    let _ = writeln!(out, "pub struct {name} {{");
    for f in fields {
        if f.kind == FieldKind::ConstRequired {
            continue;
        }
        match useful(f.doc.as_deref(), &[&f.json, &f.rust]) {
            Some(t) => doc(out, t),
            None => doc(out, &field_fallback(f, input)),
        }
        if f.rust != f.json {
            let _ = writeln!(out, "///\n/// JSON: `{}`", f.json);
        }
        let _ = writeln!(out, "pub {}: {},", f.rust, render(&f.ty, Ctx::Core));
    }
    out.push_str(
        "/// Properties the spec does not describe (newer than this SDK): kept so that nothing\n/// Polar sends is lost, and written back after the declared fields.\npub extra: Map<String, Value>,\n",
    );
    let nullable = has_optional(fields);
    if nullable {
        out.push_str(
            "/// The optional properties Polar sent as an explicit `null` (their fields read `None`,\n/// as when left out), by their place in [`FIELDS`](Self::FIELDS): written back as `null`\n/// while the field is `None`, so that the value goes back as it came.\npub nulls: json::Nulls,\n",
        );
    }
    out.push_str("}\n\n");

    let names: Vec<String> = fields.iter().map(|f| lit(&f.json)).collect();
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// The property names the spec declares.\n    pub const FIELDS: &'static [&'static str] = &[{}];",
        names.join(", ")
    );
    if input {
        let consts: Vec<String> = fields
            .iter()
            .filter(|f| f.kind == FieldKind::ConstRequired)
            .map(|f| {
                format!(
                    "`{}` is always sent as `{}`.",
                    f.json,
                    f.konst
                        .as_ref()
                        .map(|c| c.to_value().to_string())
                        .unwrap_or_default()
                )
            })
            .collect();
        let mut args = Vec::new();
        let mut inits = Vec::new();
        for f in fields {
            match f.kind {
                FieldKind::Required if matches!(f.ty, Ty::String | Ty::Id) => {
                    args.push(format!("{}: impl AsRef<str>", f.rust));
                    inits.push(format!(
                        "{0}: {1}::new({0})",
                        f.rust,
                        render(&f.ty, Ctx::Core)
                    ));
                }
                FieldKind::Required if f.ty == Ty::Secret => {
                    args.push(format!("{}: impl Into<Secret>", f.rust));
                    inits.push(format!("{0}: {0}.into()", f.rust));
                }
                FieldKind::Required | FieldKind::RequiredNullable => {
                    args.push(format!("{}: {}", f.rust, render(&f.ty, Ctx::Core)));
                    inits.push(f.rust.clone());
                }
                FieldKind::Optional | FieldKind::ConstOptional => {
                    inits.push(format!("{}: None", f.rust))
                }
                FieldKind::Patch => inits.push(format!("{}: Patch::Absent", f.rust)),
                FieldKind::ConstRequired => {}
            }
        }
        inits.push("extra: Map::new()".into());
        if nullable {
            inits.push("nulls: json::Nulls::NONE".into());
        }
        let _ = writeln!(
            out,
            "    /// A value with the required properties set and every optional one left out.{}\n    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}",
            if consts.is_empty() { String::new() } else { format!("\n    ///\n    /// {}", consts.join(" ")) },
            args.join(", "),
            inits.join(", ")
        );
    }
    out.push_str("}\n\n");

    let _ = writeln!(
        out,
        "impl FromJson for {name} {{\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        json::read_struct(r, Self::load)\n    }}\n}}\n"
    );
    emit_struct_load(name, fields, out);

    let _ = writeln!(out, "impl ToJson for {name} {{\n    fn to_json(&self) -> Value {{\n        let mut obj = Map::new();");
    for (i, f) in fields.iter().enumerate() {
        let key = lit(&f.json);
        match f.kind {
            FieldKind::ConstRequired => {
                let c = f
                    .konst
                    .as_ref()
                    .map(const_expr)
                    .unwrap_or_else(|| "Value::Null".into());
                let _ = writeln!(out, "        obj.insert({key}.to_owned(), {c});");
            }
            FieldKind::Required | FieldKind::RequiredNullable => {
                let _ = writeln!(out, "        json::put(&mut obj, {key}, &self.{});", f.rust);
            }
            FieldKind::Optional | FieldKind::ConstOptional => {
                let _ = writeln!(
                    out,
                    "        json::put_opt(&mut obj, {key}, &self.{}, self.nulls.contains({i}));",
                    f.rust
                );
            }
            FieldKind::Patch => {
                let _ = writeln!(
                    out,
                    "        json::put_patch(&mut obj, {key}, &self.{});",
                    f.rust
                );
            }
        }
    }
    out.push_str(
        "        json::put_extra(&mut obj, &self.extra);\n        Value::Object(obj)\n    }\n}\n\n",
    );
}

/// The runtime's struct loop keeps a fixed bit set per object (`MAX_PROPS` bits, so
/// that reading an object allocates nothing for it): a schema with more properties is
/// refused here, plainly, rather than failing every decode at run time.
fn assert_props_fit(name: &str, count: usize) {
    const MAX_PROPS: usize = 256;
    assert!(
        count <= MAX_PROPS,
        "{name}: {count} properties; the runtime's struct loop has room for {MAX_PROPS} (MAX_PROPS in runtime/json/table.rs)"
    );
}

/// The loader both `decode` and `read` of a struct go through: a constant table of its
/// properties (`PROPS`, `json::Prop`: key and rule), a local per field given to the runtime
/// as the slots of those rows, read in either mode, then the struct from the locals.
///
/// Debug builds compile this per struct, so it is shaped to stay small and linear in the
/// fields: the loops are the runtime's (compiled once), the required locals are checked in
/// one pattern (a `?` per field would need its own path dropping what is left).
fn emit_struct_load(name: &str, fields: &[crate::model::Field], out: &mut String) {
    assert_props_fit(name, fields.len());
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// Its properties, each with its rule: what `load` reads (and a union weighs it by).\n    pub(crate) const PROPS: &'static [json::Prop] = &["
    );
    for f in fields {
        // The runtime compares an expected key with the bytes of the JSON text
        // (`Reader::key_is`), which holds only for keys that need no escape in JSON.
        assert!(
            !f.json.chars().any(|c| c == '"' || c == '\\' || c.is_control()),
            "{name}: property {:?} needs escaping in JSON; the one-pass reader compares keys as raw bytes",
            f.json
        );
        let key = lit(&f.json);
        let konst = f.konst.as_ref().map(|c| match c {
            crate::json::J::Str(s) if f.ignore_case => {
                format!("&json::Konst::StrIgnoreCase({})", lit(s))
            }
            crate::json::J::Str(s) => format!("&json::Konst::Str({})", lit(s)),
            c => format!("&json::Konst::Json({})", lit(&c.to_value().to_string())),
        });
        let row = match (f.kind, konst) {
            (FieldKind::ConstRequired, k) => format!(
                "json::Prop::constant({key}, {}, true)",
                k.unwrap_or_else(|| "&json::Konst::Json(\"null\")".into())
            ),
            (FieldKind::ConstOptional, Some(k)) => {
                format!("json::Prop::constant({key}, {k}, false)")
            }
            (FieldKind::Required | FieldKind::RequiredNullable, _) => {
                format!("json::Prop::required({key})")
            }
            (FieldKind::Optional | FieldKind::ConstOptional, _) => {
                format!("json::Prop::optional({key})")
            }
            (FieldKind::Patch, _) => format!("json::Prop::patch({key})"),
        };
        let _ = writeln!(out, "        {row},");
    }
    out.push_str("    ];\n\n    /// Reads `PROPS` from tokens or a document (`json::Source`), each into its local.\n    fn load(src: &mut json::Source<'_, '_>) -> Option<Self> {\n");
    let mut slots = Vec::new();
    for f in fields {
        let init = match f.kind {
            FieldKind::ConstRequired => {
                slots.push("&mut ()".to_owned());
                continue;
            }
            FieldKind::Patch => "Patch::Absent",
            _ => "None",
        };
        let _ = writeln!(out, "        let mut f_{} = {init};", f.rust);
        slots.push(format!("&mut f_{}", f.rust));
    }
    let nullable = has_optional(fields);
    let _ = writeln!(
        out,
        "        let (extra, {}) = src.fields(Self::PROPS, &mut [{}])?;",
        if nullable { "nulls" } else { "_" },
        slots.join(", ")
    );
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Required | FieldKind::RequiredNullable))
        .map(|f| f.rust.as_str())
        .collect();
    if !required.is_empty() {
        let pats: Vec<String> = required.iter().map(|r| format!("Some(f_{r})")).collect();
        let vals: Vec<String> = required.iter().map(|r| format!("f_{r}")).collect();
        let _ = writeln!(
            out,
            "        let ({},) = ({},) else {{\n            return None;\n        }};",
            pats.join(", "),
            vals.join(", ")
        );
    }
    out.push_str("        Some(Self {\n");
    for f in fields {
        if f.kind != FieldKind::ConstRequired {
            let _ = writeln!(out, "            {}: f_{},", f.rust, f.rust);
        }
    }
    out.push_str("            extra,\n");
    if nullable {
        out.push_str("            nulls,\n");
    }
    out.push_str("        })\n    }\n}\n\n");
}

/// Whether a struct has optional properties, so a `nulls` to remember which came as `null`.
fn has_optional(fields: &[crate::model::Field]) -> bool {
    fields
        .iter()
        .any(|f| matches!(f.kind, FieldKind::Optional | FieldKind::ConstOptional))
}

/// Top-level property names a member can have, for best-fit scoring.
fn known_fields(model: &Model, t: &Ty, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
    let Ty::Named(n) = t else { return };
    if !seen.insert(n.clone()) {
        return;
    }
    let Some(d) = model.defs.get(n) else { return };
    match &d.kind {
        Kind::Struct { fields, .. } => {
            for f in fields {
                if !out.contains(&f.json) {
                    out.push(f.json.clone());
                }
            }
        }
        Kind::Union { members, .. } => {
            for m in members {
                known_fields(model, &m.ty, seen, out);
            }
        }
        Kind::Alias(inner) => known_fields(model, inner, seen, out),
        Kind::Enum { .. } | Kind::Events { .. } => {}
    }
}

/// The name of the open union (or event enum) `t` is, through aliases, if it is one.
fn open_union<'m>(model: &'m Model, t: &Ty) -> Option<&'m str> {
    let mut t = t;
    for _ in 0..8 {
        let Ty::Named(n) = t else { return None };
        match &model.defs.get(n)?.kind {
            Kind::Union { .. } | Kind::Events { .. } => return Some(&model.defs.get(n)?.name),
            Kind::Alias(inner) => t = inner,
            _ => return None,
        }
    }
    None
}

/// (required consts, required fields) of a member: members that pin more are tried first.
fn specificity(model: &Model, t: &Ty) -> (usize, usize) {
    let Ty::Named(n) = t else { return (0, 0) };
    match model.defs.get(n).map(|d| &d.kind) {
        Some(Kind::Struct { fields, .. }) => (
            fields
                .iter()
                .filter(|f| f.kind == FieldKind::ConstRequired)
                .count(),
            fields
                .iter()
                .filter(|f| matches!(f.kind, FieldKind::Required | FieldKind::RequiredNullable))
                .count(),
        ),
        _ => (0, 0),
    }
}

fn emit_union(
    model: &Model,
    name: &str,
    members: &[crate::model::Member],
    discriminator: &Option<(String, Vec<(String, usize)>)>,
    out: &mut String,
) {
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    let _ = writeln!(out, "pub enum {name} {{");
    for m in members {
        let doc_text = match &m.ty {
            Ty::Named(n) => model
                .defs
                .get(n)
                .and_then(|d| useful(d.doc.as_deref(), &[n]))
                .and_then(|t| t.trim().lines().next())
                .map(str::to_string)
                .unwrap_or_else(|| format!("A [`{n}`].")),
            t => format!("A value of type `{}`.", render(t, Ctx::Core)),
        };
        doc(out, &doc_text);
        let _ = writeln!(out, "    {}({}),", m.variant, render(&m.ty, Ctx::Core));
    }
    out.push_str("    /// A variant this version of the SDK does not know, kept as Polar sent it.\n    Unknown(Value),\n}\n\n");

    // Fields every member can have: lets a caller pick out a property without matching.
    let mut all = Vec::new();
    let mut seen = BTreeSet::new();
    seen.insert(name.to_string());
    for m in members {
        known_fields(model, &m.ty, &mut seen, &mut all);
    }
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// The property names any known variant declares.\n    pub const FIELDS: &'static [&'static str] = &[{}];\n}}\n",
        all.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
    );

    crate::accessors::emit(model, name, members, out);

    // The members in the order `best_fit` tries them: an associated constant, shared by
    // `read` and `closest_error`.
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| {
        let (c, r) = specificity(model, &members[i].ty);
        (std::cmp::Reverse(c), std::cmp::Reverse(r), i)
    });
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// The members `best_fit` tries, most specific first: what each knows of an object's\n    /// keys (a struct's property table, or names), and its read.\n    pub(crate) const MEMBERS: &'static [json::Member<Self>] = &["
    );
    for i in order {
        let m = &members[i];
        let mut known = Vec::new();
        known_fields(model, &m.ty, &mut BTreeSet::new(), &mut known);
        // A struct's property table gives both its names and the ones it requires.
        let known_expr = match &m.ty {
            Ty::Named(n) => match model.defs.get(n).map(|d| &d.kind) {
                Some(Kind::Struct { .. }) => format!("json::Keys::Props({n}::PROPS)"),
                Some(Kind::Union { .. }) => format!("json::Keys::Names({n}::FIELDS)"),
                _ => format!(
                    "json::Keys::Names(&[{}])",
                    known.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
                ),
            },
            _ => format!(
                "json::Keys::Names(&[{}])",
                known.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
            ),
        };
        // A member that is itself an open union accepts anything as its `Unknown`: that is
        // not a match here, or the first such member would swallow every value. Its own
        // closest error says why, when it is a union of members.
        match open_union(model, &m.ty) {
            Some(inner) => {
                let why = match model.defs.get(inner).map(|d| &d.kind) {
                    Some(Kind::Union { .. }) => format!("Some({inner}::closest_error)"),
                    _ => "None".to_string(),
                };
                let _ = writeln!(
                    out,
                    "        ({known_expr}, |r| {{ let at = r.clone(); match {inner}::read(r)? {{ {inner}::Unknown {{ .. }} => Err(json::no_variant(r, &at, {why})), x => Ok(Self::{}(x)) }} }}),",
                    m.variant
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "        ({known_expr}, |r| Ok(Self::{}(FromJson::read(r)?))),",
                    m.variant,
                );
            }
        }
    }
    out.push_str("    ];\n\n");
    // Where a member is a struct (only a struct can be tried first), and up to 8 members
    // (Polar's untagged unions have at most 8; the larger ones are tagged unions, weighed
    // only without their tag): square in their number, and built by the compiler.
    let structs = members.iter().any(|m| match &m.ty {
        Ty::Named(n) => matches!(
            model.defs.get(n).map(|d| &d.kind),
            Some(Kind::Struct { .. })
        ),
        _ => false,
    });
    let cross = match structs && members.len() <= 8 {
        true => members.len() * members.len(),
        false => 0,
    };
    let _ = writeln!(
        out,
        "    /// What `MEMBERS` know of each other, at compile time (see `json::cross`).\n    pub(crate) const CROSS: [(u64, u64, bool); {cross}] = json::cross(Self::MEMBERS);\n"
    );
    let tagged = match discriminator {
        Some((prop, _)) => format!(
            "        // A tag this SDK does not know is a newer variant, not a mismatch.\n        if matches!(r.tag({}), Ok(Some(_))) {{\n            return None;\n        }}\n",
            lit(prop)
        ),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "    /// Why this is `Unknown`, when no variant fitted the value (rather than a tag this SDK\n    /// does not know): the decode error of the variant that came closest, its path relative\n    /// to this value. `None` for a known variant.\n    pub fn unknown_reason(&self) -> Option<DecodeError> {{\n        match self {{\n            Self::Unknown(v) => json::unknown_reason(v, Self::closest_error),\n            _ => None,\n        }}\n    }}\n\n    /// The decode error of the variant closest to the value `r` is at (in exact mode), when\n    /// none fits (see [`json::closest_error`]).\n    #[doc(hidden)]\n    pub fn closest_error(r: &Reader<'_>) -> Option<DecodeError> {{\n{tagged}        json::closest_error(r, Self::MEMBERS)\n    }}\n}}\n"
    );

    let fit = "json::best_fit(r, Self::MEMBERS, &Self::CROSS, Self::Unknown)";
    out.push_str(&format!("impl FromJson for {name} {{"));
    if let Some((prop, mapping)) = discriminator {
        // Find the tag, then the member reads the object. Where every member checks the
        // tag it is read by (a required constant), a guess at the tag is tried first.
        let checked = mapping.iter().all(|(v, idx)| {
            members
                .get(*idx)
                .is_some_and(|m| checks_tag(model, &m.ty, prop, v))
        });
        let arms: String = mapping
            .iter()
            .filter_map(|(v, idx)| {
                let m = members.get(*idx)?;
                Some(format!(
                    "            {} => Self::{}(FromJson::read(r)?),\n",
                    lit(v),
                    m.variant
                ))
            })
            .collect();
        let unknown = format!(
            "            _ => Self::Unknown(json::unknown_tagged(r, {}, tag)?),\n",
            lit(prop)
        );
        if checked {
            let _ = writeln!(
                out,
                "\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        // Each member checks its tag: a guess at it saves the walk to it.\n        if let Some(v) = json::guessed(r, {p}, Self::by_tag) {{\n            return Ok(v);\n        }}\n        let Some(tag) = r.tag({p})? else {{\n            return {fit};\n        }};\n        Self::by_tag(r, &tag)\n    }}\n}}\n\nimpl {name} {{\n    /// The member tag `tag` names, reading the object.\n    fn by_tag(r: &mut Reader<'_>, tag: &str) -> Result<Self, Miss> {{\n        Ok(match tag {{\n{arms}{unknown}        }})\n    }}",
                p = lit(prop)
            );
        } else {
            let _ = writeln!(
                out,
                "\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        let Some(tag) = r.tag({})? else {{\n            return {fit};\n        }};\n        let tag = &*tag;\n        Ok(match tag {{\n{arms}{unknown}        }})\n    }}",
                lit(prop)
            );
        }
    } else {
        let _ = writeln!(
            out,
            "\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        {fit}\n    }}"
        );
    }
    out.push_str("}\n\n");

    let _ = writeln!(
        out,
        "impl ToJson for {name} {{\n    fn to_json(&self) -> Value {{\n        match self {{"
    );
    for m in members {
        let _ = writeln!(out, "            Self::{}(v) => v.to_json(),", m.variant);
    }
    out.push_str("            Self::Unknown(v) => v.clone(),\n        }\n    }\n}\n\n");

    // `From` for each member type that appears once, so a member converts into the union.
    let mut counts: BTreeMap<&Ty, usize> = BTreeMap::new();
    for m in members {
        *counts.entry(&m.ty).or_default() += 1;
    }
    for m in members {
        if counts[&m.ty] == 1 && matches!(m.ty, Ty::Named(_)) {
            let t = render(&m.ty, Ctx::Core);
            let _ = writeln!(
                out,
                "impl From<{t}> for {name} {{\n    fn from(v: {t}) -> Self {{\n        Self::{}(v)\n    }}\n}}\n",
                m.variant
            );
        }
    }
}

/// Whether a member of type `ty` checks that its property `prop` is `tag`: a struct with
/// `prop` a required string constant `tag`, compared exactly.
fn checks_tag(model: &Model, ty: &Ty, prop: &str, tag: &str) -> bool {
    let Ty::Named(n) = ty else {
        return false;
    };
    let Some(Kind::Struct { fields, .. }) = model.defs.get(n).map(|d| &d.kind) else {
        return false;
    };
    fields.iter().any(|f| {
        f.json == prop
            && matches!(f.kind, FieldKind::ConstRequired)
            && !f.ignore_case
            && matches!(&f.konst, Some(crate::json::J::Str(s)) if s == tag)
    })
}

fn emit_events(model: &Model, name: &str, events: &[(String, String, Ty)], out: &mut String) {
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    let _ = writeln!(out, "pub enum {name} {{");
    for (event, variant, ty) in events {
        // What the payload's schema says of the event ("Sent when a new checkout is
        // created."), then its type on the wire.
        let said = match ty {
            Ty::Named(n) => model
                .defs
                .get(n)
                .and_then(|d| useful(d.doc.as_deref(), &[n]))
                .and_then(|t| t.trim().lines().next()),
            _ => None,
        };
        let text = match said {
            Some(s) => format!("{s}\n\nType `{event}`."),
            None => format!("The event of type `{event}`."),
        };
        doc(out, &text);
        let _ = writeln!(out, "    {variant}({}),", render(ty, Ctx::Core));
    }
    out.push_str("    /// An event type this version of the SDK does not know, kept whole.\n    Unknown {\n        /// Its `type`.\n        type_: String,\n        /// The whole payload as Polar sent it.\n        raw: Value,\n    },\n}\n\n");
    let _ = writeln!(out, "impl {name} {{\n    /// Every event type this SDK knows, as the spec's `webhooks` section lists them.\n    pub const TYPES: &'static [&'static str] = &[{}];\n", events.iter().map(|(e, _, _)| lit(e)).collect::<Vec<_>>().join(", "));
    out.push_str("    /// The event's `type`.\n    pub fn event_type(&self) -> &str {\n        match self {\n");
    for (event, variant, _) in events {
        let _ = writeln!(out, "            Self::{variant}(_) => {},", lit(event));
    }
    out.push_str("            Self::Unknown { type_, .. } => type_,\n        }\n    }\n}\n\n");
    out.push_str(&format!("impl FromJson for {name} {{\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        let type_ = json::event_type(r)?;\n        Ok(match &*type_ {{\n"));
    for (event, variant, _) in events {
        let _ = writeln!(
            out,
            "            {} => Self::{variant}(FromJson::read(r)?),",
            lit(event)
        );
    }
    out.push_str(
        "            _ => Self::Unknown {\n                raw: json::unknown_tagged(r, \"type\", &type_)?,\n                type_: type_.into_owned(),\n            },\n        })\n    }\n}\n\n",
    );
    let _ = writeln!(
        out,
        "impl ToJson for {name} {{\n    fn to_json(&self) -> Value {{\n        match self {{"
    );
    for (_, variant, _) in events {
        let _ = writeln!(out, "            Self::{variant}(v) => v.to_json(),");
    }
    out.push_str("            Self::Unknown { raw, .. } => raw.clone(),\n        }\n    }\n}\n\n");
}

/// `tests/src/generated/examples.rs`: the Rust type of every schema location holding
/// examples, and of every JSON request body, for the round-trip test.
pub fn examples_file(model: &Model) -> String {
    let mut out = header(
        model,
        "Where the spec's examples live and which Rust type each must round-trip through.",
    );
    out.push_str("\nuse crate::{round_trip, RoundTrip};\n\n/// (JSON pointer of a schema holding `examples`, its round trip).\npub static SCHEMA_EXAMPLES: &[(&str, RoundTrip)] = &[\n");
    for (ptr, t) in &model.example_types {
        let _ = writeln!(
            out,
            "    ({}, round_trip::<{}>),",
            lit(ptr),
            render(t, Ctx::External)
        );
    }
    out.push_str("];\n\n/// (operationId, round trip of its JSON request body).\npub static REQUEST_BODIES: &[(&str, RoundTrip)] = &[\n");
    for (op, t) in &model.request_bodies {
        let _ = writeln!(
            out,
            "    ({}, round_trip::<{}>),",
            lit(op),
            render(t, Ctx::External)
        );
    }
    out.push_str("];\n");
    out
}

/// `tests/src/generated/types.rs`: every generated model with the spec schemas its values
/// come from, for the round-trip test that mutates instances of each.
pub fn types_file(model: &Model) -> String {
    let mut out = header(
        model,
        "Every generated model, the spec schema(s) its values are instances of, and its round trip.",
    );
    out.push_str("\nuse crate::{debug_of, round_trip, DebugOf, RoundTrip};\n\n/// (Rust type name, JSON pointers of the schemas whose instances it holds, its round trip,\n/// the `Debug` text of a decoded value).\n///\n/// One pointer for most types; the members' schemas for the two umbrellas the spec does not\n/// have (`ErrorBody`, `WebhookPayload`).\npub static MODELS: &[(&str, &[&str], RoundTrip, DebugOf)] = &[\n");
    let pointer_of = |t: &Ty| match t {
        Ty::Named(n) => model.defs.get(n).map(|d| d.pointer.clone()),
        _ => None,
    };
    for d in model.defs.values() {
        let pointers: Vec<String> = match &d.kind {
            Kind::Events { events } => events
                .iter()
                .filter_map(|(_, _, t)| pointer_of(t))
                .collect(),
            Kind::Union { members, .. } if d.name == "ErrorBody" => {
                members.iter().filter_map(|m| pointer_of(&m.ty)).collect()
            }
            _ => vec![d.pointer.clone()],
        };
        let t = render(&Ty::Named(d.name.clone()), Ctx::External);
        let _ = writeln!(
            out,
            "    ({}, &[{}], round_trip::<{t}>, debug_of::<{t}>),",
            lit(&d.name),
            pointers
                .iter()
                .map(|p| lit(p))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    out.push_str("];\n\n/// (event type, JSON pointer of its payload schema) for every event of the spec's `webhooks`.\npub static WEBHOOK_EVENTS: &[(&str, &str)] = &[\n");
    for d in model.defs.values() {
        if let Kind::Events { events } = &d.kind {
            for (event, _, t) in events {
                if let Some(p) = pointer_of(t) {
                    let _ = writeln!(out, "    ({}, {}),", lit(event), lit(&p));
                }
            }
        }
    }
    out.push_str("];\n");
    out
}

fn method_const(m: &str) -> String {
    match m {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => format!("Method::{m}"),
        other => format!("Method::from_bytes(b{}).unwrap_or(Method::GET)", lit(other)),
    }
}

fn credential_names(kinds: &[&str]) -> String {
    kinds
        .iter()
        .map(|k| match *k {
            "OrganizationToken" => "organization access token",
            "PersonalToken" => "personal access token",
            "OAuth2Token" => "OAuth 2.0 access token",
            "CustomerSession" => "customer session token",
            "MemberSession" => "member session token",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Files under `operations/`: one module per API group, one struct per operationId.
pub fn operation_files(model: &Model) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut by_group: BTreeMap<&str, Vec<&OpDef>> = BTreeMap::new();
    for op in &model.ops {
        by_group.entry(&op.group).or_default().push(op);
    }
    let mut mods = header(
        model,
        "Every operation of Polar's API, one module per API group, one type per operationId.",
    );
    mods.push_str(
        "//!\n//! An operation is its parameters plus two pure functions (see\n//! [`crate::operation::Operation`]): `request` builds the `http::Request`, `parse` reads the\n//! `http::Response`. No I/O happens here: a transport sends the bytes.\n\n",
    );
    for g in by_group.keys() {
        let _ = writeln!(mods, "pub mod {g};");
    }
    let mut all: Vec<&OpDef> = model.ops.iter().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    mods.push_str("\nuse crate::runtime::operation::{OpSpec, Operation};\n\n");
    mods.push_str(
        "/// The spec of every operation, sorted by operationId.\npub static ALL: &[OpSpec] = &[\n",
    );
    for op in &all {
        let _ = writeln!(mods, "    <{}::{} as Operation>::SPEC,", op.group, op.rust);
    }
    mods.push_str("];\n\n");
    mods.push_str("// Operations as JSON, for hosts in other languages (polarsh-ffi): behind a feature, so\n// that a Rust program compiles none of it and docs.rs shows the typed API.\n#[cfg(feature = \"by-id\")]\nmod by_id;\n#[cfg(feature = \"by-id\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"by-id\")))]\npub use by_id::{pages_by_id, parse_by_id, request_by_id, PageById, PagesById};\n");
    let mut by_id = header(
        model,
        "Operations chosen by operationId, their parameters and outputs as JSON: for hosts that\n//! drive operations by id (the C ABI). Compiled with the `by-id` feature.",
    );
    by_id.push_str("\nuse super::*;\nuse crate::runtime::config::{Config, Credential};\nuse crate::runtime::json::{FromJson, Path, ToJson, Value};\nuse crate::runtime::operation::{Error, Operation};\n\n");
    by_id.push_str("/// Builds the request of the operation named `id` (its operationId) from its parameters\n/// as one JSON object (`{\"<parameter>\": value, ..., \"body\": ...}`). `None` for an\n/// unknown operationId.\npub fn request_by_id(id: &str, params: &Value, config: &Config, credential: Option<&Credential>) -> Option<Result<http::Request<Vec<u8>>, Error>> {\n    fn go<O: Operation + FromJson>(params: &Value, config: &Config, credential: Option<&Credential>) -> Result<http::Request<Vec<u8>>, Error> {\n        let op = O::from_json(params, &Path::Root).map_err(|e| crate::runtime::operation::BuildError::InvalidParameter { name: e.path, reason: e.message })?;\n        op.request(config, credential)\n    }\n    Some(match id {\n");
    for op in &all {
        let _ = writeln!(
            by_id,
            "        {} => go::<{}::{}>(params, config, credential),",
            lit(&op.id),
            op.group,
            op.rust
        );
    }
    by_id.push_str("        _ => return None,\n    })\n}\n\n");
    by_id.push_str("/// Parses a response to the operation named `id`, giving its typed output re-encoded as\n/// JSON (what a host language reads). `None` for an unknown operationId.\npub fn parse_by_id(id: &str, response: &http::Response<Vec<u8>>) -> Option<Result<Value, Error>> {\n    fn go<O: Operation>(response: &http::Response<Vec<u8>>) -> Result<Value, Error> where O::Output: ToJson {\n        O::parse(response).map(|o| o.to_json())\n    }\n    Some(match id {\n");
    for op in &all {
        let _ = writeln!(
            by_id,
            "        {} => go::<{}::{}>(response),",
            lit(&op.id),
            op.group,
            op.rust
        );
    }
    by_id.push_str("        _ => return None,\n    })\n}\n");
    by_id.push_str(PAGES_BY_ID_HEAD);
    for op in all.iter().filter(|op| op.paginated.is_some()) {
        let _ = writeln!(
            by_id,
            "        {} => go::<{}::{}>(params),",
            lit(&op.id),
            op.group,
            op.rust
        );
    }
    by_id.push_str(PAGES_BY_ID_TAIL);
    files.insert("operations/by_id.rs".to_string(), by_id);
    files.insert("operations/mod.rs".to_string(), mods);
    for (g, ops) in by_group {
        let mut out = header(model, &format!("Operations of the `{g}` API group."));
        out.push_str(
            "#![allow(unused_imports, clippy::doc_lazy_continuation, clippy::too_many_arguments)]\n\n\
             use crate::models::*;\n\
             use crate::runtime::config::CredentialKind;\n\
             use crate::runtime::json::{self, DecodeError, FromJson, Map, Miss, Number, Path, Reader, ToJson, Value};\n\
             use crate::{Id, Str};\n\
             use crate::runtime::operation::{self, BuildError, Csv, Error, OpSpec, Operation, Paginated, RequestParts};\n\
             use crate::runtime::Patch;\n\
             use http::{Method, Response};\n\
             use std::collections::BTreeMap;\n\
             use time::{Date, OffsetDateTime};\n\n",
        );
        let mut sorted = ops;
        sorted.sort_by(|a, b| a.rust.cmp(&b.rust));
        for op in sorted {
            emit_operation(model, op, &mut out);
        }
        files.insert(format!("operations/{g}.rs"), out);
    }
    files
}

/// `pages_by_id` up to its match arms: the page walk of a paginated operation named by id,
/// for hosts that drive operations by id (the C ABI). The typed operation stays behind the
/// JSON, so the walk follows the core's own `PageSource` for `Paginated` operations (which
/// page comes next, when a walk ends) instead of a second copy of that rule.
const PAGES_BY_ID_HEAD: &str = r#"
/// The pages of the paginated operation named `id` (its operationId), from its parameters
/// as one JSON object (as [`request_by_id`] takes them): a
/// [`PageSource`](crate::runtime::paging::PageSource) whose pages and items read as JSON, for hosts
/// that drive operations by id. A [`PageExchange`](crate::runtime::paging::PageExchange) over it
/// walks the pages by the typed operation's own rule. `None` for an operationId that is
/// unknown or not paginated.
pub fn pages_by_id(id: &str, params: &Value) -> Option<Result<PagesById, Error>> {
    #[allow(dead_code)]
    fn go<O: ByIdPaginated>(params: &Value) -> Result<PagesById, Error> {
        let op = O::from_json(params, &Path::Root).map_err(|e| {
            crate::runtime::operation::BuildError::InvalidParameter {
                name: e.path,
                reason: e.message,
            }
        })?;
        Ok(PagesById(Box::new(op)))
    }
    Some(match id {
"#;

/// The rest of `pages_by_id` and the types behind it.
const PAGES_BY_ID_TAIL: &str = r#"        _ => return None,
    })
}

/// A paginated operation chosen by id, at its current page (see [`pages_by_id`]).
pub struct PagesById(Box<dyn DynPages>);

/// One page of a [`PagesById`] walk: the typed page, read as JSON.
pub struct PageById(Box<dyn DynPage>);

/// What [`pages_by_id`] can walk: a paginated operation whose parameters decode from JSON
/// and whose pages and items encode to JSON.
trait ByIdPaginated:
    crate::runtime::operation::Paginated<Output = Self::Page, Item = Self::Entry>
    + FromJson
    + Send
    + 'static
{
    type Page: ToJson + Send + 'static;
    type Entry: ToJson;
}

impl<O> ByIdPaginated for O
where
    O: crate::runtime::operation::Paginated + FromJson + Send + 'static,
    O::Output: ToJson + Send + 'static,
    O::Item: ToJson,
{
    type Page = O::Output;
    type Entry = O::Item;
}

trait DynPages: Send {
    fn id(&self) -> &'static str;
    fn request(
        &self,
        options: &crate::runtime::exchange::Options,
    ) -> Result<http::Request<Vec<u8>>, Error>;
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<PageById, Error>;
    fn advance(&mut self, page: &PageById) -> bool;
}

trait DynPage: Send {
    fn to_json(&self) -> Value;
    fn len(&self) -> usize;
    fn into_items(self: Box<Self>) -> Vec<Value>;
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A typed page of operation `O`.
struct TypedPage<O: ByIdPaginated>(O::Page);

impl<O: ByIdPaginated> DynPage for TypedPage<O> {
    fn to_json(&self) -> Value {
        self.0.to_json()
    }
    fn len(&self) -> usize {
        <O as crate::runtime::paging::PageSource>::count(&self.0)
    }
    fn into_items(self: Box<Self>) -> Vec<Value> {
        <O as crate::runtime::paging::PageSource>::into_items(self.0)
            .iter()
            .map(ToJson::to_json)
            .collect()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl<O: ByIdPaginated> DynPages for O {
    fn id(&self) -> &'static str {
        O::SPEC.id
    }
    fn request(
        &self,
        options: &crate::runtime::exchange::Options,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        crate::runtime::paging::PageSource::request(self, options)
    }
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<PageById, Error> {
        let page = crate::runtime::paging::PageSource::parse(self, response)?;
        Ok(PageById(Box::new(TypedPage::<O>(page))))
    }
    fn advance(&mut self, page: &PageById) -> bool {
        // A page of another operation cannot come from this walk; were it to, stop.
        match page.0.as_any().downcast_ref::<TypedPage<O>>() {
            Some(typed) => crate::runtime::paging::PageSource::advance(self, &typed.0),
            None => false,
        }
    }
}

impl PagesById {
    /// The operationId.
    pub fn id(&self) -> &'static str {
        self.0.id()
    }
}

impl std::fmt::Debug for PagesById {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PagesById").field(&self.0.id()).finish()
    }
}

impl PageById {
    /// The page as JSON (what [`parse_by_id`] gives for it).
    pub fn to_json(&self) -> Value {
        self.0.to_json()
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when it holds no item (a walk ends there).
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Its items, in order, each as JSON.
    pub fn into_items(self) -> Vec<Value> {
        self.0.into_items()
    }
}

impl std::fmt::Debug for PageById {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageById")
            .field("items", &self.0.len())
            .finish_non_exhaustive()
    }
}

impl crate::runtime::paging::PageSource for PagesById {
    type Page = PageById;
    type Item = Value;

    fn request(
        &self,
        options: &crate::runtime::exchange::Options,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        self.0.request(options)
    }

    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<PageById, Error> {
        self.0.parse(response)
    }

    fn advance(&mut self, page: &PageById) -> bool {
        self.0.advance(page)
    }

    fn count(page: &PageById) -> usize {
        page.len()
    }

    fn into_items(page: PageById) -> Vec<Value> {
        page.into_items()
    }
}
"#;

/// The constructor's (arguments, field initialisers): required parameters and body; optional
/// ones start unset. Shared by `new` and the group accessors, which take the same arguments.
fn ctor(op: &OpDef) -> (Vec<String>, Vec<String>) {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in &op.params {
        if p.required {
            if matches!(p.ty, Ty::String | Ty::Id) {
                args.push(format!("{}: impl AsRef<str>", p.rust));
                inits.push(format!(
                    "{0}: {1}::new({0})",
                    p.rust,
                    render(&p.ty, Ctx::Core)
                ));
            } else {
                args.push(format!("{}: {}", p.rust, render(&p.ty, Ctx::Core)));
                inits.push(p.rust.clone());
            }
        } else {
            inits.push(format!("{}: None", p.rust));
        }
    }
    if let Some(b) = &op.body {
        if b.required {
            args.push(format!("body: impl Into<{}>", render(&b.ty, Ctx::Core)));
            inits.push("body: body.into()".into());
        } else {
            inits.push("body: None".into());
        }
    }
    (args, inits)
}

/// `api.rs`: group accessors (`client.customer_portal().customers().get()`), generic over
/// the client so every transport shares them.
pub fn api_file(model: &Model) -> String {
    use crate::names::pascal;
    let mut out = header(
        model,
        "Operations by API group, the way Polar's docs list them.",
    );
    out.push_str(
        "//!\n//! `use polarsh_core::api::Api;` then `client.customer_sessions().create(body)` gives a\n//! [`Call`]; its `send` is the transport's (blocking or async).\n#![allow(unused_imports, clippy::too_many_arguments)]\n\n\
         use crate::models::*;\nuse crate::operations;\nuse crate::Id;\nuse crate::runtime::call::{Call, Dispatch};\nuse time::{Date, OffsetDateTime};\nuse std::collections::BTreeMap;\n\n",
    );
    // Nodes of the group tree: path -> (child names, operations).
    let mut nodes: BTreeMap<Vec<String>, (BTreeSet<String>, Vec<&OpDef>)> = BTreeMap::new();
    for op in &model.ops {
        for depth in 1..=op.group_path.len() {
            let path = op.group_path[..depth].to_vec();
            if depth > 1 {
                let parent = op.group_path[..depth - 1].to_vec();
                nodes
                    .entry(parent)
                    .or_default()
                    .0
                    .insert(op.group_path[depth - 1].clone());
            }
            nodes.entry(path).or_default();
        }
        nodes.entry(op.group_path.clone()).or_default().1.push(op);
    }
    let struct_name = |path: &[String]| path.iter().map(|p| pascal(p)).collect::<String>();
    out.push_str("/// The API groups, for any client: `client.customers().list()`.\npub trait Api: Dispatch + Sized {\n");
    for path in nodes.keys().filter(|p| p.len() == 1) {
        let n = struct_name(path);
        let _ = writeln!(
            out,
            "    /// The `{g}` operations.\n    fn {g}(&self) -> {n}<'_, Self> {{\n        {n} {{ client: self }}\n    }}",
            g = path[0]
        );
    }
    out.push_str("}\n\nimpl<C: Dispatch> Api for C {}\n\n");
    for (path, (children, ops)) in &nodes {
        let n = struct_name(path);
        let _ = writeln!(
            out,
            "/// The `{}` operations.\npub struct {n}<'c, C> {{\n    client: &'c C,\n}}\n\nimpl<'c, C> {n}<'c, C> {{",
            path.join(".")
        );
        let mut taken = BTreeSet::new();
        let mut sorted = ops.clone();
        sorted.sort_by(|a, b| a.method_name.cmp(&b.method_name));
        for op in sorted {
            taken.insert(op.method_name.clone());
            let (args, _) = ctor(op);
            let names: Vec<String> = args
                .iter()
                .filter_map(|a| a.split(':').next().map(str::to_string))
                .collect();
            let summary = op.summary.clone().unwrap_or_else(|| op.id.clone());
            let _ = writeln!(
                out,
                "    /// {summary} (`{}`, `{} {}`); see [`operations::{}::{}`].\n    pub fn {}(&self, {}) -> Call<'c, C, operations::{}::{}> {{\n        Call::new(self.client, operations::{}::{}::new({}))\n    }}",
                op.id, op.method, op.path, op.group, op.rust, op.method_name, args.join(", "), op.group, op.rust, op.group, op.rust, names.join(", ")
            );
        }
        for child in children {
            let mut child_path = path.clone();
            child_path.push(child.clone());
            let cn = struct_name(&child_path);
            let method = if taken.contains(child) {
                format!("{child}_group")
            } else {
                child.clone()
            };
            let _ = writeln!(
                out,
                "    /// The `{}` operations.\n    pub fn {method}(&self) -> {cn}<'c, C> {{\n        {cn} {{ client: self.client }}\n    }}",
                child_path.join(".")
            );
        }
        out.push_str("}\n\n");
    }
    out
}

fn emit_operation(model: &Model, op: &OpDef, out: &mut String) {
    let name = &op.rust;
    let summary = op.summary.as_deref().unwrap_or(&op.id);
    doc(out, summary);
    // Polar's descriptions end with a `**Scopes**:` line, which the credentials line below
    // already gives; and many only repeat the summary.
    if let Some(d) = &op.description {
        let kept: Vec<&str> = d
            .trim()
            .lines()
            .filter(|l| !l.trim_start().starts_with("**Scopes**"))
            .collect();
        let kept = kept.join("\n");
        if !repeats(&kept, &[summary]) {
            out.push_str("///\n");
            doc(out, &kept);
        }
    }
    out.push_str("///\n");
    let _ = writeln!(out, "/// `{}` · `{} {}`", op.id, op.method, op.path);
    out.push_str("///\n");
    let mut who = if op.credentials.is_empty() {
        "**Credentials**: none (public).".to_string()
    } else {
        format!("**Credentials**: {}.", credential_names(&op.credentials))
    };
    if op.public && !op.credentials.is_empty() {
        who.push_str(" Also callable without a credential.");
    }
    if !op.scopes.is_empty() {
        let scopes: Vec<String> = op.scopes.iter().map(|s| format!("`{s}`")).collect();
        let _ = write!(
            who,
            " **Scopes**: {}{}.",
            if scopes.len() > 1 { "one of " } else { "" },
            scopes.join(", ")
        );
    }
    doc(out, &who);
    let example = snippet_code(model, op);
    let _ = writeln!(
        out,
        "///\n/// # Example\n///\n/// Through a `polarsh-blocking` client; the async clients' `send()` is awaited and their\n/// pages are a stream.\n///\n// Compiled in `tests/src/generated/snippets.rs`, not as a doctest: polarsh-blocking is no\n// dependency of this crate, and 186 doctests would each be built apart (about 30 s a run).\n#[cfg_attr(not(doctest), doc = {})]",
        lit(&format!("```rust\n{example}```"))
    );
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    let _ = writeln!(out, "pub struct {name} {{");
    for p in &op.params {
        match useful(p.doc.as_deref(), &[&p.json, &p.rust]) {
            Some(d) => doc(out, d),
            None => {
                let presence = if p.required {
                    "Required."
                } else {
                    "Optional; `None` leaves it out."
                };
                let text = match facts_sentence(&p.facts) {
                    Some(f) => format!("{f} {presence}"),
                    None => presence.to_string(),
                };
                doc(out, &text);
            }
        }
        let where_ = match p.location {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::QueryDeep => "query, deepObject",
        };
        let _ = writeln!(out, "///\n/// Parameter `{}` ({where_}).", p.json);
        let t = render(&p.ty, Ctx::Core);
        if p.required {
            let _ = writeln!(out, "pub {}: {t},", p.rust);
        } else {
            let _ = writeln!(out, "pub {}: Option<{t}>,", p.rust);
        }
    }
    if let Some(b) = &op.body {
        let t = render(&b.ty, Ctx::Core);
        if b.required {
            let _ = writeln!(out, "/// The request body.\npub body: {t},");
        } else {
            let _ = writeln!(
                out,
                "/// The request body (optional).\npub body: Option<{t}>,"
            );
        }
    }
    out.push_str("}\n\n");

    // Constructor: required parameters and body; optional ones start unset.
    let (args, inits) = ctor(op);
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// The operation with its required parameters; optional ones are unset.\n    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}\n}}\n",
        args.join(", "),
        inits.join(", ")
    );
    if args.is_empty() {
        let _ = writeln!(out, "impl Default for {name} {{\n    fn default() -> Self {{\n        Self::new()\n    }}\n}}\n");
    }

    let output = op.output();
    let output_s = match &output {
        Ty::Named(n) if n == "()" => "()".to_string(),
        t => render(t, Ctx::Core),
    };
    let creds = op
        .credentials
        .iter()
        .map(|k| format!("CredentialKind::{k}"))
        .collect::<Vec<_>>()
        .join(", ");
    let scopes = op
        .scopes
        .iter()
        .map(|s| lit(s))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "impl Operation for {name} {{\n    type Output = {output_s};\n    const SPEC: OpSpec = OpSpec {{ id: {}, method: {}, path: {}, credentials: &[{creds}], public: {}, scopes: &[{scopes}], accept: {}, paginated: {} }};\n",
        lit(&op.id),
        method_const(&op.method),
        lit(&op.path),
        op.public,
        lit(if op.responses.iter().any(|(_, k)| *k == RespKind::Csv) { "text/csv" } else { "application/json" }),
        op.paginated.is_some()
    );
    // Room for the URL up front: the template's text, and an id (36 bytes, a UUID) per path
    // parameter; query parameters may grow it.
    let path_params = op.path.matches('{').count();
    let room = op.path.len() + path_params * 36;
    let _ = writeln!(
        out,
        "    fn parts(&self, base: &str) -> Result<RequestParts, BuildError> {{\n        let mut r = RequestParts::new(base, {room});"
    );
    // The path template, literal pieces and parameters in order.
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            let _ = writeln!(out, "        r.path({});", lit(&rest[..open]));
        }
        let pname = &rest[open + 1..close];
        match op
            .params
            .iter()
            .find(|p| p.json == pname && p.location == ParamIn::Path)
        {
            // A string goes in as it is; other types by their JSON scalar.
            Some(p) if matches!(p.ty, Ty::String | Ty::Id) => {
                let _ = writeln!(
                    out,
                    "        r.path_param_str({}, &self.{})?;",
                    lit(pname),
                    p.rust
                );
            }
            Some(p) => {
                let _ = writeln!(
                    out,
                    "        r.path_param({}, &self.{}.to_json())?;",
                    lit(pname),
                    p.rust
                );
            }
            None => {
                // A template variable without a declared parameter: keep it literally.
                let _ = writeln!(out, "        r.path({});", lit(&rest[open..=close]));
            }
        }
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        let _ = writeln!(out, "        r.path({});", lit(rest));
    }
    for p in &op.params {
        let f = match p.location {
            ParamIn::Path => continue,
            ParamIn::Query => "query",
            ParamIn::QueryDeep => "query_deep",
        };
        let _ = writeln!(
            out,
            "        r.{f}({}, &self.{}.to_json())?;",
            lit(&p.json),
            p.rust
        );
    }
    if let Some(b) = &op.body {
        let call = if b.form {
            "r.form_body(body)?;"
        } else {
            "r.json_body(body);"
        };
        if b.required {
            let _ = writeln!(out, "        let body = &self.body;\n        {call}");
        } else {
            let _ = writeln!(
                out,
                "        if let Some(body) = &self.body {{\n            {call}\n        }}"
            );
        }
    }
    out.push_str("        Ok(r)\n    }\n\n");

    out.push_str("    fn parse(response: &Response<Vec<u8>>) -> Result<Self::Output, Error> {\n        match response.status().as_u16() {\n");
    let optional_json =
        matches!(output, Ty::Option(_)) && op.responses.iter().any(|(_, k)| *k == RespKind::Empty);
    // Error statuses by the arm that decodes them, in order of first appearance: the
    // status's own model when the spec names one, so that a binary links only the error
    // models of the operations it calls; otherwise every error model.
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    let mut error_arm = |status: u16, model: Option<&String>| {
        let arm = match model {
            Some(m) => format!("Err(operation::parse_api_error_as::<{m}>(response))"),
            None => "Err(operation::parse_api_error(response))".to_string(),
        };
        match errors.iter_mut().find(|(a, _)| *a == arm) {
            Some((_, statuses)) => statuses.push(status.to_string()),
            None => errors.push((arm, vec![status.to_string()])),
        }
    };
    for (status, kind) in &op.responses {
        let arm = match kind {
            RespKind::Json(_) if optional_json => {
                "operation::parse_json(response).map(Some)".to_string()
            }
            RespKind::Json(_) => "operation::parse_json(response)".to_string(),
            RespKind::Empty if optional_json => "Ok(None)".to_string(),
            RespKind::Empty => "operation::parse_empty(response)".to_string(),
            RespKind::Csv => "operation::parse_csv(response)".to_string(),
            RespKind::Error(model) => {
                error_arm(*status, model.as_ref());
                continue;
            }
        };
        if !(200..300).contains(status) {
            error_arm(*status, None);
            continue;
        }
        let _ = writeln!(out, "            {status} => {arm},");
    }
    for (arm, statuses) in &errors {
        let _ = writeln!(out, "            {} => {arm},", statuses.join(" | "));
    }
    out.push_str(
        "            _ => Err(operation::unexpected_status(response)),\n        }\n    }\n}\n\n",
    );

    // Parameters as one JSON object, for hosts that drive operations by id (FFI, tests):
    // read by the struct loop, with unknown keys refused.
    let mut props = Vec::new();
    let mut locals = Vec::new();
    let mut checks = Vec::new();
    let mut inits = Vec::new();
    let mut add = |key: &str, field: &str, required: bool, many: bool| {
        let local = format!("f_{}", field.trim_start_matches("r#"));
        let rule = if required { "required" } else { "optional" };
        props.push(format!("json::Prop::{rule}({})", lit(key)));
        let empty = if many { "json::Many(None)" } else { "None" };
        locals.push(format!("let mut {local} = {empty};"));
        let value = if many {
            format!("{local}.0")
        } else {
            local.clone()
        };
        if required {
            checks.push(format!("let {local} = {value}?;"));
            inits.push(format!("{field}: {local},"));
        } else {
            inits.push(format!("{field}: {value},"));
        }
    };
    for p in &op.params {
        // A list parameter also takes one bare value (`X | array<X>` in the spec; the query
        // string is the same either way).
        add(&p.json, &p.rust, p.required, matches!(p.ty, Ty::Vec(_)));
    }
    if let Some(b) = &op.body {
        add("body", "body", b.required, false);
    }
    let slots = locals
        .iter()
        .map(|l| {
            format!(
                "&mut {}",
                l.trim_start_matches("let mut ")
                    .split(' ')
                    .next()
                    .unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    assert_props_fit(name, props.len());
    let _ = writeln!(
        out,
        "#[cfg(feature = \"by-id\")]\nimpl FromJson for {name} {{\n    /// Reads `{{\"<parameter>\": value, ..., \"body\": ...}}`; an unknown key is an error.\n    fn read(r: &mut Reader<'_>) -> Result<Self, Miss> {{\n        json::read_struct(r, |src| {{\n            const PROPS: &[json::Prop] = &[{}];\n            {}\n            src.params(PROPS, &mut [{slots}])?;\n            {}\n            Some(Self {{ {} }})\n        }})\n    }}\n}}\n",
        props.join(", "),
        locals.join("\n            "),
        checks.join("\n            "),
        inits.join(" "),
    );

    if let Some(paging) = &op.paginated {
        let page = op
            .params
            .iter()
            .find(|p| p.json == "page")
            .map(|p| p.rust.clone())
            .unwrap_or_else(|| "page".into());
        let out_name = render(&op.output(), Ctx::Core);
        let mut has_next = String::new();
        let mut items = String::new();
        let mut items_ref = String::new();
        match paging.arms.as_slice() {
            [(None, cursor)] => {
                has_next = if *cursor {
                    "output.pagination.has_next_page".into()
                } else {
                    "self.page() < output.pagination.max_page".into()
                };
                items = "output.items".into();
                items_ref = "&output.items".into();
            }
            arms => {
                has_next.push_str("match output {\n");
                items.push_str("match output {\n");
                items_ref.push_str("match output {\n");
                for (variant, cursor) in arms {
                    let v = variant.as_deref().unwrap_or_default();
                    let cond = if *cursor {
                        "o.pagination.has_next_page"
                    } else {
                        "self.page() < o.pagination.max_page"
                    };
                    let _ = writeln!(has_next, "{out_name}::{v}(o) => {cond},");
                    let _ = writeln!(items, "{out_name}::{v}(o) => o.items,");
                    let _ = writeln!(items_ref, "{out_name}::{v}(o) => &o.items,");
                }
                has_next.push_str("// A list shape this SDK does not know: stop rather than guess.\n_ => false,\n}");
                items.push_str("_ => Vec::new(),\n}");
                items_ref.push_str("_ => &[],\n}");
            }
        }
        let _ = writeln!(
            out,
            "impl Paginated for {name} {{\n    type Item = {item};\n    fn page(&self) -> i64 {{\n        self.{page}.unwrap_or(1)\n    }}\n    fn set_page(&mut self, page: i64) {{\n        self.{page} = Some(page);\n    }}\n    fn has_next(&self, output: &Self::Output) -> bool {{\n        {has_next}\n    }}\n    fn items(output: &Self::Output) -> &[Self::Item] {{\n        {items_ref}\n    }}\n    fn into_items(output: Self::Output) -> Vec<Self::Item> {{\n        {items}\n    }}\n}}\n",
            item = render(&paging.item, Ctx::Core)
        );
    }
}
