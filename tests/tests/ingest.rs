//! Usage-event ingestion end to end on loopback, through the blocking and the tokio
//! `Ingester`: a server that deduplicates events by `external_id` as Polar does,
//! misbehaving on a script (down for a while, connections reset after the request was read,
//! 429 with `Retry-After`, 500s, a slow answer, 422 for invalid events; in
//! `polar_tests::ingest`). Every pushed event must arrive, and the server must count each
//! `external_id` once. Also: the request matches the spec (Prism), and `close` delivers the
//! tail.

use polar_tests::ingest::Polar;
use polar_tests::ingest::{
    assert_every_event_arrived_once, assert_handed_back, dead_url, event, every_fault, full_queue,
    options, small_batches, start, Fault, SMALL_CAPACITY,
};
use polar_tests::Prism;
use polarsh_blocking::models::EventCreateExternalCustomer;
use polarsh_blocking::{
    Client, Config, Credential, IngestConfig, IngestStats, Ingester, RejectedEvent, Undelivered,
};
use serde_json::Value;
use std::time::Duration;

fn client(url: &str) -> Client {
    Client::builder().options(options(url)).build()
}

#[test]
fn every_event_arrives_once_through_every_fault() {
    let (url, polar) = start(every_fault());
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
    assert_every_event_arrived_once(&stats, &polar.lock().unwrap(), 200);
}

/// Batches of 16, and 16 events of which the 12th is invalid.
fn one_invalid_in_sixteen() -> (IngestConfig, Vec<EventCreateExternalCustomer>) {
    let config = IngestConfig {
        max_batch_events: 16,
        ..small_batches()
    };
    let events = (0..16)
        .map(|i| {
            let mut e = event(i);
            if i == 11 {
                e.name = "invalid".into();
                e.external_id = polarsh_blocking::Patch::Set("evt_invalid".into());
            }
            e
        })
        .collect();
    (config, events)
}

/// The batch of [`one_invalid_in_sixteen`] was split down to the invalid event, reported
/// with Polar's error; the others were delivered.
fn assert_split_to_the_bad_event(rejected: &[RejectedEvent], stats: &IngestStats, polar: &Polar) {
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].external_id, "evt_invalid");
    assert_eq!(rejected[0].event["name"], "invalid");
    assert_eq!(rejected[0].error["detail"][0]["msg"], "invalid");
    assert_eq!((stats.inserted, stats.rejected, stats.settled), (15, 1, 16));
    assert_eq!(polar.seen.len(), 15);
    // 1 + 2 + 2 + 2 + 2: halves down to the one event (log2 16 levels), never the whole
    // batch again.
    assert!(polar.requests <= 9, "{}", polar.requests);
}

/// Batches that wait an hour: only a flush or a close sends them.
fn no_age() -> IngestConfig {
    IngestConfig {
        max_age: Duration::from_secs(3600),
        ..small_batches()
    }
}

/// Events a close could not deliver came back, `n` of them, each with its id.
fn assert_handed_back_with_ids(undelivered: &Undelivered, n: usize) {
    assert_eq!(undelivered.events.len(), n);
    assert!(undelivered
        .events
        .iter()
        .all(|e| e["external_id"].as_str().is_some_and(|id| id.len() == 36)));
}

#[test]
fn an_invalid_event_is_found_and_reported_the_rest_delivered() {
    let (url, polar) = start(vec![]);
    let (config, events) = one_invalid_in_sixteen();
    let ingester = Ingester::start(&client(&url), config);
    for e in events {
        ingester.push(e).expect("queued");
    }
    assert!(ingester.flush(Duration::from_secs(10)));
    let rejected = ingester.take_rejected();
    let stats = ingester.close(Duration::from_secs(5)).expect("closed");
    assert_split_to_the_bad_event(&rejected, &stats, &polar.lock().unwrap());
}

#[test]
fn close_delivers_the_tail_and_a_dead_server_hands_events_back() {
    // The tail: events younger than the batch age are sent by close, not left behind.
    let (url, polar) = start(vec![]);
    let ingester = Ingester::start(&client(&url), no_age());
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
    let ingester = Ingester::start(&client(&dead_url()), small_batches());
    for i in 0..5 {
        ingester.push(event(i)).expect("queued");
    }
    let undelivered = ingester
        .close(Duration::from_millis(500))
        .expect_err("nothing can be delivered");
    assert_handed_back_with_ids(&undelivered, 5);
}

