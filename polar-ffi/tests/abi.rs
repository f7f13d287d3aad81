//! The C entry points called from Rust as a host would: the happy paths without a network,
//! and every kind of bad input (unknown operationId, parameters that don't match, the
//! response of another operation, wrong call order, double frees, NULL pointers, invalid
//! UTF-8 and JSON), each giving its documented code and never a crash.

use polar_ffi::*;
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

fn next_page(op: &str, params: &str, output: &str) -> Result<Option<String>, (i32, String)> {
    let mut out = PolarBuffer::default();
    let mut err = PolarError::default();
    // SAFETY: every pointer comes from a live slice or reference.
    let rc = unsafe {
        polar_next_page(
            op.as_ptr(),
            op.len(),
            params.as_ptr(),
            params.len(),
            output.as_ptr(),
            output.len(),
            &mut out,
            &mut err,
        )
    };
    if rc != POLAR_OK {
        let (code, kind, _) = take(&mut err);
        return Err((code, kind));
    }
    if out.is_empty_handle() {
        return Ok(None);
    }
    let s = text(&out);
    // SAFETY: a buffer the library filled.
    unsafe { polar_buffer_free(&mut out) };
    Ok(Some(s))
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
            polar_next_page(
                op.as_ptr(),
                op.len(),
                b"{}".as_ptr(),
                2,
                null(),
                0,
                &mut out,
                &mut err
            ),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        assert_eq!(
            polar_webhook_verify(null(), 0, null(), 0, null(), 0, 0, &mut out, &mut err),
            POLAR_ERR_NULL_POINTER
        );
        take(&mut err);
        assert_eq!(
            polar_retry_decide(
                null(),
                0,
                false,
                1,
                POLAR_OUTCOME_NOT_SENT,
                0,
                null(),
                0,
                0,
                0,
                0.5,
                null_mut(),
                &mut err
            ),
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

#[test]
fn pagination_by_data() {
    let three = r#"{"items":[],"pagination":{"total_count":25,"max_page":3}}"#;
    assert_eq!(
        next_page("products:list", r#"{"limit":10}"#, three),
        Ok(Some(r#"{"limit":10,"page":2}"#.into()))
    );
    assert_eq!(
        next_page("products:list", r#"{"page":2}"#, three),
        Ok(Some(r#"{"page":3}"#.into()))
    );
    assert_eq!(next_page("products:list", r#"{"page":3}"#, three), Ok(None));
    // Empty list: max_page 0.
    assert_eq!(
        next_page(
            "products:list",
            "{}",
            r#"{"items":[],"pagination":{"total_count":0,"max_page":0}}"#
        ),
        Ok(None)
    );
    // Cursor style (events:list).
    assert_eq!(
        next_page(
            "events:list",
            "{}",
            r#"{"items":[],"pagination":{"has_next_page":true}}"#
        ),
        Ok(Some(r#"{"page":2}"#.into()))
    );
    assert_eq!(
        next_page(
            "events:list",
            "{}",
            r#"{"items":[],"pagination":{"has_next_page":false}}"#
        ),
        Ok(None)
    );
    // A shape this version does not know stops rather than loops.
    assert_eq!(next_page("products:list", "{}", "{}"), Ok(None));
    // Errors.
    assert_eq!(
        next_page("customer-sessions:create", "{}", "{}"),
        Err((POLAR_ERR_NOT_PAGINATED, "not_paginated".into()))
    );
    assert_eq!(
        next_page("nope", "{}", "{}"),
        Err((POLAR_ERR_UNKNOWN_OPERATION, "unknown_operation".into()))
    );
    assert_eq!(
        next_page("products:list", r#"{"page":"2"}"#, three),
        Err((POLAR_ERR_BUILD, "invalid_parameter".into()))
    );
    assert_eq!(
        next_page("products:list", "{", three),
        Err((POLAR_ERR_INVALID_JSON, "invalid_json".into()))
    );
}

/// The data-driven pagination list is exactly the operations whose spec has a `page`
/// parameter.
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
        polar_core::operations::ALL.len()
    );
}

fn retry(
    method: &str,
    attempt: u32,
    outcome: i32,
    status: u16,
    retry_after: &str,
    jitter: f64,
) -> Result<PolarRetryDecision, i32> {
    let mut d = PolarRetryDecision::default();
    // SAFETY: live pointers.
    let rc = unsafe {
        polar_retry_decide(
            method.as_ptr(),
            method.len(),
            false,
            attempt,
            outcome,
            status,
            retry_after.as_ptr(),
            retry_after.len(),
            0,
            1_767_225_600,
            jitter,
            &mut d,
            null_mut(),
        )
    };
    if rc == POLAR_OK {
        Ok(d)
    } else {
        Err(rc)
    }
}

#[test]
fn retry_decisions() {
    let wait = |ms| {
        Ok(PolarRetryDecision {
            retry: true,
            wait_ms: ms,
        })
    };
    let stop = Ok(PolarRetryDecision::default());
    assert_eq!(
        retry("GET", 1, POLAR_OUTCOME_RESPONSE, 503, "2", 0.5),
        wait(2000)
    );
    assert_eq!(
        retry("get", 1, POLAR_OUTCOME_RESPONSE, 429, "", 0.0),
        wait(250)
    );
    assert_eq!(retry("GET", 1, POLAR_OUTCOME_RESPONSE, 404, "", 0.5), stop);
    assert_eq!(retry("POST", 1, POLAR_OUTCOME_RESPONSE, 503, "", 0.5), stop);
    assert_eq!(
        retry("POST", 1, POLAR_OUTCOME_INTERRUPTED, 0, "", 0.5),
        stop
    );
    assert_eq!(
        retry("POST", 2, POLAR_OUTCOME_NOT_SENT, 0, "", 0.0),
        wait(500)
    );
    assert_eq!(retry("GET", 4, POLAR_OUTCOME_NOT_SENT, 0, "", 0.5), stop);
    // An HTTP date one second after `now`.
    assert_eq!(
        retry(
            "GET",
            1,
            POLAR_OUTCOME_RESPONSE,
            503,
            "Thu, 01 Jan 2026 00:00:01 GMT",
            0.5
        ),
        wait(1000)
    );
    assert_eq!(
        retry("GET", 1, 9, 0, "", 0.5),
        Err(POLAR_ERR_INVALID_ARGUMENT)
    );
    assert_eq!(
        retry("GET", 0, POLAR_OUTCOME_NOT_SENT, 0, "", 0.5),
        Err(POLAR_ERR_INVALID_ARGUMENT)
    );
    assert_eq!(
        retry("GET", 1, POLAR_OUTCOME_RESPONSE, 7, "", 0.5),
        Err(POLAR_ERR_INVALID_ARGUMENT)
    );
    assert_eq!(
        retry("G E T", 1, POLAR_OUTCOME_NOT_SENT, 0, "", 0.5),
        Err(POLAR_ERR_INVALID_ARGUMENT)
    );
    assert_eq!(
        retry("GET", 1, POLAR_OUTCOME_RESPONSE, 503, "a\nb", 0.5),
        Err(POLAR_ERR_INVALID_ARGUMENT)
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
    let body = br#"{"type":"polar_ffi.test","timestamp":"2026-01-01T00:00:00Z","data":{}}"#;
    let ts = 1_767_225_600;
    let sig = polar_core::webhooks::sign(secret, "msg_1", ts, body).unwrap();
    let headers =
        format!("Webhook-Id: msg_1\r\nwebhook-timestamp: {ts}\r\nwebhook-signature: {sig}\r\n");
    let event = verify(&headers, body, secret.as_bytes(), ts + 10).expect("a genuine delivery");
    assert!(event.contains("polar_ffi.test"), "{event}");
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
    let sig = polar_core::webhooks::sign(secret, "msg_2", ts, b"[1]").unwrap();
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
