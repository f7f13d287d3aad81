//! The wasm `Ingester` in a real JavaScript runtime, against a loopback `events:ingest`
//! (`tests/stall-server.js`, `/ingest/...`) that deduplicates events by `external_id` as
//! Polar does and misbehaves on a script given in the URL. Run by `scripts/test-wasm.sh` in
//! Node, and in headless Chromium in a page and in a dedicated worker. Each test uses its own
//! run name, so the three runs against one server do not mix.
#![cfg(target_arch = "wasm32")]

use polarsh_wasm::json::Value;
use polarsh_wasm::models::EventCreateExternalCustomer;
use polarsh_wasm::{
    Client, Config, Credential, IngestConfig, IngestStats, Ingester, Patch, RetryPolicy,
};
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;
use wasm_bindgen_test::wasm_bindgen_test;

const STALL: Option<&str> = option_env!("POLAR_WASM_STALL_URL");

fn stall_url() -> &'static str {
    STALL.expect("build with POLAR_WASM_STALL_URL (scripts/test-wasm.sh does)")
}

/// A fresh run name on the server.
fn run_name(test: &str) -> String {
    format!("{test}-{}", (js_sys::Math::random() * 1e15) as u64)
}

/// A client of the run `run` whose requests do as `script` says; quick retries.
fn client(run: &str, script: &str, retry: RetryPolicy) -> Client {
    let script = if script.is_empty() { "ok" } else { script };
    Client::builder()
        .config(Config::with_base_url(format!(
            "{}/ingest/{run}/{script}",
            stall_url()
        )))
        .credential(Credential::organization_token("polar_oat_ingest"))
        .request_timeout(Duration::from_secs(5))
        .retry(retry)
        .build()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// Batches of 10 events; only a flush or a close sends them (an hour's age).
fn batches_of_10() -> IngestConfig {
    IngestConfig {
        max_batch_events: 10,
        max_age: Duration::from_secs(3600),
        ..IngestConfig::default()
    }
}

fn event(i: usize) -> EventCreateExternalCustomer {
    let mut e = EventCreateExternalCustomer::new("llm.tokens", format!("user_{}", i % 7));
    e.extra.insert("n".into(), i.into());
    e
}

/// What the server saw of `run`: distinct events, events received, requests.
async fn seen(run: &str) -> (u64, u64, u64) {
    let url = format!("{}/ingest/{run}/seen", stall_url());
    let request = http::Request::get(url)
        .body(Vec::new())
        .expect("a valid request");
    let response = client(run, "", quick_retries())
        .execute(request, true)
        .await
        .expect("the server answers");
    let body = polarsh_wasm::json::parse(response.body()).expect("JSON");
    let count = |k: &str| body.get(k).and_then(Value::as_u64).expect("a count");
    (count("events"), count("received"), count("requests"))
}

/// Every one of `n` events was dealt with, and Polar's counts add up.
fn assert_all_settled(stats: &IngestStats, n: u64) {
    assert_eq!((stats.pushed, stats.settled), (n, n), "{stats:?}");
    assert_eq!(stats.inserted + stats.duplicates, n, "{stats:?}");
    assert_eq!((stats.rejected, stats.mismatches), (0, 0), "{stats:?}");
}

#[wasm_bindgen_test]
async fn every_pushed_event_arrives_once_through_a_503_and_a_reset() {
    let run = run_name("faults");
    // First batch: a 503, then recorded but reset unanswered, then answered (as duplicates).
    let ingester = Ingester::start(
        &client(&run, "down,reset", quick_retries()),
        batches_of_10(),
    );
    for i in 0..30 {
        ingester.push(event(i)).expect("queued");
    }
    assert!(ingester.flush().await, "{:?}", ingester.stats());
    let stats = ingester.close().await.expect("nothing left");
    assert_all_settled(&stats, 30);
    assert!(
        stats.duplicates >= 10,
        "the reset batch came back: {stats:?}"
    );
    let (events, received, requests) = seen(&run).await;
    assert_eq!(events, 30, "every event arrived, counted once");
    assert!(received > 30 && requests >= 5, "{received} {requests}");
}

#[wasm_bindgen_test]
async fn a_422_is_split_down_to_the_bad_event() {
    let run = run_name("invalid");
    let config = IngestConfig {
        max_batch_events: 16,
        ..batches_of_10()
    };
    let ingester = Ingester::start(&client(&run, "", quick_retries()), config);
    for i in 0..16 {
        let mut e = event(i);
        if i == 11 {
            e.name = "invalid".into();
            e.external_id = Patch::Set("evt_invalid".into());
        }
        ingester.push(e).expect("queued");
    }
    assert!(ingester.flush().await);
    let rejected = ingester.take_rejected();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].external_id, "evt_invalid");
    assert_eq!(rejected[0].error["detail"][0]["msg"], "invalid");
    let stats = ingester.stats();
    assert_eq!((stats.inserted, stats.rejected, stats.settled), (15, 1, 16));
    let (events, _, requests) = seen(&run).await;
    assert_eq!(events, 15);
    // Halves down to the one event, never the whole batch again.
    assert!(requests <= 9, "{requests}");
}

