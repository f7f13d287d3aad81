//! Instances of the spec's schemas, built from the spec itself (not from the generator's
//! model, so that they are an independent oracle), with the sites a newer Polar could change:
//! objects, string enums, unions, nullable properties. Every optional property is present;
//! enum values and examples come from the spec; arrays and maps get one element.

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Below this depth, optional properties and array elements are left out (`Filter` is
/// recursive).
const MAX_DEPTH: usize = 12;

/// A place in an instance, as keys and indexes from its root.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    /// A property.
    Key(String),
    /// An array element.
    Index(usize),
}

/// `$.a[0]["b-c"]`.
pub fn render(path: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in path {
        match seg {
            Seg::Key(k)
                if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !k.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                let _ = write!(out, ".{k}");
            }
            Seg::Key(k) => {
                let _ = write!(out, "[{}]", Value::String(k.clone()));
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// What a site may be mutated into.
#[derive(Clone, Debug)]
pub enum Site {
    /// An object: a struct, whose unknown property can be anything, or a map, whose
    /// unknown entry must be a value of its value type (`sample`).
    Object { sample: Option<Value> },
    /// A string enum.
    Enum,
    /// A union of several members; `tag` is its discriminator property.
    Union { tag: Option<String> },
    /// A nullable property.
    Null,
}

impl Site {
    /// The case's name in reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Site::Object { .. } => "property",
            Site::Enum => "enum",
            Site::Union { .. } => "union",
            Site::Null => "null",
        }
    }
}

/// Builds instances of spec schemas, recording their mutable sites.
pub struct Instances<'s> {
    spec: &'s Value,
    /// The sites of what was built, with their paths.
    pub sites: Vec<(Vec<Seg>, Site)>,
    /// The member a union at the root takes (the others are chosen as member 0).
    root_member: usize,
}

fn members(node: &Value) -> Option<&Vec<Value>> {
    node.get("anyOf")
        .or_else(|| node.get("oneOf"))
        .and_then(Value::as_array)
}

fn is_null_schema(node: &Value) -> bool {
    node.get("type").and_then(Value::as_str) == Some("null") && node.get("const").is_none()
}

fn is_numeric(node: &Value) -> bool {
    matches!(
        node.get("type").and_then(Value::as_str),
        Some("integer" | "number")
    ) && node.get("enum").is_none()
        && node.get("const").is_none()
}

/// Whether the schema admits `null` (a null member, or `null` among its enum values).
fn nullable(node: &Value) -> bool {
    members(node).is_some_and(|m| m.iter().any(is_null_schema))
        || node
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|v| v.contains(&Value::Null))
}

impl<'s> Instances<'s> {
    /// A builder over `spec`; a union at the root takes its member `root_member`.
    pub fn new(spec: &'s Value, root_member: usize) -> Self {
        Instances {
            spec,
            sites: Vec::new(),
            root_member,
        }
    }

