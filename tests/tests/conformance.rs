//! Conformance of every operation through Prism: each of the spec's operations is built by
//! the core from a minimal valid set of parameters (the spec's examples, the TypeScript
//! code sample's body), sent to Prism serving the vendored spec, checked for request
//! violations (Prism's `sl-violations` header), and its response parsed into the
//! operation's typed output.

use polar_tests::{sample_body, spec, Prism};
use polarsh_blocking::{Client, Config, Credential};
use polarsh_core::operations::{parse_by_id, request_by_id, ALL};
use polarsh_core::retry::RetryPolicy;
use serde_json::{json, Map, Value};

const UUID: &str = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";

/// A value for a parameter schema: its example, else something valid for its type.
fn value_for(spec: &Value, schema: &Value) -> Value {
    if let Some(ex) = schema.get("examples").and_then(|e| e.get(0)) {
        return ex.clone();
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return value_for(spec, &spec["components"]["schemas"][name]);
    }
    if let Some(e) = schema.get("enum").and_then(|e| e.get(0)) {
        return e.clone();
    }
    if let Some(members) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        if let Some(m) = members
            .iter()
            .find(|m| m.get("type") != Some(&json!("null")))
        {
            return value_for(spec, m);
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([value_for(spec, &schema["items"])]),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            Some("date") => json!("2026-01-01"),
            Some(f) if f.starts_with("uuid") => json!(UUID),
            Some("uri") => json!("https://example.com/callback"),
            Some("email") => json!("ada@example.com"),
            _ => json!("acme"),
        },
    }
}

struct Case {
    id: String,
    /// The JSON request body's schema, when there is one.
    body_schema: Option<Value>,
    params: Value,
    success: u16,
    is_json_body: bool,
}

fn cases(spec: &Value) -> Vec<Case> {
    let mut out = Vec::new();
    for (_, item) in spec["paths"].as_object().into_iter().flatten() {
        for (_, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut params = Map::new();
            for p in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let required = p.get("required") == Some(&json!(true)) || p["in"] == "path";
                if required {
                    let name = p["name"].as_str().unwrap_or_default().to_owned();
                    params.insert(name, value_for(spec, &p["schema"]));
                }
            }
            let content = op.pointer("/requestBody/content");
            let is_json_body = content.and_then(|c| c.get("application/json")).is_some();
            if is_json_body {
                let sample = op["x-codeSamples"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|s| s["lang"] == "typescript")
                    .and_then(|s| s["source"].as_str())
                    .and_then(sample_body);
                if let Some(body) = sample {
                    params.insert("body".into(), body);
                }
            } else if let Some(form) =
                content.and_then(|c| c.get("application/x-www-form-urlencoded"))
            {
                params.insert("body".into(), form_body(spec, &form["schema"]));
            }
            let success = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(s, _)| s.parse::<u16>().ok())
                .filter(|s| (200..300).contains(s))
                .min()
                .unwrap_or(200);
            let body_schema = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned();
            out.push(Case {
                id: id.to_owned(),
                body_schema,
                params: Value::Object(params),
                success,
                is_json_body,
            });
        }
    }
    out
}

