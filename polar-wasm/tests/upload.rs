//! `Client::upload_file` in a real JavaScript runtime (Node, a Chromium page, a dedicated
//! worker; see `scripts/test-wasm.sh`) against `tests/upload-server.js` on loopback, which
//! plays Polar's `files:create` / `files:uploaded` (after having Prism check each request
//! against the spec) and the presigned storage host. Every test has its own session on that
//! server and reads back what it received: bytes and checksum header of every part `PUT`,
//! the ETags sent to `files:uploaded`, and Prism's verdicts.
#![cfg(target_arch = "wasm32")]

use polarsh_core::upload::{sha256_base64, UploadError};
use polarsh_wasm::json::Value;
use polarsh_wasm::models::{FileRead, FileServiceTypes};
use polarsh_wasm::{
    Client, Config, Credential, Error, FaultKind, FileSpec, RetryPolicy, UploadProgress,
};
use std::cell::Cell;
use std::time::Duration;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const UPLOAD: Option<&str> = option_env!("POLAR_WASM_UPLOAD_URL");

fn upload_url() -> &'static str {
    UPLOAD.expect("build with POLAR_WASM_UPLOAD_URL (scripts/test-wasm.sh does)")
}

/// In Node (no CORS there), rather than a browser page or worker.
fn in_node() -> bool {
    let process =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("process")).unwrap_or_default();
    !process.is_undefined()
}

thread_local! {
    static COUNTER: Cell<u32> = const { Cell::new(0) };
}

/// One test's session on the upload server, with the faults its part PUTs meet in order.
struct Session {
    id: String,
    client: Client,
}

impl Session {
    fn new(faults: &[&str]) -> Session {
        let n = COUNTER.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        // Unique across runs and runtimes sharing the one server.
        let id = format!(
            "{}-{n}-{}",
            js_sys::Date::now() as u64,
            (js_sys::Math::random() * 1e9) as u64
        );
        let faults = if faults.is_empty() {
            "-".to_owned()
        } else {
            faults.join(",")
        };
        let client = Client::builder()
            .config(Config::with_base_url(format!(
                "{}/s/{id}/{faults}",
                upload_url()
            )))
            .credential(Credential::organization_token("polar_oat_SECRET"))
            // An extra header must not reach the storage host either.
            .header(
                http::HeaderName::from_static("x-extra"),
                http::HeaderValue::from_static("polar-only"),
            )
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(5),
                ..RetryPolicy::default()
            })
            .build();
        Session { id, client }
    }

    /// What the server received in this session.
    async fn seen(&self) -> Value {
        let request = http::Request::get(format!("{}/seen/{}", upload_url(), self.id))
            .body(Vec::new())
            .expect("request");
        let response = self
            .client
            .execute(request, false)
            .await
            .expect("the upload server answers /seen");
        polarsh_wasm::json::from_slice(response.body()).expect("JSON from /seen")
    }
}

fn spec(part_size: u64) -> FileSpec {
    let mut f = FileSpec::new(
        FileServiceTypes::Downloadable,
        "report.pdf",
        "application/pdf",
    );
    f.part_size = part_size;
    f
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64()
}

/// Prism saw the request and found nothing wrong with it.
fn prism_accepted(verdict: &Value, what: &str, code: u64) {
    assert_eq!(
        as_u64(&verdict["status"]),
        Some(code),
        "Prism's verdict on {what}: {verdict}"
    );
    assert_eq!(
        verdict["errors"].as_array().map(Vec::len),
        Some(0),
        "Prism found violations in {what}: {verdict}"
    );
}

