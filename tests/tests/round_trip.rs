//! Nothing Polar sends is lost: every generated model and every webhook event, decoded from
//! what Polar could send and encoded back, gives the same JSON.
//!
//! For each model of `polar_tests::generated::types::MODELS` (one per generated type, with
//! the spec schema(s) its values are instances of), an instance is built from the spec itself,
//! independently of the generator: every property present (optional ones too), enum values and
//! examples from the spec, one element per array and map. Then each *site* of the instance is
//! mutated on its own, as a newer Polar could:
//!
//! * `property`: an unknown property injected into an object (a struct or a map), at every
//!   depth;
//! * `enum`: an enum value replaced by one the spec does not list;
//! * `union`: a union's value replaced by a member the spec does not list (an unknown tag for
//!   a discriminated union, an unknown shape otherwise);
//! * `null`: an explicit `null` in a nullable property, optional or required.
//!
//! Each case, the instance as built included, is decoded, re-encoded and compared with its
//! input (numbers and date-times by value); a difference fails the test naming the type, the
//! case and the JSON path of the difference. The counts are printed.

use polar_tests::generated::types::{MODELS, WEBHOOK_EVENTS};
use polar_tests::instances::{render, Instances, Seg, Site};
use polar_tests::{spec, RoundTrip};
use serde_json::{json, Map, Value};

/// The unknown property every object gets (a nested value, so it is kept as a whole).
const UNKNOWN_KEY: &str = "x_polar_rs_unknown";
/// The value an enum is given (and the tag of an unknown union member).
const UNKNOWN_VALUE: &str = "x_polar_rs_unknown_value";

/// The value at `path` in `v`.
fn at<'v>(v: &'v mut Value, path: &[Seg]) -> &'v mut Value {
    let mut cur = v;
    for seg in path {
        cur = match seg {
            Seg::Key(k) => &mut cur[k.as_str()],
            Seg::Index(i) => &mut cur[*i],
        };
    }
    cur
}

/// `instance` with the mutation of `site` at `path` applied; `None` when the site cannot
/// take it (an object that is no object any more, after a union member was chosen).
fn mutate(instance: &Value, path: &[Seg], site: &Site) -> Option<Value> {
    let mut v = instance.clone();
    let target = at(&mut v, path);
    match site {
        Site::Object { sample } => {
            let unknown = sample
                .clone()
                .unwrap_or_else(|| json!({"nested": [1, "two", null, {"deep": 3.25}]}));
            target.as_object_mut()?.insert(UNKNOWN_KEY.into(), unknown);
        }
        Site::Enum => *target = json!(UNKNOWN_VALUE),
        Site::Union { tag: Some(tag) } => {
            let mut obj = target.as_object().cloned().unwrap_or_default();
            obj.insert(tag.clone(), json!(UNKNOWN_VALUE));
            obj.insert(UNKNOWN_KEY.into(), json!({"new": true}));
            *target = Value::Object(obj);
        }
        Site::Union { tag: None } => *target = json!({ UNKNOWN_KEY: [true, {"new": 1}] }),
        Site::Null => *target = Value::Null,
    }
    Some(v)
}

/// Whether two JSON numbers are the same number.
fn same_number(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => match (a.as_u64(), b.as_u64()) {
            (Some(x), Some(y)) => x == y,
            _ => a.as_f64() == b.as_f64(),
        },
    }
}

/// Whether two strings are the same RFC 3339 date-time (instant and offset).
fn same_date_time(a: &str, b: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    match (
        time::OffsetDateTime::parse(a, &Rfc3339),
        time::OffsetDateTime::parse(b, &Rfc3339),
    ) {
        (Ok(x), Ok(y)) => x == y && x.offset() == y.offset(),
        _ => false,
    }
}

