//! One type per shape: the spec repeats inline schemas (the 598-value timezone enum three
//! times, the country enums five times each, a union of prices fourteen times), and a Rust
//! type per occurrence gives a user several types for one concept.
//!
//! Before the model is built, the spec is rewritten:
//!
//! * an inline schema with the shape of a component (same values, same properties, same
//!   members; docs aside) becomes a `$ref` to that component;
//! * an inline shape the spec repeats becomes one new component, under a natural name (the
//!   title its occurrences share, else a name from where it sits), and each occurrence a
//!   `$ref` to it.
//!
//! Every occurrence keeps its own `title`, `description` and `examples` beside the `$ref`, so
//! field docs and the examples' locations do not change. A new component carries no
//! `examples` of its own (its pointer is not in the vendored file) and remembers where its
//! first occurrence sits, for the tests that read instances of each type from the spec.

use crate::json::J;
use crate::model::{escape_ptr, operations};
use crate::names::pascal;
use std::collections::{BTreeMap, BTreeSet};

/// Names the spec does not give and a context name gets wrong, by the name the rules below
/// would pick: (picked, natural). A title shared by all occurrences is usually right, but
/// some are too generic for one flat `models` namespace.
const NATURAL_NAMES: &[(&str, &str)] = &[
    // `LegacyRecurringProductPrice | ProductPrice`: any price a product can have.
    (
        "LegacyRecurringProductPriceOrProductPrice",
        "AnyProductPrice",
    ),
    // The members of `prices` in product create and update bodies.
    ("ProductUpdatePricesItem", "ProductPriceCreate"),
    // The `*Base` discounts of orders, subscriptions and checkout links.
    ("OrderDiscount", "DiscountBase"),
    ("Properties", "BenefitGrantProperties"),
    ("Permission", "GitHubRepositoryPermission"),
    ("Configuration", "SsoConnectionConfiguration"),
    ("Role", "MemberCreateRole"),
    ("TokenType", "OAuth2TokenType"),
    ("OAuth2ClientGrantTypesItem", "OAuth2GrantType"),
    // Context names past [`MAX_NAME`] without a usable title.
    (
        "BenefitLicenseKeyExpirationPropertiesTimeframe",
        "LicenseKeyExpirationTimeframe",
    ),
    (
        "AuthenticationSessionAvailableFactorsItem",
        "AuthenticationFactor",
    ),
    (
        "CustomerPortalSubscriptionsUpdateResponse403",
        "PortalSubscriptionUpdateError",
    ),
];

/// The longest context name an inline shape keeps; a longer one takes its title (when that
/// is a name of several words) or a name from [`NATURAL_NAMES`].
const MAX_NAME: usize = 40;

/// What [`normalize`] did.
pub struct Normalized {
    pub spec: J,
    /// New component -> pointer of its first occurrence in the original spec.
    pub origins: BTreeMap<String, String>,
}

/// Keys that only document a schema: two schemas differing only in these are one shape.
fn doc_key(k: &str) -> bool {
    matches!(
        k,
        "title" | "description" | "examples" | "example" | "default" | "deprecated"
    ) || k.starts_with("x-")
}

/// The shape of a schema: its tree without documentation keys (`required` as a set).
fn canon(node: &J) -> J {
    match node {
        J::Obj(entries) => J::Obj(
            entries
                .iter()
                .filter(|(k, _)| !doc_key(k))
                .map(|(k, v)| {
                    if k == "required" {
                        let mut names: Vec<J> = v.arr().to_vec();
                        names.sort_by_key(|n| n.str().map(str::to_string));
                        (k.clone(), J::Arr(names))
                    } else if k == "properties" {
                        // Property names are data here, not documentation keys.
                        let props = v
                            .entries()
                            .iter()
                            .map(|(p, s)| (p.clone(), canon(s)))
                            .collect();
                        (k.clone(), J::Obj(props))
                    } else {
                        (k.clone(), canon(v))
                    }
                })
                .collect(),
        ),
        J::Arr(items) => J::Arr(items.iter().map(canon).collect()),
        other => other.clone(),
    }
}

fn key(node: &J) -> String {
    canon(node).to_value().to_string()
}

fn is_null(s: &J) -> bool {
    s.get_str("type") == Some("null") && s.get("const").is_none()
}

fn primitive(s: &J) -> bool {
    s.get("$ref").is_none()
        && s.get("enum").is_none()
        && s.get("const").is_none()
        && matches!(
            s.get_str("type"),
            Some("string" | "integer" | "number" | "boolean" | "array")
        )
        && s.get("items").is_none_or(primitive)
}

