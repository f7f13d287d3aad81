//! File uploads end to end on a loopback server that plays Polar (`files:create`,
//! `files:uploaded`) and the presigned storage host (part `PUT`s), checking every request
//! byte that matters. The `files:create` and `files:uploaded` bodies are also checked
//! against the spec by the Prism conformance test.

use polar_blocking::models::{FileRead, FileServiceTypes};
use polar_blocking::{Client, Config, Credential, Error};
use polar_core::retry::RetryPolicy;
use polar_core::upload::{sha256_base64, FileSpec, UploadError};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the fake storage host does with the next PUT of a part.
#[derive(Clone, Copy, Debug)]
enum PartFault {
    Status(u16),
    Drop,
}

/// One received request: path, headers (lower-cased names), body.
type Put = (String, Vec<(String, String)>, Vec<u8>);
/// Method, path, headers, body.
type Received = (String, String, Vec<(String, String)>, Vec<u8>);

#[derive(Debug, Default)]
struct Seen {
    create: Option<Value>,
    uploaded: Option<Value>,
    /// (path, headers lower-cased, body) of every PUT.
    puts: Vec<Put>,
    authorization_on_puts: usize,
}

struct Fake {
    port: u16,
    seen: Arc<Mutex<Seen>>,
}

fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
        if k == "content-length" {
            len = v.parse().ok()?;
        }
        headers.push((k, v));
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, headers, body))
}

