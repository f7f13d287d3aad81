//! The C entry points called from Rust as a host would: the happy paths without a network,
//! and every kind of bad input (unknown operationId, parameters that don't match, the
//! response of another operation, wrong call order, double frees, NULL pointers, invalid
//! UTF-8 and JSON), each giving its documented code and never a crash. The exchanges (calls,
//! page and item walks, uploads) are driven with a fake clock and hand-made responses: the
//! retries, waits and page walks the tests see are the core's decisions.

use polarsh_ffi::*;
use std::ptr::{null, null_mut};

const CONFIG: &str = r#"{"base_url":"http://127.0.0.1:1","token":"polar_oat_abi"}"#;

fn text(b: &PolarBuffer) -> String {
    String::from_utf8(b.to_vec().expect("a live buffer")).expect("UTF-8")
}

/// An error's code, kind and message; frees it.
fn take(err: &mut PolarError) -> (i32, String, String) {
    let out = (err.code, text(&err.kind), text(&err.message));
    // SAFETY: a PolarError the library filled.
    assert_eq!(unsafe { polar_error_free(err) }, POLAR_OK);
    out
}

fn build(op: &[u8], params: &[u8], config: &[u8], out: &mut PolarRequest) -> (i32, PolarError) {
    let mut err = PolarError::default();
    // SAFETY: every pointer comes from a live slice or reference.
    let rc = unsafe {
        polar_build_request(
            op.as_ptr(),
            op.len(),
            params.as_ptr(),
            params.len(),
            config.as_ptr(),
            config.len(),
            out,
            &mut err,
        )
    };
    (rc, err)
}

fn parse(op: &str, status: u16, headers: &str, body: &[u8]) -> Result<String, (i32, PolarError)> {
    let mut out = PolarBuffer::default();
    let mut err = PolarError::default();
    // SAFETY: every pointer comes from a live slice or reference.
    let rc = unsafe {
        polar_parse_response(
            op.as_ptr(),
            op.len(),
            status,
            headers.as_ptr(),
            headers.len(),
            body.as_ptr(),
            body.len(),
            &mut out,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        assert!(out.is_empty_handle(), "no output on failure");
        assert_eq!(err.code, rc);
        return Err((rc, err));
    }
    let s = text(&out);
    // SAFETY: a buffer the library filled.
    assert_eq!(unsafe { polar_buffer_free(&mut out) }, POLAR_OK);
    Ok(s)
}

#[test]
fn builds_the_seed_example() {
    let mut req = PolarRequest::default();
    let params = br#"{"body":{"customer_id":"00000000-0000-4000-8000-000000000000"}}"#;
    let (rc, _) = build(
        b"customer-sessions:create",
        params,
        CONFIG.as_bytes(),
        &mut req,
    );
    assert_eq!(rc, POLAR_OK);
    assert_eq!(text(&req.method), "POST");
    assert_eq!(text(&req.url), "http://127.0.0.1:1/v1/customer-sessions/");
    assert_eq!(text(&req.target), "/v1/customer-sessions/");
    let headers = text(&req.headers);
    assert!(
        headers.contains("authorization: Bearer polar_oat_abi\r\n"),
        "{headers}"
    );
    assert!(headers.contains("content-type: application/json\r\n"));
    assert!(headers.ends_with("\r\n"));
    assert_eq!(
        text(&req.body),
        r#"{"customer_id":"00000000-0000-4000-8000-000000000000"}"#
    );
    // Buffers are NUL-terminated.
    // SAFETY: the library guarantees data[len] == 0 for live buffers.
    assert_eq!(unsafe { *req.method.data.add(req.method.len) }, 0);
    // SAFETY: a request the library filled.
    assert_eq!(unsafe { polar_request_free(&mut req) }, POLAR_OK);
    assert!(req.method.is_empty_handle() && req.body.is_empty_handle());
}

#[test]
fn the_kind_comes_from_the_token_and_the_organization_is_sent() {
    // No `credential` key: a `polar_pat_` token is a personal token (which `products:list`
    // accepts), sent with the organization it acts in.
    let config =
        br#"{"base_url":"http://127.0.0.1:1","token":"polar_pat_abi","organization":"org-1"}"#;
    let mut req = PolarRequest::default();
    let (rc, _) = build(b"products:list", b"{}", config, &mut req);
    assert_eq!(rc, POLAR_OK);
    let headers = text(&req.headers);
    assert!(
        headers.contains("authorization: Bearer polar_pat_abi\r\n"),
        "{headers}"
    );
    assert!(
        headers.contains("polar-organization: org-1\r\n"),
        "{headers}"
    );
    // SAFETY: a request the library filled.
    assert_eq!(unsafe { polar_request_free(&mut req) }, POLAR_OK);

    // Declared an organization token, the token says personal: refused, nothing built.
    let config = br#"{"token":"polar_pat_abi","credential":"organization_token"}"#;
    let mut req = PolarRequest::default();
    let (rc, mut err) = build(b"products:list", b"{}", config, &mut req);
    assert_eq!(rc, POLAR_ERR_BUILD);
    let (_, kind, message) = take(&mut err);
    assert_eq!(kind, "token_kind_mismatch", "{message}");
    assert!(req.method.is_empty_handle());
}

#[test]
fn parses_a_response_and_reports_declared_errors() {
    let session = parse(
        "customer-sessions:create",
        201,
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n",
        br#"{"id":"s","token":"polar_cst_x","expires_at":"2026-01-01T00:00:00Z","return_url":null,
            "customer_portal_url":"https://polar.sh/portal","customer_id":"c",
            "created_at":"2026-01-01T00:00:00Z","modified_at":null,
            "customer":{"id":"c","type":"individual"}}"#,
    );
    // Whether this hand-made body decodes depends on the customer model; the point here is
    // that either way the answer is a result or a decode error, never anything else.
    match session {
        Ok(json) => assert!(json.contains("customer_portal_url"), "{json}"),
        Err((rc, mut err)) => {
            assert_eq!(rc, POLAR_ERR_DECODE);
            take(&mut err);
        }
    }

    let (rc, mut err) = parse(
        "customer-sessions:create",
        422,
        "content-type: application/json",
        br#"{"detail":[{"loc":["body","customer_id"],"msg":"Field required","type":"missing"}]}"#,
    )
    .unwrap_err();
    assert_eq!(rc, POLAR_ERR_API);
    assert_eq!(err.status, 422);
    let model = text(&err.model);
    assert!(model.contains("Field required"), "{model}");
    assert!(!err.body.is_empty_handle());
    let (_, kind, message) = take(&mut err);
    assert_eq!(kind, "validation");
    assert!(message.contains("422"), "{message}");
}

#[test]
fn the_response_of_another_operation_is_a_decode_error() {
    let page = br#"{"items":[],"pagination":{"total_count":0,"max_page":0}}"#;
    // As a products page it parses.
    let json = parse("products:list", 200, "", page).expect("a products page");
    assert!(json.contains("pagination"));
    // As a customer session it does not.
    let (rc, mut err) = parse("customer-sessions:create", 201, "", page).unwrap_err();
    assert_eq!(rc, POLAR_ERR_DECODE);
    assert_eq!(err.status, 201);
    assert_eq!(err.body.to_vec().unwrap(), page.to_vec());
    let (_, kind, message) = take(&mut err);
    assert_eq!(kind, "decode");
    assert!(message.contains('$'), "names the JSON path: {message}");

    // Not JSON at all, a status nobody declared, a status that is no status, a bad header.
    let (rc, mut err) = parse("products:list", 200, "", b"<html>").unwrap_err();
    assert_eq!(rc, POLAR_ERR_DECODE);
    take(&mut err);
    let (rc, mut err) = parse("products:list", 418, "", b"teapot").unwrap_err();
    assert_eq!(rc, POLAR_ERR_UNEXPECTED_STATUS);
    assert_eq!(err.status, 418);
    take(&mut err);
    let (rc, mut err) = parse("products:list", 42, "", b"{}").unwrap_err();
    assert_eq!(rc, POLAR_ERR_INVALID_ARGUMENT);
    take(&mut err);
    let (rc, mut err) = parse("products:list", 200, "no colon", b"{}").unwrap_err();
    assert_eq!(rc, POLAR_ERR_INVALID_ARGUMENT);
    take(&mut err);
    let (rc, mut err) = parse("products:list", 200, "bad name: x", b"{}").unwrap_err();
    assert_eq!(rc, POLAR_ERR_INVALID_ARGUMENT);
    take(&mut err);
}

#[test]
fn unknown_operations_and_mismatched_parameters() {
    let mut req = PolarRequest::default();
    let config = CONFIG.as_bytes();
    /// operationId, params, config, expected code, expected kind.
    type Case<'a> = (&'a [u8], &'a [u8], &'a [u8], i32, &'a str);
    let cases: &[Case] = &[
        (
            b"products:frobnicate",
            b"{}",
            config,
            POLAR_ERR_UNKNOWN_OPERATION,
            "unknown_operation",
        ),
        (
            b"",
            b"{}",
            config,
            POLAR_ERR_UNKNOWN_OPERATION,
            "unknown_operation",
        ),
        (
            b"customer-sessions:create",
            br#"{"bogus":1}"#,
            config,
            POLAR_ERR_BUILD,
            "invalid_parameter",
        ),
        (
            b"customer-sessions:create",
            b"{}",
            config,
            POLAR_ERR_BUILD,
            "invalid_parameter",
        ),
        (
            b"products:get",
            b"{}",
            config,
            POLAR_ERR_BUILD,
            "invalid_parameter",
        ),
        (
            b"products:list",
            br#"{"limit":"ten"}"#,
            config,
            POLAR_ERR_BUILD,
            "invalid_parameter",
        ),
        (
            b"products:list",
            b"{}",
            b"{}",
            POLAR_ERR_BUILD,
            "missing_credential",
        ),
        (
            b"products:list",
            b"{}",
            br#"{"token":"t","credential":"customer_session"}"#,
            POLAR_ERR_BUILD,
            "credential_not_accepted",
        ),
        (
            b"products:list",
            b"{",
            config,
            POLAR_ERR_INVALID_JSON,
            "invalid_json",
        ),
        (
            b"products:list",
            b"",
            config,
            POLAR_ERR_INVALID_JSON,
            "invalid_json",
        ),
        (
            b"products:list",
            b"[]",
            config,
            POLAR_ERR_INVALID_JSON,
            "invalid_json",
        ),
        (
            b"products:list",
            b"{}",
            b"null",
            POLAR_ERR_INVALID_JSON,
            "invalid_json",
        ),
        (
            b"products:list",
            b"{}",
            br#"{"base_uri":"x"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_config",
        ),
        (
            b"products:list",
            b"{}",
            br#"{"server":"staging"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_config",
        ),
        (
            b"products:list",
            b"{}",
            br#"{"token":7}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_config",
        ),
        (
            b"products\xff:list",
            b"{}",
            config,
            POLAR_ERR_INVALID_UTF8,
            "invalid_utf8",
        ),
        (
            b"products:list",
            b"{\"query\":\"\xc3\"}",
            config,
            POLAR_ERR_INVALID_UTF8,
            "invalid_utf8",
        ),
        (
            b"products:list",
            b"{}",
            b"{\"token\":\"\xff\"}",
            POLAR_ERR_INVALID_UTF8,
            "invalid_utf8",
        ),
    ];
    for (op, params, config, want, want_kind) in cases {
        let (rc, mut err) = build(op, params, config, &mut req);
        let (code, kind, message) = take(&mut err);
        assert_eq!(
            (rc, kind.as_str()),
            (*want, *want_kind),
            "{} {}: {message}",
            String::from_utf8_lossy(op),
            String::from_utf8_lossy(params)
        );
        assert_eq!(code, rc);
        assert!(req.method.is_empty_handle(), "no output on failure");
        assert!(!message.contains("polar_oat_abi"), "no token in messages");
    }
    // A parameter of another operation.
    let (rc, mut err) = build(
        b"customer-sessions:create",
        br#"{"body":{"customer_id":"c"},"limit":10}"#,
        config,
        &mut req,
    );
    assert_eq!(rc, POLAR_ERR_BUILD);
    take(&mut err);
}