/// A schema that becomes a named Rust type of its own: a string enum, an object with
/// properties, or a union of several members that are not all primitives (unions of
/// primitives are already named by their content, so equal ones are one type).
fn named_shape(s: &J) -> bool {
    if let Some(values) = s.get("enum") {
        return values
            .arr()
            .iter()
            .all(|v| matches!(v, J::Str(_) | J::Null));
    }
    if s.get("properties").is_some() {
        return true;
    }
    let Some(members) = s.get("anyOf").or_else(|| s.get("oneOf")).map(J::arr) else {
        return false;
    };
    let non_null: Vec<&J> = members.iter().filter(|m| !is_null(m)).collect();
    non_null.len() > 1 && !non_null.iter().all(|m| primitive(m))
}

struct Occurrence {
    pointer: String,
    title: Option<String>,
    /// The title of the nullable `anyOf` the shape is the one member of (a parameter's
    /// `Http Code Class`), if any.
    wrapper_title: Option<String>,
    description: Option<String>,
    context: String,
}

/// Rewrites `spec` so that each shape is one type (see the module docs).
pub fn normalize(spec: &J) -> Normalized {
    let mut spec = spec.clone();
    let empty = J::Obj(Vec::new());
    let schemas = spec
        .get("components")
        .and_then(|c| c.get("schemas"))
        .unwrap_or(&empty);
    // Components by shape.
    let mut components: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, s) in schemas.entries() {
        if named_shape(s) {
            components.entry(key(s)).or_default().push(name.clone());
        }
    }
    let taken: BTreeSet<String> = schemas.entries().iter().map(|(n, _)| pascal(n)).collect();
    // Operation pointer -> the base of its Rust names (`ProductsList`).
    let bases: Vec<(String, String)> = operations(&spec)
        .iter()
        .map(|o| {
            (
                o.pointer.clone(),
                format!("{}{}", pascal(&o.group), pascal(&o.name)),
            )
        })
        .collect();

    // Every inline named shape, by shape.
    let mut found: BTreeMap<String, Vec<Occurrence>> = BTreeMap::new();
    let visit = |ptr: &str, node: &J, found: &mut BTreeMap<String, Vec<Occurrence>>| {
        found.entry(key(node)).or_default().push(Occurrence {
            pointer: ptr.to_string(),
            title: node.get_str("title").map(str::to_string),
            wrapper_title: wrapper_title(&spec, ptr),
            description: node.get_str("description").map(str::to_string),
            context: context(&spec, ptr, &bases),
        });
    };
    // (pointer, node, whether it may be an inline schema: not a component itself, not a
    // map of names to schemas such as `properties`).
    let mut stack: Vec<(String, &J, bool)> = Vec::new();
    for (name, s) in schemas.entries() {
        stack.push((
            format!("/components/schemas/{}", escape_ptr(name)),
            s,
            false,
        ));
    }
    for (path, item) in spec.get_entries("paths") {
        stack.push((format!("/paths/{}", escape_ptr(path)), item, false));
    }
    while let Some((ptr, node, schema)) = stack.pop() {
        if schema && named_shape(node) && !parameter_union(&ptr, node) {
            visit(&ptr, node, &mut found);
        }
        match node {
            J::Obj(entries) => {
                for (k, v) in entries {
                    if matches!(
                        k.as_str(),
                        "examples" | "default" | "const" | "x-codeSamples"
                    ) {
                        continue;
                    }
                    let map = matches!(k.as_str(), "properties" | "patternProperties" | "mapping");
                    stack.push((format!("{ptr}/{}", escape_ptr(k)), v, !map));
                }
            }
            J::Arr(items) => {
                for (i, v) in items.iter().enumerate() {
                    stack.push((format!("{ptr}/{i}"), v, true));
                }
            }
            _ => {}
        }
    }

    // What each occurrence becomes: a `$ref` to a component, old or new.
    let mut replace: Vec<(String, String)> = Vec::new();
    let mut new_components: Vec<(String, String)> = Vec::new();
    let mut used_names = taken.clone();
    for (shape, occurrences) in &found {
        let target = match components.get(shape).map(Vec::as_slice) {
            Some([one]) => Some(one.clone()),
            Some(several) => occurrences
                .iter()
                .filter_map(|o| o.title.as_deref())
                .find_map(|t| several.iter().find(|c| pascal(c) == pascal(t)).cloned()),
            None => None,
        };
        let target = match target {
            Some(t) => t,
            None if occurrences.len() > 1 || occurrences[0].context.len() > MAX_NAME => {
                let name = natural_name(occurrences, &found_members(&spec, occurrences));
                let name = dedupe(name, &used_names);
                used_names.insert(name.clone());
                new_components.push((name.clone(), occurrences[0].pointer.clone()));
                name
            }
            None => continue,
        };
        for o in occurrences {
            replace.push((o.pointer.clone(), target.clone()));
        }
    }

    // Deepest first, so that a shape is copied with its own inner shapes already replaced.
    replace.sort_by_key(|(p, _)| std::cmp::Reverse(p.matches('/').count()));
    let mut origins = BTreeMap::new();
    let mut added: Vec<(String, J)> = Vec::new();
    let new: BTreeMap<&str, &str> = new_components
        .iter()
        .map(|(n, p)| (n.as_str(), p.as_str()))
        .collect();
    for (ptr, target) in &replace {
        let Some(node) = pointer_mut(&mut spec, ptr) else {
            continue;
        };
        if new.get(target.as_str()) == Some(&ptr.as_str()) {
            let mut copy = node.clone();
            strip_examples(&mut copy);
            if let J::Obj(entries) = &mut copy {
                // The occurrence's docs stay with it; the shape's own are added below.
                entries.retain(|(k, _)| k != "title" && k != "description");
            }
            added.push((target.clone(), copy));
            origins.insert(target.clone(), ptr.clone());
        }
        let mut reference = vec![(
            "$ref".to_string(),
            J::Str(format!("#/components/schemas/{}", escape_ptr(target))),
        )];
        for k in ["title", "description", "examples"] {
            if let Some(v) = node.get(k) {
                reference.push((k.to_string(), v.clone()));
            }
        }
        *node = J::Obj(reference);
    }
    // A shared description (the same on every occurrence) documents the new type.
    for (name, copy) in &mut added {
        if let Some(occurrences) = found.values().find(|o| {
            o.first()
                .is_some_and(|f| origins.get(name.as_str()) == Some(&f.pointer))
        }) {
            let descriptions: BTreeSet<Option<&str>> = occurrences
                .iter()
                .map(|o| o.description.as_deref())
                .collect();
            if let [Some(d)] = descriptions.into_iter().collect::<Vec<_>>().as_slice() {
                if let J::Obj(entries) = copy {
                    entries.push(("description".into(), J::Str((*d).to_string())));
                }
            }
        }
    }
    if let Some(J::Obj(entries)) = spec
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
    {
        entries.extend(added);
    }
    Normalized { spec, origins }
}

