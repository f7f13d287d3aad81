//! No secret in any output: every type with a secret field, and every error that can carry a
//! body holding one, printed with `Debug` and `Display` (in the core, the blocking client and
//! the C ABI), shows no access token, refresh token, client secret, customer session token,
//! webhook secret or PKCE verifier.

use polar_tests::generated::types::MODELS;
use polar_tests::instances::Instances;
use polar_tests::spec;
use polarsh_core::json::{FromJson, Path};
use polarsh_core::models::TokenResponse;
use polarsh_core::operation::{self, parse_api_error, parse_json, unexpected_status};
use polarsh_core::redact::SECRET_KEYS;
use polarsh_core::Operation;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Replaces the string value of every secret property in `v` by a marker, returning them.
fn plant(v: &mut Value, markers: &mut Vec<String>, keys: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) && v.is_string() {
                    let marker = format!("SECRET-{k}-{:04}-marker", markers.len());
                    *v = Value::String(marker.clone());
                    markers.push(marker);
                    keys.insert(k.clone());
                } else {
                    plant(v, markers, keys);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| plant(v, markers, keys)),
        _ => {}
    }
}

fn response(status: u16, body: &[u8]) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body.to_vec());
    *r.status_mut() = http::StatusCode::from_u16(status).expect("status");
    r
}

/// Every way an error keeps a response body, for `body`: a decode error of a success, each
/// declared error status, an undeclared status, the blocking client's error around them, and
/// the C ABI's error (message and body). Their `Debug` and `Display`, one string each.
fn error_outputs(body: &[u8]) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    // A success whose body does not match (the body of another type): `Error::Decode`.
    if let Err(e) = parse_json::<polarsh_core::models::CustomerState>(&response(200, body)) {
        errors.push(e);
    }
    for status in [400, 401, 402, 403, 404, 409, 410, 412, 422, 429, 418] {
        errors.push(parse_api_error(&response(status, body)));
    }
    errors.push(unexpected_status(&response(500, body)));
    let mut out: Vec<(String, String)> = errors
        .into_iter()
        // One error type for every client: what polarsh-blocking returns is this one.
        .map(|e: polarsh_blocking::Error| (format!("{e:?}\n{e:#?}"), e.to_string()))
        .collect();

    // The C ABI: the error of a response that does not match its operation.
    let op = b"customer-sessions:create";
    let mut json_out = polarsh_ffi::PolarBuffer::default();
    let mut err = polarsh_ffi::PolarError::default();
    // SAFETY: the pointers are to live buffers of the given lengths and zeroed structs.
    let code = unsafe {
        polarsh_ffi::polar_parse_response(
            op.as_ptr(),
            op.len(),
            201,
            std::ptr::null(),
            0,
            body.as_ptr(),
            body.len(),
            &mut json_out,
            &mut err,
        )
    };
    if code != polarsh_ffi::POLAR_OK {
        let text = |b: &polarsh_ffi::PolarBuffer| {
            String::from_utf8_lossy(&b.to_vec().unwrap_or_default()).into_owned()
        };
        out.push((
            format!("{}\n{}", text(&err.kind), text(&err.body)),
            text(&err.message),
        ));
    }
    // SAFETY: both were filled by the call above (or are still zeroed).
    unsafe {
        polarsh_ffi::polar_buffer_free(&mut json_out);
        polarsh_ffi::polar_error_free(&mut err);
    }
    out
}

fn assert_hidden(what: &str, shown: &str, markers: &[String]) {
    for m in markers {
        assert!(!shown.contains(m.as_str()), "{what} shows {m}:\n{shown}");
    }
}

#[test]
fn no_type_with_a_secret_field_and_no_error_shows_it() {
    let spec = spec();
    let (mut types, mut bodies) = (BTreeSet::new(), 0);
    let mut keys = BTreeSet::new();
    for (name, pointers, _, debug) in MODELS {
        for pointer in *pointers {
            let schema = spec.pointer(pointer).expect("schema");
            let mut instance = Instances::new(&spec, 0).build(schema, &mut Vec::new(), 0);
            if *name == "AuthorizationCodeTokenRequest" {
                // Added by the generator (RFC 7636's PKCE verifier), not in Polar's schema.
                instance["code_verifier"] = json!("verifier");
            }
            let mut markers = Vec::new();
            plant(&mut instance, &mut markers, &mut keys);
            if markers.is_empty() {
                continue;
            }
            types.insert(*name);
            let shown = debug(&instance).unwrap_or_else(|e| panic!("{name} does not decode: {e}"));
            assert_hidden(name, &shown, &markers);
            assert!(shown.contains("***"), "{name}: {shown}");

            // The same body kept by every error, whole and cut inside the first secret.
            let text = serde_json::to_vec(&instance).expect("JSON");
            let cut = text
                .windows(markers[0].len())
                .position(|w| w == markers[0].as_bytes())
                .map_or(text.len(), |i| i + 10);
            for body in [&text[..], &text[..cut]] {
                bodies += 1;
                for (debug, display) in error_outputs(body) {
                    assert_hidden(&format!("an error of a {name} body"), &debug, &markers);
                    assert_hidden(&format!("an error of a {name} body"), &display, &markers);
                }
            }
        }
    }
    println!(
        "secrets: {} types with secret fields, {} bodies through every error path, keys {:?}",
        types.len(),
        bodies,
        keys
    );
    for key in SECRET_KEYS {
        assert!(
            keys.contains(*key),
            "no type exercised the secret key `{key}`"
        );
    }
    for name in [
        "TokenResponse",
        "CustomerSession",
        "WebhookEndpoint",
        "AuthorizationCodeTokenRequest",
        "RefreshTokenRequest",
        "Checkout",
    ] {
        assert!(types.contains(name), "{name} has a secret field");
    }
}

