//! Usage-event queues: `polarsh_core::ingest::Ingest` driven from C.
//!
//! The host pushes events from anywhere (`polar_ingest_push`, any thread) and runs one loop,
//! usually on a background thread: `polar_ingest_poll` says *send this batch*, *wait this
//! long*, *here is what happened to a batch*, or *nothing is queued*. Batching (a count, a
//! body size, an age), the `external_id` every event gets (so a batch may be sent again
//! after any fault and Polar bills it once), retries and backoff, the split of a batch
//! Polar rejects with 422 down to the offending events, the bounded queue: all of it is
//! polarsh-core's. This module only moves values between C and the core.
//!
//! Queues live in the exchanges' registry ([`crate::exchange`]): a handle is a number, a
//! stale, forged or garbage one finds nothing (`POLAR_ERR_INVALID_HANDLE`), and so does an
//! exchange's handle given to a `polar_ingest_*` function. Each queue has its own lock,
//! held only for the length of a call (never while the host sends), so pushes from request
//! handlers never wait for the network.

use crate::buffer::PolarBuffer;
use crate::codes::*;
use crate::exchange::{self, Entry, Machine, PolarStep};
use crate::failure::{self, Failure};
use crate::{check_empty_buffer, input, json_buffer, PolarError};
use polarsh_core::ingest::{BatchReport, Ingest, IngestConfig, IngestStep, PushError};
use polarsh_core::json::{FromJson, Path};
use polarsh_core::models::{
    EventCreateCustomer, EventCreateExternalCustomer, EventsIngest, EventsIngestEventsItem,
};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The ingest JSON of `polar_ingest_new`: every key optional, unknown keys refused.
fn ingest_config(map: &Map<String, Value>) -> Result<IngestConfig, Failure> {
    let bad = |m: String| Failure::invalid_argument("invalid_ingest", m);
    const KEYS: [&str; 4] = [
        "max_batch_events",
        "max_batch_bytes",
        "max_age_ms",
        "capacity",
    ];
    if let Some(k) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown ingest key `{k}`, expected one of {KEYS:?}"
        )));
    }
    let number = |key: &str, min: u64| -> Result<Option<u64>, Failure> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().filter(|n| *n >= min).map(Some).ok_or_else(|| {
                bad(format!(
                    "ingest `{key}` must be an integer >= {min}, found {v}"
                ))
            }),
        }
    };
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let mut config = IngestConfig::default();
    if let Some(n) = number("max_batch_events", 1)? {
        config.max_batch_events = size(n);
    }
    if let Some(n) = number("max_batch_bytes", 1)? {
        config.max_batch_bytes = size(n);
    }
    if let Some(n) = number("max_age_ms", 0)? {
        config.max_age = Duration::from_millis(n);
    }
    if let Some(n) = number("capacity", 1)? {
        config.capacity = size(n);
    }
    Ok(config)
}

/// An event as the host writes it: an `EventCreateCustomer` (with `customer_id`) or an
/// `EventCreateExternalCustomer` (with `external_customer_id`). A key neither declares is
/// refused (a typo would otherwise reach Polar, which ignores it: metadata lost unseen).
fn event(map: Map<String, Value>) -> Result<EventsIngestEventsItem, Failure> {
    let bad = |m: String| Failure::invalid_argument("invalid_event", m);
    let (fields, customer) = match (
        map.contains_key("customer_id"),
        map.contains_key("external_customer_id"),
    ) {
        (true, false) => (EventCreateCustomer::FIELDS, true),
        (false, true) => (EventCreateExternalCustomer::FIELDS, false),
        (true, true) => {
            return Err(bad(
                "an event has `customer_id` (EventCreateCustomer) or `external_customer_id` \
                 (EventCreateExternalCustomer), not both"
                    .into(),
            ))
        }
        (false, false) => {
            return Err(bad(
                "an event needs `customer_id` (EventCreateCustomer) or `external_customer_id` \
                 (EventCreateExternalCustomer)"
                    .into(),
            ))
        }
    };
    if let Some(k) = map.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown event field `{k}`, expected one of {fields:?}"
        )));
    }
    let value = Value::Object(map);
    let decoded = if customer {
        EventCreateCustomer::from_json(&value, &Path::Root).map(EventsIngestEventsItem::from)
    } else {
        EventCreateExternalCustomer::from_json(&value, &Path::Root)
            .map(EventsIngestEventsItem::from)
    };
    decoded.map_err(|e| bad(format!("event: {e}")))
}