/// The member names of a union shape (for a content name), empty for other shapes.
fn found_members(spec: &J, occurrences: &[Occurrence]) -> Vec<String> {
    let Some(node) = occurrences.first().and_then(|o| pointer(spec, &o.pointer)) else {
        return Vec::new();
    };
    let members = node.get("anyOf").or_else(|| node.get("oneOf")).map(J::arr);
    let mut names = Vec::new();
    for m in members.unwrap_or(&[]) {
        if is_null(m) {
            continue;
        }
        match m.get_str("$ref").and_then(|r| r.rsplit('/').next()) {
            Some(n) => names.push(pascal(n)),
            None => return Vec::new(),
        }
    }
    names
}

/// The title every titled occurrence shares; else, for a union of components, their names
/// joined by `Or` when that stays short; else the shortest context name. Then
/// [`NATURAL_NAMES`] has the last word.
fn natural_name(occurrences: &[Occurrence], members: &[String]) -> String {
    let titles: BTreeSet<String> = occurrences
        .iter()
        .filter_map(|o| o.title.as_deref())
        .map(pascal)
        .collect();
    let content = members.join("Or");
    let picked = match titles.into_iter().collect::<Vec<_>>().as_slice() {
        // One occurrence, named where it sits unless that name is too long: its title, if
        // specific (several words) and short enough.
        [one]
            if occurrences.len() == 1
                && (one.len() > MAX_NAME || crate::names::words(one).len() < 2) =>
        {
            occurrences[0].context.clone()
        }
        [] if occurrences.len() == 1 => {
            let o = &occurrences[0];
            match o.wrapper_title.as_deref().map(pascal) {
                Some(t) if t.len() <= MAX_NAME && crate::names::words(&t).len() > 1 => t,
                _ => o.context.clone(),
            }
        }
        [one] => one.clone(),
        _ if !members.is_empty() && content.len() <= 41 => content,
        _ => occurrences
            .iter()
            .map(|o| o.context.clone())
            .min_by_key(|c| (c.len(), c.clone()))
            .unwrap_or_else(|| "Shape".into()),
    };
    NATURAL_NAMES
        .iter()
        .find(|(from, _)| *from == picked)
        .map(|(_, to)| (*to).to_string())
        .unwrap_or(picked)
}

