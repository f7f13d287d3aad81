//! A loopback server that plays Polar (`files:create`, `files:uploaded`) and the presigned
//! storage host (part `PUT`s) for the upload tests of every client, and the checks of what
//! it received.

use polarsh_core::models::FileServiceTypes;
use polarsh_core::upload::{sha256_base64, FileSpec, UploadProgress};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// What the fake storage host does with the next PUT of a part.
#[derive(Clone, Copy, Debug)]
pub enum PartFault {
    /// Answer with this status (and an XML error body).
    Status(u16),
    /// Close the connection without answering.
    Drop,
}

/// One received request: path, headers (lower-cased names), body.
pub type Put = (String, Vec<(String, String)>, Vec<u8>);
/// Method, path, headers, body.
type Received = (String, String, Vec<(String, String)>, Vec<u8>);

/// What the fake received.
#[derive(Debug, Default)]
pub struct Seen {
    /// The `files:create` body.
    pub create: Option<Value>,
    /// The `files:uploaded` body.
    pub uploaded: Option<Value>,
    /// (path, headers lower-cased, body) of every PUT.
    pub puts: Vec<Put>,
    /// PUTs that carried an `authorization` header (there must be none).
    pub authorization_on_puts: usize,
}

/// The fake, serving on a loopback port in a thread until the test process ends.
pub struct Fake {
    /// Its loopback port.
    pub port: u16,
    /// What it received.
    pub seen: Arc<Mutex<Seen>>,
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
    pub fn start(faults: Vec<PartFault>) -> Fake {
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

    /// The base URL that plays Polar: `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A downloadable `report.pdf` cut in parts of `part_size` bytes.
pub fn spec(part_size: u64) -> FileSpec {
    let mut f = FileSpec::new(
        FileServiceTypes::Downloadable,
        "report.pdf",
        "application/pdf",
    );
    f.part_size = part_size;
    f
}

/// `n` bytes of a repeating pattern.
pub fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

/// Checks everything the fake saw of a successful upload of `bytes` in parts of
/// `part_size` (`expected_puts` part PUTs, retries included), and the progress reported.
pub fn check_upload(
    fake: &Fake,
    bytes: &[u8],
    part_size: u64,
    expected_puts: usize,
    progress: &[UploadProgress],
) {
    let n = bytes.len();
    let seen = fake.seen.lock().expect("lock");
    let create = seen.create.as_ref().expect("files:create was sent");
    assert_eq!(create["service"], "downloadable");
    assert_eq!(create["size"], n);
    assert_eq!(create["checksum_sha256_base64"], sha256_base64(bytes));
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
