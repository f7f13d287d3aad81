//! The exchange state machines, driven by hand with a simulated clock: what they send, how
//! long they wait, what they end with, and what they do when the loop around them misbehaves.
//! No sockets, no sleeps: every case runs in microseconds and is exactly repeatable.

use http::{Method, Request, Response, StatusCode};
use polar_tests::{customer_json, CUSTOMER_ID};
use polarsh_core::exchange::{
    CallExchange, Exchange, Fault, FaultKind, Options, RequestExchange, Settings, Step,
};
use polarsh_core::models::{Customer, CustomerIndividualCreate, FileServiceTypes};
use polarsh_core::operations::{customers, events};
use polarsh_core::paging::{ItemExchange, PageExchange};
use polarsh_core::retry::RetryPolicy;
use polarsh_core::upload::{FileSpec, UploadEvent, UploadExchange};
use polarsh_core::{Config, Credential, Error};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// Some time in 2027, as a transport's clock would read it.
const T0: Duration = Duration::from_secs(1_800_000_000);

fn options() -> Options {
    Options::new(Config::with_base_url("http://polar.test"))
        .with_credential(Credential::organization_token("polar_oat_SECRET"))
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut r = Response::new(body.as_bytes().to_vec());
    *r.status_mut() = StatusCode::from_u16(status).expect("status");
    for (k, v) in headers {
        r.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            http::HeaderValue::from_str(v).expect("value"),
        );
    }
    r
}

fn json_response(status: u16, body: &str) -> Response<Vec<u8>> {
    response(status, &[("content-type", "application/json")], body)
}

/// A driver loop with a simulated clock and a scripted server: records every request and
/// every wait, answers from the script.
struct Sim {
    now: Duration,
    script: VecDeque<Result<Response<Vec<u8>>, Fault>>,
    sent: Vec<Request<Vec<u8>>>,
    timeouts: Vec<Duration>,
    waits: Vec<Duration>,
}

impl Sim {
    fn new(script: Vec<Result<Response<Vec<u8>>, Fault>>) -> Sim {
        Sim {
            now: T0,
            script: script.into(),
            sent: Vec::new(),
            timeouts: Vec::new(),
            waits: Vec::new(),
        }
    }

    /// Drives `exchange` to its next output; each attempt takes `latency` of clock time.
    fn run<E: Exchange>(&mut self, exchange: &mut E, latency: Duration) -> E::Output {
        for _ in 0..10_000 {
            match exchange.poll(self.now, 0.0) {
                Step::Send(out) => {
                    self.sent.push(out.request);
                    self.timeouts.push(out.limits.timeout);
                    self.now += latency;
                    let answer = self
                        .script
                        .pop_front()
                        .unwrap_or_else(|| Err(Fault::not_sent("script exhausted")));
                    exchange.handle(answer);
                }
                Step::Wait(d) => {
                    self.waits.push(d);
                    self.now += d;
                }
                Step::Done(out) => return out,
            }
        }
        panic!("the exchange did not finish in 10,000 steps");
    }
}

fn get_customer() -> CallExchange<polarsh_core::exchange::ParseAs<customers::Get>> {
    CallExchange::new(&customers::Get::new(CUSTOMER_ID), &options(), false)
}

fn create_customer(repeatable: bool) -> impl Exchange<Output = Result<Customer, Error>> {
    let op = customers::Create::new(CustomerIndividualCreate::new("ada@example.com"));
    CallExchange::new(&op, &options(), repeatable)
}

fn ok_customer() -> Result<Response<Vec<u8>>, Fault> {
    Ok(json_response(200, &customer_json()))
}

fn created_customer() -> Result<Response<Vec<u8>>, Fault> {
    Ok(json_response(201, &customer_json()))
}

fn status(code: u16, headers: &[(&str, &str)]) -> Result<Response<Vec<u8>>, Fault> {
    Ok(response(
        code,
        &[&[("content-type", "application/json")], headers].concat(),
        r#"{"detail":"try later"}"#,
    ))
}