/// The seed: exactly 32 bytes, not all alike (a forgotten fill, `uint8_t seed[32] = {0}`,
/// would give every process the same `external_id`s, and Polar would drop the events of
/// all but the first as duplicates).
fn seed(bytes: &[u8]) -> Result<[u8; 32], Failure> {
    let seed: [u8; 32] = bytes.try_into().map_err(|_| {
        Failure::invalid_argument(
            "invalid_seed",
            format!(
                "the seed must be 32 random bytes, found {} bytes",
                bytes.len()
            ),
        )
    })?;
    if seed.iter().all(|b| *b == seed[0]) {
        return Err(Failure::invalid_argument(
            "invalid_seed",
            "the seed's 32 bytes are all alike: fill it from the OS's random source",
        ));
    }
    Ok(seed)
}

/// Runs `f` on the queue `handle` names, under its lock.
fn with_queue<T>(
    handle: u64,
    f: impl FnOnce(&mut Entry) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let shared = exchange::lookup(handle)?;
    let mut entry = exchange::lock(&shared);
    if !matches!(entry.machine, Machine::Ingest(_)) {
        return Err(Failure::wrong_kind(
            handle,
            "an exchange, not an ingest queue (see polar_exchange_poll)",
        ));
    }
    f(&mut entry)
}

/// The queue of an entry `with_queue` checked.
fn queue(entry: &mut Entry) -> Result<&mut Ingest, Failure> {
    match &mut entry.machine {
        Machine::Ingest(q) => Ok(q),
        _ => Err(Failure::new(
            POLAR_ERR_OTHER,
            "other",
            "not an ingest queue (checked before)",
        )),
    }
}

/// A batch's report as the host reads it.
fn report_json(report: BatchReport) -> Value {
    let rejected: Vec<Value> = report
        .rejected
        .into_iter()
        .map(|r| json!({"external_id": r.external_id, "event": r.event, "error": r.error}))
        .collect();
    let mismatches: Vec<Value> = report
        .mismatches
        .into_iter()
        .map(|(sent, counted)| json!({"sent": sent, "counted": counted}))
        .collect();
    let failed = report.failed.map(|(error, requeued)| {
        let f = Failure::from_core(error);
        let model = f
            .model
            .as_deref()
            .and_then(|m| serde_json::from_slice::<Value>(m).ok());
        json!({
            "error": {
                "code": f.code,
                "name": code_str(f.code),
                "kind": f.kind,
                "message": f.message,
                "status": f.status,
                "model": model,
            },
            "requeued": requeued,
        })
    });
    json!({
        "events": report.events,
        "inserted": report.inserted,
        "duplicates": report.duplicates,
        "rejected": rejected,
        "mismatches": mismatches,
        "failed": failed,
    })
}