fn dedupe(name: String, used: &BTreeSet<String>) -> String {
    if !used.contains(&name) {
        return name;
    }
    (2..)
        .map(|i| format!("{name}{i}"))
        .find(|n| !used.contains(n))
        .unwrap_or(name)
}

/// A union at the root of a parameter's schema: `X | array<X>` lists are typed `Vec<X>`
/// where they are read, not as unions.
fn parameter_union(ptr: &str, node: &J) -> bool {
    ptr.ends_with("/schema")
        && ptr.contains("/parameters/")
        && node.get("properties").is_none()
        && node.get("enum").is_none()
}

/// The name the generator would give the type at `ptr` from where it sits:
/// `CheckoutDiscount` for `Checkout.discount`, `MetricsGetTimezone` for a parameter.
fn context(spec: &J, ptr: &str, bases: &[(String, String)]) -> String {
    let segs: Vec<String> = ptr
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut out = String::new();
    let mut rest: &[String] = &[];
    if let ["components", "schemas", name, tail @ ..] = segs
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        out.push_str(&pascal(name));
        rest = &segs[3..3 + tail.len()];
    } else if let Some((op_ptr, base)) = bases
        .iter()
        .filter(|(p, _)| ptr.starts_with(&format!("{p}/")))
        .max_by_key(|(p, _)| p.len())
    {
        out.push_str(base);
        let depth = op_ptr.matches('/').count();
        rest = segs.get(depth..).unwrap_or(&[]);
        let op = pointer(spec, op_ptr);
        if let (Some("parameters"), Some(i), Some(op)) = (
            rest.first().map(String::as_str),
            rest.get(1).and_then(|i| i.parse::<usize>().ok()),
            op,
        ) {
            if let Some(name) = op
                .get_arr("parameters")
                .get(i)
                .and_then(|p| p.get_str("name"))
            {
                out.push_str(&pascal(name));
            }
            rest = rest.get(3..).unwrap_or(&[]);
        }
    }
    let mut it = rest.iter().map(String::as_str).peekable();
    while let Some(seg) = it.next() {
        match seg {
            "properties" => {
                if let Some(p) = it.next() {
                    out.push_str(&pascal(p));
                }
            }
            "items" => out.push_str("Item"),
            "additionalProperties" => out.push_str("Value"),
            "requestBody" => out.push_str("Body"),
            "responses" => {
                if let Some(code) = it.next() {
                    out.push_str("Response");
                    out.push_str(code);
                }
            }
            _ => {}
        }
    }
    out
}

/// The title of the nullable union whose only non-null member sits at `ptr`.
fn wrapper_title(spec: &J, ptr: &str) -> Option<String> {
    let (parent, _) = ptr.rsplit_once('/')?;
    let (wrapper, key) = parent.rsplit_once('/')?;
    if key != "anyOf" && key != "oneOf" {
        return None;
    }
    let node = pointer(spec, wrapper)?;
    let members = node.get(key)?.arr();
    (members.iter().filter(|m| !is_null(m)).count() == 1)
        .then(|| node.get_str("title").map(str::to_string))
        .flatten()
}

fn pointer<'a>(node: &'a J, ptr: &str) -> Option<&'a J> {
    let mut cur = node;
    for seg in ptr.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            J::Obj(_) => cur.get(&seg)?,
            J::Arr(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn pointer_mut<'a>(node: &'a mut J, ptr: &str) -> Option<&'a mut J> {
    let mut cur = node;
    for seg in ptr.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            J::Obj(_) => cur.get_mut(&seg)?,
            J::Arr(items) => items.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn strip_examples(node: &mut J) {
    match node {
        J::Obj(entries) => {
            entries.retain(|(k, _)| k != "examples" && k != "example");
            for (_, v) in entries {
                strip_examples(v);
            }
        }
        J::Arr(items) => items.iter_mut().for_each(strip_examples),
        _ => {}
    }
}
