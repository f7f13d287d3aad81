//! Usage-event ingestion end to end on loopback: a server that deduplicates events by
//! `external_id` as Polar does, misbehaving on a script (down for a while, connections reset
//! after the request was read, 429 with `Retry-After`, 500s, a slow answer, 422 for invalid
//! events). Every pushed event must arrive, and the server must count each `external_id`
//! once. Also: the request matches the spec (Prism), and `close` delivers the tail.

use polar_tests::Prism;
use polarsh_blocking::models::{EventCreateExternalCustomer, EventsIngestEventsItem};
use polarsh_blocking::{Client, Config, Credential, IngestConfig, Ingester, PushError};
use polarsh_core::retry::RetryPolicy;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does with the next ingest request it reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
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

#[derive(Default)]
struct Polar {
    /// Each external id, with how many times it was recorded (must end at 1).
    seen: HashMap<String, u32>,
    requests: usize,
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

fn serve(stream: TcpStream, polar: Arc<Mutex<Polar>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
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
        if reader.read_exact(&mut body).is_err() {
            return;
        }
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

fn start(script: Vec<Fault>) -> (String, Arc<Mutex<Polar>>) {
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

fn client(url: &str) -> Client {
    Client::builder()
        .config(Config::with_base_url(url))
        .credential(Credential::organization_token("polar_oat_ingest"))
        .request_timeout(Duration::from_millis(300))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(10),
        })
        .build()
}

fn event(i: usize) -> EventCreateExternalCustomer {
    let mut e = EventCreateExternalCustomer::new("llm.tokens", format!("user_{}", i % 7));
    e.extra.insert("n".into(), json!(i));
    e
}

fn small_batches() -> IngestConfig {
    IngestConfig {
        max_batch_events: 10,
        max_age: Duration::from_millis(50),
        ..IngestConfig::default()
    }
}

#[test]
fn every_event_arrives_once_through_every_fault() {
    let script = vec![
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
    ];
    let (url, polar) = start(script);
    let ingester = Ingester::start(&client(&url), small_batches());
    std::thread::scope(|scope| {
        for t in 0..4 {
            let ingester = &ingester;
            scope.spawn(move || {
                for i in 0..50 {
                    ingester.push(event(t * 50 + i)).expect("queued");
                    if i % 10 == 0 {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            });
        }
    });
    let stats = ingester
        .close(Duration::from_secs(30))
        .expect("everything delivered");
    assert_eq!(stats.pushed, 200);
    assert_eq!(stats.settled, 200);
    assert_eq!(stats.rejected, 0);
    assert_eq!(stats.mismatches, 0);
    let polar = polar.lock().unwrap();
    assert_eq!(polar.seen.len(), 200, "every event arrived");
    assert!(polar.seen.values().all(|&n| n == 1));
    // The resets and the slow answer recorded events whose answers were lost: they came
    // back as duplicates, counted once.
    assert!(stats.duplicates > 0, "{stats:?}");
    assert_eq!(stats.inserted + stats.duplicates, 200);
    assert!(stats.failed_batches >= 1, "{stats:?}");
}

#[test]
fn an_invalid_event_is_found_and_reported_the_rest_delivered() {
    let (url, polar) = start(vec![]);
    let ingester = Ingester::start(
        &client(&url),
        IngestConfig {
            max_batch_events: 16,
            ..small_batches()
        },
    );
    for i in 0..16 {
        let mut e = event(i);
        if i == 11 {
            e.name = "invalid".into();
            e.external_id = polarsh_blocking::Patch::Set("evt_invalid".into());
        }
        ingester.push(e).expect("queued");
    }
    assert!(ingester.flush(Duration::from_secs(10)));
    let rejected = ingester.take_rejected();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].external_id, "evt_invalid");
    assert_eq!(rejected[0].event["name"], "invalid");
    assert_eq!(rejected[0].error["detail"][0]["msg"], "invalid");
    let stats = ingester.close(Duration::from_secs(5)).expect("closed");
    assert_eq!((stats.inserted, stats.rejected, stats.settled), (15, 1, 16));
    let polar = polar.lock().unwrap();
    assert_eq!(polar.seen.len(), 15);
    // 1 + 2 + 2 + 2 + 2: halves down to the one event (log2 16 levels), never the whole
    // batch again.
    assert!(polar.requests <= 9, "{}", polar.requests);
}

#[test]
fn close_delivers_the_tail_and_a_dead_server_hands_events_back() {
    // The tail: events younger than the batch age are sent by close, not left behind.
    let (url, polar) = start(vec![]);
    let ingester = Ingester::start(
        &client(&url),
        IngestConfig {
            max_age: Duration::from_secs(3600),
            ..small_batches()
        },
    );
    for i in 0..3 {
        ingester.push(event(i)).expect("queued");
    }
    assert_eq!(polar.lock().unwrap().requests, 0);
    let stats = ingester
        .close(Duration::from_secs(5))
        .expect("the tail delivered");
    assert_eq!(stats.settled, 3);
    assert_eq!(polar.lock().unwrap().seen.len(), 3);

    // Nobody listening: close gives the events back at its deadline, with their ids.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let ingester = Ingester::start(
        &client(&format!("http://127.0.0.1:{port}")),
        small_batches(),
    );
    for i in 0..5 {
        ingester.push(event(i)).expect("queued");
    }
    let undelivered = ingester
        .close(Duration::from_millis(500))
        .expect_err("nothing can be delivered");
    assert_eq!(undelivered.events.len(), 5);
    assert!(undelivered
        .events
        .iter()
        .all(|e| e["external_id"].as_str().is_some_and(|id| id.len() == 36)));
}

