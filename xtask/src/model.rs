//! From the spec to an intermediate model of Rust types: which schema becomes a struct,
//! an open enum, an open union or an alias, in which API group, under which name.

use crate::json::J;
use crate::names::{dedupe, enum_variant, pascal, snake};
use std::collections::{BTreeMap, BTreeSet};

/// The Rust type a schema maps to, as it is used (a field, an element, a variant).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    String,
    /// A `uuid`/`uuid4` string: `Id`, which keeps a UUID inline.
    Id,
    Bool,
    I64,
    F64,
    Number,
    Value,
    DateTime,
    Date,
    Vec(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Option(Box<Ty>),
    Patch(Box<Ty>),
    Tuple(Vec<Ty>),
    Named(String),
    /// A string that must never show in `Debug` (tokens, client secrets).
    Secret,
}

/// Properties holding credentials: typed as `Secret` so `Debug` never prints them.
const SECRET_FIELDS: &[&str] = &[
    "token",
    "client_secret",
    "customer_session_token",
    "guild_token",
    "organization_access_token",
    "invitation_token",
    "signing_secret",
    "secret",
    "access_token",
    "refresh_token",
    "id_token",
    "session_token",
    "expo_push_token",
    "api_key",
    "code_verifier",
];

/// A property whose schema the spec marks as secret (`writeOnly`, `format: password`),
/// directly or in a nullable `anyOf`.
fn marked_secret(p: &J) -> bool {
    let marked = |s: &J| {
        s.get("writeOnly") == Some(&J::Bool(true)) || s.get_str("format") == Some("password")
    };
    marked(p) || union_members(p).is_some_and(|m| m.iter().any(marked))
}

/// String constants compared without regard to case: OAuth 2.0's `token_type` (RFC 6749
/// section 5.1: "The value is case insensitive"), which servers send as `bearer` too.
const CASE_INSENSITIVE_CONSTS: &[&str] = &["token_type"];

/// Properties OAuth 2.0 defines that Polar's spec leaves out of a schema, added so that they
/// are typed fields (a secret typed `Secret`, never printed) rather than `extra` entries:
/// (schema, property, description). Skipped where the schema is missing or has the property.
const ADDITIONS: &[(&str, &str, &str)] = &[(
    "AuthorizationCodeTokenRequest",
    "code_verifier",
    "The PKCE code verifier (RFC 7636), when the authorization request sent a code challenge.",
)];

/// The spec with [`ADDITIONS`] applied (to schemas that exist and lack the property).
fn with_additions(spec: &J) -> J {
    let mut spec = spec.clone();
    for (schema, prop, doc) in ADDITIONS {
        let Some(props) = spec
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|s| s.get_mut(schema))
            .and_then(|s| s.get_mut("properties"))
        else {
            continue;
        };
        if props.get(prop).is_none() {
            if let J::Obj(entries) = props {
                entries.push((
                    (*prop).to_string(),
                    J::Obj(vec![
                        ("type".into(), J::Str("string".into())),
                        ("description".into(), J::Str((*doc).to_string())),
                    ]),
                ));
            }
        }
    }
    spec
}

/// How a property is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Required, not nullable: `T`.
    Required,
    /// Required and nullable: `Option<T>`, `None` written as `null`.
    RequiredNullable,
    /// Optional: `Option<T>`, `None` left out.
    Optional,
    /// Optional and nullable in a request body: `Patch<T>` (absent, null, value).
    Patch,
    /// A required `const`: not stored, checked on read, written on write.
    ConstRequired,
    /// An optional `const`: `Option<T>`, checked on read when present.
    ConstOptional,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub json: String,
    pub rust: String,
    /// The full field type (with `Option`/`Patch` applied); unused for `ConstRequired`.
    pub ty: Ty,
    pub kind: FieldKind,
    pub doc: Option<String>,
    pub konst: Option<J>,
    /// A string constant compared without regard to case.
    pub ignore_case: bool,
    /// What the schema says beyond the type (format, bounds, default, an example), for docs.
    pub facts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub variant: String,
    pub ty: Ty,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Struct {
        fields: Vec<Field>,
        /// Reachable from a request body or parameter: gets a constructor and `Patch` fields.
        input: bool,
    },
    Enum {
        /// (variant, wire value)
        values: Vec<(String, String)>,
    },
    Union {
        members: Vec<Member>,
        /// (property, [(value, member index)])
        discriminator: Option<(String, Vec<(String, usize)>)>,
    },
    Alias(Ty),
    /// The umbrella of the spec's `webhooks`: one variant per event type, keyed on `type`.
    Events {
        /// (event type, variant, payload type)
        events: Vec<(String, String, Ty)>,
    },
}

#[derive(Debug, Clone)]
pub struct Def {
    pub name: String,
    pub group: String,
    pub doc: Option<String>,
    /// JSON pointer of the schema in the spec.
    pub pointer: String,
    pub kind: Kind,
}

/// Everything the emitter needs.
pub struct Model {
    pub version: String,
    pub ops: Vec<OpDef>,
    pub defs: BTreeMap<String, Def>,
    /// Pointer of every schema node that carries `examples` -> its Rust type.
    pub example_types: BTreeMap<String, Ty>,
    /// operationId -> type of its JSON request body.
    pub request_bodies: BTreeMap<String, Ty>,
    /// Names of the properties typed `Secret`, sorted: their values are redacted from
    /// bodies kept in errors.
    pub secret_keys: Vec<String>,
    /// operationId -> its doc example, formatted (filled in by `main`, which runs rustfmt).
    pub snippets: BTreeMap<String, String>,
}

pub const COMMON: &str = "common";

/// Type names taken by the runtime, std or the generated code's imports.
const RESERVED: &[&str] = &[
    "ErrorBody",
    "WebhookPayload",
    "Csv",
    "Value",
    "Map",
    "Number",
    "Path",
    "Date",
    "OffsetDateTime",
    "Patch",
    "BTreeMap",
    "DecodeError",
    "FromJson",
    "ToJson",
    "JsonKey",
    "String",
    "Vec",
    "Option",
    "Box",
    "Result",
    "Error",
    "Operation",
    "OpSpec",
    "RequestParts",
    "BuildError",
    "CredentialKind",
    "Response",
    "Method",
    "Paginated",
];
pub const INTERNAL: &str = "internal";
pub const WEBHOOKS: &str = "webhooks";

/// Names of content-named unions that read better under a name of their own.
fn content_name_override(name: &str) -> Option<&'static str> {
    match name {
        "StringOrIntegerOrNumberOrBoolean" => Some("MetadataValue"),
        _ => None,
    }
}

pub struct Operation<'a> {
    pub id: String,
    pub group: String,
    /// The group as the docs nest it: `customer_portal.customers` -> [customer_portal, customers].
    pub group_path: Vec<String>,
    pub name: String,
    pub node: &'a J,
    pub pointer: String,
}