/// The first difference between `sent` and `back`, with its JSON path.
fn diff(sent: &Value, back: &Value, path: &mut Vec<Seg>) -> Option<String> {
    match (sent, back) {
        (Value::Number(a), Value::Number(b)) if same_number(a, b) => None,
        (Value::String(a), Value::String(b)) if a == b || same_date_time(a, b) => None,
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| {
                path.push(Seg::Index(i));
                let d = diff(x, y, path);
                path.pop();
                d
            })
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in a {
                path.push(Seg::Key(k.clone()));
                let d = match b.get(k) {
                    Some(y) => diff(x, y, path),
                    None => Some(format!("{}: sent {x}, lost", render(path))),
                };
                path.pop();
                if d.is_some() {
                    return d;
                }
            }
            b.keys().find(|k| !a.contains_key(*k)).map(|k| {
                path.push(Seg::Key(k.clone()));
                let d = format!("{}: not sent, written back as {}", render(path), b[k]);
                path.pop();
                d
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some(format!("{}: sent {a}, written back as {b}", render(path))),
    }
}

/// Counts of one run.
#[derive(Default)]
struct Tally {
    types: usize,
    cases: usize,
    by_kind: std::collections::BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, case: &str, kind: &'static str, rt: RoundTrip, sent: &Value) {
        self.cases += 1;
        *self.by_kind.entry(kind).or_default() += 1;
        let problem = match rt(sent) {
            Ok(back) => diff(sent, &back, &mut Vec::new()),
            Err(e) => Some(format!("does not decode: {e}")),
        };
        if let Some(p) = problem {
            self.failures.push(format!("{name} [{case}] {p}"));
        }
    }

    /// The instance of `schema` (member `member` at a root union), then each of its sites
    /// mutated on its own. Returns how many members a root union has (1 otherwise).
    fn run(
        &mut self,
        spec: &Value,
        name: &str,
        pointer: &str,
        member: usize,
        rt: RoundTrip,
    ) -> usize {
        let schema = spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{name}: no schema at {pointer}"));
        let mut gen = Instances::new(spec, member);
        let instance = gen.build(schema, &mut Vec::new(), 0);
        let root = gen.resolve(schema);
        let members = gen.union_members(root).map_or(1, |m| m.len());
        let label = if members > 1 {
            format!("{pointer} member {member}")
        } else {
            pointer.to_owned()
        };
        self.check(
            name,
            &format!("{label}: as built"),
            "as built",
            rt,
            &instance,
        );
        for (path, site) in &gen.sites {
            // A root union's own mutation is the same for each member: do it once.
            if path.is_empty() && matches!(site, Site::Union { .. }) && member > 0 {
                continue;
            }
            if let Some(sent) = mutate(&instance, path, site) {
                let case = format!("{label}: {} at {}", site.kind(), render(path));
                self.check(name, &case, site.kind(), rt, &sent);
            }
        }
        members
    }
}

#[test]
fn every_model_and_webhook_event_round_trips_with_unknowns_and_nulls() {
    let spec = spec();
    let mut tally = Tally::default();
    for (name, pointers, rt, _) in MODELS {
        tally.types += 1;
        for pointer in *pointers {
            let mut member = 0;
            loop {
                let members = tally.run(&spec, name, pointer, member, *rt);
                member += 1;
                if member >= members {
                    break;
                }
            }
        }
    }
    let webhooks = spec["webhooks"].as_object().map_or(0, Map::len);
    assert_eq!(
        WEBHOOK_EVENTS.len(),
        webhooks,
        "every webhook of the spec has a payload type"
    );
    assert!(MODELS
        .iter()
        .any(|(n, p, _, _)| *n == "WebhookPayload" && p.len() == webhooks));

    println!(
        "round trip: {} types ({} webhook events), {} cases ({}), {} failures",
        tally.types,
        WEBHOOK_EVENTS.len(),
        tally.cases,
        tally
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        tally.failures.len()
    );
    for f in tally.failures.iter() {
        println!("  FAILED {f}");
    }
    assert!(tally.types >= 1000, "expected every generated type");
    assert!(
        tally.failures.is_empty(),
        "{} round trips lost or changed data",
        tally.failures.len()
    );
}

/// The test can fail: a decoder that drops an unknown property, a null or an enum value is
/// caught with the path of what it lost.
#[test]
fn the_comparison_names_what_was_lost() {
    let sent = json!({"a": {"b": [1, {"c": null}]}, "d": 1.0, "t": "2025-01-02T03:04:05+00:00"});
    let same = json!({"a": {"b": [1, {"c": null}]}, "d": 1, "t": "2025-01-02T03:04:05Z"});
    assert_eq!(diff(&sent, &same, &mut Vec::new()), None);
    let lost = json!({"a": {"b": [1, {}]}, "d": 1, "t": "2025-01-02T03:04:05Z"});
    assert_eq!(
        diff(&sent, &lost, &mut Vec::new()).as_deref(),
        Some("$.a.b[1].c: sent null, lost")
    );
    let changed = json!({"a": {"b": [2, {"c": null}]}, "d": 1, "t": "2025-01-02T03:04:05Z"});
    assert_eq!(
        diff(&sent, &changed, &mut Vec::new()).as_deref(),
        Some("$.a.b[0]: sent 1, written back as 2")
    );
}
