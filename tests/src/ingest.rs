//! A loopback Polar for the usage-event tests and the ingest bench of every driver: it
//! deduplicates events by `external_id` as Polar does, and misbehaves on a script (down for
//! a while, connections reset after the request was read, 429 with `Retry-After`, 500s, a
//! slow answer); an event named `invalid` makes its whole request a 422. Plus the settings,
//! events and checks the tests of every driver share.

use polarsh_core::exchange::Options;
use polarsh_core::ingest::{IngestConfig, IngestStats, PushError};
use polarsh_core::models::{EventCreateExternalCustomer, EventsIngestEventsItem};
use polarsh_core::retry::RetryPolicy;
use polarsh_core::{Config, Credential};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does with the next ingest request it reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Record the events, answer.
    Ok,
    /// Answer 503 without recording.
    Down,
    /// Record the events, then reset the connection without answering.
    ResetAfterRecording,
    /// Answer 429 with `Retry-After: 1` without recording.
    RateLimited,
    /// Answer 500 without recording.
    ServerError,
    /// Record the events, answer after this long.
    Slow(Duration),
}

/// What the server saw.
#[derive(Debug, Default)]
pub struct Polar {
    /// Each external id, with how many times it was recorded (must end at 1).
    pub seen: HashMap<String, u32>,
    /// Ingest requests read.
    pub requests: usize,
    script: VecDeque<Fault>,
}

/// Polar's deduplication: an event whose `external_id` was recorded counts as a duplicate.
/// An event named `invalid` makes the whole request a 422, as a validation error does.
fn ingest(polar: &mut Polar, body: &[u8]) -> (u16, String, bool) {
    let fault = polar.script.pop_front().unwrap_or(Fault::Ok);
    polar.requests += 1;
    let body: Value = serde_json::from_slice(body).expect("the body is JSON");
    let events = body["events"].as_array().cloned().unwrap_or_default();
    if events.iter().any(|e| e["name"] == "invalid") {
        let detail = json!({"detail": [{"loc": ["body", "events", 0, "name"], "msg": "invalid", "type": "value_error"}]});
        return (422, detail.to_string(), false);
    }
    match fault {
        Fault::Down => return (503, "{}".into(), false),
        Fault::RateLimited => return (429, "{}".into(), false),
        Fault::ServerError => return (500, "{}".into(), false),
        _ => {}
    }
    let (mut inserted, mut duplicates) = (0, 0);
    for e in &events {
        let id = e["external_id"]
            .as_str()
            .expect("every event has an external_id");
        let n = polar.seen.entry(id.to_owned()).or_insert(0);
        if *n == 0 {
            inserted += 1;
            *n = 1;
        } else {
            duplicates += 1;
        }
    }
    let reset = fault == Fault::ResetAfterRecording;
    if let Fault::Slow(d) = fault {
        std::thread::sleep(d);
    }
    (
        200,
        json!({"inserted": inserted, "duplicates": duplicates}).to_string(),
        reset,
    )
}

/// Reads one HTTP/1.1 request from a loopback connection: its head (request line and headers)
/// and its `Content-Length` body; `None` when the peer closed or the read failed. The loopback
/// servers of the tests (this one, the fault matrix's) read requests with it.
pub fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn serve(stream: TcpStream, polar: Arc<Mutex<Polar>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    loop {
        let Some((head, body)) = read_request(&mut reader) else {
            return;
        };
        assert!(
            head.starts_with("POST /v1/events/ingest HTTP/1.1"),
            "{head}"
        );
        let (status, text, reset) = ingest(&mut polar.lock().unwrap(), &body);
        if reset {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        let retry_after = if status == 429 {
            "Retry-After: 1\r\n"
        } else {
            ""
        };
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{retry_after}Content-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Starts the server (a thread per connection) playing `script`, then answering normally:
/// its base URL and what it saw.
pub fn start(script: Vec<Fault>) -> (String, Arc<Mutex<Polar>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let polar = Arc::new(Mutex::new(Polar {
        script: script.into(),
        ..Polar::default()
    }));
    let p = polar.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let p = p.clone();
            std::thread::spawn(move || serve(stream, p));
        }
    });
    (url, polar)
}

/// A base URL nobody listens on.
pub fn dead_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    format!("http://127.0.0.1:{port}")
}

/// The client options of the tests (the same for every driver): the server at `url`, short
/// timeouts, quick retries. `Client::builder().options(options(url)).build()`.
pub fn options(url: &str) -> Options {
    let mut options = Options::new(Config::with_base_url(url))
        .with_credential(Credential::organization_token("polar_oat_ingest"));
    options.settings.request_timeout = Duration::from_millis(300);
    options.settings.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(2),
        max_elapsed: Duration::from_secs(10),
    };
    options
}

/// Event `i`: `llm.tokens` for one of 7 customers, `n = i` in its properties.
pub fn event(i: usize) -> EventCreateExternalCustomer {
    let mut e = EventCreateExternalCustomer::new("llm.tokens", format!("user_{}", i % 7));
    e.extra.insert("n".into(), json!(i));
    e
}

/// Batches of 10 events or 50 ms.
pub fn small_batches() -> IngestConfig {
    IngestConfig {
        max_batch_events: 10,
        max_age: Duration::from_millis(50),
        ..IngestConfig::default()
    }
}

/// The script of "every event arrives once through every fault": down for a while, resets
/// after recording, 429, 500, a slow answer, down long enough for a batch to fail.
pub fn every_fault() -> Vec<Fault> {
    vec![
        Fault::Down,
        Fault::Down,
        Fault::Ok,
        Fault::ResetAfterRecording,
        Fault::RateLimited,
        Fault::ServerError,
        Fault::Ok,
        Fault::Slow(Duration::from_millis(600)),
        Fault::ResetAfterRecording,
        Fault::Down,
        Fault::Down,
        Fault::Down,
        Fault::Down,
    ]
}

/// After [`every_fault`] and `n` pushed events: each arrived, the server counted each once,
/// and the driver's counts agree.
pub fn assert_every_event_arrived_once(stats: &IngestStats, polar: &Polar, n: u64) {
    assert_eq!(stats.pushed, n);
    assert_eq!(stats.settled, n);
    assert_eq!(stats.rejected, 0);
    assert_eq!(stats.mismatches, 0);
    assert_eq!(polar.seen.len() as u64, n, "every event arrived");
    assert!(polar.seen.values().all(|&k| k == 1));
    // The resets and the slow answer recorded events whose answers were lost: they came
    // back as duplicates, counted once.
    assert!(stats.duplicates > 0, "{stats:?}");
    assert_eq!(stats.inserted + stats.duplicates, n);
    assert!(stats.failed_batches >= 1, "{stats:?}");
}

/// The capacity of [`full_queue`]: its pushes beyond this are refused.
pub const SMALL_CAPACITY: usize = 4;

/// A queue of [`SMALL_CAPACITY`] events that never sends on its own (an hour's age).
pub fn full_queue() -> IngestConfig {
    IngestConfig {
        capacity: SMALL_CAPACITY,
        max_age: Duration::from_secs(3600),
        ..small_batches()
    }
}

/// A push into a full queue handed event `n` back.
pub fn assert_handed_back(pushed: Result<(), PushError>, n: usize) {
    match pushed {
        Err(PushError::Full(e)) => match *e {
            EventsIngestEventsItem::EventCreateExternalCustomer(e) => assert_eq!(e.extra["n"], n),
            other => panic!("{other:?}"),
        },
        other => panic!("expected the event back, got {other:?}"),
    }
}