pub fn operations(spec: &J) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in spec.get_entries("paths") {
        for (method, op) in item.entries() {
            if !matches!(
                method.as_str(),
                "get" | "post" | "put" | "patch" | "delete" | "head" | "options"
            ) {
                continue;
            }
            let id = op.get_str("operationId").unwrap_or(path).to_string();
            let raw_group = op
                .get_str("x-speakeasy-group")
                .or_else(|| op.get_arr("tags").first().and_then(J::str))
                .unwrap_or(COMMON);
            let group = module_name(raw_group);
            let group_path = raw_group.split('.').map(module_name).collect();
            let name = op
                .get_str("x-speakeasy-name-override")
                .map(str::to_string)
                .unwrap_or_else(|| id.rsplit(':').next().unwrap_or(&id).to_string());
            out.push(Operation {
                id,
                group,
                group_path,
                name,
                node: op,
                pointer: format!("/paths/{}/{}", escape_ptr(path), method),
            });
        }
    }
    out
}

/// `customer_portal.benefit-grants` -> `customer_portal_benefit_grants`.
pub fn module_name(group: &str) -> String {
    let s = snake(group);
    s.trim_end_matches('_').to_string()
}

pub fn escape_ptr(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn refs_in(node: &J, out: &mut BTreeSet<String>) {
    match node {
        J::Obj(entries) => {
            for (k, v) in entries {
                if k == "$ref" {
                    if let Some(name) = v
                        .str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.insert(name.to_string());
                    }
                } else if k != "examples" && k != "default" && k != "const" && k != "x-codeSamples"
                {
                    refs_in(v, out);
                }
            }
        }
        J::Arr(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

struct Gen<'a> {
    schemas: &'a J,
    rust_names: BTreeMap<String, String>,
    schema_group: BTreeMap<String, String>,
    input: BTreeSet<String>,
    defs: BTreeMap<String, Def>,
    done: BTreeSet<String>,
    example_types: BTreeMap<String, Ty>,
    /// Names of the properties typed `Secret`.
    secret_keys: BTreeSet<String>,
    /// Components [`crate::shapes`] made of repeated inline shapes -> where the first sits.
    origins: BTreeMap<String, String>,
    /// Content names too long to use -> the name their union got instead.
    content_names: BTreeMap<String, String>,
}

/// The longest content name (`StringOrIntegerOrBoolean`) a union of primitives keeps.
const MAX_CONTENT_NAME: usize = 40;

pub fn build(spec: &J) -> Result<Model, String> {
    let normalized = crate::shapes::normalize(&with_additions(spec));
    let spec = &normalized.spec;
    let version = spec
        .get("info")
        .and_then(|i| i.get_str("version"))
        .ok_or("the spec has no info.version")?
        .to_string();
    let empty = J::Obj(Vec::new());
    let schemas = spec
        .get("components")
        .and_then(|c| c.get("schemas"))
        .unwrap_or(&empty);
    let ops = operations(spec);
    let groups: BTreeSet<String> = ops.iter().map(|o| o.group.clone()).collect();

    // Rust names of component schemas: collisions resolved in sorted order of the spec names.
    let mut by_rust: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, _) in schemas.entries() {
        let mut rust = pascal(name);
        // Names the generated code or the runtime use for themselves.
        if RESERVED.contains(&rust.as_str()) {
            rust.push_str("Schema");
        }
        by_rust.entry(rust).or_default().push(name.clone());
    }
    let mut rust_names = BTreeMap::new();
    for (rust, mut originals) in by_rust {
        originals.sort();
        for (i, orig) in originals.into_iter().enumerate() {
            let n = if i == 0 {
                rust.clone()
            } else {
                format!("{rust}{}", i + 1)
            };
            rust_names.insert(orig, n);
        }
    }

    // Reachability: per group, breadth-first distance; webhooks; request-side (input) set.
    let mut dist: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut input = BTreeSet::new();
    let closure = |start: BTreeSet<String>| -> BTreeMap<String, usize> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut frontier: Vec<String> = start.into_iter().collect();
        let mut d = 0;
        while !frontier.is_empty() {
            let mut next = BTreeSet::new();
            for n in frontier {
                if seen.contains_key(&n) {
                    continue;
                }
                seen.insert(n.clone(), d);
                if let Some(s) = schemas.get(&n) {
                    let mut r = BTreeSet::new();
                    refs_in(s, &mut r);
                    next.extend(r.into_iter().filter(|x| !seen.contains_key(x)));
                }
            }
            frontier = next.into_iter().collect();
            d += 1;
        }
        seen
    };
    for op in &ops {
        let mut r = BTreeSet::new();
        refs_in(op.node, &mut r);
        for (n, d) in closure(r) {
            let e = dist
                .entry(n)
                .or_default()
                .entry(op.group.clone())
                .or_insert(d);
            *e = (*e).min(d);
        }
        let mut req = BTreeSet::new();
        if let Some(b) = op.node.get("requestBody") {
            refs_in(b, &mut req);
        }
        for p in op.node.get_arr("parameters") {
            refs_in(p, &mut req);
        }
        input.extend(closure(req).into_keys());
    }
    let mut hooks = BTreeSet::new();
    if let Some(w) = spec.get("webhooks") {
        refs_in(w, &mut hooks);
    }
    let hook_reach = closure(hooks);

    let group_words: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|g| {
            let singular = g.strip_suffix('s').unwrap_or(g).to_string();
            (g.clone(), vec![g.clone(), singular])
        })
        .collect();
    let mut schema_group = BTreeMap::new();
    for (name, _) in schemas.entries() {
        let g = if let Some(gs) = dist.get(name) {
            let min = gs.values().copied().min().unwrap_or(0);
            let at_min: Vec<&String> = gs
                .iter()
                .filter(|(_, d)| **d == min)
                .map(|(g, _)| g)
                .collect();
            if at_min.len() == 1 {
                at_min[0].clone()
            } else {
                // Shared by several groups: the group its name starts with, longest first.
                let sn = snake(name);
                group_words
                    .iter()
                    .flat_map(|(g, ws)| ws.iter().map(move |w| (g, w)))
                    .filter(|(_, w)| sn == **w || sn.starts_with(&format!("{w}_")))
                    .max_by_key(|(_, w)| w.len())
                    .map(|(g, _)| g.clone())
                    .unwrap_or_else(|| COMMON.to_string())
            }
        } else if hook_reach.contains_key(name) {
            WEBHOOKS.to_string()
        } else {
            INTERNAL.to_string()
        };
        schema_group.insert(name.clone(), g);
    }

    let mut gen = Gen {
        schemas,
        rust_names,
        schema_group,
        input,
        defs: BTreeMap::new(),
        done: BTreeSet::new(),
        example_types: BTreeMap::new(),
        secret_keys: BTreeSet::new(),
        origins: normalized.origins.clone(),
        content_names: BTreeMap::new(),
    };
    for (name, _) in schemas.entries() {
        gen.component(name)?;
    }

    let mut request_bodies = BTreeMap::new();
    let mut op_defs = Vec::new();
    let mut error_models = BTreeSet::new();
    for op in &ops {
        let def = gen.operation(spec, op, &mut error_models)?;
        if let Some(b) = def.body.as_ref().filter(|b| !b.form) {
            request_bodies.insert(op.id.clone(), b.ty.clone());
        }
        op_defs.push(def);
    }
    gen.error_body(&error_models);
    gen.webhook_events(spec);

    // Keep only pointers that carry examples.
    let mut example_types = BTreeMap::new();
    let mut missing = Vec::new();
    let mut locs = Vec::new();
    example_locations(spec, String::new(), &mut locs);
    for loc in locs {
        match gen.example_types.get(&loc) {
            Some(t) => {
                example_types.insert(loc, t.clone());
            }
            None => missing.push(loc),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "examples at schema locations the generator did not type: {missing:?}"
        ));
    }
    let doubled = double_options(&gen.defs, &op_defs);
    if !doubled.is_empty() {
        return Err(format!(
            "an `Option` of an `Option` would reach the public API (a generator bug): {doubled:?}"
        ));
    }
    Ok(Model {
        version,
        ops: op_defs,
        defs: gen.defs,
        example_types,
        request_bodies,
        secret_keys: gen.secret_keys.into_iter().collect(),
        snippets: BTreeMap::new(),
    })
}

