//! Webhook verification against the vectors of `tests/fixtures/webhooks/vectors.json`, which
//! `scripts/webhook-vectors.py` signs with the Standard Webhooks reference library: every
//! vector's exact outcome, through both the `(name, value)` pairs and the `http::HeaderMap`
//! entry points; signing reproduces the reference's signatures; nothing a stranger can send
//! panics; the secret is in no error.

use base64::Engine as _;
use polarsh_core::json::{to_vec, ToJson};
use polarsh_core::models::WebhookPayload;
use polarsh_core::webhooks::{Webhook, WebhookError, WebhookHeaders};
use serde_json::Value;
use std::collections::BTreeSet;

struct Vector {
    name: String,
    secret: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    now: i64,
    expected: Value,
}

fn vectors() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/webhooks/vectors.json"
    );
    let file: Value = serde_json::from_slice(&std::fs::read(path).expect("vectors.json"))
        .expect("vectors.json is JSON");
    let str_of = |v: &Value| v.as_str().expect("a string").to_owned();
    file["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| Vector {
            name: str_of(&v["name"]),
            secret: str_of(&v["secret"]),
            headers: v["headers"]
                .as_array()
                .expect("headers")
                .iter()
                .map(|h| (str_of(&h[0]), str_of(&h[1])))
                .collect(),
            body: base64::engine::general_purpose::STANDARD
                .decode(v["body_base64"].as_str().expect("body_base64"))
                .expect("body is base64"),
            now: v["now"].as_i64().expect("now"),
            expected: v["expected"].clone(),
        })
        .collect()
}