/// The token response of the issue: `token_type` in lower case (RFC 6749 allows any case) is
/// accepted; `expires_in` as a string fails, and the error shows neither token.
#[test]
fn token_responses_decode_in_any_case_and_their_errors_hide_the_tokens() {
    let token = |token_type: &str, expires_in: Value| {
        serde_json::to_vec(&json!({
            "access_token": "polar_at_LEAKED_ACCESS",
            "token_type": token_type,
            "expires_in": expires_in,
            "refresh_token": "polar_rt_LEAKED_REFRESH",
            "scope": "openid",
            "id_token": "eyJLEAKED_ID"
        }))
        .expect("JSON")
    };
    for case in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = polarsh_core::operations::oauth2::Token::parse(&response(
            200,
            &token(case, json!(3600)),
        ));
        let t: TokenResponse = r.unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(t.access_token.expose(), "polar_at_LEAKED_ACCESS");
    }
    let e = TokenResponse::from_json(&json!({"token_type": "mac"}), &Path::Root).expect_err("mac");
    assert!(e.to_string().contains("Bearer"), "{e}");

    let markers = [
        "polar_at_LEAKED_ACCESS",
        "polar_rt_LEAKED_REFRESH",
        "eyJLEAKED_ID",
    ]
    .map(String::from);
    let body = token("bearer", json!("3600"));
    let e = polarsh_core::operations::oauth2::Token::parse(&response(200, &body))
        .expect_err("a string");
    assert!(matches!(e, polarsh_core::Error::Decode { .. }));
    let blocking: polarsh_blocking::Error = e;
    assert_hidden(
        "the token decode error",
        &format!("{blocking:?} {blocking}"),
        &markers,
    );
    let polarsh_blocking::Error::Decode { body, .. } = &blocking else {
        panic!("a decode error")
    };
    let kept = String::from_utf8_lossy(body);
    assert!(
        kept.contains(r#""access_token":"***""#) && kept.contains(r#""expires_in":"3600""#),
        "{kept}"
    );

    // A customer session with one bad date: the session token stays hidden.
    let session = serde_json::to_vec(&json!({
        "id": "x", "token": "polar_cst_LEAKED_SESSION", "expires_at": "tomorrow",
        "return_url": null, "customer_portal_url": "https://x", "customer_id": "c", "customer": {}
    }))
    .expect("JSON");
    let e = polarsh_core::operations::customer_sessions::Create::parse(&response(201, &session))
        .expect_err("a bad date");
    assert_hidden(
        "the session decode error",
        &format!("{e:?} {e}"),
        &["polar_cst_LEAKED_SESSION".into()],
    );
}

#[test]
fn credentials_pkce_and_webhook_secrets_never_show() {
    let pkce =
        polarsh_core::oauth::Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
            .expect("verifier");
    let op = polarsh_core::oauth::exchange_code(
        "ci",
        "cs_LEAKED_CLIENT",
        "code",
        "https://x.example/cb",
        Some(&pkce),
    );
    let refresh = polarsh_core::oauth::refresh("ci", "cs_LEAKED_CLIENT", "rt_LEAKED_REFRESH");
    let markers = ["dBjftJeZ4CVP", "cs_LEAKED_CLIENT", "rt_LEAKED_REFRESH"].map(String::from);
    assert_hidden("exchange_code", &format!("{op:?} {pkce:?}"), &markers);
    assert_hidden("refresh", &format!("{refresh:?}"), &markers);
    // The verifier is sent all the same.
    let req = op
        .request(&polarsh_core::Config::sandbox(), None)
        .expect("request");
    assert!(String::from_utf8_lossy(req.body()).contains("code_verifier=dBjftJeZ4CVP"));

    let credential = polarsh_core::Credential::organization_token("polar_oat_LEAKED");
    assert_hidden(
        "a credential",
        &format!("{credential:?}"),
        &["polar_oat_LEAKED".into()],
    );

    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let webhook = polarsh_core::webhooks::Webhook::new(secret).expect("secret");
    let err = webhook
        .verify_pairs(
            &[
                ("webhook-id", "m"),
                ("webhook-timestamp", "1"),
                ("webhook-signature", "v1,AAAA"),
            ],
            b"{}",
            1,
        )
        .expect_err("a wrong signature");
    let hidden = ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string()];
    assert_hidden("a webhook", &format!("{webhook:?} {err:?} {err}"), &hidden);

    // `operation::build` never puts a token in an error either.
    let e = polarsh_core::operations::customers::Get::new("x")
        .request(
            &polarsh_core::Config::sandbox(),
            Some(&polarsh_core::Credential::customer_session(
                "polar_cst_LEAKED",
            )),
        )
        .expect_err("customers:get takes no customer session");
    assert_hidden(
        "a build error",
        &format!("{e:?} {e}"),
        &["polar_cst_LEAKED".into()],
    );
    let _ = operation::MAX_ERROR_BODY;
}