/// Found by fuzzing (fuzz/regressions/ffi/): a `base_url` with a `?` moved every path into
/// the query (`http://127.0?0.1:1` sent `GET ?0.1:1/v1/products/`, a `target` that is no
/// request target), one with a `#` dropped every path (all requests went to `/`), and one
/// with no scheme or host gave URLs a host cannot send to. Refused as the config they are.
#[test]
fn a_base_url_must_be_an_absolute_http_url_without_query_or_fragment() {
    for base in [
        "http://127.0?0.1:1",
        "http://127.0.0.1:1/?x=1",
        "http://127.0.0.1:1#frag",
        "",
        "/v1",
        "127.0.0.1:1",
        "ftp://127.0.0.1:1",
        "http://",
        "http:127.0.0.1",
    ] {
        let config = serde_json::json!({"base_url": base, "token": "polar_oat_abi"}).to_string();
        let mut req = PolarRequest::default();
        let (rc, mut err) = build(b"products:list", b"{}", config.as_bytes(), &mut req);
        let (_, kind, message) = take(&mut err);
        assert_eq!(
            (rc, kind.as_str()),
            (POLAR_ERR_INVALID_ARGUMENT, "invalid_config"),
            "{base:?}: {message}"
        );
        assert!(req.method.is_empty_handle());
        for new in [polar_pages_new as New, polar_items_new as New] {
            assert_eq!(
                start(new, "products:list", "{}", &config),
                Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_config".into())),
                "{base:?}"
            );
        }
        assert_eq!(
            call("products:list", "{}", &config, false),
            Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_config".into())),
            "{base:?}"
        );
        assert_eq!(
            ingest_new_with(&config, None, &SEED),
            Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_config".into())),
            "{base:?}"
        );
    }
    // A path (a proxy's prefix), https, a port, a trailing slash: every target a path.
    for (base, url) in [
        ("http://127.0.0.1:1", "http://127.0.0.1:1/v1/products/"),
        ("http://127.0.0.1:1/", "http://127.0.0.1:1/v1/products/"),
        (
            "https://proxy.example/polar",
            "https://proxy.example/polar/v1/products/",
        ),
        ("HTTPS://api.polar.sh", "https://api.polar.sh/v1/products/"),
    ] {
        let config = serde_json::json!({"base_url": base, "token": "polar_oat_abi"}).to_string();
        let mut req = PolarRequest::default();
        let (rc, mut err) = build(b"products:list", b"{}", config.as_bytes(), &mut req);
        assert_eq!(rc, POLAR_OK, "{base:?}: {:?}", take(&mut err));
        assert_eq!(text(&req.url), url);
        assert!(text(&req.target).starts_with('/'));
        // SAFETY: a request the library filled.
        assert_eq!(unsafe { polar_request_free(&mut req) }, POLAR_OK);
    }
}

#[test]
fn null_pointers_are_error_codes() {
    let mut req = PolarRequest::default();
    let mut err = PolarError::default();
    let c = CONFIG.as_bytes();
    // SAFETY (all calls below): NULL is what is being tested; every other pointer is live.
    unsafe {
        assert_eq!(
            polar_build_request(
                null(),
                0,
                b"{}".as_ptr(),
                2,
                c.as_ptr(),
                c.len(),
                &mut req,
                &mut err
            ),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(take(&mut err).1, "null_pointer");
        assert_eq!(
            polar_build_request(
                b"x".as_ptr(),
                1,
                null(),
                2,
                c.as_ptr(),
                c.len(),
                &mut req,
                &mut err
            ),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        assert_eq!(
            polar_build_request(
                b"x".as_ptr(),
                1,
                b"{}".as_ptr(),
                2,
                c.as_ptr(),
                c.len(),
                null_mut(),
                &mut err
            ),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        // `err` may be NULL: the code alone.
        assert_eq!(
            polar_build_request(null(), 0, null(), 0, null(), 0, null_mut(), null_mut()),
            POLAR_ERR_NULL_POINTER
        );
        // An optional buffer: NULL with length 0 is empty, NULL with a length is refused.
        let mut out = PolarBuffer::default();
        let op = "products:list";
        assert_eq!(
            polar_parse_response(
                op.as_ptr(),
                op.len(),
                200,
                null(),
                0,
                null(),
                7,
                &mut out,
                &mut err
            ),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        assert_eq!(
            polar_parse_response(
                op.as_ptr(),
                op.len(),
                200,
                null(),
                0,
                null(),
                0,
                &mut out,
                &mut err
            ),
            POLAR_ERR_DECODE
        );
        take(&mut err);
        assert_eq!(
            polar_webhook_verify(null(), 0, null(), 0, null(), 0, 0, &mut out, &mut err),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        assert_eq!(
            polar_operations(null_mut(), null_mut()),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(polar_buffer_free(null_mut()), POLAR_ERR_NULL_POINTER);
        assert_eq!(polar_request_free(null_mut()), POLAR_ERR_NULL_POINTER);
        assert_eq!(polar_error_free(null_mut()), POLAR_ERR_NULL_POINTER);
    }
}

#[test]
fn wrong_order_and_double_free() {
    let mut req = PolarRequest::default();
    let (rc, _) = build(b"products:list", b"{}", CONFIG.as_bytes(), &mut req);
    assert_eq!(rc, POLAR_OK);
    let url_id = req.url.id;
    // Building again into a request that still holds buffers: refused, nothing changed.
    let (rc, mut err) = build(b"products:list", b"{}", CONFIG.as_bytes(), &mut req);
    assert_eq!(rc, POLAR_ERR_OUT_NOT_EMPTY);
    assert_eq!(req.url.id, url_id);
    take(&mut err);

    // Reusing an error without freeing it: refused, and the error is left as it was.
    let mut fresh = PolarRequest::default();
    let (rc, mut err) = build(b"nope", b"{}", CONFIG.as_bytes(), &mut fresh);
    assert_eq!(rc, POLAR_ERR_UNKNOWN_OPERATION);
    let kind_id = err.kind.id;
    let c = CONFIG.as_bytes();
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_build_request(
            b"nope".as_ptr(),
            4,
            b"{}".as_ptr(),
            2,
            c.as_ptr(),
            c.len(),
            &mut fresh,
            &mut err,
        )
    };
    assert_eq!(rc, POLAR_ERR_OUT_NOT_EMPTY);
    assert_eq!(
        (err.code, err.kind.id),
        (POLAR_ERR_UNKNOWN_OPERATION, kind_id)
    );
    take(&mut err);

    // Double free through the same struct: harmless. Through a stale copy: detected.
    let stale = PolarBuffer {
        data: req.url.data,
        len: req.url.len,
        id: req.url.id,
    };
    let mut stale = stale;
    // SAFETY (the frees): structs the library filled, or copies of them, never dereferenced.
    unsafe {
        assert_eq!(polar_request_free(&mut req), POLAR_OK);
        assert_eq!(polar_request_free(&mut req), POLAR_OK);
        assert_eq!(polar_buffer_free(&mut stale), POLAR_ERR_INVALID_HANDLE);
        assert!(stale.is_empty_handle(), "a stale copy is zeroed");
        let mut garbage = PolarBuffer {
            data: b"x".as_ptr(),
            len: 1,
            id: u64::MAX,
        };
        assert_eq!(polar_buffer_free(&mut garbage), POLAR_ERR_INVALID_HANDLE);
        let mut empty_err = PolarError::default();
        assert_eq!(polar_error_free(&mut empty_err), POLAR_OK);
    }

    // A forged struct naming another live buffer by its (small, sequential) id, but not by
    // its pointer and length: refused, and the real buffer stays live for its owner.
    let mut victim = PolarRequest::default();
    let (rc, _) = build(b"products:list", b"{}", CONFIG.as_bytes(), &mut victim);
    assert_eq!(rc, POLAR_OK);
    let forgeries = [
        PolarBuffer {
            data: b"x".as_ptr(),
            len: victim.url.len,
            id: victim.url.id,
        },
        PolarBuffer {
            data: victim.url.data,
            len: victim.url.len + 1,
            id: victim.url.id,
        },
        PolarBuffer {
            data: victim.url.data,
            len: victim.url.len,
            id: victim.method.id,
        },
    ];
    // SAFETY (the frees): structs never dereferenced by the library.
    unsafe {
        for mut forged in forgeries {
            assert_eq!(polar_buffer_free(&mut forged), POLAR_ERR_INVALID_HANDLE);
            assert!(victim.url.is_live() && victim.method.is_live());
        }
        assert_eq!(victim.url.to_vec().map(|v| v.len()), Some(victim.url.len));
        assert_eq!(polar_request_free(&mut victim), POLAR_OK);
    }
    // SAFETY: as above.
    unsafe {
        let mut empty_err = PolarError::default();
        assert_eq!(polar_error_free(&mut empty_err), POLAR_OK);
    }

    // Outputs that still hold buffers are refused by every producing function.
    let mut ops = PolarBuffer::default();
    // SAFETY: live pointers.
    unsafe {
        assert_eq!(polar_operations(&mut ops, null_mut()), POLAR_OK);
        assert_eq!(
            polar_operations(&mut ops, null_mut()),
            POLAR_ERR_OUT_NOT_EMPTY
        );
        let op = "products:list";
        assert_eq!(
            polar_parse_response(
                op.as_ptr(),
                op.len(),
                200,
                null(),
                0,
                b"{}".as_ptr(),
                2,
                &mut ops,
                null_mut()
            ),
            POLAR_ERR_OUT_NOT_EMPTY
        );
        assert_eq!(polar_buffer_free(&mut ops), POLAR_OK);
    }
}

/// The operations marked paginated (those `polar_pages_new` walks) are exactly the
/// operations whose spec has a `page` parameter.
#[test]
fn paginated_matches_the_spec() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let version = std::fs::read_to_string(format!("{root}/spec/VERSION")).unwrap();
    let spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{root}/spec/polar-{}.openapi.json", version.trim())).unwrap(),
    )
    .unwrap();
    let mut want = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
                continue;
            };
            let has_page = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "page"));
            if has_page {
                want.push(id.to_owned());
            }
        }
    }
    want.sort();
    let mut out = PolarBuffer::default();
    // SAFETY: a live, empty buffer.
    assert_eq!(unsafe { polar_operations(&mut out, null_mut()) }, POLAR_OK);
    let ops: serde_json::Value = serde_json::from_str(&text(&out)).unwrap();
    // SAFETY: a buffer the library filled.
    unsafe { polar_buffer_free(&mut out) };
    let mut got: Vec<String> = ops
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["paginated"] == true)
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(
        ops.as_array().unwrap().len(),
        polarsh_core::operations::ALL.len()
    );
}