/// What Prism does not check in a request body: unknown properties and the non-standard
/// `uuid4` format. A small validator for those, plus types, enums and consts, resolving
/// `$ref` and trying each member of a union. Returns the first problem found.
fn check_body(spec: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return check_body(spec, &spec["components"]["schemas"][name], v, at);
    }
    if let Some(members) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let mut errors = Vec::new();
        for m in members {
            match check_body(spec, m, v, at) {
                Ok(()) => return Ok(()),
                Err(e) => errors.push(e),
            }
        }
        return Err(format!("{at}: matches no member of the union: {errors:?}"));
    }
    if let Some(c) = schema.get("const") {
        return if c == v {
            Ok(())
        } else {
            Err(format!("{at}: expected {c}, found {v}"))
        };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(v) {
            return Err(format!("{at}: {v} is not one of the enum's values"));
        }
    }
    let ty = schema.get("type").and_then(Value::as_str);
    let ok = match (ty, v) {
        (None, _) => true,
        (Some("null"), Value::Null) | (Some("boolean"), Value::Bool(_)) => true,
        (Some("integer"), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Some("number"), Value::Number(_)) => true,
        (Some("string"), Value::String(_)) | (Some("array"), Value::Array(_)) => true,
        (Some("object"), Value::Object(_)) => true,
        _ => false,
    };
    if !ok {
        return Err(format!("{at}: expected {}, found {v}", ty.unwrap_or("?")));
    }
    match v {
        Value::String(s) if schema.get("format") == Some(&json!("uuid4")) => {
            let hex = s.chars().filter(|c| c.is_ascii_hexdigit()).count();
            let dashes: Vec<usize> = s.match_indices('-').map(|(i, _)| i).collect();
            if s.len() != 36 || hex != 32 || dashes != [8, 13, 18, 23] {
                return Err(format!("{at}: {s:?} is not a UUID"));
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, x) in items.iter().enumerate() {
                    check_body(spec, item, x, &format!("{at}[{i}]"))?;
                }
            }
        }
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties");
            for (k, x) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(p) => check_body(spec, p, x, &format!("{at}.{k}"))?,
                    None => match extra {
                        Some(Value::Object(_)) => check_body(
                            spec,
                            &schema["additionalProperties"],
                            x,
                            &format!("{at}.{k}"),
                        )?,
                        Some(Value::Bool(true)) => {}
                        _ if props.is_none() => {}
                        _ => return Err(format!("{at}: unknown property `{k}`")),
                    },
                }
            }
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = r.as_str() {
                    if !map.contains_key(r) {
                        return Err(format!("{at}: missing required property `{r}`"));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A minimal valid form body: the first member of a union, its required properties.
fn form_body(spec: &Value, schema: &Value) -> Value {
    let schema = match schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(|m| m.get(0))
    {
        Some(first) => first,
        None => schema,
    };
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    let mut body = Map::new();
    for name in schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let prop = &schema["properties"][name];
        let v = prop
            .get("const")
            .cloned()
            .unwrap_or_else(|| value_for(spec, prop));
        body.insert(name.to_owned(), v);
    }
    Value::Object(body)
}

#[test]
fn every_operation_through_prism() {
    let spec = spec();
    let prism = Prism::start();
    let config = Config::with_base_url(prism.base_url());
    let client = Client::builder()
        .config(config.clone())
        .retry(RetryPolicy::none())
        .build();
    let mut failures = Vec::new();
    let mut passed = 0;
    let cases = cases(&spec);
    for case in &cases {
        let op = ALL
            .iter()
            .find(|o| o.id == case.id)
            .expect("operation in ALL");
        let credential = op
            .credentials
            .first()
            .map(|k| Credential::new(*k, "polar_test_token"));
        let request = match request_by_id(&case.id, &case.params, &config, credential.as_ref()) {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                failures.push(format!("{}: build: {e}", case.id));
                continue;
            }
            None => {
                failures.push(format!("{}: unknown to request_by_id", case.id));
                continue;
            }
        };
        if case.is_json_body && !case.params.get("body").is_some_and(|b| b.is_object()) {
            failures.push(format!("{}: no JSON body from the code sample", case.id));
            continue;
        }
        let line = format!("{} {}", request.method(), request.uri());
        if let Some(schema) = &case.body_schema {
            let sent: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
            if let Err(e) = check_body(&spec, schema, &sent, "$") {
                failures.push(format!(
                    "{}: {line}: the body breaks the spec: {e}",
                    case.id
                ));
                continue;
            }
        }
        let mut request = request;
        request.headers_mut().insert(
            "prefer",
            http::HeaderValue::from_str(&format!("code={}", case.success)).expect("header"),
        );
        let response = match client.execute(request, false) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {line}: transport: {e}", case.id));
                continue;
            }
        };
        if let Some(v) = response.headers().get("sl-violations") {
            let violations: Value = serde_json::from_slice(v.as_bytes()).unwrap_or(Value::Null);
            let errors: Vec<&Value> = violations
                .as_array()
                .into_iter()
                .flatten()
                // Prism also reports its own canned responses that match both branches of a
                // oneOf (`Product.prices`): only what it says of our request counts.
                .filter(|x| x["severity"] == "Error" && x["location"][0] == "request")
                .collect();
            if !errors.is_empty() {
                failures.push(format!(
                    "{}: {line}: Prism found request violations: {errors:?}",
                    case.id
                ));
                continue;
            }
        }
        match parse_by_id(&case.id, &response) {
            Some(Ok(_)) => passed += 1,
            Some(Err(e)) => failures.push(format!(
                "{}: {line}: status {}: {e}",
                case.id,
                response.status()
            )),
            None => failures.push(format!("{}: unknown to parse_by_id", case.id)),
        }
    }
    println!(
        "prism: {} operations, {passed} passed, {} failed",
        cases.len(),
        failures.len()
    );
    for f in &failures {
        println!("  FAILED {f}");
    }
    assert_eq!(cases.len(), ALL.len());
    assert!(failures.is_empty(), "{} operations failed", failures.len());
}

#[test]
fn the_body_check_catches_what_prism_lets_through() {
    let spec = spec();
    let schema = json!({"$ref": "#/components/schemas/CustomerSessionCustomerIDCreate"});
    let ok = json!({"customer_id": UUID});
    assert_eq!(check_body(&spec, &schema, &ok, "$"), Ok(()));
    let unknown = json!({"customer_id": UUID, "customer_idd": UUID});
    assert!(check_body(&spec, &schema, &unknown, "$").is_err());
    let not_uuid = json!({"customer_id": "not-a-uuid"});
    assert!(check_body(&spec, &schema, &not_uuid, "$").is_err());
    assert!(check_body(&spec, &schema, &json!({}), "$").is_err());
}