#[test]
fn a_full_queue_hands_the_event_back() {
    let (url, _polar) = start(vec![Fault::Down; 100]);
    let ingester = Ingester::start(&client(&url), full_queue());
    for i in 0..SMALL_CAPACITY {
        ingester.push(event(i)).expect("room");
    }
    assert_handed_back(ingester.push(event(SMALL_CAPACITY)), SMALL_CAPACITY);
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

/// The same scenarios through `polarsh_tokio::Ingester`, a task on a multi-thread runtime,
/// pushed to from several tasks.
mod tokio_driver {
    use super::*;
    use polarsh_tokio::Ingester;
    use std::sync::Arc;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
    }

    fn client(url: &str) -> polarsh_tokio::Client {
        polarsh_tokio::Client::builder()
            .options(options(url))
            .build()
    }

    #[test]
    fn the_ingester_and_its_futures_are_send_and_sync() {
        fn send_sync<T: Send + Sync + 'static>(_: &T) {}
        fn send<F: std::future::Future + Send>(_: &F) {}
        runtime().block_on(async {
            let ingester = Ingester::start(&client(&dead_url()), small_batches());
            send_sync(&ingester);
            send(&ingester.flush(Duration::ZERO));
            send(&ingester.close(Duration::ZERO));
        });
    }

    #[test]
    fn every_event_arrives_once_through_every_fault() {
        let (url, polar) = start(every_fault());
        let stats = runtime().block_on(async {
            let ingester = Arc::new(Ingester::start(&client(&url), small_batches()));
            let pushers: Vec<_> = (0..4)
                .map(|t| {
                    let ingester = ingester.clone();
                    tokio::spawn(async move {
                        for i in 0..50 {
                            ingester.push(event(t * 50 + i)).expect("queued");
                            if i % 10 == 0 {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                            }
                        }
                    })
                })
                .collect();
            for pusher in pushers {
                pusher.await.expect("the pusher ran");
            }
            let ingester = Arc::into_inner(ingester).expect("the last owner");
            ingester.close(Duration::from_secs(30)).await
        });
        let stats = stats.expect("everything delivered");
        assert_every_event_arrived_once(&stats, &polar.lock().unwrap(), 200);
    }

    #[test]
    fn an_invalid_event_is_found_and_reported_the_rest_delivered() {
        let (url, polar) = start(vec![]);
        let (rejected, stats) = runtime().block_on(async {
            let (config, events) = one_invalid_in_sixteen();
            let ingester = Ingester::start(&client(&url), config);
            for e in events {
                ingester.push(e).expect("queued");
            }
            assert!(ingester.flush(Duration::from_secs(10)).await);
            let rejected = ingester.take_rejected();
            (rejected, ingester.close(Duration::from_secs(5)).await)
        });
        let stats = stats.expect("closed");
        assert_split_to_the_bad_event(&rejected, &stats, &polar.lock().unwrap());
    }

    #[test]
    fn close_delivers_the_tail_and_a_dead_server_hands_events_back() {
        let (url, polar) = start(vec![]);
        let runtime = runtime();
        let stats = runtime.block_on(async {
            let ingester = Ingester::start(&client(&url), no_age());
            for i in 0..3 {
                ingester.push(event(i)).expect("queued");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(polar.lock().unwrap().requests, 0, "not due before close");
            ingester.close(Duration::from_secs(5)).await
        });
        assert_eq!(stats.expect("the tail delivered").settled, 3);
        assert_eq!(polar.lock().unwrap().seen.len(), 3);

        let undelivered = runtime.block_on(async {
            let ingester = Ingester::start(&client(&dead_url()), small_batches());
            for i in 0..5 {
                ingester.push(event(i)).expect("queued");
            }
            ingester.close(Duration::from_millis(500)).await
        });
        assert_handed_back_with_ids(&undelivered.expect_err("nothing delivered"), 5);
    }

    #[test]
    fn a_full_queue_hands_the_event_back() {
        let (url, _polar) = start(vec![Fault::Down; 100]);
        runtime().block_on(async {
            let ingester = Ingester::start(&client(&url), full_queue());
            for i in 0..SMALL_CAPACITY {
                ingester.push(event(i)).expect("room");
            }
            assert_handed_back(ingester.push(event(SMALL_CAPACITY)), SMALL_CAPACITY);
            let _ = ingester.close(Duration::from_millis(10)).await;
        });
    }

    #[test]
    fn started_outside_a_runtime_it_queues_and_hands_events_back() {
        let (url, polar) = start(vec![]);
        // No runtime here: no task, no panic.
        let ingester = Ingester::start(&client(&url), small_batches());
        ingester.push(event(1)).expect("queued");
        let undelivered = runtime().block_on(async {
            assert!(!ingester.flush(Duration::from_millis(50)).await);
            ingester.close(Duration::from_millis(50)).await
        });
        assert_handed_back_with_ids(&undelivered.expect_err("no task sent it"), 1);
        assert_eq!(polar.lock().unwrap().requests, 0);
    }
}