/// The fields and parameters whose type is an `Option` (or `Patch`) of one, through aliases:
/// `Some(None)` and `None` would mean the same, and users would write `Some(Some(x))`.
fn double_options(defs: &BTreeMap<String, Def>, ops: &[OpDef]) -> Vec<String> {
    // The type behind aliases, at most a few levels deep (aliases do not nest further).
    let resolve = |t: &Ty| -> Ty {
        let mut t = t.clone();
        for _ in 0..8 {
            match &t {
                Ty::Named(n) => match defs.get(n).map(|d| &d.kind) {
                    Some(Kind::Alias(inner)) => t = inner.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        t
    };
    let optional = |t: &Ty| matches!(resolve(t), Ty::Option(_) | Ty::Patch(_));
    let doubled = |t: &Ty| match t {
        Ty::Option(inner) | Ty::Patch(inner) => optional(inner),
        _ => false,
    };
    let mut out = Vec::new();
    for d in defs.values() {
        if let Kind::Struct { fields, .. } = &d.kind {
            for f in fields.iter().filter(|f| doubled(&f.ty)) {
                out.push(format!("{}.{}", d.name, f.rust));
            }
        }
    }
    for op in ops {
        for p in &op.params {
            if (!p.required && optional(&p.ty)) || doubled(&p.ty) {
                out.push(format!("{}.{}", op.id, p.rust));
            }
        }
        if let Some(b) = op.body.as_ref().filter(|b| !b.required && optional(&b.ty)) {
            out.push(format!("{} body {:?}", op.id, b.ty));
        }
    }
    out
}

/// Pointers of the schema nodes holding an `examples` array (under components and paths).
pub fn example_locations(node: &J, ptr: String, out: &mut Vec<String>) {
    match node {
        J::Obj(entries) => {
            if let Some(J::Arr(_)) = node.get("examples") {
                if ptr.starts_with("/components/schemas/") || ptr.starts_with("/paths/") {
                    out.push(ptr.clone());
                }
            }
            for (k, v) in entries {
                if k == "examples" || k == "x-codeSamples" || k == "webhooks" && ptr.is_empty() {
                    continue;
                }
                example_locations(v, format!("{ptr}/{}", escape_ptr(k)), out);
            }
        }
        J::Arr(items) => {
            for (i, v) in items.iter().enumerate() {
                example_locations(v, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Whether a component's values include `null` (a nullable `anyOf`, or `null` among its enum
/// values): references to it are then nullable.
fn admits_null(s: &J) -> bool {
    union_members(s).is_some_and(|m| m.iter().any(is_null_schema))
        || s.get_arr("enum").contains(&J::Null)
}

fn is_null_schema(s: &J) -> bool {
    s.get_str("type") == Some("null") && s.get("const").is_none()
}

fn union_members(s: &J) -> Option<&[J]> {
    s.get("anyOf").or_else(|| s.get("oneOf")).map(J::arr)
}

/// What a property's schema says beyond its Rust type, as short phrases for its docs: the
/// format, bounds, the default and an example (from the schema or its non-null member).
fn facts(p: &J) -> Vec<String> {
    let mut nodes = vec![p];
    nodes.extend(
        union_members(p)
            .unwrap_or(&[])
            .iter()
            .filter(|m| !is_null_schema(m)),
    );
    let text = |v: &J| v.to_value().to_string();
    let mut out = Vec::new();
    let first = |k: &str| nodes.iter().find_map(|n| n.get(k));
    if let Some(f) = first("format").and_then(J::str) {
        out.push(match f {
            "uuid" | "uuid4" => "a UUID".to_string(),
            "email" => "an email address".to_string(),
            "uri" | "url" => "a URL".to_string(),
            "ipvanyaddress" => "an IP address".to_string(),
            "color" => "a color".to_string(),
            "duration" => "an ISO 8601 duration".to_string(),
            "date-time" | "date" => String::new(),
            other => format!("format `{other}`"),
        });
    }
    match (first("minLength"), first("maxLength")) {
        (Some(a), Some(b)) => out.push(format!("{} to {} characters", text(a), text(b))),
        (Some(a), None) => out.push(format!("at least {} characters", text(a))),
        (None, Some(b)) => out.push(format!("at most {} characters", text(b))),
        (None, None) => {}
    }
    if let Some(m) = first("exclusiveMinimum") {
        out.push(format!("greater than {}", text(m)));
    }
    match (first("minimum"), first("maximum")) {
        (Some(a), Some(b)) => out.push(format!("from {} to {}", text(a), text(b))),
        (Some(a), None) => out.push(format!("at least {}", text(a))),
        (None, Some(b)) => out.push(format!("at most {}", text(b))),
        (None, None) => {}
    }
    if let Some(pat) = first("pattern").and_then(J::str).filter(|p| p.len() <= 40) {
        out.push(format!("matching `{pat}`"));
    }
    if let Some(d) = p.get("default") {
        out.push(format!("Polar's default is `{}`", text(d)));
    }
    if let Some(e) = first("examples")
        .and_then(|e| e.arr().first())
        .map(text)
        .filter(|e| e.len() <= 60)
    {
        out.push(format!("e.g. `{e}`"));
    }
    out.retain(|f| !f.is_empty());
    out
}

fn description(s: &J) -> Option<String> {
    s.get_str("description")
        .or_else(|| s.get_str("title"))
        .map(str::to_string)
}

impl<'a> Gen<'a> {
    fn component(&mut self, name: &str) -> Result<(), String> {
        if !self.done.insert(name.to_string()) {
            return Ok(());
        }
        let node = self.schemas.get(name).ok_or(format!("no schema {name}"))?;
        let rust = self.rust_names[name].clone();
        let group = self.schema_group[name].clone();
        // A shape made a component points to where it sits in the spec Polar publishes.
        let ptr = self
            .origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("/components/schemas/{}", escape_ptr(name)));
        let input = self.input.contains(name);
        let t = Ty::Named(rust.clone());
        let t = if admits_null(node) {
            Ty::Option(Box::new(t))
        } else {
            t
        };
        self.example_types.insert(ptr.clone(), t);
        self.define(rust, node, &ptr, &group, input);
        Ok(())
    }

    fn named_ref(&self, r: &str) -> Ty {
        match r
            .strip_prefix("#/components/schemas/")
            .and_then(|n| self.rust_names.get(n))
        {
            Some(n) => Ty::Named(n.clone()),
            None => Ty::Value,
        }
    }

    /// The type of a schema node with nullability split off: (type, nullable).
    fn ty_split(&mut self, s: &'a J, ptr: &str, ctx: &str, group: &str, input: bool) -> (Ty, bool) {
        if let Some(members) = union_members(s) {
            let key = if s.get("anyOf").is_some() {
                "anyOf"
            } else {
                "oneOf"
            };
            let non_null: Vec<(usize, &J)> = members
                .iter()
                .enumerate()
                .filter(|(_, m)| !is_null_schema(m))
                .collect();
            let nullable = non_null.len() < members.len();
            if non_null.is_empty() {
                return (Ty::Value, false);
            }
            if non_null.len() == 1 {
                // `anyOf [X, null]`: X may itself be nullable; one Option either way.
                let (i, m) = non_null[0];
                let mptr = format!("{ptr}/{key}/{i}");
                let (t, inner_nullable) = self.ty_split(m, &mptr, ctx, group, input);
                let full = if inner_nullable {
                    Ty::Option(Box::new(t.clone()))
                } else {
                    t.clone()
                };
                self.example_types.insert(mptr, full);
                return (t, nullable || inner_nullable);
            }
            let numeric = non_null.iter().all(|(_, m)| {
                matches!(m.get_str("type"), Some("integer" | "number"))
                    && m.get("enum").is_none()
                    && m.get("const").is_none()
            });
            if numeric {
                for (i, _) in &non_null {
                    self.example_types
                        .insert(format!("{ptr}/{key}/{i}"), Ty::Number);
                }
                return (Ty::Number, nullable);
            }
            // A union of primitives is named by its content, so equal ones are one type.
            let mut prim_names = Vec::new();
            for (_, m) in &non_null {
                match self.primitive_word(m) {
                    Some(w) => prim_names.push(w),
                    None => {
                        prim_names.clear();
                        break;
                    }
                }
            }
            if prim_names.is_empty() {
                let name = self.fresh(ctx.to_string(), ptr);
                self.define_union(name.clone(), s, ptr, group, input);
                return (Ty::Named(name), nullable);
            }
            let joined = prim_names.join("Or");
            let name = match content_name_override(&joined) {
                Some(n) => n.to_string(),
                None if joined.len() <= MAX_CONTENT_NAME => joined,
                // Too long to read (`StringOrIntegerOrBooleanOrStringListOr...`): named where
                // it is first used, and that name kept for every equal union.
                None => match self.content_names.get(&joined) {
                    Some(n) => n.clone(),
                    None => {
                        let n = self.fresh(ctx.to_string(), ptr);
                        self.content_names.insert(joined, n.clone());
                        n
                    }
                },
            };
            if self.defs.contains_key(&name) {
                // Defined by an equal union elsewhere; still type the members for their examples.
                for (i, m) in &non_null {
                    self.ty(m, &format!("{ptr}/{key}/{i}"), &name, group, input);
                }
            } else {
                self.define_union(name.clone(), s, ptr, COMMON, input);
            }
            return (Ty::Named(name), nullable);
        }
        if let Some(r) = s.get_str("$ref") {
            // A component that admits `null` is a non-null type, nullable where it is used:
            // `Option<MetadataQuery>`, never an `Option` of an alias to an `Option`.
            let nullable = r
                .strip_prefix("#/components/schemas/")
                .and_then(|n| self.schemas.get(n))
                .is_some_and(admits_null);
            return (self.named_ref(r), nullable);
        }
        if let Some(c) = s.get("const") {
            return (const_ty(c), false);
        }
        if let Some(values) = s.get("enum") {
            let nullable = values.arr().contains(&J::Null);
            if values
                .arr()
                .iter()
                .all(|v| matches!(v, J::Str(_) | J::Null))
            {
                let name = self.fresh(ctx.to_string(), ptr);
                self.define(name.clone(), s, ptr, group, input);
                return (Ty::Named(name), nullable);
            }
            return (Ty::Value, false);
        }
        match s.get_str("type") {
            Some("string") => match s.get_str("format") {
                Some("date-time") => (Ty::DateTime, false),
                Some("date") => (Ty::Date, false),
                Some("uuid" | "uuid4") => (Ty::Id, false),
                _ => (Ty::String, false),
            },
            Some("integer") => (Ty::I64, false),
            Some("number") => (Ty::F64, false),
            Some("boolean") => (Ty::Bool, false),
            Some("null") => (Ty::Value, false),
            Some("array") => {
                if let Some(J::Arr(prefix)) = s.get("prefixItems") {
                    let tys = prefix
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            self.ty(
                                p,
                                &format!("{ptr}/prefixItems/{i}"),
                                &format!("{ctx}{}", i),
                                group,
                                input,
                            )
                        })
                        .collect();
                    return (Ty::Tuple(tys), false);
                }
                let item = match s.get("items") {
                    Some(items) if items.is_obj() => self.ty(
                        items,
                        &format!("{ptr}/items"),
                        &format!("{ctx}Item"),
                        group,
                        input,
                    ),
                    _ => Ty::Value,
                };
                (Ty::Vec(Box::new(item)), false)
            }
            Some("object") | None if s.get("properties").is_some() => {
                let name = self.fresh(ctx.to_string(), ptr);
                self.define(name.clone(), s, ptr, group, input);
                (Ty::Named(name), false)
            }
            Some("object") => (self.map_ty(s, ptr, ctx, group, input), false),
            _ => (Ty::Value, false),
        }
    }

    fn map_ty(&mut self, s: &'a J, ptr: &str, ctx: &str, group: &str, input: bool) -> Ty {
        let key = match s.get("propertyNames") {
            Some(k) if k.get("$ref").is_some() || k.get("enum").is_some() => {
                let (t, _) = self.ty_split(
                    k,
                    &format!("{ptr}/propertyNames"),
                    &format!("{ctx}Key"),
                    group,
                    input,
                );
                match t {
                    Ty::Named(_) => t,
                    _ => Ty::String,
                }
            }
            _ => Ty::String,
        };
        let val = match s.get("additionalProperties") {
            Some(v) if v.is_obj() => self.ty(
                v,
                &format!("{ptr}/additionalProperties"),
                &format!("{ctx}Value"),
                group,
                input,
            ),
            _ => match s.get("patternProperties").map(J::entries) {
                Some([(pat, v)]) => self.ty(
                    v,
                    &format!("{ptr}/patternProperties/{}", escape_ptr(pat)),
                    &format!("{ctx}Value"),
                    group,
                    input,
                ),
                _ => Ty::Value,
            },
        };
        Ty::Map(Box::new(key), Box::new(val))
    }

    fn ty(&mut self, s: &'a J, ptr: &str, ctx: &str, group: &str, input: bool) -> Ty {
        let (t, nullable) = self.ty_split(s, ptr, ctx, group, input);
        let t = if nullable { Ty::Option(Box::new(t)) } else { t };
        self.example_types.insert(ptr.to_string(), t.clone());
        t
    }

    /// The word naming a primitive member in a content-named union, or None if not primitive.
    fn primitive_word(&self, m: &J) -> Option<String> {
        if m.get("enum").is_some() || m.get("const").is_some() || m.get("$ref").is_some() {
            return None;
        }
        match m.get_str("type")? {
            "string" => Some(match m.get_str("format") {
                Some("date-time") => "DateTime".into(),
                Some("date") => "Date".into(),
                _ => "String".into(),
            }),
            "integer" => Some("Integer".into()),
            "number" => Some("Number".into()),
            "boolean" => Some("Boolean".into()),
            "array" => {
                let items = m.get("items")?;
                Some(format!("{}List", self.primitive_word(items)?))
            }
            _ => None,
        }
    }

    /// A name for an inline type: `ctx`, or `ctx` with a number when another schema has it.
    fn fresh(&self, base: String, ptr: &str) -> String {
        let taken = |n: &str| {
            self.defs.get(n).is_some_and(|d| d.pointer != ptr)
                || self.rust_names.values().any(|v| v == n)
        };
        if !taken(&base) {
            return base;
        }
        let mut i = 2;
        loop {
            let c = format!("{base}{i}");
            if !taken(&c) {
                return c;
            }
            i += 1;
        }
    }

    fn define(&mut self, name: String, s: &'a J, ptr: &str, group: &str, input: bool) {
        if self.defs.get(&name).is_some_and(|d| d.pointer == ptr) {
            return;
        }
        let doc = description(s);
        let kind = if s.get("properties").is_some() {
            self.struct_kind(&name, s, ptr, group, input)
        } else if let Some(values) = s.get("enum") {
            let raw: Vec<String> = values
                .arr()
                .iter()
                .filter_map(|v| v.str().map(str::to_string))
                .collect();
            let variants = dedupe(raw.iter().map(|v| enum_variant(v)).collect(), &["Unknown"]);
            Kind::Enum {
                values: variants.into_iter().zip(raw).collect(),
            }
        } else if union_members(s)
            .is_some_and(|m| m.iter().filter(|x| !is_null_schema(x)).count() > 1)
            && !union_members(s).is_some_and(|m| {
                m.iter().filter(|x| !is_null_schema(x)).all(|x| {
                    matches!(x.get_str("type"), Some("integer" | "number"))
                        && x.get("enum").is_none()
                        && x.get("const").is_none()
                })
            })
        {
            self.define_union(name, s, ptr, group, input);
            return;
        } else {
            // Placeholder first so a recursive alias does not recurse forever.
            self.defs.insert(
                name.clone(),
                Def {
                    name: name.clone(),
                    group: group.into(),
                    doc: doc.clone(),
                    pointer: ptr.into(),
                    kind: Kind::Alias(Ty::Value),
                },
            );
            let t = self.ty_alias(s, ptr, &name, group, input);
            Kind::Alias(t)
        };
        self.defs.insert(
            name.clone(),
            Def {
                name,
                group: group.into(),
                doc,
                pointer: ptr.into(),
                kind,
            },
        );
    }

    /// The aliased type of a component that is neither struct, enum nor union, without the
    /// `null` it may admit: references to it carry that (see [`admits_null`]).
    fn ty_alias(&mut self, s: &'a J, ptr: &str, name: &str, group: &str, input: bool) -> Ty {
        let non_null: Vec<(usize, &'a J)> = union_members(s)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_null_schema(m))
            .collect();
        let (t, _) = if let [(i, m)] = non_null.as_slice() {
            // `anyOf [X, null]`: the alias is X, named in its own context (`MetadataQuery`'s
            // values are `MetadataQueryValue`).
            let key = if s.get("anyOf").is_some() {
                "anyOf"
            } else {
                "oneOf"
            };
            let mptr = format!("{ptr}/{key}/{i}");
            let t = self.ty_alias(m, &mptr, name, group, input);
            self.example_types.insert(mptr, t.clone());
            (t, false)
        } else if union_members(s).is_some() {
            self.ty_split(s, ptr, &format!("{name}Inner"), group, input)
        } else if matches!(s.get_str("type"), Some("object") | None)
            && s.get("$ref").is_none()
            && s.get("const").is_none()
        {
            if s.get("additionalProperties").is_some()
                || s.get("patternProperties").is_some()
                || s.get_str("type").is_some()
            {
                (self.map_ty(s, ptr, name, group, input), false)
            } else {
                (Ty::Value, false)
            }
        } else {
            self.ty_split(s, ptr, &format!("{name}Inner"), group, input)
        };
        t
    }

    fn struct_kind(&mut self, name: &str, s: &'a J, ptr: &str, group: &str, input: bool) -> Kind {
        // Insert a placeholder so recursive references see the name as taken by this pointer.
        self.defs.insert(
            name.to_string(),
            Def {
                name: name.into(),
                group: group.into(),
                doc: None,
                pointer: ptr.into(),
                kind: Kind::Alias(Ty::Value),
            },
        );
        let required: BTreeSet<&str> = s.get_arr("required").iter().filter_map(J::str).collect();
        let props = s.get_entries("properties");
        let rust_names = dedupe(
            props.iter().map(|(k, _)| snake(k)).collect(),
            &["extra", "nulls"],
        );
        let mut fields = Vec::new();
        for ((json, p), rust) in props.iter().zip(rust_names) {
            let fptr = format!("{ptr}/properties/{}", escape_ptr(json));
            let is_req = required.contains(json.as_str());
            let konst = p.get("const").cloned();
            let doc = description(p).or_else(|| {
                union_members(p)
                    .and_then(|m| m.iter().find(|x| !is_null_schema(x)).and_then(description))
            });
            if let Some(c) = konst {
                let t = const_ty(&c);
                self.example_types.insert(fptr.clone(), t.clone());
                fields.push(Field {
                    json: json.clone(),
                    rust,
                    ty: if is_req { t } else { Ty::Option(Box::new(t)) },
                    kind: if is_req {
                        FieldKind::ConstRequired
                    } else {
                        FieldKind::ConstOptional
                    },
                    doc,
                    konst: Some(c),
                    ignore_case: CASE_INSENSITIVE_CONSTS.contains(&json.as_str()),
                    facts: Vec::new(),
                });
                continue;
            }
            let ctx = format!("{name}{}", crate::names::pascal(json));
            let (t, nullable) = self.ty_split(p, &fptr, &ctx, group, input);
            let t = if t == Ty::String
                && (SECRET_FIELDS.contains(&json.as_str()) || marked_secret(p))
            {
                self.secret_keys.insert(json.clone());
                Ty::Secret
            } else {
                t
            };
            let (kind, ty) = match (is_req, nullable) {
                (true, false) => (FieldKind::Required, t),
                (true, true) => (FieldKind::RequiredNullable, Ty::Option(Box::new(t))),
                (false, false) => (FieldKind::Optional, Ty::Option(Box::new(t))),
                (false, true) if input => (FieldKind::Patch, Ty::Patch(Box::new(t))),
                (false, true) => (FieldKind::Optional, Ty::Option(Box::new(t))),
            };
            // An example sits on the property: it is a value of the property's type.
            let ex_ty = match &ty {
                Ty::Option(_) | Ty::Patch(_) if nullable => ty.clone(),
                Ty::Option(inner) => (**inner).clone(),
                _ => ty.clone(),
            };
            self.example_types.insert(fptr, ex_ty);
            fields.push(Field {
                json: json.clone(),
                rust,
                ty,
                kind,
                doc,
                konst: None,
                ignore_case: false,
                facts: facts(p),
            });
        }
        Kind::Struct { fields, input }
    }

    fn define_union(&mut self, name: String, s: &'a J, ptr: &str, group: &str, input: bool) {
        self.defs.insert(
            name.clone(),
            Def {
                name: name.clone(),
                group: group.into(),
                doc: None,
                pointer: ptr.into(),
                kind: Kind::Alias(Ty::Value),
            },
        );
        let key = if s.get("anyOf").is_some() {
            "anyOf"
        } else {
            "oneOf"
        };
        let members = union_members(s).unwrap_or(&[]);
        let mut tys = Vec::new();
        let mut titles = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if is_null_schema(m) {
                continue;
            }
            let ctx = match m.get_str("title") {
                Some(t) if m.get("$ref").is_none() => format!("{name}{}", pascal(t)),
                _ => format!("{name}{i}"),
            };
            let t = self.ty(m, &format!("{ptr}/{key}/{i}"), &ctx, group, input);
            titles.push(m.get_str("title").map(str::to_string));
            tys.push(t);
        }
        let mut discriminator = None;
        if let Some(d) = s.get("discriminator") {
            if let Some(prop) = d.get_str("propertyName") {
                let mut mapping = Vec::new();
                for (value, target) in d.get_entries("mapping") {
                    let Some(r) = target.str() else { continue };
                    let t = self.named_ref(r);
                    let idx = match tys.iter().position(|x| *x == t) {
                        Some(i) => i,
                        None => {
                            tys.push(t);
                            titles.push(None);
                            tys.len() - 1
                        }
                    };
                    mapping.push((value.clone(), idx));
                }
                discriminator = Some((prop.to_string(), mapping));
            }
        }
        let variants = dedupe(
            tys.iter()
                .zip(&titles)
                .map(|(t, title)| variant_name(&name, t, title.as_deref()))
                .collect(),
            &["Unknown"],
        );
        let members = variants
            .into_iter()
            .zip(tys)
            .map(|(variant, ty)| Member { variant, ty })
            .collect();
        self.defs.insert(
            name.clone(),
            Def {
                name,
                group: group.into(),
                doc: description(s),
                pointer: ptr.into(),
                kind: Kind::Union {
                    members,
                    discriminator,
                },
            },
        );
    }
}

fn const_ty(c: &J) -> Ty {
    match c {
        J::Str(_) => Ty::String,
        J::Bool(_) => Ty::Bool,
        J::Num(n) if n.is_i64() || n.is_u64() => Ty::I64,
        J::Num(_) => Ty::F64,
        _ => Ty::Value,
    }
}

/// `Benefit` + `BenefitCustom` -> `Custom`; primitives by kind (`String`, `IntegerList`).
fn variant_name(union: &str, t: &Ty, title: Option<&str>) -> String {
    match t {
        Ty::Named(n) => match n.strip_prefix(union) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_string(),
            _ => n.clone(),
        },
        _ => title.map(pascal).unwrap_or_else(|| ty_word(t)),
    }
}

pub fn ty_word(t: &Ty) -> String {
    match t {
        Ty::String => "String".into(),
        Ty::Id => "Id".into(),
        Ty::Bool => "Boolean".into(),
        Ty::I64 => "Integer".into(),
        Ty::F64 | Ty::Number => "Number".into(),
        Ty::Value => "Any".into(),
        Ty::DateTime => "DateTime".into(),
        Ty::Date => "Date".into(),
        Ty::Vec(i) => format!("{}List", ty_word(i)),
        Ty::Map(_, v) => format!("{}Map", ty_word(v)),
        Ty::Option(i) | Ty::Patch(i) => ty_word(i),
        Ty::Tuple(_) => "Tuple".into(),
        Ty::Named(n) => n.clone(),
        Ty::Secret => "Secret".into(),
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    /// `style: deepObject` query parameter (`name[key]=v`).
    QueryDeep,
}

#[derive(Debug, Clone)]
pub struct ParamDef {
    pub json: String,
    pub rust: String,
    pub location: ParamIn,
    pub required: bool,
    /// The value type (without the `Option` of an optional parameter).
    pub ty: Ty,
    pub doc: Option<String>,
    /// What the schema says beyond the type, for docs (see [`Field::facts`]).
    pub facts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct BodyDef {
    pub ty: Ty,
    pub required: bool,
    pub form: bool,
}

/// A paginated operation's item type and response shapes.
#[derive(Debug, Clone)]
pub struct Paging {
    pub item: Ty,
    /// (union variant of the output, or None when the output is the list itself;
    /// true for a cursor shape `{has_next_page}`, false for `{max_page}`).
    pub arms: Vec<(Option<String>, bool)>,
}

/// What a declared response status yields.
#[derive(Debug, Clone, PartialEq)]
pub enum RespKind {
    Json(Ty),
    Empty,
    Csv,
    /// An error response; the `ErrorBody` variant of its model when the schema is one
    /// `$ref` (otherwise every error model is tried).
    Error(Option<String>),
}

#[derive(Debug, Clone)]
pub struct OpDef {
    pub id: String,
    pub group: String,
    pub group_path: Vec<String>,
    /// The method name in the group accessor: `create`, `get_external`.
    pub method_name: String,
    pub rust: String,
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// Credential kinds accepted: `OrganizationToken`, `PersonalToken`, ...
    pub credentials: Vec<&'static str>,
    pub public: bool,
    pub scopes: Vec<String>,
    pub params: Vec<ParamDef>,
    pub body: Option<BodyDef>,
    pub responses: Vec<(u16, RespKind)>,
    /// How the operation pages with `page`/`limit`, when it does.
    pub paginated: Option<Paging>,
}

impl OpDef {
    /// The type of a successful response.
    pub fn output(&self) -> Ty {
        let ok: Vec<&RespKind> = self
            .responses
            .iter()
            .filter(|(s, _)| (200..300).contains(s))
            .map(|(_, k)| k)
            .collect();
        let json: Vec<&Ty> = ok
            .iter()
            .filter_map(|k| match k {
                RespKind::Json(t) => Some(t),
                _ => None,
            })
            .collect();
        match (json.first(), ok.iter().any(|k| **k == RespKind::Empty)) {
            (Some(t), true) => Ty::Option(Box::new((*t).clone())),
            (Some(t), false) if json.iter().all(|x| x == t) => (*t).clone(),
            (Some(_), false) => Ty::Value,
            (None, _) if ok.iter().any(|k| **k == RespKind::Csv) => Ty::Named("Csv".into()),
            (None, _) => Ty::Named("()".into()),
        }
    }
}

fn scheme_kind(scheme: &str) -> Option<&'static str> {
    match scheme {
        "oat" => Some("OrganizationToken"),
        "pat" => Some("PersonalToken"),
        "oidc" => Some("OAuth2Token"),
        "customer_session" => Some("CustomerSession"),
        "member_session" => Some("MemberSession"),
        _ => None,
    }
}

/// The `X` of a `X | array<X> | null` parameter: sent once per value, so a `Vec<X>`.
fn one_or_many(s: &J) -> Option<(usize, usize)> {
    let members = union_members(s)?;
    let non_null: Vec<(usize, &J)> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| !is_null_schema(m))
        .collect();
    let [(i, one), (j, many)] = non_null.as_slice() else {
        return None;
    };
    let (i, one, j, many) = if many.get_str("type") == Some("array") {
        (*i, *one, *j, *many)
    } else {
        (*j, *many, *i, *one)
    };
    let items = many.get("items")?;
    let same = |k: &str| one.get(k) == items.get(k);
    (many.get_str("type") == Some("array")
        && same("type")
        && same("format")
        && same("$ref")
        && same("enum"))
    .then_some((i, j))
}

impl<'a> Gen<'a> {
    fn operation(
        &mut self,
        spec: &'a J,
        op: &Operation<'a>,
        error_models: &mut BTreeSet<String>,
    ) -> Result<OpDef, String> {
        let base = format!("{}{}", pascal(&op.group), pascal(&op.name));
        let node = op.node;
        let path = op
            .pointer
            .strip_prefix("/paths/")
            .and_then(|p| p.rsplit_once('/'))
            .map(|(p, _)| p.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_default();
        let method = op
            .pointer
            .rsplit('/')
            .next()
            .unwrap_or("get")
            .to_ascii_uppercase();

        // Security: the operation's own list, else the spec's global one (older specs).
        let security = node.get("security").or_else(|| spec.get("security"));
        let mut credentials = Vec::new();
        let mut scopes = Vec::new();
        let mut public = security.is_none();
        for req in security.map(J::arr).unwrap_or(&[]) {
            if req.entries().is_empty() {
                public = true;
            }
            for (scheme, sc) in req.entries() {
                if let Some(k) = scheme_kind(scheme) {
                    if !credentials.contains(&k) {
                        credentials.push(k);
                    }
                }
                for s in sc.arr().iter().filter_map(J::str) {
                    if !scopes.iter().any(|x| x == s) {
                        scopes.push(s.to_string());
                    }
                }
            }
        }
        if security.is_some_and(|s| s.arr().is_empty()) {
            public = true;
        }
        if node
            .get_arr("x-polar-allowed-subjects")
            .iter()
            .any(|s| s.str() == Some("Anonymous"))
        {
            public = true;
        }

        let raw_params = node.get_arr("parameters");
        let names = dedupe(
            raw_params
                .iter()
                .map(|p| snake(p.get_str("name").unwrap_or("param")))
                .collect(),
            &["body"],
        );
        let mut params = Vec::new();
        for (i, (p, rust)) in raw_params.iter().zip(names).enumerate() {
            let Some(s) = p.get("schema") else { continue };
            let json = p.get_str("name").unwrap_or("param").to_string();
            let location = match (p.get_str("in"), p.get_str("style")) {
                (Some("path"), _) => ParamIn::Path,
                (Some("query"), Some("deepObject")) => ParamIn::QueryDeep,
                (Some("query"), _) => ParamIn::Query,
                _ => continue, // header and cookie parameters: none in Polar's spec
            };
            let ptr = format!("{}/parameters/{i}/schema", op.pointer);
            let ctx = format!("{base}{}", pascal(&json));
            let key = if s.get("anyOf").is_some() {
                "anyOf"
            } else {
                "oneOf"
            };
            let ty = match one_or_many(s) {
                Some((one, many)) => {
                    let members = union_members(s).unwrap_or(&[]);
                    let item = self.ty(
                        &members[one],
                        &format!("{ptr}/{key}/{one}"),
                        &ctx,
                        &op.group,
                        true,
                    );
                    self.ty(
                        &members[many],
                        &format!("{ptr}/{key}/{many}"),
                        &ctx,
                        &op.group,
                        true,
                    );
                    Ty::Vec(Box::new(item))
                }
                None => {
                    let (t, _) = self.ty_split(s, &ptr, &ctx, &op.group, true);
                    self.example_types.insert(ptr.clone(), t.clone());
                    t
                }
            };
            params.push(ParamDef {
                json,
                rust,
                location,
                required: p.get("required") == Some(&J::Bool(true)) || location == ParamIn::Path,
                ty,
                doc: p
                    .get_str("description")
                    .or_else(|| s.get_str("description"))
                    .map(str::to_string),
                facts: facts(s),
            });
        }

        let mut body = None;
        if let Some(rb) = node.get("requestBody") {
            let content = rb.get_entries("content");
            let pick = content
                .iter()
                .find(|(m, _)| m == "application/json")
                .or_else(|| {
                    content
                        .iter()
                        .find(|(m, _)| m == "application/x-www-form-urlencoded")
                });
            for (mime, media) in content {
                let Some(s) = media.get("schema") else {
                    continue;
                };
                let ptr = format!(
                    "{}/requestBody/content/{}/schema",
                    op.pointer,
                    escape_ptr(mime)
                );
                let ty = self.ty(s, &ptr, &format!("{base}Body"), &op.group, true);
                if pick.is_some_and(|(m, _)| m == mime) {
                    body = Some(BodyDef {
                        ty,
                        required: rb.get("required") == Some(&J::Bool(true)),
                        form: mime != "application/json",
                    });
                }
            }
        }

        let mut responses = Vec::new();
        for (status, resp) in node.get_entries("responses") {
            let Ok(code) = status.parse::<u16>() else {
                continue;
            };
            let content = resp.get_entries("content");
            let kind = if code >= 400 {
                let mut model = None;
                if let Some(s) = resp
                    .get("content")
                    .and_then(|c| c.get("application/json"))
                    .and_then(|m| m.get("schema"))
                {
                    let ptr = format!(
                        "{}/responses/{status}/content/application~1json/schema",
                        op.pointer
                    );
                    self.ty(
                        s,
                        &ptr,
                        &format!("{base}Response{status}"),
                        &op.group,
                        false,
                    );
                    model = s
                        .get_str("$ref")
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .and_then(|r| self.rust_names.get(r).cloned());
                    let mut refs = BTreeSet::new();
                    refs_in(s, &mut refs);
                    error_models.extend(
                        refs.into_iter()
                            .filter_map(|r| self.rust_names.get(&r).cloned()),
                    );
                }
                RespKind::Error(model)
            } else if let Some(s) = resp
                .get("content")
                .and_then(|c| c.get("application/json"))
                .and_then(|m| m.get("schema"))
            {
                let ptr = format!(
                    "{}/responses/{status}/content/application~1json/schema",
                    op.pointer
                );
                RespKind::Json(self.ty(
                    s,
                    &ptr,
                    &format!("{base}Response{status}"),
                    &op.group,
                    false,
                ))
            } else if content.iter().any(|(m, _)| m.starts_with("text/")) {
                RespKind::Csv
            } else {
                RespKind::Empty
            };
            responses.push((code, kind));
        }

        let mut def = OpDef {
            id: op.id.clone(),
            group: op.group.clone(),
            group_path: op.group_path.clone(),
            method_name: snake(&op.name),
            rust: pascal(&op.name),
            method,
            path,
            summary: node.get_str("summary").map(str::to_string),
            description: node.get_str("description").map(str::to_string),
            credentials,
            public,
            scopes,
            params,
            body,
            responses,
            paginated: None,
        };
        let pages = node.get("x-polar-pagination").is_some()
            || node.get("x-speakeasy-pagination").is_some()
            || op.id == "events:list";
        if pages
            && def
                .params
                .iter()
                .any(|p| p.json == "page" && p.ty == Ty::I64)
        {
            def.paginated = self.paging(&def.output());
        }
        Ok(def)
    }

    /// `{items: [T], pagination: {max_page} | {has_next_page}}`: (T, is cursor).
    fn list_shape(&self, name: &str) -> Option<(Ty, bool)> {
        let Some(Kind::Struct { fields, .. }) = self.defs.get(name).map(|d| &d.kind) else {
            return None;
        };
        let item = fields
            .iter()
            .find_map(|f| match (&f.json[..], f.kind, &f.ty) {
                ("items", FieldKind::Required, Ty::Vec(t)) => Some((**t).clone()),
                _ => None,
            })?;
        let pagination = fields
            .iter()
            .find_map(|f| match (&f.json[..], f.kind, &f.ty) {
                ("pagination", FieldKind::Required, Ty::Named(p)) => Some(p.clone()),
                _ => None,
            })?;
        let Some(Kind::Struct { fields: pf, .. }) = self.defs.get(&pagination).map(|d| &d.kind)
        else {
            return None;
        };
        let has = |name: &str, ty: Ty| {
            pf.iter()
                .any(|f| f.json == name && f.kind == FieldKind::Required && f.ty == ty)
        };
        if has("max_page", Ty::I64) {
            Some((item, false))
        } else if has("has_next_page", Ty::Bool) {
            Some((item, true))
        } else {
            None
        }
    }

    fn paging(&self, output: &Ty) -> Option<Paging> {
        let Ty::Named(out) = output else { return None };
        if let Some((item, cursor)) = self.list_shape(out) {
            return Some(Paging {
                item,
                arms: vec![(None, cursor)],
            });
        }
        let Some(Kind::Union { members, .. }) = self.defs.get(out).map(|d| &d.kind) else {
            return None;
        };
        let mut item = None;
        let mut arms = Vec::new();
        for m in members {
            let Ty::Named(n) = &m.ty else { return None };
            let (t, cursor) = self.list_shape(n)?;
            if item.get_or_insert_with(|| t.clone()) != &t {
                return None;
            }
            arms.push((Some(m.variant.clone()), cursor));
        }
        Some(Paging { item: item?, arms })
    }

    /// `WebhookPayload`: every event of the spec's `webhooks` section by its `type`.
    fn webhook_events(&mut self, spec: &J) {
        let mut events = Vec::new();
        for (event, item) in spec.get_entries("webhooks") {
            let schema = item
                .entries()
                .iter()
                .find_map(|(_, op)| op.get("requestBody"))
                .and_then(|b| b.get("content"))
                .and_then(|c| c.get("application/json"))
                .and_then(|m| m.get("schema"))
                .and_then(|s| s.get_str("$ref"));
            if let Some(r) = schema {
                events.push((event.clone(), self.named_ref(r)));
            }
        }
        let variants = dedupe(
            events.iter().map(|(e, _)| enum_variant(e)).collect(),
            &["Unknown"],
        );
        let events = events
            .into_iter()
            .zip(variants)
            .map(|((e, t), v)| (e, v, t))
            .collect();
        self.defs.insert(
            "WebhookPayload".into(),
            Def {
                name: "WebhookPayload".into(),
                group: WEBHOOKS.into(),
                doc: Some("A webhook event Polar sends, by its `type`: one variant per event of the spec's `webhooks` section.\n\nAn event type this SDK does not know yet parses to `Unknown`, keeping its type and the whole payload.".into()),
                pointer: "/webhooks".into(),
                kind: Kind::Events { events },
            },
        );
    }

    /// `ErrorBody`: every error model any operation declares, one open union.
    fn error_body(&mut self, models: &BTreeSet<String>) {
        let members: Vec<Member> = models
            .iter()
            .map(|n| Member {
                variant: n.clone(),
                ty: Ty::Named(n.clone()),
            })
            .collect();
        self.defs.insert(
            "ErrorBody".into(),
            Def {
                name: "ErrorBody".into(),
                group: COMMON.into(),
                doc: Some(
                    "The body of an error response: any error model an operation of the spec declares."
                        .into(),
                ),
                pointer: "/paths".into(),
                kind: Kind::Union {
                    members,
                    discriminator: None,
                },
            },
        );
    }
}