/// Starts a queue of usage events for `events:ingest`.
///
/// - `config`/`config_len`: as for `polar_call_new` (`base_url` or `server`, `token` with the
///   `events:write` scope, `credential`, `headers`, and the settings of exchanges: the
///   retry policy and timeouts of each batch's request).
/// - `ingest`/`ingest_len`: a JSON object, every key optional (`NULL`/0 for all defaults):
///   `max_batch_events` (a batch is sent once this many events wait, and holds at most
///   this many; default 100), `max_batch_bytes` (once its body would reach this size;
///   512 KiB), `max_age_ms` (once its oldest event waited this long; 5000), `capacity`
///   (the most events queued and in flight; a push beyond it is refused; 100000).
/// - `seed`/`seed_len`: 32 random bytes from the OS (`getrandom`, `/dev/urandom`,
///   `BCryptGenRandom`): the `external_id`s of events pushed without one derive from it, so
///   it must differ between processes.
/// - `out_handle`: receives the handle (a `uint64_t` that is 0 or names nothing live);
///   free it with `polar_ingest_free`.
///
/// Returns `POLAR_OK`, `POLAR_ERR_INVALID_ARGUMENT` (config: `invalid_config`; ingest JSON:
/// `invalid_ingest`; seed: `invalid_seed`), `POLAR_ERR_BUILD` (credential missing or not
/// accepted by `events:ingest`), `POLAR_ERR_INVALID_JSON`, `POLAR_ERR_INVALID_UTF8`,
/// `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY`.
///
/// # Safety
///
/// Each `(pointer, length)` pair points to that many readable bytes (or is `NULL`);
/// `out_handle` and `err` are `NULL` or point to writable values of their type.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_new(
    config: *const u8,
    config_len: usize,
    ingest: *const u8,
    ingest_len: usize,
    seed: *const u8,
    seed_len: usize,
    out_handle: *mut u64,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out_handle` is NULL or valid (this function's contract).
        let out = unsafe { exchange::out_handle(out_handle, "out_handle")? };
        // SAFETY: the pairs point to readable bytes (this function's contract).
        let (config, ingest_text, seed_bytes) = unsafe {
            (
                input::json_object(config, config_len, "config")?,
                input::bytes(ingest, ingest_len, "ingest")?,
                input::required(seed, seed_len, "seed")?,
            )
        };
        let options = input::options(&config)?;
        let settings = if ingest_text.is_empty() {
            IngestConfig::default()
        } else {
            ingest_config(&input::parse_object(
                input::utf8(ingest_text, "ingest")?,
                "ingest",
            )?)?
        };
        let seed = self::seed(seed_bytes)?;
        // Refuse now what every batch would refuse: a missing or unaccepted credential.
        let probe = polarsh_core::operations::events::Ingest::new(EventsIngest::new(Vec::new()));
        options.request(&probe).map_err(Failure::from_core)?;
        let queue = Ingest::new(settings, Arc::new(options), seed);
        exchange::register(Machine::Ingest(Box::new(queue)), out);
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Queues a usage event. Any thread, at any rate: the queue's lock is held for the push
/// only (never while a batch is sent).
///
/// - `event`/`event_len`: the event as a JSON object, an `EventCreateCustomer`
///   (`{"name":"llm.tokens","customer_id":"...","metadata":{"tokens":512}}`) or an
///   `EventCreateExternalCustomer` (`"external_customer_id"` instead of `"customer_id"`).
///   It gets an `external_id` (a UUID from the seed) unless it has one, and `now_ms` as
///   its `timestamp` unless it has one.
/// - `now_ms`: the wall clock, in milliseconds since the Unix epoch.
///
/// Then wake the thread that polls the queue: the push may make a batch due.
///
/// Returns `POLAR_OK`, `POLAR_ERR_QUEUE_FULL` (the queue holds `capacity` events),
/// `POLAR_ERR_QUEUE_CLOSED` (after `polar_ingest_close`): either way the event was not
/// queued and is still the host's; `POLAR_ERR_INVALID_ARGUMENT` (`invalid_event`: neither
/// kind of event, an unknown or mistyped field), `POLAR_ERR_INVALID_JSON`,
/// `POLAR_ERR_INVALID_UTF8`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER`.
///
/// # Safety
///
/// The pair points to that many readable bytes (or is `NULL`); `err` is `NULL` or points to
/// a writable `PolarError`.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_push(
    handle: u64,
    event: *const u8,
    event_len: usize,
    now_ms: u64,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: the pair points to readable bytes (this function's contract).
        let map = unsafe { input::json_object(event, event_len, "event")? };
        let item = self::event(map)?;
        with_queue(handle, |entry| {
            match queue(entry)?.push(item, Duration::from_millis(now_ms)) {
                Ok(()) => Ok(()),
                Err(PushError::Full(_)) => Err(Failure::new(
                    POLAR_ERR_QUEUE_FULL,
                    "queue_full",
                    "the event queue is full (its `capacity`); the event was not queued",
                )),
                Err(PushError::Closed(_)) => Err(Failure::new(
                    POLAR_ERR_QUEUE_CLOSED,
                    "queue_closed",
                    "the event queue is closed; the event was not queued",
                )),
                Err(other) => Err(Failure::new(POLAR_ERR_OTHER, "other", other.to_string())),
            }
        })
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Makes what is queued due now, without waiting for a count, a size or an age; wake the
/// polling thread after it. Returns `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`.
///
/// # Safety
///
/// `err` is `NULL` or points to a writable `PolarError`.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_flush(handle: u64, err: *mut PolarError) -> i32 {
    let call = || {
        with_queue(handle, |entry| {
            queue(entry)?.flush();
            Ok(())
        })
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Closes the queue: further pushes are refused (`POLAR_ERR_QUEUE_CLOSED`), everything
/// queued is due at once, batch after batch; `polar_ingest_poll` says `POLAR_STEP_IDLE`
/// once all of it was dealt with. On shutdown: close, wake the polling thread, wait for
/// `IDLE` or a deadline, then `polar_ingest_take_undelivered`. Returns `POLAR_OK`,
/// `POLAR_ERR_INVALID_HANDLE`.
///
/// # Safety
///
/// `err` is `NULL` or points to a writable `PolarError`.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_close(handle: u64, err: *mut PolarError) -> i32 {
    let call = || {
        with_queue(handle, |entry| {
            queue(entry)?.close();
            Ok(())
        })
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Asks a queue what to do next.
///
/// - `now_ms`, `jitter`: as for `polar_exchange_poll`.
/// - `step`: a zeroed (or freed) `PolarStep`, filled on `POLAR_OK`:
///   - `POLAR_STEP_SEND`: send `step.request` (an `events:ingest` batch) within its limits,
///     then `polar_exchange_response` or `polar_exchange_fault` with this handle;
///   - `POLAR_STEP_WAIT`: nothing is due for `step.wait_ms` (a batch's age, a backoff);
///     sleep that long, or until a push, flush or close wakes you, then poll again;
///   - `POLAR_STEP_REPORT`: a batch was dealt with; `step.result` holds its report:
///     `{"events":n,"inserted":n,"duplicates":n,"rejected":[{"external_id":"...",
///     "event":{...},"error":{...}}],"mismatches":[{"sent":n,"counted":n}],
///     "failed":null}`. `rejected`: events Polar refused as invalid (422), each found by
///     splitting the batch, not retried. `mismatches`: sub-batches whose
///     `inserted + duplicates` did not add up to what was sent. `failed`: when the batch
///     could not be delivered after the retries, `{"error":{"code":..,"name":..,"kind":..,
///     "message":..,"status":..,"model":..},"requeued":n}`: its events went back to the
///     front of the queue and are sent again after a backoff. Poll again;
///   - `POLAR_STEP_IDLE`: nothing is queued; sleep until a push (after
///     `polar_ingest_close`: everything was dealt with, the loop may end).
///
///   Free it with `polar_step_free` before the next poll.
///
/// A batch's failure is in its report: the poll itself returns `POLAR_OK`. Polled again
/// with a request out, the batch ends as failed (`out_of_order`) and its events are
/// queued again: sent again later, billed once (their `external_id`s).
///
/// Returns `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_INVALID_ARGUMENT` (jitter),
/// `POLAR_ERR_NULL_POINTER`, `POLAR_ERR_OUT_NOT_EMPTY` (`step` still holds buffers); each
/// failure leaves `step` and the queue as they were.
///
/// # Safety
///
/// `step` and `err` are `NULL` or point to writable structs of their type.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_poll(
    handle: u64,
    now_ms: u64,
    jitter: f64,
    step: *mut PolarStep,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `step` is NULL or valid (this function's contract).
        let out = unsafe { exchange::poll_output(step, jitter)? };
        with_queue(handle, |entry| {
            let polled = queue(entry)?.poll(Duration::from_millis(now_ms), jitter);
            entry.in_flight = false;
            *out = match polled {
                IngestStep::Send(outgoing) => exchange::send_step(entry, outgoing),
                IngestStep::Wait(wait) => PolarStep {
                    kind: POLAR_STEP_WAIT,
                    wait_ms: exchange::millis_up(wait),
                    ..PolarStep::default()
                },
                IngestStep::Report(report) => PolarStep {
                    kind: POLAR_STEP_REPORT,
                    attempt: std::mem::take(&mut entry.sends),
                    result: json_buffer(&report_json(report)),
                    ..PolarStep::default()
                },
                IngestStep::Idle => {
                    entry.sends = 0;
                    PolarStep {
                        kind: POLAR_STEP_IDLE,
                        ..PolarStep::default()
                    }
                }
            };
            Ok(())
        })
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// The queue's counts as JSON: `{"pushed":n,"settled":n,"inserted":n,"duplicates":n,
/// "rejected":n,"failed_batches":n,"mismatches":n,"queued":n,"pending":n,"closed":false}`.
/// `settled`: events dealt with for good (delivered or rejected); `queued`: waiting, not
/// counting a batch in flight; `pending`: waiting or in flight (not delivered yet). A
/// host's flush waits for `settled` to reach the `pushed` it saw; its close for `pending`
/// to reach 0 (or `IDLE`).
///
/// `out` must be a zeroed `PolarBuffer`; free it with `polar_buffer_free`. Returns
/// `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER`,
/// `POLAR_ERR_OUT_NOT_EMPTY`.
///
/// # Safety
///
/// `out` and `err` are `NULL` or point to writable structs of their type.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_stats(
    handle: u64,
    out: *mut PolarBuffer,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out` is NULL or valid (this function's contract).
        let out = unsafe { input::out(out, "out")? };
        check_empty_buffer(out, "out")?;
        let stats = with_queue(handle, |entry| {
            let q = queue(entry)?;
            let s = q.stats();
            Ok(json!({
                "pushed": s.pushed,
                "settled": s.settled,
                "inserted": s.inserted,
                "duplicates": s.duplicates,
                "rejected": s.rejected,
                "failed_batches": s.failed_batches,
                "mismatches": s.mismatches,
                "queued": q.queued(),
                "pending": q.pending(),
                "closed": q.is_closed(),
            }))
        })?;
        *out = json_buffer(&stats);
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Takes every event not delivered yet (queued, and a batch in flight, whose answer is then
/// ignored) as a JSON array, in queue order, each with its `external_id`: store them and
/// push them again later (to this queue or another), Polar bills each once. What a host
/// does when its shutdown deadline passed.
///
/// `out` must be a zeroed `PolarBuffer`; free it with `polar_buffer_free`. Returns
/// `POLAR_OK`, `POLAR_ERR_INVALID_HANDLE`, `POLAR_ERR_NULL_POINTER`,
/// `POLAR_ERR_OUT_NOT_EMPTY` (nothing taken).
///
/// # Safety
///
/// `out` and `err` are `NULL` or point to writable structs of their type.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_take_undelivered(
    handle: u64,
    out: *mut PolarBuffer,
    err: *mut PolarError,
) -> i32 {
    let call = || {
        // SAFETY: `out` is NULL or valid (this function's contract).
        let out = unsafe { input::out(out, "out")? };
        check_empty_buffer(out, "out")?;
        let events = with_queue(handle, |entry| Ok(queue(entry)?.take_undelivered()))?;
        *out = json_buffer(&Value::Array(events));
        Ok(())
    };
    // SAFETY: `err` is NULL or valid (this function's contract).
    unsafe { failure::run(err, call) }
}

/// Ends a queue and zeroes `*handle`. What it still held is dropped: take it first with
/// `polar_ingest_take_undelivered`. A request it sent may still be answered: nothing
/// listens any more.
///
/// Returns `POLAR_OK` (also for a zero handle), `POLAR_ERR_INVALID_HANDLE` for a handle
/// naming no live queue (a stale copy, garbage: `*handle` is zeroed; an exchange's handle
/// is left alone, free it with `polar_exchange_free`), `POLAR_ERR_NULL_POINTER`.
///
/// # Safety
///
/// `handle` is `NULL` or points to a readable and writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn polar_ingest_free(handle: *mut u64) -> i32 {
    failure::run_code(|| {
        // SAFETY: the contract of this function: NULL or valid.
        let Some(h) = (unsafe { handle.as_mut() }) else {
            return POLAR_ERR_NULL_POINTER;
        };
        exchange::free_handle(h, true)
    })
}