fn verify(headers: &str, body: &[u8], secret: &[u8], now: i64) -> Result<String, (i32, String)> {
    let mut out = PolarBuffer::default();
    let mut err = PolarError::default();
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_webhook_verify(
            headers.as_ptr(),
            headers.len(),
            body.as_ptr(),
            body.len(),
            secret.as_ptr(),
            secret.len(),
            now,
            &mut out,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        let (code, kind, _) = take(&mut err);
        return Err((code, kind));
    }
    let s = text(&out);
    // SAFETY: a buffer the library filled.
    unsafe { polar_buffer_free(&mut out) };
    Ok(s)
}

#[test]
fn webhook_verification() {
    let secret = "whsec_cG9sYXItZmZpLWFiaS10ZXN0LWtleS0wMTIzNDU2Nzg5";
    let body = br#"{"type":"polarsh_ffi.test","timestamp":"2026-01-01T00:00:00Z","data":{}}"#;
    let ts = 1_767_225_600;
    let sig = polarsh_core::webhooks::sign(secret, "msg_1", ts, body).unwrap();
    let headers =
        format!("Webhook-Id: msg_1\r\nwebhook-timestamp: {ts}\r\nwebhook-signature: {sig}\r\n");
    let event = verify(&headers, body, secret.as_bytes(), ts + 10).expect("a genuine delivery");
    assert!(event.contains("polarsh_ffi.test"), "{event}");
    let err = |kind: &str| Err((POLAR_ERR_WEBHOOK, kind.to_owned()));
    assert_eq!(
        verify(&headers, b"{}", secret.as_bytes(), ts),
        err("no_matching_signature")
    );
    assert_eq!(
        verify(&headers, body, secret.as_bytes(), ts + 301),
        err("timestamp_too_old")
    );
    assert_eq!(
        verify(&headers, body, secret.as_bytes(), ts - 301),
        err("timestamp_too_new")
    );
    assert_eq!(
        verify("", body, secret.as_bytes(), ts),
        err("missing_header")
    );
    assert_eq!(
        verify(&headers, body, b"whsec_b3RoZXI=", ts),
        err("no_matching_signature")
    );
    assert_eq!(verify(&headers, body, b"", ts), err("invalid_secret"));
    assert_eq!(
        verify(&headers, body, b"whsec_\xff", ts),
        Err((POLAR_ERR_INVALID_UTF8, "invalid_utf8".into()))
    );
    assert_eq!(
        verify("webhook-id msg_1", body, secret.as_bytes(), ts),
        Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_header".into()))
    );
    // Genuine, but not a webhook payload.
    let sig = polarsh_core::webhooks::sign(secret, "msg_2", ts, b"[1]").unwrap();
    let headers = format!("webhook-id: msg_2\nwebhook-timestamp: {ts}\nwebhook-signature: {sig}\n");
    assert_eq!(
        verify(&headers, b"[1]", secret.as_bytes(), ts),
        err("decode")
    );
}

#[test]
fn code_names() {
    let name = |code| {
        // SAFETY: polar_code_name returns a static NUL-terminated string.
        unsafe { std::ffi::CStr::from_ptr(polar_code_name(code)) }
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(name(POLAR_OK), "POLAR_OK");
    assert_eq!(name(POLAR_ERR_DECODE), "POLAR_ERR_DECODE");
    assert_eq!(name(POLAR_ERR_PANIC), "POLAR_ERR_PANIC");
    assert_eq!(name(7), "POLAR_ERR_UNKNOWN_CODE");
}

// ---- exchanges: the core's state machines behind handles ----

/// 2026-01-01T00:00:00Z, in milliseconds: the fake clock starts here.
const T0: u64 = 1_767_225_600_000;

/// What one poll gave, with the step's buffers copied out and freed.
#[derive(Debug)]
struct Polled {
    rc: i32,
    kind: i32,
    attempt: u32,
    /// SEND: method, URL, header lines, body.
    request: Option<(String, String, String, Vec<u8>)>,
    timeout_ms: u64,
    max_response_bytes: u64,
    wait_ms: u64,
    /// DONE / PROGRESS with POLAR_OK: the result JSON.
    result: Option<serde_json::Value>,
    /// A failed DONE: the error's kind and message.
    error: Option<(String, String)>,
}

impl Polled {
    fn send(&self) -> &(String, String, String, Vec<u8>) {
        assert_eq!(
            (self.rc, self.kind),
            (POLAR_OK, POLAR_STEP_SEND),
            "{self:?}"
        );
        self.request.as_ref().unwrap()
    }

    fn wait(&self) -> u64 {
        assert_eq!(
            (self.rc, self.kind),
            (POLAR_OK, POLAR_STEP_WAIT),
            "{self:?}"
        );
        self.wait_ms
    }

    fn done(&self) -> &serde_json::Value {
        assert_eq!(
            (self.rc, self.kind),
            (POLAR_OK, POLAR_STEP_DONE),
            "{self:?}"
        );
        self.result.as_ref().unwrap()
    }

    fn failed(&self, code: i32) -> &str {
        assert_eq!((self.rc, self.kind), (code, POLAR_STEP_DONE), "{self:?}");
        &self.error.as_ref().unwrap().0
    }

    fn end(&self) {
        assert_eq!((self.rc, self.kind), (POLAR_OK, POLAR_STEP_END), "{self:?}");
    }
}

fn poll_at(handle: u64, now_ms: u64, jitter: f64) -> Polled {
    let mut step = PolarStep::default();
    let mut err = PolarError::default();
    // SAFETY: live, zeroed structs.
    let rc = unsafe { polar_exchange_poll(handle, now_ms, jitter, &mut step, &mut err) };
    let request = (step.kind == POLAR_STEP_SEND && rc == POLAR_OK).then(|| {
        (
            text(&step.request.method),
            text(&step.request.url),
            text(&step.request.headers),
            step.request.body.to_vec().unwrap(),
        )
    });
    let result = (rc == POLAR_OK && !step.result.is_empty_handle())
        .then(|| serde_json::from_str(&text(&step.result)).expect("result JSON"));
    let error = (rc != POLAR_OK).then(|| {
        let (code, kind, message) = take(&mut err);
        assert_eq!(code, rc);
        (kind, message)
    });
    if rc != POLAR_OK {
        assert!(step.result.is_empty_handle() && step.request.url.is_empty_handle());
    }
    let polled = Polled {
        rc,
        kind: step.kind,
        attempt: step.attempt,
        request,
        timeout_ms: step.timeout_ms,
        max_response_bytes: step.max_response_bytes,
        wait_ms: step.wait_ms,
        result,
        error,
    };
    // SAFETY: a step the library filled (or left zeroed).
    assert_eq!(unsafe { polar_step_free(&mut step) }, POLAR_OK);
    polled
}

fn poll(handle: u64) -> Polled {
    poll_at(handle, T0, 0.5)
}

type New = unsafe extern "C" fn(
    *const u8,
    usize,
    *const u8,
    usize,
    *const u8,
    usize,
    *mut u64,
    *mut PolarError,
) -> i32;

fn start(new: New, op: &str, params: &str, config: &str) -> Result<u64, (i32, String)> {
    let mut handle = 0;
    let mut err = PolarError::default();
    // SAFETY: live pointers.
    let rc = unsafe {
        new(
            op.as_ptr(),
            op.len(),
            params.as_ptr(),
            params.len(),
            config.as_ptr(),
            config.len(),
            &mut handle,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        assert_eq!(handle, 0);
        let (code, kind, _) = take(&mut err);
        return Err((code, kind));
    }
    assert_ne!(handle, 0);
    Ok(handle)
}

fn call(op: &str, params: &str, config: &str, repeatable: bool) -> Result<u64, (i32, String)> {
    let mut handle = 0;
    let mut err = PolarError::default();
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_call_new(
            op.as_ptr(),
            op.len(),
            params.as_ptr(),
            params.len(),
            config.as_ptr(),
            config.len(),
            repeatable,
            &mut handle,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        let (code, kind, _) = take(&mut err);
        return Err((code, kind));
    }
    Ok(handle)
}

fn respond(handle: u64, status: u16, headers: &str, body: &[u8]) -> i32 {
    // SAFETY: live pointers; `err` may be NULL.
    unsafe {
        polar_exchange_response(
            handle,
            status,
            headers.as_ptr(),
            headers.len(),
            body.as_ptr(),
            body.len(),
            null_mut(),
        )
    }
}

fn fault(handle: u64, kind: i32, message: &str) -> i32 {
    // SAFETY: live pointers; `err` may be NULL.
    unsafe { polar_exchange_fault(handle, kind, message.as_ptr(), message.len(), null_mut()) }
}

fn free(mut handle: u64) {
    // SAFETY: a live variable.
    assert_eq!(unsafe { polar_exchange_free(&mut handle) }, POLAR_OK);
    assert_eq!(handle, 0);
}

const JSON: &str = "content-type: application/json\r\n";

fn product(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "created_at": "2026-01-01T00:00:00Z", "modified_at": null,
        "trial_interval": null, "trial_interval_count": null, "name": format!("Product {id}"),
        "description": null, "visibility": "public", "recurring_interval": null,
        "recurring_interval_count": null, "meter_interval": null,
        "meter_interval_count": null, "is_recurring": false, "is_archived": false,
        "organization_id": "o1", "metadata": {}, "prices": [], "benefits": [], "medias": [],
        "attached_custom_fields": []
    })
}

/// A products page: `ids` as its items, `max_page` as announced.
fn products_page(ids: &[&str], max_page: i64) -> Vec<u8> {
    let items: Vec<_> = ids.iter().map(|id| product(id)).collect();
    serde_json::to_vec(&serde_json::json!({
        "items": items,
        "pagination": {"total_count": ids.len(), "max_page": max_page}
    }))
    .unwrap()
}