    /// The schema `node` refers to (itself when it is no `$ref`).
    pub fn resolve(&self, node: &'s Value) -> &'s Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .spec
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r}")),
            None => node,
        }
    }

    /// The non-null members of a union schema, when it is one the SDK types as a union
    /// (more than one non-null member, not all of them numbers).
    pub fn union_members(&self, node: &'s Value) -> Option<Vec<&'s Value>> {
        let non_null: Vec<&Value> = members(node)?
            .iter()
            .filter(|m| !is_null_schema(m))
            .collect();
        let union = non_null.len() > 1 && !non_null.iter().all(|m| is_numeric(self.resolve(m)));
        union.then_some(non_null)
    }

    /// An instance of `node` at `path` (`depth` levels down), recording its sites.
    pub fn build(&mut self, node: &'s Value, path: &mut Vec<Seg>, depth: usize) -> Value {
        let node = self.resolve(node);
        if let Some(c) = node.get("const") {
            return c.clone();
        }
        if let Some(all) = members(node) {
            let non_null: Vec<&Value> = all.iter().filter(|m| !is_null_schema(m)).collect();
            if non_null.is_empty() {
                return Value::Null;
            }
            if let Some(union) = self.union_members(node) {
                let tag = node
                    .pointer("/discriminator/propertyName")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.sites.push((path.clone(), Site::Union { tag }));
                let pick = if path.is_empty() { self.root_member } else { 0 };
                return self.build(union[pick.min(union.len() - 1)], path, depth + 1);
            }
            return self.build(non_null[0], path, depth + 1);
        }
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            let first = values.iter().find(|v| !v.is_null()).cloned();
            if first.as_ref().is_some_and(Value::is_string) {
                self.sites.push((path.clone(), Site::Enum));
            }
            return first.unwrap_or(Value::Null);
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            let required: BTreeSet<&str> = node
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            self.sites
                .push((path.clone(), Site::Object { sample: None }));
            let mut out = Map::new();
            for (key, prop) in props {
                let is_required = required.contains(key.as_str());
                if !is_required && depth > MAX_DEPTH {
                    continue;
                }
                path.push(Seg::Key(key.clone()));
                if nullable(self.resolve(prop)) || nullable(prop) {
                    self.sites.push((path.clone(), Site::Null));
                }
                let v = self.build(prop, path, depth + 1);
                path.pop();
                out.insert(key.clone(), v);
            }
            return Value::Object(out);
        }
        let examples = node.get("examples").and_then(Value::as_array);
        let example = || examples.and_then(|e| e.first()).cloned();
        match node.get("type").and_then(Value::as_str) {
            Some("string") => match node.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2025-01-02T03:04:05.123456Z"),
                Some("date") => json!("2025-01-02"),
                _ => example().unwrap_or_else(|| json!("text")),
            },
            Some("integer") => example().unwrap_or_else(|| json!(7)),
            Some("number") => example().unwrap_or_else(|| json!(1.5)),
            Some("boolean") => json!(true),
            Some("null") => Value::Null,
            Some("array") => {
                if let Some(prefix) = node.get("prefixItems").and_then(Value::as_array) {
                    let mut out = Vec::new();
                    for (i, item) in prefix.iter().enumerate() {
                        path.push(Seg::Index(i));
                        out.push(self.build(item, path, depth + 1));
                        path.pop();
                    }
                    return Value::Array(out);
                }
                match node.get("items") {
                    Some(items) if items.is_object() && depth <= MAX_DEPTH => {
                        path.push(Seg::Index(0));
                        let v = self.build(items, path, depth + 1);
                        path.pop();
                        Value::Array(vec![v])
                    }
                    _ => json!([]),
                }
            }
            Some("object") | None => {
                let value_schema = node.get("additionalProperties").filter(|v| v.is_object());
                let value_schema = value_schema.or_else(|| {
                    node.get("patternProperties")
                        .and_then(Value::as_object)
                        .and_then(|m| m.values().next())
                });
                let key = self
                    .resolve(node.get("propertyNames").unwrap_or(&Value::Null))
                    .get("enum")
                    .and_then(Value::as_array)
                    .and_then(|v| v.first())
                    .and_then(Value::as_str)
                    .unwrap_or("key")
                    .to_owned();
                match value_schema {
                    Some(schema) => {
                        path.push(Seg::Key(key.clone()));
                        let v = self.build(schema, path, depth + 1);
                        path.pop();
                        self.sites.push((
                            path.clone(),
                            Site::Object {
                                sample: Some(v.clone()),
                            },
                        ));
                        Value::Object(Map::from_iter([(key, v)]))
                    }
                    None if node.get("type").is_some() => {
                        self.sites
                            .push((path.clone(), Site::Object { sample: None }));
                        json!({"free": "form"})
                    }
                    // No type at all: any JSON value.
                    None => json!({"any": ["value", 1, null]}),
                }
            }
            Some(other) => panic!("unexpected schema type {other}"),
        }
    }
}