fn respond(stream: &mut TcpStream, status: u16, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn file_read(name: &str, size: usize) -> Value {
    json!({
        "id": "f1", "organization_id": "o1", "name": name, "path": "o1/f1", "mime_type": "application/pdf",
        "size": size, "storage_version": null, "checksum_etag": null, "checksum_sha256_base64": null,
        "checksum_sha256_hex": null, "last_modified_at": null, "version": null, "service": "downloadable",
        "is_uploaded": true, "created_at": "2026-11-28T12:00:00Z", "flagged_malicious_at": null,
        "size_readable": format!("{size} B")
    })
}

impl Fake {
    /// Serves until the test ends; part PUTs meet `faults` in order, then succeed.
    fn start(faults: Vec<PartFault>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let faults = Arc::new(Mutex::new(VecDeque::from(faults)));
        let s = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some((method, path, headers, body)) = read_request(&mut stream) else {
                    continue;
                };
                let mut seen = s.lock().expect("lock");
                match (method.as_str(), path.as_str()) {
                    ("POST", "/v1/files/") => {
                        let create: Value =
                            serde_json::from_slice(&body).expect("files:create body is JSON");
                        let parts: Vec<Value> = create["upload"]["parts"]
                            .as_array()
                            .expect("parts")
                            .iter()
                            .map(|p| {
                                json!({
                                    "number": p["number"], "chunk_start": p["chunk_start"], "chunk_end": p["chunk_end"],
                                    "checksum_sha256_base64": p["checksum_sha256_base64"],
                                    "url": format!("http://127.0.0.1:{port}/bucket/part{}?sig=x", p["number"]),
                                    "expires_at": "2026-11-28T13:00:00Z",
                                    "headers": {"x-amz-checksum-sha256": p["checksum_sha256_base64"]}
                                })
                            })
                            .collect();
                        let mut upload = file_read(create["name"].as_str().unwrap_or(""), 0);
                        let obj = upload.as_object_mut().expect("object");
                        obj.remove("created_at");
                        obj.remove("flagged_malicious_at");
                        obj.insert(
                            "upload".into(),
                            json!({"id": "u1", "path": "o1/f1", "parts": parts}),
                        );
                        seen.create = Some(create);
                        respond(
                            &mut stream,
                            201,
                            "content-type: application/json\r\n",
                            upload.to_string().as_bytes(),
                        );
                    }
                    ("POST", "/v1/files/f1/uploaded") => {
                        let done: Value =
                            serde_json::from_slice(&body).expect("files:uploaded body is JSON");
                        seen.uploaded = Some(done);
                        let body = file_read("report.pdf", 0).to_string();
                        respond(
                            &mut stream,
                            200,
                            "content-type: application/json\r\n",
                            body.as_bytes(),
                        );
                    }
                    ("PUT", p) if p.starts_with("/bucket/") => {
                        if headers.iter().any(|(k, _)| k == "authorization") {
                            seen.authorization_on_puts += 1;
                        }
                        seen.puts.push((p.to_owned(), headers, body));
                        match faults.lock().expect("lock").pop_front() {
                            Some(PartFault::Status(code)) => {
                                respond(&mut stream, code, "", b"<Error/>")
                            }
                            Some(PartFault::Drop) => drop(stream),
                            None => {
                                let n = seen.puts.len();
                                respond(&mut stream, 200, &format!("etag: \"etag-{n}\"\r\n"), b"");
                            }
                        }
                    }
                    _ => respond(&mut stream, 404, "", b"{}"),
                }
            }
        });
        Fake { port, seen }
    }

    fn client(&self) -> Client {
        Client::builder()
            .config(Config::with_base_url(format!(
                "http://127.0.0.1:{}",
                self.port
            )))
            .credential(Credential::organization_token("polar_oat_SECRET"))
            .retry(RetryPolicy {
                base_delay: Duration::from_millis(5),
                ..RetryPolicy::default()
            })
            .build()
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

/// Uploads `n` bytes in parts of `part_size`; checks everything the fake saw.
fn upload_ok(n: usize, part_size: u64, faults: Vec<PartFault>, expected_puts: usize) {
    let fake = Fake::start(faults);
    let bytes = data(n);
    let mut progress = Vec::new();
    let out = fake
        .client()
        .upload_file(&spec(part_size), &bytes, |p| progress.push(p))
        .expect("upload succeeds");
    assert!(matches!(out, FileRead::DownloadableFileRead(_)));

    let seen = fake.seen.lock().expect("lock");
    let create = seen.create.as_ref().expect("files:create was sent");
    assert_eq!(create["service"], "downloadable");
    assert_eq!(create["size"], n);
    assert_eq!(create["checksum_sha256_base64"], sha256_base64(&bytes));
    let parts = create["upload"]["parts"].as_array().expect("parts");
    let want_parts = n.div_ceil(part_size as usize);
    assert_eq!(parts.len(), want_parts);
    for (i, p) in parts.iter().enumerate() {
        let (start, end) = (
            i * part_size as usize,
            ((i + 1) * part_size as usize).min(n),
        );
        assert_eq!(
            (
                p["number"].as_u64(),
                p["chunk_start"].as_u64(),
                p["chunk_end"].as_u64()
            ),
            (Some(i as u64 + 1), Some(start as u64), Some(end as u64))
        );
        assert_eq!(
            p["checksum_sha256_base64"],
            sha256_base64(&bytes[start..end])
        );
    }
    // Each part PUT carries exactly its bytes and the presigned headers, never the token.
    assert_eq!(seen.puts.len(), expected_puts);
    assert_eq!(seen.authorization_on_puts, 0);
    let mut reassembled = Vec::new();
    let mut last_path = String::new();
    for (path, headers, body) in &seen.puts {
        if *path == last_path {
            // A retried part replaced its failed attempt.
            let start = reassembled.len() - body.len();
            reassembled.truncate(start);
        }
        let sum = headers
            .iter()
            .find(|(k, _)| k == "x-amz-checksum-sha256")
            .map(|(_, v)| v.clone());
        assert_eq!(sum, Some(sha256_base64(body)));
        reassembled.extend_from_slice(body);
        last_path = path.clone();
    }
    assert_eq!(reassembled, bytes);
    let done = seen.uploaded.as_ref().expect("files:uploaded was sent");
    assert_eq!(
        (done["id"].as_str(), done["path"].as_str()),
        (Some("u1"), Some("o1/f1"))
    );
    let done_parts = done["parts"].as_array().expect("parts");
    assert_eq!(done_parts.len(), want_parts);
    for (i, p) in done_parts.iter().enumerate() {
        assert_eq!(p["number"].as_u64(), Some(i as u64 + 1));
        assert!(p["checksum_etag"]
            .as_str()
            .is_some_and(|e| e.starts_with("\"etag-")));
        assert_eq!(
            p["checksum_sha256_base64"],
            parts[i]["checksum_sha256_base64"]
        );
    }
    // Progress: once after files:create, once per part, ending at the whole file.
    assert_eq!(progress.len(), want_parts + 1);
    assert_eq!(
        progress.last().map(|p| (p.bytes_sent, p.parts_sent)),
        Some((n as u64, want_parts))
    );
}

#[test]
fn one_byte() {
    upload_ok(1, 8, vec![], 1);
}

#[test]
fn exactly_one_part() {
    upload_ok(8, 8, vec![], 1);
}

#[test]
fn several_parts() {
    upload_ok(37, 8, vec![], 5);
}

#[test]
fn a_part_failing_once_is_retried_alone() {
    // Part 1's first PUT fails (503, then a dropped connection): 3 parts, 4 PUTs.
    upload_ok(20, 8, vec![PartFault::Status(503)], 4);
    upload_ok(20, 8, vec![PartFault::Drop], 4);
}

#[test]
fn empty_file_is_refused_before_any_request() {
    let fake = Fake::start(vec![]);
    let err = fake
        .client()
        .upload_file(&spec(8), &[], |_| {})
        .expect_err("empty");
    assert!(
        matches!(err, Error::Upload(UploadError::EmptyFile)),
        "{err:?}"
    );
    assert!(fake.seen.lock().expect("lock").create.is_none());
}

#[test]
fn presigned_url_answering_403_is_a_typed_error() {
    let fake = Fake::start(vec![PartFault::Status(403)]);
    let err = fake
        .client()
        .upload_file(&spec(8), &data(20), |_| {})
        .expect_err("403");
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
    // Nothing claims the upload finished.
    assert!(fake.seen.lock().expect("lock").uploaded.is_none());
    assert!(!format!("{err} {err:?}").contains("SECRET"));
}

#[test]
fn presigned_url_dropping_the_connection_every_time_is_a_transport_error() {
    let fake = Fake::start(vec![PartFault::Drop; 10]);
    let err = fake
        .client()
        .upload_file(&spec(8), &data(20), |_| {})
        .expect_err("dropped");
    assert!(
        matches!(err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(fake.seen.lock().expect("lock").uploaded.is_none());
}