#[test]
fn a_call_sends_what_the_core_built_and_parses_the_answer() {
    let config = r#"{"base_url":"http://127.0.0.1:1","token":"polar_oat_abi",
        "headers":{"X-Trace":"t-1"},"request_timeout_ms":5000,"max_response_bytes":4096}"#;
    let h = call(
        "products:list",
        r#"{"limit":2,"is_archived":false}"#,
        config,
        false,
    )
    .unwrap();
    let step = poll(h);
    let (method, url, headers, body) = step.send();
    assert_eq!(method, "GET");
    assert!(url.starts_with("http://127.0.0.1:1/v1/products/?"), "{url}");
    assert!(url.contains("limit=2"), "{url}");
    assert!(headers.contains("authorization: Bearer polar_oat_abi\r\n"));
    assert!(headers.contains("x-trace: t-1\r\n"), "{headers}");
    assert!(body.is_empty());
    assert_eq!(step.attempt, 1);
    assert_eq!(step.timeout_ms, 5000);
    assert_eq!(step.max_response_bytes, 4096);
    assert_eq!(respond(h, 200, JSON, &products_page(&["p1"], 1)), POLAR_OK);
    let step = poll(h);
    let page = step.done();
    assert_eq!(page["items"][0]["id"], "p1");
    assert_eq!(step.attempt, 1);
    // Polled after it finished: the core says so.
    assert_eq!(poll(h).failed(POLAR_ERR_OUT_OF_ORDER), "out_of_order");
    free(h);

    // A declared error status ends the call with its code, status and model.
    let h = call("products:get", r#"{"id":"p1"}"#, CONFIG, false).unwrap();
    poll(h).send();
    let not_found = br#"{"error":"ResourceNotFound","detail":"Not found"}"#;
    assert_eq!(respond(h, 404, JSON, not_found), POLAR_OK);
    assert_eq!(poll(h).failed(POLAR_ERR_API), "not_found");
    free(h);

    // An operation without a response body: `null`.
    let h = call("benefits:delete", r#"{"id":"b1"}"#, CONFIG, false).unwrap();
    assert_eq!(poll(h).send().0, "DELETE");
    assert_eq!(respond(h, 204, "", b""), POLAR_OK);
    assert_eq!(poll(h).done(), &serde_json::Value::Null);
    free(h);
}

#[test]
fn retries_and_waits_are_the_cores_with_a_fake_clock() {
    let config = r#"{"base_url":"http://127.0.0.1:1","token":"polar_oat_abi",
        "max_attempts":3,"base_delay_ms":100,"max_delay_ms":5000}"#;
    let h = call("products:get", r#"{"id":"p1"}"#, config, false).unwrap();
    let mut now = T0;
    assert_eq!(poll_at(h, now, 0.5).attempt, 1);
    // 503 with Retry-After: 2 seconds, whatever the backoff says.
    assert_eq!(respond(h, 503, "retry-after: 2\r\n", b"busy"), POLAR_OK);
    assert_eq!(poll_at(h, now, 0.5).wait(), 2000);
    // Woken early: the rest of the wait.
    now += 1500;
    assert_eq!(poll_at(h, now, 0.5).wait(), 500);
    now += 500;
    let step = poll_at(h, now, 0.5);
    step.send();
    assert_eq!(step.attempt, 2);
    // Refused: backoff (100 ms doubled once for the second retry, jitter 0 takes half).
    assert_eq!(
        fault(h, POLAR_FAULT_NOT_SENT, "connection refused"),
        POLAR_OK
    );
    let wait = poll_at(h, now, 0.0).wait();
    assert!((1..=200).contains(&wait), "{wait}");
    now += wait;
    let step = poll_at(h, now, 0.5);
    step.send();
    assert_eq!(step.attempt, 3);
    // The third attempt is the last: its outcome is the result.
    assert_eq!(respond(h, 503, "", b"still busy"), POLAR_OK);
    let step = poll_at(h, now, 0.5);
    assert_eq!(
        step.failed(POLAR_ERR_UNEXPECTED_STATUS),
        "unexpected_status"
    );
    assert_eq!(step.attempt, 3);
    free(h);

    // A POST that may have reached the server is not sent again, unless repeatable.
    let params = r#"{"body":{"customer_id":"00000000-0000-4000-8000-000000000000"}}"#;
    let h = call("customer-sessions:create", params, CONFIG, false).unwrap();
    poll(h).send();
    assert_eq!(fault(h, POLAR_FAULT_INTERRUPTED, "reset"), POLAR_OK);
    let step = poll(h);
    assert_eq!(step.failed(POLAR_ERR_TRANSPORT), "interrupted");
    assert!(step.error.as_ref().unwrap().1.contains("reset"));
    free(h);
    let h = call("customer-sessions:create", params, CONFIG, true).unwrap();
    poll(h).send();
    assert_eq!(fault(h, POLAR_FAULT_INTERRUPTED, "reset"), POLAR_OK);
    assert!(poll(h).wait() > 0);
    free(h);
    // ... but a 429 is retried for every method: Polar did nothing.
    let h = call("customer-sessions:create", params, CONFIG, false).unwrap();
    poll(h).send();
    assert_eq!(respond(h, 429, "retry-after: 1\r\n", b"{}"), POLAR_OK);
    assert_eq!(poll(h).wait(), 1000);
    free(h);

    // The overall timeout: no wait outlasts it, and the call ends with a timeout.
    let config = r#"{"base_url":"http://127.0.0.1:1","token":"polar_oat_abi",
        "overall_timeout_ms":1000}"#;
    let h = call("products:get", r#"{"id":"p1"}"#, config, false).unwrap();
    let step = poll_at(h, T0, 0.5);
    step.send();
    assert_eq!(
        step.timeout_ms, 1000,
        "an attempt has no more than the time left"
    );
    assert_eq!(respond(h, 503, "retry-after: 5\r\n", b""), POLAR_OK);
    assert_eq!(
        poll_at(h, T0 + 10, 0.5).failed(POLAR_ERR_UNEXPECTED_STATUS),
        "unexpected_status"
    );
    free(h);

    // A body larger than the limit: not fetched again.
    let config = r#"{"base_url":"http://127.0.0.1:1","token":"polar_oat_abi",
        "max_response_bytes":10}"#;
    let h = call("products:get", r#"{"id":"p1"}"#, config, false).unwrap();
    poll(h).send();
    assert_eq!(fault(h, POLAR_FAULT_BODY_TOO_LARGE, ""), POLAR_OK);
    let step = poll(h);
    assert_eq!(step.failed(POLAR_ERR_TRANSPORT), "body_too_large");
    assert!(
        step.error.as_ref().unwrap().1.contains("10 bytes"),
        "{step:?}"
    );
    free(h);
    // The same when the host hands the whole body back: the core checks the limit.
    let h = call("products:get", r#"{"id":"p1"}"#, config, false).unwrap();
    poll(h).send();
    assert_eq!(
        respond(h, 200, JSON, &serde_json::to_vec(&product("p1")).unwrap()),
        POLAR_OK
    );
    assert_eq!(poll(h).failed(POLAR_ERR_TRANSPORT), "body_too_large");
    free(h);

    // A host that cannot sleep says so: the call ends with its fault.
    let h = call("products:get", r#"{"id":"p1"}"#, CONFIG, false).unwrap();
    poll(h).send();
    assert_eq!(respond(h, 503, "", b""), POLAR_OK);
    poll(h).wait();
    assert_eq!(fault(h, POLAR_FAULT_ABORTED, "shutting down"), POLAR_OK);
    assert_eq!(poll(h).failed(POLAR_ERR_TRANSPORT), "aborted");
    free(h);
}

#[test]
fn a_page_walk_follows_the_core_and_ends() {
    let h = start(polar_pages_new, "products:list", r#"{"limit":2}"#, CONFIG).unwrap();
    let mut urls = Vec::new();
    let pages: [&[&str]; 3] = [&["a", "b"], &["c", "d"], &["e"]];
    for ids in pages {
        urls.push(poll(h).send().1.clone());
        assert_eq!(respond(h, 200, JSON, &products_page(ids, 3)), POLAR_OK);
        let step = poll(h);
        assert_eq!(step.done()["items"].as_array().unwrap().len(), ids.len());
    }
    poll(h).end();
    poll(h).end();
    free(h);
    assert!(!urls[0].contains("page="), "{}", urls[0]);
    assert!(urls[1].contains("page=2"), "{}", urls[1]);
    assert!(urls[2].contains("page=3"), "{}", urls[2]);

    // An error ends the walk after reporting it.
    let h = start(polar_pages_new, "products:list", "{}", CONFIG).unwrap();
    poll(h).send();
    let invalid = br#"{"detail":[{"loc":["query","limit"],"msg":"too big","type":"x"}]}"#;
    assert_eq!(respond(h, 422, JSON, invalid), POLAR_OK);
    assert_eq!(poll(h).failed(POLAR_ERR_API), "validation");
    poll(h).end();
    free(h);

    // Items: one DONE per item, pages fetched as the walk reaches them.
    let h = start(polar_items_new, "products:list", r#"{"page":4}"#, CONFIG).unwrap();
    assert!(poll(h).send().1.contains("page=4"));
    assert_eq!(
        respond(h, 200, JSON, &products_page(&["a", "b"], 5)),
        POLAR_OK
    );
    assert_eq!(poll(h).done()["id"], "a");
    assert_eq!(poll(h).done()["id"], "b");
    assert!(poll(h).send().1.contains("page=5"));
    assert_eq!(respond(h, 200, JSON, &products_page(&["c"], 5)), POLAR_OK);
    assert_eq!(poll(h).done()["id"], "c");
    poll(h).end();
    free(h);
}

/// A server that keeps answering empty pages while announcing more would make a walk by
/// "has next" alone loop for ever; the core's walk ends at the first empty page.
#[test]
fn a_walk_never_loops_on_empty_pages_announcing_more() {
    let forever = products_page(&[], i64::MAX);
    let cursor_forever = br#"{"items":[],"pagination":{"has_next_page":true}}"#;
    for (new, op, body) in [
        (polar_pages_new as New, "products:list", forever.as_slice()),
        (polar_items_new as New, "products:list", forever.as_slice()),
        (
            polar_pages_new as New,
            "events:list",
            cursor_forever.as_slice(),
        ),
        (
            polar_items_new as New,
            "events:list",
            cursor_forever.as_slice(),
        ),
    ] {
        let h = start(new, op, "{}", CONFIG).unwrap();
        let mut sends = 0;
        let mut polls = 0;
        loop {
            polls += 1;
            assert!(polls < 100, "{op}: the walk does not end");
            let step = poll(h);
            match step.kind {
                POLAR_STEP_SEND => {
                    sends += 1;
                    assert_eq!(respond(h, 200, JSON, body), POLAR_OK);
                }
                POLAR_STEP_DONE => assert_eq!(step.rc, POLAR_OK),
                POLAR_STEP_END => break,
                other => panic!("{op}: step {other}"),
            }
        }
        assert_eq!(sends, 1, "{op}: one empty page ends the walk");
        free(h);
    }
    // The same server, but with items on every page, would be followed (it says there is
    // more): the rule that stops it is the empty page, not a page cap.
    let h = start(polar_pages_new, "products:list", "{}", CONFIG).unwrap();
    for _ in 0..5 {
        poll(h).send();
        assert_eq!(
            respond(h, 200, JSON, &products_page(&["x"], i64::MAX)),
            POLAR_OK
        );
        poll(h).done();
    }
    free(h);
}

fn upload_new(file: &str, data: &[u8], config: &str) -> Result<u64, (i32, String)> {
    let mut handle = 0;
    let mut err = PolarError::default();
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_upload_new(
            file.as_ptr(),
            file.len(),
            data.as_ptr(),
            data.len(),
            config.as_ptr(),
            config.len(),
            &mut handle,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        let (code, kind, _) = take(&mut err);
        return Err((code, kind));
    }
    Ok(handle)
}

fn file_json(size: usize) -> serde_json::Value {
    serde_json::json!({
        "id": "f1", "organization_id": "o1", "name": "report.pdf", "path": "o1/f1",
        "mime_type": "application/pdf", "size": size, "storage_version": null,
        "checksum_etag": null, "checksum_sha256_base64": null, "checksum_sha256_hex": null,
        "last_modified_at": null, "version": null, "service": "downloadable",
        "is_uploaded": true, "created_at": "2026-11-28T12:00:00Z",
        "flagged_malicious_at": null, "size_readable": format!("{size} B")
    })
}

#[test]
fn an_upload_is_driven_step_by_step() {
    let file = r#"{"service":"downloadable","name":"report.pdf","mime_type":"application/pdf",
        "part_size":4}"#;
    let data = b"0123456789";
    let h = upload_new(file, data, CONFIG).unwrap();
    // files:create, with the checksums the core computed.
    let step = poll(h);
    let (method, url, _, body) = step.send();
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "http://127.0.0.1:1/v1/files/")
    );
    let create: serde_json::Value = serde_json::from_slice(body).unwrap();
    let parts: Vec<serde_json::Value> = create["upload"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            serde_json::json!({
                "number": p["number"], "chunk_start": p["chunk_start"],
                "chunk_end": p["chunk_end"],
                "checksum_sha256_base64": p["checksum_sha256_base64"],
                "url": format!("https://storage.example/bucket/part{}?sig=x", p["number"]),
                "expires_at": "2026-11-28T13:00:00Z",
                "headers": {"x-amz-checksum-sha256": p["checksum_sha256_base64"]}
            })
        })
        .collect();
    assert_eq!(parts.len(), 3);
    let mut upload = file_json(10);
    let obj = upload.as_object_mut().unwrap();
    obj.remove("created_at");
    obj.remove("flagged_malicious_at");
    obj.insert(
        "upload".into(),
        serde_json::json!({"id": "u1", "path": "o1/f1", "parts": parts}),
    );
    assert_eq!(
        respond(h, 201, JSON, upload.to_string().as_bytes()),
        POLAR_OK
    );
    let progress = poll(h);
    assert_eq!(progress.kind, POLAR_STEP_PROGRESS);
    assert_eq!(progress.result.as_ref().unwrap()["parts"], 3);
    // Each part: a PUT to its presigned URL, without the token; the second fails once and
    // is retried on its own.
    for (n, bytes) in [(1, &b"0123"[..]), (2, b"4567"), (3, b"89")] {
        let step = poll(h);
        let (method, url, headers, body) = step.send();
        assert_eq!(method, "PUT");
        assert!(url.starts_with(&format!("https://storage.example/bucket/part{n}")));
        assert!(!headers.contains("authorization"), "{headers}");
        assert!(headers.contains("x-amz-checksum-sha256"), "{headers}");
        assert_eq!(body.as_slice(), bytes);
        if n == 2 {
            assert_eq!(respond(h, 503, "", b"<Error/>"), POLAR_OK);
            let wait = poll(h).wait();
            let step = poll_at(h, T0 + wait, 0.5);
            step.send();
            assert_eq!(step.attempt, 2);
        }
        assert_eq!(
            respond(h, 200, &format!("etag: \"e{n}\"\r\n"), b""),
            POLAR_OK
        );
        let progress = poll_at(h, T0 + 60_000, 0.5);
        assert_eq!(progress.kind, POLAR_STEP_PROGRESS, "{progress:?}");
        assert_eq!(progress.result.as_ref().unwrap()["parts_sent"], n);
    }
    // files:uploaded with the ETags, then the file.
    let step = poll(h);
    let (method, url, _, body) = step.send();
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "http://127.0.0.1:1/v1/files/f1/uploaded")
    );
    assert!(String::from_utf8_lossy(body).contains("\\\"e2\\\""));
    assert_eq!(
        respond(h, 200, JSON, file_json(10).to_string().as_bytes()),
        POLAR_OK
    );
    assert_eq!(poll(h).done()["id"], "f1");
    free(h);

    // What the core refuses comes with the first poll.
    let h = upload_new(file, b"", CONFIG).unwrap();
    assert_eq!(poll(h).failed(POLAR_ERR_UPLOAD), "empty_file");
    free(h);
    let h = upload_new(
        r#"{"service":"downloadable","name":"a","mime_type":"b","part_size":0}"#,
        b"x",
        CONFIG,
    )
    .unwrap();
    assert_eq!(poll(h).failed(POLAR_ERR_UPLOAD), "invalid_part_size");
    free(h);
    // A file spec that is not one.
    for bad in [
        r#"{"name":"a","mime_type":"b"}"#,
        r#"{"service":"downloadable","name":"a","mime_type":"b","size":1}"#,
        r#"{"service":"downloadable","name":1,"mime_type":"b"}"#,
        r#"{"service":"downloadable","name":"a","mime_type":"b","part_size":-1}"#,
    ] {
        assert_eq!(
            upload_new(bad, b"x", CONFIG),
            Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_file".into())),
            "{bad}"
        );
    }
    assert_eq!(
        upload_new("[]", b"x", CONFIG),
        Err((POLAR_ERR_INVALID_JSON, "invalid_json".into()))
    );
}