fn transport_error(e: Error) -> (FaultKind, u32) {
    match e {
        Error::Transport { fault, attempts } => (fault.kind(), attempts),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn a_get_is_retried_after_a_503_with_backoff() {
    let mut sim = Sim::new(vec![status(503, &[]), ok_customer()]);
    let result = sim.run(&mut get_customer(), Duration::from_millis(10));
    assert!(matches!(result, Ok(Customer::Individual(_))), "{result:?}");
    assert_eq!(sim.sent.len(), 2);
    // Jitter 0: half of the 500 ms base delay.
    assert_eq!(sim.waits, vec![Duration::from_millis(250)]);
    let first = &sim.sent[0];
    assert_eq!(first.method(), Method::GET);
    assert_eq!(
        first.uri().to_string(),
        format!("http://polar.test/v1/customers/{CUSTOMER_ID}")
    );
    assert_eq!(first.headers()["authorization"], "Bearer polar_oat_SECRET");
    assert_eq!(sim.sent[0].headers(), sim.sent[1].headers());
}

#[test]
fn a_post_is_not_repeated_after_it_reached_the_server() {
    for answer in [status(503, &[]), status(502, &[]), status(504, &[])] {
        let mut sim = Sim::new(vec![answer, created_customer()]);
        let e = sim
            .run(&mut create_customer(false), Duration::ZERO)
            .unwrap_err();
        assert!(matches!(e, Error::UnexpectedStatus { .. }), "{e:?}");
        assert_eq!(sim.sent.len(), 1);
    }
    let mut sim = Sim::new(vec![Err(Fault::interrupted("reset")), created_customer()]);
    let e = sim
        .run(&mut create_customer(false), Duration::ZERO)
        .unwrap_err();
    assert_eq!(transport_error(e), (FaultKind::Interrupted, 1));
    let mut sim = Sim::new(vec![Err(Fault::timed_out("read")), created_customer()]);
    let e = sim
        .run(&mut create_customer(false), Duration::ZERO)
        .unwrap_err();
    assert_eq!(transport_error(e), (FaultKind::TimedOut, 1));
    // Unless the caller says it is safe.
    let mut sim = Sim::new(vec![Err(Fault::interrupted("reset")), created_customer()]);
    assert!(sim.run(&mut create_customer(true), Duration::ZERO).is_ok());
    assert_eq!(sim.sent.len(), 2);
}

#[test]
fn a_post_that_never_left_or_was_rate_limited_is_repeated() {
    let mut sim = Sim::new(vec![Err(Fault::not_sent("refused")), created_customer()]);
    assert!(sim.run(&mut create_customer(false), Duration::ZERO).is_ok());
    assert_eq!(sim.sent.len(), 2);
    // Polar's rate limiter answers before doing anything: any method may repeat, after
    // `Retry-After`.
    let mut sim = Sim::new(vec![
        status(429, &[("retry-after", "2")]),
        created_customer(),
    ]);
    assert!(sim.run(&mut create_customer(false), Duration::ZERO).is_ok());
    assert_eq!(sim.sent.len(), 2);
    assert_eq!(sim.waits, vec![Duration::from_secs(2)]);
    // An HTTP date, read against the clock passed in.
    let date = "Fri, 15 Jan 2027 08:00:05 GMT";
    let now = Duration::from_secs(1_800_000_000); // Fri, 15 Jan 2027 08:00:00 GMT
    let mut sim = Sim::new(vec![
        status(429, &[("retry-after", date)]),
        created_customer(),
    ]);
    sim.now = now;
    assert!(sim.run(&mut create_customer(false), Duration::ZERO).is_ok());
    assert_eq!(sim.waits, vec![Duration::from_secs(5)]);
}

#[test]
fn attempts_and_overall_time_are_capped() {
    let mut sim = Sim::new(vec![status(503, &[]); 10]);
    let e = sim.run(&mut get_customer(), Duration::ZERO).unwrap_err();
    assert!(matches!(e, Error::UnexpectedStatus { status: 503, .. }));
    assert_eq!(sim.sent.len(), 4);

    // 50 s per attempt against 120 s in all: the first two attempts get the whole 30 s
    // attempt timeout, the third what is left, and none starts after the deadline.
    let mut opts = options();
    opts.settings.retry.max_elapsed = Duration::from_secs(500);
    opts.settings.retry.max_attempts = 10;
    let mut call = CallExchange::new(&customers::Get::new(CUSTOMER_ID), &opts, false);
    let mut sim = Sim::new(vec![status(503, &[("retry-after", "0")]); 10]);
    let e = sim.run(&mut call, Duration::from_secs(50)).unwrap_err();
    assert!(matches!(e, Error::UnexpectedStatus { .. }), "{e:?}");
    assert_eq!(sim.sent.len(), 3);
    assert_eq!(
        sim.timeouts,
        vec![
            Duration::from_secs(30),
            Duration::from_secs(30),
            Duration::from_secs(20)
        ]
    );

    // Faults that last past the deadline end with a timeout naming the attempts.
    let settings = Settings {
        retry: RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        },
        overall_timeout: Duration::from_secs(5),
        ..Settings::default()
    };
    let request = options().request(&customers::Get::new(CUSTOMER_ID));
    let mut exchange = RequestExchange::new(request, settings, false);
    let mut sim = Sim::new(vec![Err(Fault::timed_out("read")); 100]);
    let e = sim.run(&mut exchange, Duration::from_secs(2)).unwrap_err();
    let attempts = sim.sent.len() as u32;
    assert!((2..=3).contains(&attempts), "{attempts}");
    assert_eq!(e.attempts(), Some(attempts));
}

#[test]
fn a_body_over_the_limit_is_refused_even_if_the_transport_let_it_through() {
    let mut opts = options();
    opts.settings.max_response_bytes = 100;
    let mut call = CallExchange::new(&customers::Get::new(CUSTOMER_ID), &opts, false);
    let mut sim = Sim::new(vec![ok_customer(), ok_customer()]);
    let e = sim.run(&mut call, Duration::ZERO).unwrap_err();
    // A complete answer would come back just as large: not fetched again.
    assert_eq!(
        transport_error(e),
        (FaultKind::BodyTooLarge { limit: 100 }, 1)
    );
}

#[test]
fn garbage_and_other_requests_answers_are_typed_errors() {
    // The answer to another request (a customer for a product).
    let mut sim = Sim::new(vec![ok_customer()]);
    let mut call = CallExchange::new(
        &polarsh_core::operations::products::Get::new("p1"),
        &options(),
        false,
    );
    let e = sim.run(&mut call, Duration::ZERO).unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
    // HTML, truncated JSON, no body, a status nobody declared.
    for (answer, want) in [
        (
            response(200, &[("content-type", "text/html")], "<html>"),
            "Decode",
        ),
        (json_response(200, r#"{"id": "99"#), "Decode"),
        (response(200, &[], ""), "Decode"),
        (json_response(418, "{}"), "UnexpectedStatus"),
    ] {
        let mut sim = Sim::new(vec![Ok(answer)]);
        let e = sim.run(&mut get_customer(), Duration::ZERO).unwrap_err();
        let got = format!("{e:?}");
        assert!(got.starts_with(want), "{want}: {got}");
        assert_eq!(sim.sent.len(), 1);
    }
}

#[test]
fn nothing_is_sent_when_the_request_cannot_be_built() {
    let mut call = CallExchange::new(
        &customers::Get::new(CUSTOMER_ID),
        &Options::new(Config::production()),
        false,
    );
    let mut sim = Sim::new(vec![]);
    let e = sim.run(&mut call, Duration::ZERO).unwrap_err();
    assert!(matches!(e, Error::Build(_)), "{e:?}");
    assert!(sim.sent.is_empty());
}

#[test]
fn a_loop_out_of_step_gets_a_typed_error_and_never_a_second_create() {
    // Polled twice with the create in flight: the answer is lost, nothing is resent.
    let mut call = create_customer(true);
    assert!(matches!(call.poll(T0, 0.5), Step::Send(_)));
    match call.poll(T0, 0.5) {
        Step::Done(Err(Error::Misuse(_))) => {}
        other => panic!("expected a misuse error, got {other:?}"),
    }
    assert!(matches!(
        call.poll(T0, 0.5),
        Step::Done(Err(Error::Misuse(_)))
    ));

    // A response handed back with no request in flight.
    let mut call = get_customer();
    call.handle(ok_customer());
    assert!(matches!(
        call.poll(T0, 0.5),
        Step::Done(Err(Error::Misuse(_)))
    ));

    // Polled after it finished.
    let mut call = get_customer();
    let mut sim = Sim::new(vec![ok_customer()]);
    assert!(sim.run(&mut call, Duration::ZERO).is_ok());
    assert!(matches!(
        call.poll(T0, 0.5),
        Step::Done(Err(Error::Misuse(_)))
    ));

    // Woken early from a wait: it waits the rest, it does not send.
    let mut call = get_customer();
    assert!(matches!(call.poll(T0, 0.0), Step::Send(_)));
    call.handle(status(503, &[("retry-after", "10")]));
    assert!(matches!(call.poll(T0, 0.0), Step::Wait(d) if d == Duration::from_secs(10)));
    match call.poll(T0 + Duration::from_secs(4), 0.0) {
        Step::Wait(d) => assert_eq!(d, Duration::from_secs(6)),
        other => panic!("expected the rest of the wait, got {other:?}"),
    }
    assert!(matches!(
        call.poll(T0 + Duration::from_secs(10), 0.0),
        Step::Send(_)
    ));

    // A clock that goes back reads as no time passed; a driver that cannot sleep ends
    // the call with its fault.
    let mut call = get_customer();
    assert!(matches!(call.poll(T0, 0.0), Step::Send(_)));
    call.handle(status(503, &[]));
    assert!(matches!(
        call.poll(T0 - Duration::from_secs(60), 0.0),
        Step::Wait(_)
    ));
    call.fail(Fault::new(FaultKind::Unsupported, "no timers"));
    match call.poll(T0, 0.0) {
        Step::Done(Err(Error::Transport { fault, attempts: 1 })) => {
            assert_eq!(fault.kind(), FaultKind::Unsupported)
        }
        other => panic!("expected the sleep's fault, got {other:?}"),
    }
}

#[test]
fn the_outgoing_request_debug_shows_no_secret() {
    let mut call = get_customer();
    let Step::Send(out) = call.poll(T0, 0.0) else {
        panic!("expected a request")
    };
    let text = format!("{out:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("authorization"), "{text}");
}

fn customer_page(ids: &[&str], max_page: i64) -> Result<Response<Vec<u8>>, Fault> {
    let items: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut c: Value = serde_json::from_str(&customer_json()).expect("customer");
            c["id"] = json!(id);
            c
        })
        .collect();
    let body = json!({"items": items, "pagination": {"total_count": 99, "max_page": max_page}});
    Ok(json_response(200, &body.to_string()))
}

fn pages_of(op: customers::List) -> PageExchange<customers::List> {
    PageExchange::new(op, Arc::new(options()))
}

#[test]
fn pages_are_walked_one_request_each_until_the_last() {
    let mut sim = Sim::new(vec![
        customer_page(&["a", "b"], 3),
        customer_page(&["c"], 3),
        customer_page(&["d"], 3),
    ]);
    let mut op = customers::List::new();
    op.limit = Some(2);
    let mut pages = pages_of(op);
    let mut seen = Vec::new();
    while let Some(page) = sim.run(&mut pages, Duration::ZERO) {
        seen.push(page.expect("page").items.len());
    }
    assert_eq!(seen, vec![2, 1, 1]);
    let queries: Vec<String> = sim
        .sent
        .iter()
        .map(|r| r.uri().query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(queries, vec!["limit=2", "page=2&limit=2", "page=3&limit=2"]);
    // Ended: no more requests, however often it is polled.
    assert!(sim.run(&mut pages, Duration::ZERO).is_none());
    assert_eq!(sim.sent.len(), 3);
}

#[test]
fn a_list_that_announces_pages_for_ever_does_not_make_the_walk_loop() {
    // Empty pages and `max_page = i64::MAX`: one request, then the end.
    let empty_forever = vec![customer_page(&[], i64::MAX); 5];
    let mut sim = Sim::new(empty_forever.clone());
    let mut items = ItemExchange::new(customers::List::new(), Arc::new(options()));
    assert!(sim.run(&mut items, Duration::ZERO).is_none());
    assert_eq!(sim.sent.len(), 1);

    // Items, then an empty page that still announces more.
    let mut script = vec![customer_page(&["a"], i64::MAX)];
    script.extend(empty_forever);
    let mut sim = Sim::new(script);
    let mut items = ItemExchange::new(customers::List::new(), Arc::new(options()));
    let mut ids = Vec::new();
    while let Some(item) = sim.run(&mut items, Duration::ZERO) {
        match item.expect("item") {
            Customer::Individual(c) => ids.push(c.id),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ids, vec!["a"]);
    assert_eq!(sim.sent.len(), 2);

    // The cursor flavour (`events:list`): `has_next_page: true` for ever.
    let cursor = json!({"items": [], "pagination": {"has_next_page": true}}).to_string();
    let mut sim = Sim::new(vec![Ok(json_response(200, &cursor)); 5]);
    let mut pages = PageExchange::new(events::List::new(), Arc::new(options()));
    assert!(matches!(sim.run(&mut pages, Duration::ZERO), Some(Ok(_))));
    assert!(sim.run(&mut pages, Duration::ZERO).is_none());
    assert_eq!(sim.sent.len(), 1);
}

#[test]
fn an_error_ends_the_walk_and_a_page_is_retried_like_any_get() {
    let mut sim = Sim::new(vec![
        customer_page(&["a"], 3),
        status(503, &[]),
        customer_page(&["b"], 3),
        Ok(json_response(
            404,
            r#"{"error":"ResourceNotFound","detail":"gone"}"#,
        )),
    ]);
    let mut items = ItemExchange::new(customers::List::new(), Arc::new(options()));
    assert!(matches!(sim.run(&mut items, Duration::ZERO), Some(Ok(_))));
    assert!(matches!(sim.run(&mut items, Duration::ZERO), Some(Ok(_))));
    assert!(matches!(
        sim.run(&mut items, Duration::ZERO),
        Some(Err(Error::UnexpectedStatus { status: 404, .. }))
    ));
    assert!(sim.run(&mut items, Duration::ZERO).is_none());
    assert_eq!(sim.sent.len(), 4);
}

fn file_upload(parts: &Value) -> String {
    json!({
        "id": "f1", "organization_id": "o1", "name": "a.pdf", "path": "o1/f1",
        "mime_type": "application/pdf", "size": 0, "storage_version": null,
        "checksum_etag": null, "checksum_sha256_base64": null, "checksum_sha256_hex": null,
        "last_modified_at": null, "version": null, "service": "downloadable",
        "is_uploaded": false, "size_readable": "0 B",
        "upload": {"id": "u1", "path": "o1/f1", "parts": parts}
    })
    .to_string()
}

#[test]
fn an_upload_sends_create_each_part_retried_alone_then_uploaded() {
    let data: Vec<u8> = (0..25u8).collect();
    let mut file = FileSpec::new(FileServiceTypes::Downloadable, "a.pdf", "application/pdf");
    file.part_size = 10;
    let mut upload = UploadExchange::new(&file, &data, Arc::new(options()));

    // files:create, answered with a presigned URL per planned part.
    let Step::Send(create) = upload.poll(T0, 0.0) else {
        panic!("expected files:create")
    };
    let body: Value = serde_json::from_slice(create.request.body()).expect("JSON");
    let parts: Vec<Value> = body["upload"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| {
            json!({
                "number": p["number"], "chunk_start": p["chunk_start"], "chunk_end": p["chunk_end"],
                "checksum_sha256_base64": p["checksum_sha256_base64"],
                "url": format!("http://storage.test/part{}?sig=x", p["number"]),
                "expires_at": "2026-11-28T13:00:00Z", "headers": {"x-amz-meta": "1"}
            })
        })
        .collect();
    assert_eq!(parts.len(), 3);
    upload.handle(Ok(json_response(201, &file_upload(&json!(parts)))));

    let etag = |n: u8| Ok(response(200, &[("etag", &format!("\"e{n}\""))], ""));
    let uploaded = json!({
        "id": "f1", "organization_id": "o1", "name": "a.pdf", "path": "o1/f1",
        "mime_type": "application/pdf", "size": 25, "storage_version": null,
        "checksum_etag": null, "checksum_sha256_base64": null, "checksum_sha256_hex": null,
        "last_modified_at": null, "version": null, "service": "downloadable",
        "is_uploaded": true, "created_at": "2026-11-28T12:00:00Z", "size_readable": "25 B",
        "flagged_malicious_at": null
    });
    let mut sim = Sim::new(vec![
        etag(1),
        Err(Fault::interrupted("reset")),
        etag(2),
        etag(3),
        Ok(json_response(200, &uploaded.to_string())),
    ]);
    let mut progress = Vec::new();
    let result = loop {
        match sim.run(&mut upload, Duration::ZERO) {
            UploadEvent::Progress(p) => progress.push((p.parts_sent, p.bytes_sent)),
            UploadEvent::Finished(r) => break r,
        }
    };
    match result.expect("uploaded") {
        polarsh_core::models::FileRead::DownloadableFileRead(f) => assert_eq!(f.id, "f1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(progress, vec![(0, 0), (1, 10), (2, 20), (3, 25)]);
    // Three parts, one sent twice, then files:uploaded with the ETags.
    let uris: Vec<String> = sim.sent.iter().map(|r| r.uri().to_string()).collect();
    assert_eq!(
        uris,
        vec![
            "http://storage.test/part1?sig=x",
            "http://storage.test/part2?sig=x",
            "http://storage.test/part2?sig=x",
            "http://storage.test/part3?sig=x",
            "http://polar.test/v1/files/f1/uploaded",
        ]
    );
    for part in &sim.sent[..4] {
        assert_eq!(part.method(), Method::PUT);
        assert!(part.headers().get("authorization").is_none());
        assert_eq!(part.headers()["x-amz-meta"], "1");
    }
    assert_eq!(sim.sent[1].body(), &data[10..20]);
    let done: Value = serde_json::from_slice(sim.sent[4].body()).expect("JSON");
    assert_eq!(done["parts"][1]["checksum_etag"], "\"e2\"");
    assert!(sim.sent[4].headers().get("authorization").is_some());
}

#[test]
fn an_upload_stops_at_a_refused_part_without_completing() {
    let data = vec![7u8; 5];
    let file = FileSpec::new(FileServiceTypes::Downloadable, "a.pdf", "application/pdf");
    let mut upload = UploadExchange::new(&file, &data, Arc::new(options()));
    let Step::Send(create) = upload.poll(T0, 0.0) else {
        panic!("expected files:create")
    };
    let body: Value = serde_json::from_slice(create.request.body()).expect("JSON");
    let p = &body["upload"]["parts"][0];
    let parts = json!([{
        "number": 1, "chunk_start": 0, "chunk_end": 5,
        "checksum_sha256_base64": p["checksum_sha256_base64"],
        "url": "http://storage.test/part1", "expires_at": "2026-11-28T13:00:00Z", "headers": {}
    }]);
    upload.handle(Ok(json_response(201, &file_upload(&parts))));
    let mut sim = Sim::new(vec![Ok(response(403, &[], "expired"))]);
    assert!(matches!(
        sim.run(&mut upload, Duration::ZERO),
        UploadEvent::Progress(_)
    ));
    match sim.run(&mut upload, Duration::ZERO) {
        UploadEvent::Finished(Err(Error::Upload(e))) => {
            assert!(e.to_string().contains("403"), "{e}")
        }
        other => panic!("expected a refused part, got {other:?}"),
    }
    assert_eq!(sim.sent.len(), 1);

    // An empty file is refused before anything is sent.
    let mut upload = UploadExchange::new(&file, &[], Arc::new(options()));
    assert!(matches!(
        upload.poll(T0, 0.0),
        Step::Done(UploadEvent::Finished(Err(Error::Upload(_))))
    ));
}