fn header_map(headers: &[(String, String)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (k, v) in headers {
        let name = http::HeaderName::from_bytes(k.as_bytes()).expect("header name");
        map.append(name, http::HeaderValue::from_str(v).expect("header value"));
    }
    map
}

/// The outcome in the fixture's terms: `{"ok": true, "event_type": ...}` or
/// `{"ok": false, "error": kind[, "header": name]}`.
fn outcome(result: &Result<WebhookPayload, WebhookError>) -> Value {
    match result {
        Ok(event) => serde_json::json!({"ok": true, "event_type": event.event_type()}),
        Err(WebhookError::MissingHeader(h)) | Err(WebhookError::InvalidHeader(h)) => {
            serde_json::json!({"ok": false, "error": result.as_ref().unwrap_err().kind(), "header": h})
        }
        Err(e) => serde_json::json!({"ok": false, "error": e.kind()}),
    }
}

fn assert_secret_hidden(secret: &str, text: &str, name: &str) {
    let key = secret.strip_prefix("whsec_").unwrap_or(secret);
    assert!(
        !text.contains(secret) && !text.contains(key),
        "{name}: secret leaked in {text:?}"
    );
}

#[test]
fn every_vector_has_its_exact_outcome() {
    let vectors = vectors();
    assert!(vectors.len() >= 78, "{} vectors", vectors.len());
    let mut failures = Vec::new();
    for v in &vectors {
        let webhook = Webhook::new(&v.secret).expect("secret");
        let by_pairs = webhook.verify_pairs(&v.headers, &v.body, v.now);
        let by_map = webhook.verify(&header_map(&v.headers), &v.body, v.now);
        let got = outcome(&by_pairs);
        if got != v.expected {
            failures.push(format!("{}: expected {}, got {got}", v.name, v.expected));
        }
        assert_eq!(
            outcome(&by_map),
            got,
            "{}: HeaderMap and pairs disagree",
            v.name
        );
        if let Err(e) = &by_pairs {
            assert_secret_hidden(&v.secret, &format!("{e} {e:?}"), &v.name);
        }
        assert_secret_hidden(&v.secret, &format!("{webhook:?}"), &v.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_event_type_is_covered_and_parses_into_its_variant() {
    let mut seen = BTreeSet::new();
    for v in vectors().iter().filter(|v| v.name.starts_with("event/")) {
        let event = Webhook::new(&v.secret)
            .unwrap()
            .verify_pairs(&v.headers, &v.body, v.now)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert!(
            !matches!(event, WebhookPayload::Unknown { .. }),
            "{}",
            v.name
        );
        // Nothing Polar sent is lost: the typed event writes back the same JSON.
        let sent: Value = serde_json::from_slice(&v.body).unwrap();
        assert_eq!(
            normalize(event.to_json()),
            normalize(sent),
            "{}: round trip",
            v.name
        );
        seen.insert(event.event_type().to_owned());
    }
    let all: BTreeSet<String> = WebhookPayload::TYPES
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(seen, all);
    assert_eq!(all.len(), 41);
}

/// Equal up to how date-times and numbers are spelled (`Z` vs `+00:00`, `1000` vs `1000.0`).
fn normalize(v: Value) -> Value {
    match v {
        Value::String(s) => {
            match time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339) {
                Ok(t) => Value::from(t.unix_timestamp()),
                Err(_) => Value::String(s),
            }
        }
        Value::Number(n) => Value::from(n.as_f64().unwrap_or_default()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

fn find(name: &str) -> Vector {
    vectors()
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

#[test]
fn properties_the_spec_lacks_stay_reachable() {
    let v = find("known-event/extra-fields");
    let event = Webhook::new(&v.secret)
        .unwrap()
        .verify_pairs(&v.headers, &v.body, v.now)
        .unwrap();
    let WebhookPayload::OrderPaid(paid) = event else {
        panic!("not order.paid: {event:?}")
    };
    assert_eq!(paid.extra.get("api_version"), Some(&Value::from("2026-10")));
    assert_eq!(
        paid.data.extra.get("loyalty_tier"),
        Some(&Value::from("gold"))
    );
    // ... and go back out as they came.
    let back: Value = serde_json::from_slice(&to_vec(&paid)).unwrap();
    assert_eq!(back["api_version"], "2026-10");
    assert_eq!(back["data"]["loyalty_tier"], "gold");

    let v = find("unknown-event/api_version");
    let event = Webhook::new(&v.secret)
        .unwrap()
        .verify_pairs(&v.headers, &v.body, v.now)
        .unwrap();
    let WebhookPayload::Unknown { type_, raw } = event else {
        panic!("not unknown: {event:?}")
    };
    assert_eq!(type_, "invoice.drafted");
    assert_eq!(raw["api_version"], "2026-10");
    assert_eq!(raw["data"]["lines"][0]["sku"], "a");
}

#[test]
fn signing_reproduces_the_reference() {
    let mut checked = 0;
    for v in vectors() {
        let single = !v.headers.iter().any(|(_, val)| val.contains(' '));
        if v.expected["ok"] != true || !single || v.name.starts_with("secret/") {
            continue;
        }
        let h = WebhookHeaders::from_pairs(&v.headers).unwrap();
        let ts: i64 = h.timestamp.parse().unwrap();
        let webhook = Webhook::new(&v.secret).unwrap();
        assert_eq!(webhook.sign(h.id, ts, &v.body), h.signature, "{}", v.name);
        let headers = webhook.signed_headers(h.id, ts, &v.body).unwrap();
        assert!(
            webhook.verify(&headers, &v.body, v.now).is_ok(),
            "{}",
            v.name
        );
        checked += 1;
    }
    assert!(checked >= 41, "{checked}");
    // The older raw secret signs with its bytes, as the reference did with them.
    let v = find("secret/raw-polar_whs");
    let h = WebhookHeaders::from_pairs(&v.headers).unwrap();
    let sig = polarsh_core::webhooks::sign(&v.secret, h.id, h.timestamp.parse().unwrap(), &v.body);
    assert_eq!(sig.as_deref(), Ok(h.signature));
}

/// A deterministic stream of awkward inputs: none may panic, all but the genuine ones fail
/// with a typed error that does not show the secret.
#[test]
fn garbage_from_strangers_never_panics() {
    let v = find("event/order.paid");
    let secret = v.secret.clone();
    let webhook = Webhook::new(&secret).unwrap();
    let h = WebhookHeaders::from_pairs(&v.headers).unwrap();
    let huge = vec![b'{'; 1 << 20];
    let bodies: [&[u8]; 6] = [&v.body, b"", b"\0", b"\xff\xfe\xfd", b"[]", &huge];
    let timestamps = [
        h.timestamp.to_owned(),
        i64::MAX.to_string(),
        i64::MIN.to_string(),
        "-0".into(),
        "0".into(),
        "99999999999999999999999999".into(),
        "1e10".into(),
        "NaN".into(),
        " ".into(),
        "\u{663}".into(),
    ];
    let signatures = [
        h.signature.to_owned(),
        "v1".into(),
        "v1,".into(),
        ",".into(),
        ",,,,".into(),
        "v1,=".into(),
        "v1,====".into(),
        "v1,\u{e9}\u{e9}".into(),
        format!("v1,AAAA {}", "v1,".repeat(2000)),
        "v1,".to_owned() + &"A".repeat(100_000),
    ];
    let ids = [h.id.to_owned(), "".into(), ".".into(), "\u{1f600}".into()];
    let nows = [v.now, i64::MIN, i64::MAX, 0, -1];
    let mut n = 0;
    for body in bodies {
        for ts in &timestamps {
            for sig in &signatures {
                for id in &ids {
                    let now = nows[n % nows.len()];
                    n += 1;
                    let pairs = [
                        ("webhook-id", id.as_str()),
                        ("webhook-timestamp", ts.as_str()),
                        ("webhook-signature", sig.as_str()),
                    ];
                    match webhook.verify_pairs(&pairs, body, now) {
                        Ok(_) => assert!(
                            body == v.body.as_slice()
                                && id == h.id
                                && sig == h.signature
                                && ts == h.timestamp
                        ),
                        Err(e) => assert_secret_hidden(&secret, &format!("{e} {e:?}"), "garbage"),
                    }
                }
            }
        }
    }
    assert!(n > 2000);
    // The huge body, genuinely signed: verified, then a decode error.
    let sig = webhook.sign(h.id, v.now, &huge);
    let pairs = [
        ("webhook-id", h.id),
        ("webhook-timestamp", &v.now.to_string()),
        ("webhook-signature", &sig),
    ];
    let err = webhook.verify_pairs(&pairs, &huge, v.now).unwrap_err();
    assert_eq!(err.kind(), "decode");
}

#[test]
fn secret_errors_do_not_show_it() {
    for secret in ["", "   ", "\n"] {
        assert_eq!(
            Webhook::new(secret).unwrap_err(),
            WebhookError::InvalidSecret
        );
    }
    let secret = "polar_whs_verysecretvalue";
    let w = Webhook::new(secret).unwrap();
    assert_secret_hidden(secret, &format!("{w:?}"), "debug");
    let e = w
        .verify_pairs(&[("webhook-id", "x")], b"{}", 0)
        .unwrap_err();
    assert_secret_hidden(secret, &format!("{e} {e:?}"), "missing");
}