/// Uploads `n` bytes in parts of `part_size` through a session whose PUTs meet `faults`;
/// checks everything the server saw. Returns the session's record.
async fn upload_ok(n: usize, part_size: u64, faults: &[&str], expected_puts: usize) -> Value {
    let session = Session::new(faults);
    let bytes = data(n);
    let mut progress: Vec<UploadProgress> = Vec::new();
    let out = session
        .client
        .upload_file(&spec(part_size), &bytes, |p| progress.push(p))
        .await
        .expect("upload succeeds");
    match out {
        FileRead::DownloadableFileRead(f) => assert_eq!(f.name, "report.pdf"),
        other => panic!("not a downloadable file: {other:?}"),
    }

    let seen = session.seen().await;
    let create = &seen["create"];
    assert_eq!(create["service"], "downloadable");
    assert_eq!(as_u64(&create["size"]), Some(n as u64));
    assert_eq!(create["checksum_sha256_base64"], sha256_base64(&bytes));
    prism_accepted(&seen["create_prism"], "files:create", 201);

    let want_parts = n.div_ceil(part_size as usize);
    let ranges: Vec<(usize, usize)> = (0..want_parts)
        .map(|i| {
            (
                i * part_size as usize,
                ((i + 1) * part_size as usize).min(n),
            )
        })
        .collect();
    let parts = create["upload"]["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), want_parts);
    for (i, (p, &(start, end))) in parts.iter().zip(&ranges).enumerate() {
        assert_eq!(
            (
                as_u64(&p["number"]),
                as_u64(&p["chunk_start"]),
                as_u64(&p["chunk_end"])
            ),
            (Some(i as u64 + 1), Some(start as u64), Some(end as u64))
        );
        assert_eq!(
            p["checksum_sha256_base64"],
            sha256_base64(&bytes[start..end])
        );
    }

    // Each PUT carries exactly its part's bytes and the presigned checksum header, never the
    // token nor the client's extra header; the parts go in order, a retry repeating its part.
    let puts = seen["puts"].as_array().expect("puts");
    assert_eq!(puts.len(), expected_puts, "PUTs: {puts:?}");
    let mut accepted = Vec::new();
    for put in puts {
        let number = as_u64(&put["part"]).expect("part number") as usize;
        let &(start, end) = ranges.get(number - 1).expect("a planned part");
        let want = sha256_base64(&bytes[start..end]);
        assert_eq!(as_u64(&put["len"]), Some((end - start) as u64), "{put}");
        assert_eq!(put["sha256"], want, "part {number}'s bytes");
        assert_eq!(put["checksum_header"], want, "part {number}'s header");
        assert_eq!(put["authorization"], false, "a token went to storage");
        assert_eq!(
            put["extra_header"], false,
            "a client header went to storage"
        );
        assert_eq!(put["query"], "?X-Amz-Signature=x");
        if accepted.last() != Some(&number) {
            accepted.push(number);
        }
    }
    assert_eq!(accepted, (1..=want_parts).collect::<Vec<_>>());

    let done = &seen["uploaded"];
    assert_eq!(done["id"], "u1");
    let done_parts = done["parts"].as_array().expect("parts");
    assert_eq!(done_parts.len(), want_parts);
    // The ETag each part's last PUT was answered with (the server numbers its PUTs).
    let mut last_put = vec![0; want_parts];
    for (k, put) in puts.iter().enumerate() {
        let number = as_u64(&put["part"]).unwrap_or(0) as usize;
        if let Some(slot) = last_put.get_mut(number.wrapping_sub(1)) {
            *slot = k + 1;
        }
    }
    for (i, p) in done_parts.iter().enumerate() {
        assert_eq!(as_u64(&p["number"]), Some(i as u64 + 1));
        assert_eq!(p["checksum_etag"], format!("\"etag-{}\"", last_put[i]));
        assert_eq!(
            p["checksum_sha256_base64"],
            parts[i]["checksum_sha256_base64"]
        );
    }
    prism_accepted(&seen["uploaded_prism"], "files:uploaded", 200);

    // Progress: once after files:create, once per part, ending at the whole file.
    let steps: Vec<(u64, usize)> = progress
        .iter()
        .map(|p| (p.bytes_sent, p.parts_sent))
        .collect();
    let want_steps: Vec<(u64, usize)> = std::iter::once((0, 0))
        .chain(
            ranges
                .iter()
                .enumerate()
                .map(|(i, &(_, end))| (end as u64, i + 1)),
        )
        .collect();
    assert_eq!(steps, want_steps);
    assert!(progress
        .iter()
        .all(|p| p.total_bytes == n as u64 && p.parts == want_parts));
    seen
}

/// An upload that must fail: the error, and what the server saw.
async fn upload_err(n: usize, faults: &[&str]) -> (Error, Value) {
    let session = Session::new(faults);
    let mut calls = 0;
    let err = session
        .client
        .upload_file(&spec(8), &data(n), |_| calls += 1)
        .await
        .expect_err("the upload fails");
    assert!(!format!("{err} {err:?}").contains("SECRET"), "{err:?}");
    let seen = session.seen().await;
    // Nothing claims the upload finished.
    assert!(
        seen["uploaded"].is_null(),
        "files:uploaded was sent: {seen}"
    );
    (err, seen)
}

#[wasm_bindgen_test]
async fn an_empty_file_is_refused_before_any_request() {
    let (err, seen) = upload_err(0, &[]).await;
    assert!(
        matches!(err, Error::Upload(UploadError::EmptyFile)),
        "{err:?}"
    );
    assert_eq!(
        seen,
        Value::Object(Default::default()),
        "a request was sent"
    );
}

#[wasm_bindgen_test]
async fn one_byte() {
    upload_ok(1, 8, &[], 1).await;
}

#[wasm_bindgen_test]
async fn exactly_one_part() {
    upload_ok(8, 8, &[], 1).await;
}

#[wasm_bindgen_test]
async fn several_parts() {
    upload_ok(37, 8, &[], 5).await;
}

#[wasm_bindgen_test]
async fn megabytes_in_parts() {
    // 3 MiB + 1 in 1 MiB parts: real-sized bodies through fetch, a 1-byte last part.
    upload_ok(3 * 1024 * 1024 + 1, 1024 * 1024, &[], 4).await;
}

#[wasm_bindgen_test]
async fn a_part_answering_503_once_is_retried_alone() {
    // Part 1's first PUT fails: 3 parts, 4 PUTs, part 1 twice.
    let seen = upload_ok(20, 8, &["503"], 4).await;
    let parts: Vec<Option<u64>> = seen["puts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| as_u64(&p["part"]))
        .collect();
    assert_eq!(parts, vec![Some(1), Some(1), Some(2), Some(3)]);
}

#[wasm_bindgen_test]
async fn a_part_dropped_once_is_retried_alone() {
    let seen = upload_ok(20, 8, &["drop"], 4).await;
    assert_eq!(as_u64(&seen["puts"][1]["part"]), Some(1));
}

#[wasm_bindgen_test]
async fn a_presigned_url_answering_403_is_a_typed_error() {
    let (err, seen) = upload_err(20, &["403"]).await;
    assert!(
        matches!(
            err,
            Error::Upload(UploadError::PartRejected {
                number: 1,
                status: 403
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), None);
    // A 403 is final: no retry, no later part.
    assert_eq!(seen["puts"].as_array().map(Vec::len), Some(1));
}

#[wasm_bindgen_test]
async fn a_presigned_url_dropping_the_connection_is_a_transport_error() {
    let (err, seen) = upload_err(20, &["drop"; 10]).await;
    // A part PUT is safe to repeat: every attempt the policy allows, then the fault.
    match err {
        Error::Transport { fault, attempts: 4 } if fault.kind() == FaultKind::Interrupted => {}
        other => panic!("expected an interrupted PUT after 4 attempts, got {other:?}"),
    }
    // Every attempt reached the server, all for part 1.
    let parts: Vec<Option<u64>> = seen["puts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| as_u64(&p["part"]))
        .collect();
    assert_eq!(parts, vec![Some(1); 4]);
}

#[wasm_bindgen_test]
async fn a_storage_host_hiding_the_etag_from_a_browser_is_a_typed_error() {
    // Without `Access-Control-Expose-Headers: ETag` a browser hides the ETag from fetch.
    if in_node() {
        // Node has no CORS: the ETag is readable and the upload completes.
        upload_ok(20, 8, &["noexpose"], 3).await;
        return;
    }
    let (err, _) = upload_err(20, &["noexpose"]).await;
    assert!(
        matches!(err, Error::Upload(UploadError::MissingEtag { number: 1 })),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn the_prism_check_catches_a_bad_files_create() {
    // Proves the verdicts above mean something: a body missing required fields is flagged.
    let session = Session::new(&[]);
    let request = http::Request::post(format!("{}/s/{}/-/v1/files/", upload_url(), session.id))
        .header("content-type", "application/json")
        .header("authorization", "Bearer polar_oat_SECRET")
        .body(br#"{"name": 1, "upload": {"parts": []}}"#.to_vec())
        .expect("request");
    session
        .client
        .execute(request, false)
        .await
        .expect("an answer");
    let seen = session.seen().await;
    let errors = seen["create_prism"]["errors"].as_array().map(Vec::len);
    assert!(errors.is_some_and(|n| n > 0), "{seen}");
}