#[test]
fn exchanges_refuse_bad_input() {
    // What cannot start: unknown operation, parameters, credential, not paginated, config.
    assert_eq!(
        call("nope", "{}", CONFIG, false),
        Err((POLAR_ERR_UNKNOWN_OPERATION, "unknown_operation".into()))
    );
    assert_eq!(
        call("products:get", "{}", CONFIG, false),
        Err((POLAR_ERR_BUILD, "invalid_parameter".into()))
    );
    assert_eq!(
        start(polar_pages_new, "products:list", "{}", "{}"),
        Err((POLAR_ERR_BUILD, "missing_credential".into()))
    );
    assert_eq!(
        start(polar_pages_new, "products:list", r#"{"limit":"x"}"#, CONFIG),
        Err((POLAR_ERR_BUILD, "invalid_parameter".into()))
    );
    assert_eq!(
        start(polar_items_new, "products:get", r#"{"id":"p"}"#, CONFIG),
        Err((POLAR_ERR_NOT_PAGINATED, "not_paginated".into()))
    );
    assert_eq!(
        start(polar_pages_new, "nope", "{}", CONFIG),
        Err((POLAR_ERR_UNKNOWN_OPERATION, "unknown_operation".into()))
    );
    for config in [
        r#"{"max_attempts":0}"#,
        r#"{"max_attempts":-1}"#,
        r#"{"base_delay_ms":"1"}"#,
        r#"{"headers":[]}"#,
        r#"{"headers":{"bad name":"x"}}"#,
        r#"{"headers":{"x":"a\nb"}}"#,
        r#"{"headers":{"x":1}}"#,
        r#"{"max_attempt":3}"#,
    ] {
        assert_eq!(
            call("products:list", "{}", config, false),
            Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_config".into())),
            "{config}"
        );
    }

    // Garbage and stale handles: found nowhere. (Handles are counted from 1 and other
    // tests run alongside, so the garbage here is out of their reach.)
    for garbage in [0, u64::MAX, u64::MAX - 1, 1 << 63] {
        let p = poll(garbage);
        assert_eq!((p.rc, p.kind), (POLAR_ERR_INVALID_HANDLE, 0), "{garbage}");
        assert_eq!(respond(garbage, 200, "", b""), POLAR_ERR_INVALID_HANDLE);
        assert_eq!(
            fault(garbage, POLAR_FAULT_NOT_SENT, ""),
            POLAR_ERR_INVALID_HANDLE
        );
    }
    let h = call("products:list", "{}", CONFIG, false).unwrap();
    let mut var = h;
    let mut copy = h;
    // SAFETY (the frees): live variables.
    unsafe {
        assert_eq!(polar_exchange_free(&mut var), POLAR_OK);
        assert_eq!(var, 0);
        assert_eq!(
            polar_exchange_free(&mut var),
            POLAR_OK,
            "again through the same variable"
        );
        assert_eq!(
            polar_exchange_free(&mut copy),
            POLAR_ERR_INVALID_HANDLE,
            "a stale copy"
        );
        assert_eq!(copy, 0);
        let mut garbage = u64::MAX;
        assert_eq!(polar_exchange_free(&mut garbage), POLAR_ERR_INVALID_HANDLE);
        assert_eq!(polar_exchange_free(null_mut()), POLAR_ERR_NULL_POINTER);
        assert_eq!(polar_step_free(null_mut()), POLAR_ERR_NULL_POINTER);
    }
    assert_eq!(poll(h).rc, POLAR_ERR_INVALID_HANDLE, "a freed handle");

    // NULL pointers.
    let h = call("products:list", "{}", CONFIG, false).unwrap();
    let mut err = PolarError::default();
    // SAFETY: NULL is what is tested; other pointers are live.
    unsafe {
        assert_eq!(
            polar_exchange_poll(h, T0, 0.5, null_mut(), &mut err),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        let op = "products:list";
        assert_eq!(
            polar_call_new(
                op.as_ptr(),
                op.len(),
                b"{}".as_ptr(),
                2,
                null(),
                0,
                false,
                &mut 0,
                null_mut()
            ),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(
            polar_pages_new(
                op.as_ptr(),
                op.len(),
                b"{}".as_ptr(),
                2,
                CONFIG.as_ptr(),
                CONFIG.len(),
                null_mut(),
                null_mut()
            ),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(
            polar_exchange_response(h, 200, null(), 0, null(), 3, null_mut()),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(
            polar_exchange_fault(h, POLAR_FAULT_NOT_SENT, null(), 1, null_mut()),
            POLAR_ERR_NULL_POINTER
        );
    }
    // An output handle that still names a live exchange: refused, the exchange kept.
    let mut out = h;
    let op = "products:list";
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_pages_new(
            op.as_ptr(),
            op.len(),
            b"{}".as_ptr(),
            2,
            CONFIG.as_ptr(),
            CONFIG.len(),
            &mut out,
            null_mut(),
        )
    };
    assert_eq!(rc, POLAR_ERR_OUT_NOT_EMPTY);
    assert_eq!(out, h);

    // Jitter out of range, a step still holding buffers: refused, nothing happens.
    for jitter in [1.0, -0.1, f64::NAN, f64::INFINITY] {
        let p = poll_at(h, T0, jitter);
        assert_eq!((p.rc, p.kind), (POLAR_ERR_INVALID_ARGUMENT, 0));
    }
    let mut step = PolarStep::default();
    // SAFETY: live pointers.
    unsafe {
        assert_eq!(
            polar_exchange_poll(h, T0, 0.5, &mut step, null_mut()),
            POLAR_OK
        );
        assert_eq!(step.kind, POLAR_STEP_SEND);
        let url = step.request.url.id;
        assert_eq!(
            polar_exchange_poll(h, T0, 0.5, &mut step, null_mut()),
            POLAR_ERR_OUT_NOT_EMPTY
        );
        assert_eq!(
            step.request.url.id, url,
            "a refused poll leaves the step alone"
        );
        assert_eq!(polar_step_free(&mut step), POLAR_OK);
        assert_eq!(
            polar_step_free(&mut step),
            POLAR_OK,
            "twice through the same struct"
        );
    }
    // The request is still out: a status that is no status, a bad header block, a fault
    // kind that is none are refused and leave it out; then a real answer is taken.
    assert_eq!(respond(h, 42, "", b""), POLAR_ERR_INVALID_ARGUMENT);
    assert_eq!(respond(h, 200, "no colon", b""), POLAR_ERR_INVALID_ARGUMENT);
    assert_eq!(fault(h, 99, "?"), POLAR_ERR_INVALID_ARGUMENT);
    // SAFETY: live pointers.
    let rc =
        unsafe { polar_exchange_fault(h, POLAR_FAULT_NOT_SENT, b"\xff".as_ptr(), 1, null_mut()) };
    assert_eq!(rc, POLAR_ERR_INVALID_UTF8);
    assert_eq!(respond(h, 200, JSON, &products_page(&["a"], 1)), POLAR_OK);
    assert_eq!(poll(h).done()["items"][0]["id"], "a");
    free(h);

    // Wrong order: polled twice with a request out. The answer is lost and the call ends
    // (sending again could duplicate a create).
    let params = r#"{"body":{"customer_id":"00000000-0000-4000-8000-000000000000"}}"#;
    let h = call("customer-sessions:create", params, CONFIG, false).unwrap();
    poll(h).send();
    assert_eq!(poll(h).failed(POLAR_ERR_OUT_OF_ORDER), "out_of_order");
    assert_eq!(respond(h, 201, JSON, b"{}"), POLAR_ERR_OUT_OF_ORDER);
    free(h);
    // A response for no request: refused at once, and the exchange ends with it.
    let h = call("customer-sessions:create", params, CONFIG, false).unwrap();
    assert_eq!(respond(h, 201, JSON, b"{}"), POLAR_ERR_OUT_OF_ORDER);
    assert_eq!(poll(h).failed(POLAR_ERR_OUT_OF_ORDER), "out_of_order");
    free(h);
    // The same in a walk, answered twice: the walk reports it, then ends.
    let h = start(polar_pages_new, "products:list", "{}", CONFIG).unwrap();
    poll(h).send();
    assert_eq!(respond(h, 200, JSON, &products_page(&["a"], 9)), POLAR_OK);
    assert_eq!(
        respond(h, 200, JSON, &products_page(&["a"], 9)),
        POLAR_ERR_OUT_OF_ORDER
    );
    assert_eq!(poll(h).failed(POLAR_ERR_OUT_OF_ORDER), "out_of_order");
    poll(h).end();
    free(h);
    // And between pages.
    let h = start(polar_pages_new, "products:list", "{}", CONFIG).unwrap();
    poll(h).send();
    assert_eq!(respond(h, 200, JSON, &products_page(&["a"], 9)), POLAR_OK);
    poll(h).done();
    assert_eq!(
        respond(h, 200, JSON, &products_page(&["a"], 9)),
        POLAR_ERR_OUT_OF_ORDER
    );
    assert_eq!(poll(h).failed(POLAR_ERR_OUT_OF_ORDER), "out_of_order");
    poll(h).end();
    free(h);
    // Another operation's answer: a decode error, the status kept.
    let h = call("customer-sessions:create", params, CONFIG, false).unwrap();
    poll(h).send();
    assert_eq!(respond(h, 201, JSON, &products_page(&["a"], 1)), POLAR_OK);
    assert_eq!(poll(h).failed(POLAR_ERR_DECODE), "decode");
    free(h);
}

/// Exchanges run on any thread, in parallel, each behind its own handle.
#[test]
fn exchanges_on_many_threads() {
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let h = start(polar_items_new, "products:list", "{}", CONFIG).unwrap();
                    poll(h).send();
                    let id = format!("t{t}");
                    assert_eq!(respond(h, 200, JSON, &products_page(&[&id], 1)), POLAR_OK);
                    assert_eq!(poll(h).done()["id"], id.as_str());
                    poll(h).end();
                    free(h);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

// ---- ingest queues: polarsh_core::ingest behind handles, on a fake clock ----

/// 32 bytes that are not all alike.
const SEED: [u8; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32,
];

fn ingest_new_with(config: &str, ingest: Option<&str>, seed: &[u8]) -> Result<u64, (i32, String)> {
    let mut handle = 0;
    let mut err = PolarError::default();
    let (ingest_ptr, ingest_len) = ingest.map_or((null(), 0), |s| (s.as_ptr(), s.len()));
    // SAFETY: live pointers (or NULL with length 0).
    let rc = unsafe {
        polar_ingest_new(
            config.as_ptr(),
            config.len(),
            ingest_ptr,
            ingest_len,
            seed.as_ptr(),
            seed.len(),
            &mut handle,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        assert_eq!(handle, 0);
        let (code, kind, _) = take(&mut err);
        assert_eq!(code, rc);
        return Err((code, kind));
    }
    assert_ne!(handle, 0);
    Ok(handle)
}

fn ingest_new(ingest: &str) -> u64 {
    ingest_new_with(CONFIG, Some(ingest), &SEED).unwrap()
}

/// Pushes `event` at `now_ms`: Ok, or the code and kind.
fn push_at(handle: u64, event: &str, now_ms: u64) -> Result<(), (i32, String)> {
    let mut err = PolarError::default();
    // SAFETY: live pointers.
    let rc = unsafe { polar_ingest_push(handle, event.as_ptr(), event.len(), now_ms, &mut err) };
    if rc == POLAR_OK {
        return Ok(());
    }
    let (code, kind, _) = take(&mut err);
    assert_eq!(code, rc);
    Err((code, kind))
}

fn push(handle: u64, event: &str) -> Result<(), (i32, String)> {
    push_at(handle, event, T0)
}

/// An `EventCreateExternalCustomer` with this `external_id`.
fn event(external_id: &str) -> String {
    serde_json::json!({
        "name": "llm.tokens", "external_customer_id": "user_42",
        "external_id": external_id, "metadata": {"tokens": 512}
    })
    .to_string()
}

fn ipoll_at(handle: u64, now_ms: u64, jitter: f64) -> Polled {
    let mut step = PolarStep::default();
    let mut err = PolarError::default();
    // SAFETY: live, zeroed structs.
    let rc = unsafe { polar_ingest_poll(handle, now_ms, jitter, &mut step, &mut err) };
    let request = (step.kind == POLAR_STEP_SEND && rc == POLAR_OK).then(|| {
        (
            text(&step.request.method),
            text(&step.request.url),
            text(&step.request.headers),
            step.request.body.to_vec().unwrap(),
        )
    });
    let result = (rc == POLAR_OK && !step.result.is_empty_handle())
        .then(|| serde_json::from_str(&text(&step.result)).expect("result JSON"));
    let error = (rc != POLAR_OK).then(|| {
        let (code, kind, message) = take(&mut err);
        assert_eq!(code, rc);
        assert_eq!(step.kind, 0, "a refused poll writes no step");
        (kind, message)
    });
    let polled = Polled {
        rc,
        kind: step.kind,
        attempt: step.attempt,
        request,
        timeout_ms: step.timeout_ms,
        max_response_bytes: step.max_response_bytes,
        wait_ms: step.wait_ms,
        result,
        error,
    };
    // SAFETY: a step the library filled (or left zeroed).
    assert_eq!(unsafe { polar_step_free(&mut step) }, POLAR_OK);
    polled
}

fn ipoll(handle: u64) -> Polled {
    ipoll_at(handle, T0, 0.5)
}

impl Polled {
    /// A SEND of `events:ingest`: the events of its body.
    fn batch(&self) -> Vec<serde_json::Value> {
        let (method, url, headers, body) = self.send();
        assert_eq!(method, "POST");
        assert_eq!(url, "http://127.0.0.1:1/v1/events/ingest");
        assert!(headers.contains("authorization: Bearer polar_oat_abi\r\n"));
        let body: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
        body["events"].as_array().expect("events").clone()
    }

    fn report(&self) -> &serde_json::Value {
        assert_eq!(
            (self.rc, self.kind),
            (POLAR_OK, POLAR_STEP_REPORT),
            "{self:?}"
        );
        self.result.as_ref().unwrap()
    }

    fn idle(&self) {
        assert_eq!(
            (self.rc, self.kind),
            (POLAR_OK, POLAR_STEP_IDLE),
            "{self:?}"
        );
    }
}

fn ids(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["external_id"]
                .as_str()
                .expect("an external_id")
                .to_owned()
        })
        .collect()
}

fn counts(inserted: usize, duplicates: usize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"inserted": inserted, "duplicates": duplicates}))
        .unwrap()
}

fn json_out(
    f: unsafe extern "C" fn(u64, *mut PolarBuffer, *mut PolarError) -> i32,
    handle: u64,
) -> Result<serde_json::Value, i32> {
    let mut out = PolarBuffer::default();
    // SAFETY: a live, zeroed buffer; `err` may be NULL.
    let rc = unsafe { f(handle, &mut out, null_mut()) };
    if rc != POLAR_OK {
        assert!(out.is_empty_handle());
        return Err(rc);
    }
    let value = serde_json::from_str(&text(&out)).unwrap();
    // SAFETY: a buffer the library filled.
    assert_eq!(unsafe { polar_buffer_free(&mut out) }, POLAR_OK);
    Ok(value)
}

fn stats(handle: u64) -> serde_json::Value {
    json_out(polar_ingest_stats, handle).unwrap()
}

fn undelivered(handle: u64) -> Vec<serde_json::Value> {
    let v = json_out(polar_ingest_take_undelivered, handle).unwrap();
    v.as_array().unwrap().clone()
}

fn flush(handle: u64) {
    // SAFETY: `err` may be NULL.
    assert_eq!(unsafe { polar_ingest_flush(handle, null_mut()) }, POLAR_OK);
}

fn close(handle: u64) {
    // SAFETY: `err` may be NULL.
    assert_eq!(unsafe { polar_ingest_close(handle, null_mut()) }, POLAR_OK);
}

fn free_queue(mut handle: u64) {
    // SAFETY: a live variable.
    assert_eq!(unsafe { polar_ingest_free(&mut handle) }, POLAR_OK);
    assert_eq!(handle, 0);
}

#[test]
fn ingest_batches_by_count_and_by_age() {
    let h = ingest_new(r#"{"max_batch_events":3,"max_age_ms":5000}"#);
    // One event: not due until it is 5 s old.
    push_at(h, &event("given-1"), T0).unwrap();
    assert_eq!(ipoll_at(h, T0, 0.5).wait(), 5000);
    // One more a second later: the oldest sets the wait.
    let second = r#"{"name":"api.request","customer_id":"00000000-0000-4000-8000-000000000001"}"#;
    push_at(h, second, T0 + 1000).unwrap();
    assert_eq!(ipoll_at(h, T0 + 1000, 0.5).wait(), 4000);
    // The third makes the count: sent at once.
    push_at(h, &event(""), T0 + 2000).unwrap();
    let step = ipoll_at(h, T0 + 2000, 0.5);
    assert_eq!(step.attempt, 1);
    let batch = step.batch();
    assert_eq!(batch.len(), 3);
    let ids = ids(&batch);
    // A given external_id is kept; the others get a UUID from the seed.
    assert_eq!(ids[0], "given-1");
    for id in &ids[1..] {
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4", "a version 4 layout: {id}");
    }
    assert_ne!(ids[1], ids[2]);
    // Stamped at push, not at send.
    assert_eq!(batch[1]["timestamp"], "2026-01-01T00:00:01Z");
    assert_eq!(
        batch[1]["customer_id"],
        "00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(batch[0]["metadata"]["tokens"], 512);
    assert_eq!(respond(h, 200, JSON, &counts(3, 0)), POLAR_OK);
    let step = ipoll_at(h, T0 + 2000, 0.5);
    assert_eq!(
        step.report(),
        &serde_json::json!({"events": 3, "inserted": 3, "duplicates": 0, "rejected": [],
            "mismatches": [], "failed": null})
    );
    assert_eq!(step.attempt, 1);
    ipoll_at(h, T0 + 2000, 0.5).idle();

    // By age alone.
    push_at(h, &event(""), T0 + 10_000).unwrap();
    assert_eq!(ipoll_at(h, T0 + 14_999, 0.5).wait(), 1);
    assert_eq!(ipoll_at(h, T0 + 15_000, 0.5).batch().len(), 1);
    assert_eq!(respond(h, 200, JSON, &counts(0, 1)), POLAR_OK);
    let report = ipoll_at(h, T0 + 15_000, 0.5).report().clone();
    assert_eq!(
        (report["inserted"].as_u64(), report["duplicates"].as_u64()),
        (Some(0), Some(1))
    );
    ipoll_at(h, T0 + 15_000, 0.5).idle();

    // By flush.
    push(h, &event("")).unwrap();
    ipoll(h).wait();
    flush(h);
    assert_eq!(ipoll(h).batch().len(), 1);
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_OK);
    ipoll(h).report();

    let s = stats(h);
    assert_eq!(
        s,
        serde_json::json!({"pushed": 5, "settled": 5, "inserted": 4, "duplicates": 1,
            "rejected": 0, "failed_batches": 0, "mismatches": 0, "queued": 0, "pending": 0,
            "closed": false})
    );
    free_queue(h);
}

#[test]
fn ingest_retries_with_the_same_ids_then_gives_up_and_hands_back() {
    let config = r#"{"base_url":"http://127.0.0.1:1","token":"polar_oat_abi",
        "max_attempts":2,"base_delay_ms":100,"max_delay_ms":1000}"#;
    let h = ingest_new_with(config, None, &SEED).unwrap();
    push(h, &event("")).unwrap();
    push(h, &event("")).unwrap();
    flush(h);
    let first = ids(&ipoll(h).batch());
    // 503 with Retry-After: the core's wait, then the same batch (the same ids: a repeat
    // is billed once).
    assert_eq!(respond(h, 503, "retry-after: 1\r\n", b""), POLAR_OK);
    assert_eq!(ipoll_at(h, T0, 0.5).wait(), 1000);
    let step = ipoll_at(h, T0 + 1000, 0.5);
    assert_eq!(step.attempt, 2);
    assert_eq!(ids(&step.batch()), first);
    // The first attempt had reached Polar after all: counted as a duplicate.
    assert_eq!(respond(h, 200, JSON, &counts(1, 1)), POLAR_OK);
    let step = ipoll_at(h, T0 + 1000, 0.5);
    let report = step.report();
    assert_eq!(
        (report["inserted"].as_u64(), report["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(report["failed"].is_null() && report["mismatches"] == serde_json::json!([]));
    assert_eq!(step.attempt, 2);

    // Polar down: every attempt refused, the retry policy gives up, the batch goes back.
    push(h, &event("")).unwrap();
    push(h, &event("")).unwrap();
    flush(h);
    let mut now = T0 + 2000;
    let sent = ids(&ipoll_at(h, now, 0.5).batch());
    assert_eq!(
        fault(h, POLAR_FAULT_NOT_SENT, "connection refused"),
        POLAR_OK
    );
    now += ipoll_at(h, now, 0.5).wait();
    assert_eq!(ids(&ipoll_at(h, now, 0.5).batch()), sent);
    assert_eq!(
        fault(h, POLAR_FAULT_NOT_SENT, "connection refused"),
        POLAR_OK
    );
    let report = ipoll_at(h, now, 0.5).report().clone();
    assert_eq!(report["events"], 2);
    let failed = &report["failed"];
    assert_eq!(failed["requeued"], 2, "{report}");
    assert_eq!(failed["error"]["name"], "POLAR_ERR_TRANSPORT");
    assert_eq!(failed["error"]["code"], POLAR_ERR_TRANSPORT);
    assert_eq!(failed["error"]["kind"], "not_sent");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{failed}"
    );
    // The next try waits a backoff.
    assert!(ipoll_at(h, now, 0.5).wait() > 0);
    let s = stats(h);
    assert_eq!(
        (s["failed_batches"].as_u64(), s["pending"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(s["settled"], 2);
    // The host's deadline passed: what was not delivered comes back, ids and all.
    let left = undelivered(h);
    assert_eq!(ids(&left), sent);
    assert_eq!(left[0]["name"], "llm.tokens");
    assert_eq!(stats(h)["pending"], 0);
    ipoll_at(h, now, 0.5).idle();
    assert_eq!(undelivered(h), Vec::<serde_json::Value>::new());

    // Taken back with a request out (once the backoff is over): its answer is ignored.
    let later = now + 60_000;
    push_at(h, &event("out"), later).unwrap();
    flush(h);
    ipoll_at(h, later, 0.5).batch();
    assert_eq!(ids(&undelivered(h)), ["out"]);
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_OK);
    ipoll_at(h, later, 0.5).idle();
    assert_eq!(stats(h)["settled"], 2);
    free_queue(h);
}

#[test]
fn ingest_splits_a_422_down_to_the_bad_event() {
    let h = ingest_new("{}");
    for i in 0..4 {
        push(h, &event(&format!("e{i}"))).unwrap();
    }
    flush(h);
    // Polar refuses any batch holding e2; the others are counted.
    let invalid =
        br#"{"detail":[{"loc":["body","events",0,"metadata"],"msg":"bad","type":"value_error"}]}"#;
    let mut sent = Vec::new();
    let report = loop {
        let step = ipoll(h);
        if step.kind == POLAR_STEP_REPORT {
            assert_eq!(step.attempt, 5);
            break step.report().clone();
        }
        let batch = ids(&step.batch());
        let rc = if batch.iter().any(|id| id == "e2") {
            respond(h, 422, JSON, invalid)
        } else {
            respond(h, 200, JSON, &counts(batch.len(), 0))
        };
        assert_eq!(rc, POLAR_OK);
        sent.push(batch);
    };
    assert_eq!(
        sent,
        [
            vec!["e0", "e1", "e2", "e3"],
            vec!["e0", "e1"],
            vec!["e2", "e3"],
            vec!["e2"],
            vec!["e3"]
        ]
    );
    assert_eq!(
        (report["events"].as_u64(), report["inserted"].as_u64()),
        (Some(4), Some(3))
    );
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{report}");
    assert_eq!(rejected[0]["external_id"], "e2");
    assert_eq!(rejected[0]["event"]["name"], "llm.tokens");
    assert_eq!(rejected[0]["error"]["detail"][0]["msg"], "bad");
    assert!(report["failed"].is_null());
    let s = stats(h);
    assert_eq!(
        (s["rejected"].as_u64(), s["settled"].as_u64()),
        (Some(1), Some(4))
    );

    // Counts that do not add up are reported, not retried.
    push(h, &event("")).unwrap();
    push(h, &event("")).unwrap();
    flush(h);
    ipoll(h).batch();
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_OK);
    let report = ipoll(h).report().clone();
    assert_eq!(
        report["mismatches"],
        serde_json::json!([{"sent": 2, "counted": 1}])
    );
    ipoll(h).idle();
    free_queue(h);
}

#[test]
fn ingest_full_and_closed_queues_and_close_delivers_the_tail() {
    let h = ingest_new(r#"{"capacity":2,"max_batch_events":100}"#);
    push(h, &event("a")).unwrap();
    push(h, &event("b")).unwrap();
    assert_eq!(
        push(h, &event("c")),
        Err((POLAR_ERR_QUEUE_FULL, "queue_full".into()))
    );
    // In flight still counts: not delivered yet.
    flush(h);
    assert_eq!(ids(&ipoll(h).batch()), ["a", "b"]);
    assert_eq!(
        push(h, &event("c")),
        Err((POLAR_ERR_QUEUE_FULL, "queue_full".into()))
    );
    assert_eq!(respond(h, 200, JSON, &counts(2, 0)), POLAR_OK);
    ipoll(h).report();
    push(h, &event("c")).unwrap();
    // Closed: pushes refused, the rest sent at once (no age to wait for).
    close(h);
    assert_eq!(
        push(h, &event("d")),
        Err((POLAR_ERR_QUEUE_CLOSED, "queue_closed".into()))
    );
    assert_eq!(ids(&ipoll(h).batch()), ["c"]);
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_OK);
    ipoll(h).report();
    ipoll(h).idle();
    assert_eq!(stats(h)["closed"], true);
    free_queue(h);

    // The tail, batch after batch.
    let h = ingest_new(r#"{"max_batch_events":2,"max_age_ms":60000}"#);
    for i in 0..5 {
        push(h, &event(&format!("t{i}"))).unwrap();
    }
    close(h);
    let mut batches = Vec::new();
    loop {
        let step = ipoll(h);
        match step.kind {
            POLAR_STEP_SEND => {
                let batch = ids(&step.batch());
                assert_eq!(respond(h, 200, JSON, &counts(batch.len(), 0)), POLAR_OK);
                batches.push(batch);
            }
            POLAR_STEP_REPORT => assert!(step.report()["failed"].is_null()),
            _ => break step.idle(),
        }
    }
    assert_eq!(batches, [vec!["t0", "t1"], vec!["t2", "t3"], vec!["t4"]]);
    assert_eq!(stats(h)["settled"], 5);
    free_queue(h);

    // By size: a batch stays below max_batch_bytes (one event alone may be larger).
    let h = ingest_new(r#"{"max_batch_bytes":250,"max_age_ms":60000}"#);
    for i in 0..3 {
        push(h, &event(&format!("s{i}"))).unwrap();
    }
    let batch = ipoll(h).batch();
    assert!(!batch.is_empty() && batch.len() < 3, "{batch:?}");
    free_queue(h);
}

#[test]
fn ingest_refuses_bad_input() {
    // The seed: 32 bytes, not all alike.
    for bad in [
        &SEED[..31],
        &[SEED.as_slice(), &[0]].concat(),
        &[0; 32],
        &[7; 32],
        &[],
    ] {
        assert_eq!(
            ingest_new_with(CONFIG, None, bad),
            Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_seed".into())),
            "{bad:?}"
        );
    }
    let mut h = 0;
    // SAFETY: NULL is what is tested; other pointers are live.
    unsafe {
        let rc = polar_ingest_new(
            CONFIG.as_ptr(),
            CONFIG.len(),
            null(),
            0,
            null(),
            0,
            &mut h,
            null_mut(),
        );
        assert_eq!(rc, POLAR_ERR_NULL_POINTER, "the seed is required");
        let rc = polar_ingest_new(
            CONFIG.as_ptr(),
            CONFIG.len(),
            null(),
            0,
            SEED.as_ptr(),
            32,
            null_mut(),
            null_mut(),
        );
        assert_eq!(rc, POLAR_ERR_NULL_POINTER, "out_handle");
    }
    // The config and the credential: refused now, not at the first batch.
    assert_eq!(
        ingest_new_with("{}", None, &SEED),
        Err((POLAR_ERR_BUILD, "missing_credential".into()))
    );
    assert_eq!(
        ingest_new_with(
            r#"{"token":"polar_cst_x","credential":"customer_session"}"#,
            None,
            &SEED
        ),
        Err((POLAR_ERR_BUILD, "credential_not_accepted".into()))
    );
    assert_eq!(
        ingest_new_with(r#"{"token":"x","max_attempt":3}"#, None, &SEED),
        Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_config".into()))
    );
    for ingest in [
        r#"{"max_batch_events":0}"#,
        r#"{"capacity":-1}"#,
        r#"{"max_age_ms":"5"}"#,
        r#"{"max_batch_bytes":0}"#,
        r#"{"max_batch":10}"#,
    ] {
        assert_eq!(
            ingest_new_with(CONFIG, Some(ingest), &SEED),
            Err((POLAR_ERR_INVALID_ARGUMENT, "invalid_ingest".into())),
            "{ingest}"
        );
    }
    for ingest in ["[1]", "{", "null"] {
        assert_eq!(
            ingest_new_with(CONFIG, Some(ingest), &SEED),
            Err((POLAR_ERR_INVALID_JSON, "invalid_json".into())),
            "{ingest}"
        );
    }
    free_queue(ingest_new_with(CONFIG, Some(""), &SEED).unwrap());

    // Events that are no event: nothing queued.
    let h = ingest_new("{}");
    for (bad, code, kind) in [
        ("{", POLAR_ERR_INVALID_JSON, "invalid_json"),
        ("[]", POLAR_ERR_INVALID_JSON, "invalid_json"),
        (r#""llm.tokens""#, POLAR_ERR_INVALID_JSON, "invalid_json"),
        (
            r#"{"name":"x"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_event",
        ),
        (
            r#"{"name":"x","customer_id":"c","external_customer_id":"u"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_event",
        ),
        (
            r#"{"name":1,"customer_id":"c"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_event",
        ),
        (
            r#"{"customer_id":"c"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_event",
        ),
        (
            r#"{"name":"x","external_customer_id":"u","metdata":{}}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_event",
        ),
        (
            r#"{"name":"x","external_customer_id":"u","timestamp":"yesterday"}"#,
            POLAR_ERR_INVALID_ARGUMENT,
            "invalid_event",
        ),
    ] {
        assert_eq!(push(h, bad), Err((code, kind.into())), "{bad}");
    }
    let mut err = PolarError::default();
    let bad = b"{\"name\":\xff}";
    // SAFETY: live pointers (and NULL, tested).
    unsafe {
        assert_eq!(
            polar_ingest_push(h, bad.as_ptr(), bad.len(), T0, null_mut()),
            POLAR_ERR_INVALID_UTF8
        );
        assert_eq!(
            polar_ingest_push(h, null(), 0, T0, null_mut()),
            POLAR_ERR_NULL_POINTER
        );
        let e = r#"{"name":1,"customer_id":"c"}"#;
        assert_eq!(
            polar_ingest_push(h, e.as_ptr(), e.len(), T0, &mut err),
            POLAR_ERR_INVALID_ARGUMENT
        );
    }
    let (_, _, message) = take(&mut err);
    assert!(message.contains("$.name"), "names the bad field: {message}");
    assert_eq!(stats(h)["pushed"], 0);

    // Garbage handles: found nowhere.
    for garbage in [0, u64::MAX, u64::MAX - 1, 1 << 63] {
        assert_eq!(
            push(garbage, &event("")),
            Err((POLAR_ERR_INVALID_HANDLE, "invalid_handle".into()))
        );
        let p = ipoll(garbage);
        assert_eq!((p.rc, p.kind), (POLAR_ERR_INVALID_HANDLE, 0));
        // SAFETY: `err` may be NULL.
        unsafe {
            assert_eq!(
                polar_ingest_flush(garbage, null_mut()),
                POLAR_ERR_INVALID_HANDLE
            );
            assert_eq!(
                polar_ingest_close(garbage, null_mut()),
                POLAR_ERR_INVALID_HANDLE
            );
        }
        assert_eq!(
            json_out(polar_ingest_stats, garbage),
            Err(POLAR_ERR_INVALID_HANDLE)
        );
        assert_eq!(
            json_out(polar_ingest_take_undelivered, garbage),
            Err(POLAR_ERR_INVALID_HANDLE)
        );
        let mut g = garbage;
        // SAFETY: a live variable.
        let rc = unsafe { polar_ingest_free(&mut g) };
        assert_eq!(
            (rc, g),
            (
                if garbage == 0 {
                    POLAR_OK
                } else {
                    POLAR_ERR_INVALID_HANDLE
                },
                0
            )
        );
    }
    // A handle of the other kind: refused, and left alive.
    let call_h = call("products:list", "{}", CONFIG, false).unwrap();
    assert_eq!(
        push(call_h, &event("")),
        Err((POLAR_ERR_INVALID_HANDLE, "invalid_handle".into()))
    );
    assert_eq!(ipoll(call_h).rc, POLAR_ERR_INVALID_HANDLE);
    assert_eq!(
        json_out(polar_ingest_stats, call_h),
        Err(POLAR_ERR_INVALID_HANDLE)
    );
    let p = poll(h);
    assert_eq!(
        (p.rc, p.kind),
        (POLAR_ERR_INVALID_HANDLE, 0),
        "an ingest queue's handle"
    );
    assert!(
        p.error.as_ref().unwrap().1.contains("polar_ingest_poll"),
        "{p:?}"
    );
    let (mut a, mut b) = (call_h, h);
    // SAFETY: live variables.
    unsafe {
        assert_eq!(polar_ingest_free(&mut a), POLAR_ERR_INVALID_HANDLE);
        assert_eq!(polar_exchange_free(&mut b), POLAR_ERR_INVALID_HANDLE);
    }
    assert_eq!(
        (a, b),
        (call_h, h),
        "a live handle of the other kind is left alone"
    );
    poll(call_h).send();
    free(call_h);
    // An output handle naming a live queue: refused, the queue kept.
    let mut out = h;
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_ingest_new(
            CONFIG.as_ptr(),
            CONFIG.len(),
            null(),
            0,
            SEED.as_ptr(),
            32,
            &mut out,
            null_mut(),
        )
    };
    assert_eq!((rc, out), (POLAR_ERR_OUT_NOT_EMPTY, h));

    // Polls refused: NULL step, jitter out of range, a step still holding buffers.
    for jitter in [1.0, -0.1, f64::NAN] {
        let p = ipoll_at(h, T0, jitter);
        assert_eq!((p.rc, p.kind), (POLAR_ERR_INVALID_ARGUMENT, 0));
    }
    push(h, &event("w")).unwrap();
    flush(h);
    let mut step = PolarStep::default();
    let mut buf = PolarBuffer::default();
    // SAFETY: live pointers (and NULL, tested).
    unsafe {
        assert_eq!(
            polar_ingest_poll(h, T0, 0.5, null_mut(), null_mut()),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(
            polar_ingest_poll(h, T0, 0.5, &mut step, null_mut()),
            POLAR_OK
        );
        assert_eq!(step.kind, POLAR_STEP_SEND);
        assert_eq!(
            polar_ingest_poll(h, T0, 0.5, &mut step, null_mut()),
            POLAR_ERR_OUT_NOT_EMPTY,
            "refused before anything happens: the request is still out"
        );
        assert_eq!(polar_step_free(&mut step), POLAR_OK);
        assert_eq!(
            polar_ingest_stats(h, null_mut(), null_mut()),
            POLAR_ERR_NULL_POINTER
        );
        assert_eq!(polar_ingest_stats(h, &mut buf, null_mut()), POLAR_OK);
        assert_eq!(
            polar_ingest_take_undelivered(h, &mut buf, null_mut()),
            POLAR_ERR_OUT_NOT_EMPTY,
            "nothing taken"
        );
        assert_eq!(polar_buffer_free(&mut buf), POLAR_OK);
    }
    // Answers refused before they reach the queue: the request is still out.
    assert_eq!(respond(h, 42, "", b""), POLAR_ERR_INVALID_ARGUMENT);
    assert_eq!(fault(h, 99, ""), POLAR_ERR_INVALID_ARGUMENT);
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_OK);
    ipoll(h).report();
    assert_eq!(stats(h)["settled"], 1);

    // Wrong order. A response with no request out: refused.
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_ERR_OUT_OF_ORDER);
    // A fault with no request out: nothing to fail.
    assert_eq!(fault(h, POLAR_FAULT_ABORTED, "no sleep"), POLAR_OK);
    ipoll(h).idle();
    // Polled again with a request out: the batch fails (its answer would be lost) and
    // goes back to the queue; sent again later with the same ids (billed once).
    push(h, &event("x1")).unwrap();
    flush(h);
    ipoll(h).batch();
    let report = ipoll(h).report().clone();
    assert_eq!(
        report["failed"]["error"]["kind"], "out_of_order",
        "{report}"
    );
    assert_eq!(report["failed"]["requeued"], 1);
    assert!(ipoll(h).wait() > 0, "a backoff");
    flush(h);
    let later = T0 + 60_000;
    assert_eq!(ids(&ipoll_at(h, later, 0.5).batch()), ["x1"]);
    assert_eq!(respond(h, 200, JSON, &counts(1, 0)), POLAR_OK);
    ipoll_at(h, later, 0.5).report();

    // Freed: through the same variable a no-op, a stale copy detected.
    let mut var = h;
    let mut copy = h;
    // SAFETY: live variables.
    unsafe {
        assert_eq!(polar_ingest_free(&mut var), POLAR_OK);
        assert_eq!(polar_ingest_free(&mut var), POLAR_OK);
        assert_eq!(polar_ingest_free(&mut copy), POLAR_ERR_INVALID_HANDLE);
        assert_eq!(copy, 0);
        assert_eq!(polar_ingest_free(null_mut()), POLAR_ERR_NULL_POINTER);
    }
    assert_eq!(
        push(h, &event("")),
        Err((POLAR_ERR_INVALID_HANDLE, "invalid_handle".into()))
    );
}

/// Pushes from many threads while one thread sends: every event delivered once.
#[test]
fn ingest_pushes_from_many_threads() {
    let h = ingest_new(r#"{"max_batch_events":16}"#);
    let pushers: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..50 {
                    push(h, &event("")).unwrap();
                }
            })
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut closed = false;
    loop {
        let step = ipoll(h);
        match step.kind {
            POLAR_STEP_SEND => {
                let batch = ids(&step.batch());
                assert!(batch.len() <= 16);
                for id in &batch {
                    assert!(seen.insert(id.clone()), "sent twice: {id}");
                }
                assert_eq!(respond(h, 200, JSON, &counts(batch.len(), 0)), POLAR_OK);
            }
            POLAR_STEP_REPORT => {}
            POLAR_STEP_WAIT | POLAR_STEP_IDLE if !closed => {
                if pushers.iter().all(|t| t.is_finished()) {
                    close(h);
                    closed = true;
                } else {
                    std::thread::yield_now();
                }
            }
            _ => break step.idle(),
        }
    }
    for t in pushers {
        t.join().unwrap();
    }
    assert_eq!(seen.len(), 200);
    let s = stats(h);
    assert_eq!(
        (s["pushed"].as_u64(), s["settled"].as_u64()),
        (Some(200), Some(200))
    );
    free_queue(h);
}
