//! The spec's own data as test data: every `examples` value in the spec (components and
//! parameters) and every JSON request body in the `x-codeSamples` decodes into its generated
//! type and encodes back to an equal JSON value.

use polar_tests::generated::examples::{REQUEST_BODIES, SCHEMA_EXAMPLES};
use polar_tests::{sample_body, spec, RoundTrip};
use serde_json::Value;
use std::collections::BTreeMap;

fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Pointers of all schema nodes holding an `examples` array, walked independently of the
/// generator so that a location it forgot is a failure, not a skip.
fn example_sites(v: &Value, ptr: String, out: &mut Vec<(String, Vec<Value>)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(ex)) = m.get("examples") {
                out.push((ptr.clone(), ex.clone()));
            }
            for (k, child) in m {
                if k == "examples" || k == "x-codeSamples" {
                    continue;
                }
                example_sites(child, format!("{ptr}/{}", escape(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                example_sites(child, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn check(rt: RoundTrip, value: &Value) -> Result<(), String> {
    match rt(value) {
        Ok(back) if back == *value => Ok(()),
        Ok(back) => Err(format!("round trip changed the value: {value} -> {back}")),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn every_spec_example_round_trips() {
    let spec = spec();
    let table: BTreeMap<&str, RoundTrip> = SCHEMA_EXAMPLES.iter().copied().collect();
    let mut sites = Vec::new();
    for root in ["components", "paths"] {
        if let Some(v) = spec.get(root) {
            example_sites(v, format!("/{root}"), &mut sites);
        }
    }
    let (mut total, mut passed, mut failures) = (0, 0, Vec::new());
    for (ptr, examples) in &sites {
        for (i, ex) in examples.iter().enumerate() {
            total += 1;
            let outcome = match table.get(ptr.as_str()) {
                Some(rt) => check(*rt, ex),
                None => Err("no generated type for this location".into()),
            };
            match outcome {
                Ok(()) => passed += 1,
                Err(e) => failures.push(format!("{ptr} examples[{i}]: {e}")),
            }
        }
    }

    let bodies: BTreeMap<&str, RoundTrip> = REQUEST_BODIES.iter().copied().collect();
    let mut sample_total = 0;
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if op
                .pointer("/requestBody/content/application~1json")
                .is_none()
            {
                continue;
            }
            let samples = op.get("x-codeSamples").and_then(Value::as_array);
            for s in samples.into_iter().flatten() {
                if s.get("lang").and_then(Value::as_str) != Some("typescript") {
                    continue;
                }
                let source = s.get("source").and_then(Value::as_str).unwrap_or_default();
                total += 1;
                sample_total += 1;
                let outcome = match (sample_body(source), bodies.get(id)) {
                    (Some(body), Some(rt)) => check(*rt, &body),
                    (None, _) => Err("no JSON body found in the code sample".into()),
                    (_, None) => Err("no generated request body type".into()),
                };
                match outcome {
                    Ok(()) => passed += 1,
                    Err(e) => failures.push(format!("x-codeSamples of {id}: {e}")),
                }
            }
        }
    }

    println!(
        "{} example values and {sample_total} code-sample bodies",
        total - sample_total
    );
    println!(
        "examples: {total} examples, {passed} passed, {} failed",
        failures.len()
    );
    for f in &failures {
        println!("  FAILED {f}");
    }
    assert!(
        total >= 630 + 65,
        "expected at least 695 examples, found {total}"
    );
    assert!(failures.is_empty(), "{} examples failed", failures.len());
}