#[test]
fn a_full_queue_hands_the_event_back() {
    let (url, _polar) = start(vec![Fault::Down; 100]);
    let ingester = Ingester::start(
        &client(&url),
        IngestConfig {
            capacity: 4,
            max_age: Duration::from_secs(3600),
            ..small_batches()
        },
    );
    for i in 0..4 {
        ingester.push(event(i)).expect("room");
    }
    match ingester.push(event(4)) {
        Err(PushError::Full(e)) => match *e {
            EventsIngestEventsItem::EventCreateExternalCustomer(e) => assert_eq!(e.extra["n"], 4),
            other => panic!("{other:?}"),
        },
        other => panic!("expected the event back, got {other:?}"),
    }
    let _ = ingester.close(Duration::from_millis(10));
}

#[test]
fn the_request_matches_the_spec() {
    use polarsh_core::ingest::{Ingest, IngestStep};
    let prism = Prism::start();
    let client = Client::builder()
        .config(Config::with_base_url(prism.base_url()))
        .credential(Credential::organization_token("polar_oat_prism"))
        .build();
    let mut ingest = Ingest::new(
        small_batches(),
        std::sync::Arc::new(client.options().clone()),
        [1; 32],
    );
    let now = Duration::from_secs(1_800_000_000);
    for i in 0..3 {
        let mut e = EventCreateExternalCustomer::new("llm.tokens", format!("user_{i}"));
        e.metadata = None;
        ingest.push(e, now).expect("queued");
    }
    ingest.flush();
    let IngestStep::Send(out) = ingest.poll(now, 0.5) else {
        panic!("expected the batch")
    };
    let body: Value = serde_json::from_slice(out.request.body()).expect("JSON");
    assert_eq!(body["events"].as_array().map(Vec::len), Some(3));
    let ids: Vec<&str> = body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["external_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 3, "every event carries an external_id");
    assert!(
        body["events"][0]["timestamp"].is_string(),
        "stamped at push"
    );
    let response = client.execute(out.request, true).expect("Prism answers");
    assert_eq!(response.status(), 200);
    if let Some(v) = response.headers().get("sl-violations") {
        let violations: Value = serde_json::from_slice(v.as_bytes()).unwrap_or(Value::Null);
        let request_errors: Vec<&Value> = violations
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| x["severity"] == "Error" && x["location"][0] == "request")
            .collect();
        assert!(request_errors.is_empty(), "{request_errors:?}");
    }
    ingest.handle(Ok(response));
    match ingest.poll(now, 0.5) {
        IngestStep::Report(r) => assert!(r.failed.is_none() && r.rejected.is_empty(), "{r:?}"),
        other => panic!("expected the batch's report, got {other:?}"),
    }
}

#[test]
fn a_flushed_batch_that_failed_goes_out_again_after_the_backoff_not_its_age() {
    use polarsh_core::exchange::Fault as F;
    use polarsh_core::ingest::{Ingest, IngestStep};
    let client = client("http://polar.test");
    let mut ingest = Ingest::new(
        IngestConfig {
            max_age: Duration::from_secs(3600),
            ..small_batches()
        },
        std::sync::Arc::new(client.options().clone()),
        [2; 32],
    );
    let t0 = Duration::from_secs(1_800_000_000);
    ingest.push(event(1), t0).expect("queued");
    ingest.flush();
    // Every attempt refused: the batch fails and comes back.
    let mut now = t0;
    let report = loop {
        match ingest.poll(now, 0.0) {
            IngestStep::Send(_) => {
                assert!(ingest.attempts() >= 1);
                ingest.handle(Err(F::not_sent("refused")))
            }
            IngestStep::Wait(d) => now += d,
            IngestStep::Report(r) => break r,
            IngestStep::Idle => panic!("the batch vanished"),
        }
    };
    assert_eq!(report.failed.as_ref().map(|(_, n)| *n), Some(1));
    // The wait is the backoff (20 ms base, jitter 0: 10 ms), not the hour of `max_age`.
    match ingest.poll(now, 0.0) {
        IngestStep::Wait(d) => assert!(d <= Duration::from_millis(20), "{d:?}"),
        other => panic!("expected the backoff, got {other:?}"),
    }
    assert!(matches!(
        ingest.poll(now + Duration::from_millis(20), 0.0),
        IngestStep::Send(_)
    ));
}