#[wasm_bindgen_test]
async fn flush_delivers_the_tail() {
    let run = run_name("tail");
    let ingester = Ingester::start(&client(&run, "", quick_retries()), batches_of_10());
    for i in 0..3 {
        ingester.push(event(i)).expect("queued");
    }
    // Nothing runs in the background: nothing went out before the flush.
    assert_eq!(seen(&run).await, (0, 0, 0));
    assert!(ingester.flush().await);
    assert_eq!(seen(&run).await.0, 3);
    ingester.push(event(3)).expect("queued");
    let stats = ingester.close().await.expect("the tail delivered");
    assert_all_settled(&stats, 4);
    assert_eq!(seen(&run).await.0, 4);
}

#[wasm_bindgen_test]
async fn a_server_down_for_good_fails_the_flush_and_close_hands_the_events_back() {
    let run = run_name("down");
    let retry = RetryPolicy {
        max_attempts: 2,
        ..quick_retries()
    };
    let down = ["down"; 20].join(",");
    let ingester = Ingester::start(&client(&run, &down, retry), batches_of_10());
    for i in 0..5 {
        ingester.push(event(i)).expect("queued");
    }
    assert!(!ingester.flush().await, "a batch failed after every retry");
    assert_eq!(ingester.stats().failed_batches, 1);
    let undelivered = ingester.close().await.expect_err("nothing delivered");
    assert_eq!(undelivered.events.len(), 5);
    assert!(undelivered
        .events
        .iter()
        .all(|e| e["external_id"].as_str().is_some_and(|id| id.len() == 36)));
}

#[wasm_bindgen_test]
async fn concurrent_flushes_take_turns() {
    let run = run_name("turns");
    let ingester = Ingester::start(&client(&run, "down", quick_retries()), batches_of_10());
    for i in 0..25 {
        ingester.push(event(i)).expect("queued");
    }
    let mut a = pin!(ingester.flush());
    let mut b = pin!(ingester.flush());
    let (mut done_a, mut done_b) = (None, None);
    std::future::poll_fn(|cx| {
        if done_a.is_none() {
            if let Poll::Ready(ok) = a.as_mut().poll(cx) {
                done_a = Some(ok);
            }
        }
        if done_b.is_none() {
            if let Poll::Ready(ok) = b.as_mut().poll(cx) {
                done_b = Some(ok);
            }
        }
        if done_a.is_some() && done_b.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    assert_eq!((done_a, done_b), (Some(true), Some(true)));
    assert_all_settled(&ingester.stats(), 25);
    assert_eq!(seen(&run).await.0, 25);
}

#[wasm_bindgen_test]
async fn a_flush_dropped_with_its_request_out_hands_it_on() {
    let run = run_name("dropped");
    let ingester = Ingester::start(&client(&run, "", quick_retries()), batches_of_10());
    for i in 0..4 {
        ingester.push(event(i)).expect("queued");
    }
    {
        // Polled once: the batch's request is out (fetch called), then the flush is dropped.
        let mut flush = pin!(ingester.flush());
        std::future::poll_fn(|cx| {
            assert!(flush.as_mut().poll(cx).is_pending(), "fetch answers later");
            Poll::Ready(())
        })
        .await;
    }
    // The next flush sends it again (an interrupted request is safe to repeat here).
    assert!(ingester.flush().await);
    assert_all_settled(&ingester.stats(), 4);
    assert_eq!(seen(&run).await.0, 4);
}
