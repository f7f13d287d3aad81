//! Usage events for `events:ingest`, batched, sans-IO: never lost, never billed twice.
//!
//! [`Ingest`] is a bounded queue and a state machine. Events are pushed as they happen (from
//! request handlers, at any rate); it says when a batch is due (a count, a body size, an age,
//! or an explicit flush, all with the time passed in), builds the `events:ingest` request,
//! and reads the answer.
//!
//! Exactly once: every event gets an `external_id` when it is pushed (a UUID derived from
//! random bytes the caller supplies once), and Polar deduplicates events by `external_id`,
//! counting repeats in the response's `duplicates`. So `events:ingest` is the one POST that
//! is safe to send again after it reached the server: a batch is retried after any fault,
//! and `inserted + duplicates` is checked against the batch. A batch Polar rejects as
//! invalid (422) is split in halves until the offending events are found and reported; the
//! others are delivered. A batch that still fails after the retry policy gives up goes back
//! to the front of the queue, and the next attempt waits a backoff. Pushing into a full
//! queue hands the event back: nothing is dropped silently.
//!
//! Memory: a queued event is kept as its encoded JSON plus its `external_id`, about
//! [`Ingest::QUEUED_OVERHEAD`] bytes on top of the JSON.
//!
//! Drivers (`polarsh_blocking::Ingester` on a thread, `polarsh_tokio::Ingester` as a task,
//! `polarsh_wasm::Ingester` on `flush().await`) share one runtime-free piece, [`Shared`]: the
//! queue, the rejected events, the stop flag and the conditions a flush or a close waits
//! for. They add only how to send, sleep and wake.
//!
//! ```
//! use polarsh_core::exchange::{Exchange, Options, Step};
//! use polarsh_core::ingest::{Ingest, IngestConfig, IngestStep};
//! use polarsh_core::models::EventCreateExternalCustomer;
//! use polarsh_core::{Config, Credential};
//! use std::time::Duration;
//!
//! let options = Options::new(Config::sandbox())
//!     .with_credential(Credential::organization_token("polar_oat_..."));
//! let mut ingest = Ingest::new(IngestConfig::default(), options.into(), [7; 32]);
//! let now = Duration::from_secs(1_800_000_000);
//! ingest
//!     .push(EventCreateExternalCustomer::new("llm.tokens", "user_42"), now)
//!     .unwrap();
//! // Not due yet: the batch waits for more events or for its age.
//! assert!(matches!(ingest.poll(now, 0.5), IngestStep::Wait(_)));
//! ingest.flush();
//! assert!(matches!(ingest.poll(now, 0.5), IngestStep::Send(_)));
//! ```

use crate::exchange::{Exchange, Fault, Options, Outgoing, RequestExchange, Step};
use crate::json::{self, ToJson, Value};
use crate::models::{EventsIngest, EventsIngestEventsItem, EventsIngestResponse};
use crate::operations::events;
use crate::Str;
use crate::{Error, Operation, Patch};
use http::{Request, Response};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// When a batch is sent, and how much may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestConfig {
    /// A batch is sent once this many events wait (and holds at most this many); default 100.
    pub max_batch_events: usize,
    /// A batch is sent once its body would reach this size (and stays below it, unless one
    /// event alone is larger); default 512 KiB.
    pub max_batch_bytes: usize,
    /// A batch is sent once its oldest event has waited this long; default 5 s.
    pub max_age: Duration,
    /// The most events the queue holds (in flight included); a push beyond it is refused
    /// with the event handed back. Default 100,000.
    pub capacity: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_batch_events: 100,
            max_batch_bytes: 512 * 1024,
            max_age: Duration::from_secs(5),
            capacity: 100_000,
        }
    }
}

/// Why a push was refused; the event comes back.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The queue holds [`IngestConfig::capacity`] events already.
    Full(Box<EventsIngestEventsItem>),
    /// The queue is closed: [`Ingest::close`] was called.
    Closed(Box<EventsIngestEventsItem>),
}

impl PushError {
    /// The event that was not queued.
    pub fn into_event(self) -> EventsIngestEventsItem {
        match self {
            PushError::Full(e) | PushError::Closed(e) => *e,
        }
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PushError::Full(_) => "the event queue is full; the event was not queued",
            PushError::Closed(_) => "the event queue is closed; the event was not queued",
        })
    }
}

impl std::error::Error for PushError {}

/// An event Polar refused (422) on its own, after its batch was split down to it.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedEvent {
    /// Its `external_id` (given or assigned).
    pub external_id: String,
    /// The event as it was sent.
    pub event: Value,
    /// Polar's validation error, as sent.
    pub error: Value,
}

/// What happened to one batch.
#[derive(Debug)]
pub struct BatchReport {
    /// Events in the batch.
    pub events: usize,
    /// Events Polar recorded now.
    pub inserted: u64,
    /// Events Polar already had (sent before, e.g. by an attempt whose answer was lost).
    pub duplicates: u64,
    /// Events refused as invalid, each found by splitting the batch; not retried.
    pub rejected: Vec<RejectedEvent>,
    /// Sub-batches whose `inserted + duplicates` did not match what was sent:
    /// `(sent, inserted + duplicates)`.
    pub mismatches: Vec<(usize, u64)>,
    /// The batch (what was left of it) could not be delivered: the error, its events put
    /// back at the front of the queue, to be sent again after a backoff.
    pub failed: Option<(Error, usize)>,
}

impl BatchReport {
    fn new(events: usize) -> Self {
        BatchReport {
            events,
            inserted: 0,
            duplicates: 0,
            rejected: Vec::new(),
            mismatches: Vec::new(),
            failed: None,
        }
    }
}

/// Counts since the queue was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestStats {
    /// Events pushed.
    pub pushed: u64,
    /// Events dealt with for good: delivered (inserted or duplicate) or rejected as invalid.
    pub settled: u64,
    /// Events Polar recorded.
    pub inserted: u64,
    /// Events Polar already had.
    pub duplicates: u64,
    /// Events refused as invalid.
    pub rejected: u64,
    /// Batches that failed after every retry (their events went back into the queue).
    pub failed_batches: u64,
    /// Sub-batches whose counts did not match what was sent.
    pub mismatches: u64,
}

/// What [`Ingest::poll`] asks of its driver.
// Moved once, straight into a match (see `Step`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum IngestStep {
    /// Send this request, then hand back what came with [`Ingest::handle`].
    Send(Outgoing),
    /// Nothing is due for this long (a batch's age, or a backoff after a failure); a push,
    /// a flush or a close may make something due sooner.
    Wait(Duration),
    /// A batch was dealt with.
    Report(BatchReport),
    /// Nothing queued: wait for a push. After [`Ingest::close`], everything was delivered.
    Idle,
}

/// A queued event: its JSON as sent, and its `external_id`.
#[derive(Debug, Clone)]
struct Queued {
    json: Box<[u8]>,
    external_id: Box<str>,
    at: Duration,
}

/// A batch on its way: the events taken from the queue, the sub-batches still to send (a
/// 422 splits one in halves), and the exchange of the current one.
#[derive(Debug)]
struct InFlight {
    events: Vec<Queued>,
    /// Ranges of `events` still to deliver, the next one last.
    pending: Vec<(usize, usize)>,
    current: Option<((usize, usize), RequestExchange)>,
    report: BatchReport,
    /// Taken by a flush (or close): if it fails, its events go out again right after the
    /// backoff rather than waiting for their age.
    flushed: bool,
}

/// The batching queue and state machine of usage events (see the module docs).
pub struct Ingest {
    config: IngestConfig,
    options: Arc<Options>,
    queue: VecDeque<Queued>,
    queued_bytes: usize,
    in_flight: Option<InFlight>,
    flush_requested: bool,
    closed: bool,
    /// Consecutive batches that failed: the backoff before the next.
    failures: u32,
    not_before: Duration,
    seed: [u8; 32],
    counter: u64,
    stats: IngestStats,
}

impl fmt::Debug for Ingest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingest")
            .field("config", &self.config)
            .field("queued", &self.queue.len())
            .field(
                "in_flight",
                &self.in_flight.as_ref().map(|b| b.events.len()),
            )
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

/// `{"events":[` and `]}` around the comma-separated events.
const ENVELOPE: usize = 13;

impl Ingest {
    /// Bytes a queued event takes besides its JSON and its `external_id`'s text.
    pub const QUEUED_OVERHEAD: usize = std::mem::size_of::<Queued>();

    /// A queue sending with `options` (server, credential with the `events:write` scope,
    /// retry policy, timeouts). `seed`: 32 random bytes (from the OS), from which the
    /// `external_id`s of events pushed without one are derived.
    pub fn new(config: IngestConfig, options: Arc<Options>, seed: [u8; 32]) -> Self {
        Ingest {
            config,
            options,
            queue: VecDeque::new(),
            queued_bytes: 0,
            in_flight: None,
            flush_requested: false,
            closed: false,
            failures: 0,
            not_before: Duration::ZERO,
            seed,
            counter: 0,
            stats: IngestStats::default(),
        }
    }

    /// Counts since the queue was made: a driver's `flush` waits for `settled` to reach
    /// the `pushed` it saw.
    pub fn stats(&self) -> IngestStats {
        self.stats
    }

    /// Events waiting, not counting a batch in flight.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Events waiting or in flight: what is not delivered yet.
    pub fn pending(&self) -> usize {
        self.queue.len() + self.in_flight.as_ref().map_or(0, |b| b.events.len())
    }

    /// Attempts sent so far for the request in flight (a batch, or one of its halves after
    /// a 422); 0 when none is out.
    pub fn attempts(&self) -> u32 {
        self.in_flight
            .as_ref()
            .and_then(|b| b.current.as_ref())
            .map_or(0, |(_, exchange)| exchange.attempts())
    }

    /// Whether [`Ingest::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Queues `event`, received at `now` (the time since the Unix epoch): it gets an
    /// `external_id` if it has none, and `now` as its timestamp if it has none (so a batch
    /// sent later still bills it when it happened). Refused with the event handed back when
    /// the queue is full or closed.
    pub fn push(
        &mut self,
        event: impl Into<EventsIngestEventsItem>,
        now: Duration,
    ) -> Result<(), PushError> {
        let mut event = event.into();
        if self.closed {
            return Err(PushError::Closed(Box::new(event)));
        }
        if self.pending() >= self.config.capacity {
            return Err(PushError::Full(Box::new(event)));
        }
        let stamp = OffsetDateTime::from_unix_timestamp_nanos(now.as_nanos() as i128).ok();
        let external_id = match &mut event {
            EventsIngestEventsItem::EventCreateCustomer(e) => {
                e.timestamp = e.timestamp.or(stamp);
                self.external_id(&mut e.external_id)
            }
            EventsIngestEventsItem::EventCreateExternalCustomer(e) => {
                e.timestamp = e.timestamp.or(stamp);
                self.external_id(&mut e.external_id)
            }
            EventsIngestEventsItem::Unknown(v) => self.unknown_external_id(v, stamp),
        };
        let json = json::to_vec(&event).into_boxed_slice();
        self.queued_bytes += json.len() + 1;
        self.queue.push_back(Queued {
            json,
            external_id: external_id.into_boxed_str(),
            at: now,
        });
        self.stats.pushed += 1;
        Ok(())
    }

    fn external_id(&mut self, id: &mut Patch<Str>) -> String {
        match id {
            Patch::Set(id) if !id.is_empty() => id.as_str().to_owned(),
            _ => {
                let new = self.next_uuid();
                *id = Patch::Set(Str::new(&new));
                new
            }
        }
    }

    fn unknown_external_id(&mut self, event: &mut Value, stamp: Option<OffsetDateTime>) -> String {
        let given = event
            .get("external_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let id = given.unwrap_or_else(|| self.next_uuid());
        if let Value::Object(map) = event {
            map.insert("external_id".into(), Value::String(id.clone()));
            if !map.contains_key("timestamp") {
                if let Some(s) = stamp {
                    map.insert("timestamp".into(), s.to_json());
                }
            }
        }
        id
    }

    /// A UUID (version 4 layout) from SHA-256 of the seed and a counter: distinct for every
    /// event of this queue, unpredictable without the seed.
    fn next_uuid(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_le_bytes());
        let digest = h.finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(36);
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            s.push(char::from(HEX[usize::from(byte >> 4)]));
            s.push(char::from(HEX[usize::from(byte & 15)]));
        }
        s
    }

    /// Sends what is queued now, without waiting for a count, a size or an age.
    pub fn flush(&mut self) {
        if !self.queue.is_empty() {
            self.flush_requested = true;
        }
    }

    /// Refuses further pushes and sends everything queued, batch after batch; [`Ingest::poll`]
    /// says [`IngestStep::Idle`] once all of it was dealt with.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Takes every event not delivered yet (queued, and a batch in flight, whose answer is
    /// then ignored), as JSON in queue order: what a driver reports when its deadline passed.
    pub fn take_undelivered(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        // Nothing is left to back off from.
        self.failures = 0;
        self.not_before = Duration::ZERO;
        self.flush_requested = false;
        if let Some(b) = self.in_flight.take() {
            // Only the sub-batches not yet delivered.
            let mut ranges: Vec<(usize, usize)> = b.pending.clone();
            if let Some((r, _)) = b.current {
                ranges.push(r);
            }
            ranges.sort_unstable();
            for (s, e) in ranges {
                for q in b.events.get(s..e).unwrap_or_default() {
                    out.push(json::parse(&q.json).unwrap_or(Value::Null));
                }
            }
        }
        for q in self.queue.drain(..) {
            out.push(json::parse(&q.json).unwrap_or(Value::Null));
        }
        self.queued_bytes = 0;
        out
    }

    fn due(&self, now: Duration) -> Option<Duration> {
        let first = self.queue.front()?;
        if self.flush_requested
            || self.closed
            || self.queue.len() >= self.config.max_batch_events
            || self.queued_bytes + ENVELOPE >= self.config.max_batch_bytes
        {
            return Some(Duration::ZERO);
        }
        Some(
            first
                .at
                .saturating_add(self.config.max_age)
                .saturating_sub(now),
        )
    }

    /// The next step. `now` is the time since the Unix epoch; `jitter` a random number in
    /// `[0, 1)` for backoffs.
    pub fn poll(&mut self, now: Duration, jitter: f64) -> IngestStep {
        if self.in_flight.is_none() {
            if now < self.not_before && !self.queue.is_empty() {
                return IngestStep::Wait(self.not_before - now);
            }
            match self.due(now) {
                None => {
                    self.flush_requested = false;
                    return IngestStep::Idle;
                }
                Some(wait) if !wait.is_zero() => return IngestStep::Wait(wait),
                Some(_) => self.take_batch(),
            }
        }
        self.poll_in_flight(now, jitter)
    }

    fn take_batch(&mut self) {
        let flushed = self.flush_requested || self.closed;
        let mut events = Vec::new();
        let mut bytes = ENVELOPE;
        while let Some(q) = self.queue.front() {
            let full = events.len() >= self.config.max_batch_events
                || (!events.is_empty() && bytes + q.json.len() + 1 > self.config.max_batch_bytes);
            if full {
                break;
            }
            bytes += q.json.len() + 1;
            if let Some(q) = self.queue.pop_front() {
                self.queued_bytes = self.queued_bytes.saturating_sub(q.json.len() + 1);
                events.push(q);
            }
        }
        if self.queue.is_empty() {
            self.flush_requested = false;
        }
        let n = events.len();
        self.in_flight = Some(InFlight {
            events,
            pending: vec![(0, n)],
            current: None,
            report: BatchReport::new(n),
            flushed,
        });
    }
}

/// The `events:ingest` request of `events`: the head from the typed operation (URL,
/// credential, headers), the body the events as they were encoded at push time.
fn build_request(options: &Options, events: &[Queued]) -> Result<Request<Vec<u8>>, Error> {
    let len: usize = events.iter().map(|q| q.json.len() + 1).sum();
    let mut body = Vec::with_capacity(ENVELOPE + len);
    body.extend_from_slice(b"{\"events\":[");
    for (i, q) in events.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&q.json);
    }
    body.extend_from_slice(b"]}");
    let op = events::Ingest::new(EventsIngest::new(Vec::new()));
    let mut request = options.request(&op)?;
    *request.body_mut() = body;
    Ok(request)
}

impl Ingest {
    fn poll_in_flight(&mut self, now: Duration, jitter: f64) -> IngestStep {
        loop {
            let Some(batch) = self.in_flight.as_mut() else {
                return IngestStep::Idle;
            };
            if batch.current.is_none() {
                let Some(range) = batch.pending.pop() else {
                    let done = self.in_flight.take().map(|b| b.report);
                    self.failures = 0;
                    return done.map_or(IngestStep::Idle, IngestStep::Report);
                };
                let slice = batch.events.get(range.0..range.1).unwrap_or_default();
                let request = build_request(&self.options, slice);
                // Every event carries an external_id: repeating the POST cannot bill twice.
                let exchange = RequestExchange::new(request, self.options.settings, true);
                batch.current = Some((range, exchange));
                continue;
            }
            let Some(((start, end), exchange)) = batch.current.as_mut() else {
                continue;
            };
            let (start, end) = (*start, *end);
            let result = match exchange.poll(now, jitter) {
                Step::Send(o) => return IngestStep::Send(o),
                Step::Wait(d) => return IngestStep::Wait(d),
                Step::Done(r) => r,
            };
            batch.current = None;
            match result {
                Ok(response) if response.status().as_u16() == 422 => {
                    if end - start > 1 {
                        let mid = start + (end - start) / 2;
                        // The first half is sent first: pending is a stack.
                        batch.pending.push((mid, end));
                        batch.pending.push((start, mid));
                    } else if let Some(q) = batch.events.get(start) {
                        self.stats.rejected += 1;
                        self.stats.settled += 1;
                        batch.report.rejected.push(RejectedEvent {
                            external_id: q.external_id.to_string(),
                            event: json::parse(&q.json).unwrap_or(Value::Null),
                            error: json::parse(response.body()).unwrap_or(Value::Null),
                        });
                    }
                }
                Ok(response) => match events::Ingest::parse(&response) {
                    Ok(counts) => record(&mut batch.report, &mut self.stats, end - start, &counts),
                    Err(e) => return self.fail(e, now, jitter, (start, end)),
                },
                Err(e) => return self.fail(e, now, jitter, (start, end)),
            }
        }
    }

    /// The current sub-batch failed for good: everything of the batch not delivered yet goes
    /// back to the front of the queue, and the next batch waits a backoff.
    fn fail(
        &mut self,
        error: Error,
        now: Duration,
        jitter: f64,
        range: (usize, usize),
    ) -> IngestStep {
        let Some(mut batch) = self.in_flight.take() else {
            return IngestStep::Idle;
        };
        let mut ranges = batch.pending.clone();
        ranges.push(range);
        ranges.sort_unstable();
        let mut back: Vec<Queued> = Vec::new();
        for (s, e) in ranges {
            back.extend(batch.events.get(s..e).unwrap_or_default().iter().cloned());
        }
        let n = back.len();
        for q in back.into_iter().rev() {
            self.queued_bytes += q.json.len() + 1;
            self.queue.push_front(q);
        }
        if batch.flushed {
            self.flush_requested = true;
        }
        self.failures = self.failures.saturating_add(1);
        self.stats.failed_batches += 1;
        let wait = self.options.settings.retry.backoff(self.failures, jitter);
        self.not_before = now.saturating_add(wait);
        batch.report.failed = Some((error, n));
        IngestStep::Report(batch.report)
    }

    /// What came back for the request of the last [`IngestStep::Send`].
    pub fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        // No request out (the batch was taken back by `take_undelivered`): nothing to do.
        if let Some((_, exchange)) = self.in_flight.as_mut().and_then(|b| b.current.as_mut()) {
            exchange.handle(outcome);
        }
    }

    /// The driver could not do what the last step asked (it could not sleep, say).
    pub fn fail_step(&mut self, fault: Fault) {
        if let Some((_, exchange)) = self.in_flight.as_mut().and_then(|b| b.current.as_mut()) {
            exchange.fail(fault);
        }
    }
}

fn record(
    report: &mut BatchReport,
    stats: &mut IngestStats,
    sent: usize,
    counts: &EventsIngestResponse,
) {
    let inserted = u64::try_from(counts.inserted).unwrap_or(0);
    let duplicates = counts
        .duplicates
        .and_then(|d| u64::try_from(d).ok())
        .unwrap_or(0);
    report.inserted += inserted;
    report.duplicates += duplicates;
    stats.inserted += inserted;
    stats.duplicates += duplicates;
    // Polar answered for the whole sub-batch: its events are settled even when the counts
    // do not add up (the mismatch is reported; sending again could not tell more).
    stats.settled += sent as u64;
    if inserted.saturating_add(duplicates) != sent as u64 {
        stats.mismatches += 1;
        report
            .mismatches
            .push((sent, inserted.saturating_add(duplicates)));
    }
}

/// What a usage-event driver shares between the callers that push, flush and close and the
/// loop that sends: the [`Ingest`], the events Polar refused, and a stop flag,
/// behind a `std` mutex. Runtime-free (no thread, timer or clock of its own): each driver
/// (a thread, a tokio task, a `flush().await` in a worker) adds only its way of waking and
/// waiting, and asks this state the same questions.
///
/// Never hold the lock across a send or a sleep (a condition variable's wait releases it):
/// lock, ask, unlock.
#[derive(Debug)]
pub struct Shared {
    state: std::sync::Mutex<SharedState>,
}

/// The state behind [`Shared::lock`].
#[derive(Debug)]
pub struct SharedState {
    ingest: Ingest,
    rejected: Vec<RejectedEvent>,
    stop: bool,
}

/// What [`SharedState::poll`] asks of the sending loop.
// Moved once, straight into a match (see `Step`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Turn {
    /// Send this request (without holding the lock), then hand back what came with
    /// [`SharedState::handle`].
    Send(Outgoing),
    /// Nothing is due for this long; a push, flush or close may make something due sooner.
    Wait(Duration),
    /// A batch was dealt with (its rejected events kept for [`SharedState::take_rejected`]):
    /// wake whoever waits. `failed`: it could not be delivered and went back to the queue.
    Reported {
        /// The batch failed after every retry; its events wait for the next attempt.
        failed: bool,
    },
    /// Nothing queued: wait for a push.
    Idle,
    /// Stop sending: closed with everything dealt with, or stopped.
    Stop,
}

/// What a push asks of the driver ([`SharedState::push`]).
#[must_use = "a sender not woken may sleep through a batch that became due"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Wake the sender: the push changed its last turn (it was idle, or a batch became due
    /// now).
    Sender,
    /// Its turn stands (it is sending, backing off, or waiting for an age this push did not
    /// change): no wake-up needed.
    Nobody,
}

/// What a driver's `close` could not deliver before its deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Undelivered {
    /// The events, as JSON in queue order (each with its `external_id`: sending them again
    /// later cannot bill twice).
    pub events: Vec<Value>,
    /// The counts at the end.
    pub stats: IngestStats,
}

impl fmt::Display for Undelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} usage events were not delivered", self.events.len())
    }
}

impl std::error::Error for Undelivered {}

impl Shared {
    /// The shared state of `ingest`.
    pub fn new(ingest: Ingest) -> Self {
        Shared {
            state: std::sync::Mutex::new(SharedState {
                ingest,
                rejected: Vec::new(),
                stop: false,
            }),
        }
    }

    /// The state, locked. A panic elsewhere while it was held does not lose the queue: the
    /// state is taken as it is.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, SharedState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SharedState {
    /// Queues `event` at `now` ([`Ingest::push`]); says whether the sender must be woken
    /// (see [`Wake`]), so that a push costs a wake-up only when it changes the sender's turn.
    pub fn push(
        &mut self,
        event: impl Into<EventsIngestEventsItem>,
        now: Duration,
    ) -> Result<Wake, PushError> {
        self.ingest.push(event, now)?;
        let ingest = &self.ingest;
        let changed = ingest.in_flight.is_none()
            && (ingest.queue.len() == 1
                || (now >= ingest.not_before && ingest.due(now) == Some(Duration::ZERO)));
        Ok(if changed { Wake::Sender } else { Wake::Nobody })
    }

    /// Asks for everything queued to go now; returns the target a flush waits for with
    /// [`SharedState::settled`] (the events pushed so far).
    pub fn flush(&mut self) -> u64 {
        self.ingest.flush();
        self.ingest.stats().pushed
    }

    /// Whether every event up to `target` (from [`SharedState::flush`]) was dealt with:
    /// delivered or rejected.
    pub fn settled(&self, target: u64) -> bool {
        self.ingest.stats().settled >= target
    }

    /// Refuses further pushes; the sender delivers what is queued, then stops.
    pub fn close(&mut self) {
        self.ingest.close();
    }

    /// Whether nothing waits or is in flight: what a `close` waits for.
    pub fn drained(&self) -> bool {
        self.ingest.pending() == 0
    }

    /// The end of a driver's `close`: stops the sender and takes what was not delivered.
    /// `Ok` with the counts when everything was, else the events handed back.
    pub fn finish(&mut self) -> Result<IngestStats, Undelivered> {
        self.ingest.close();
        let events = self.ingest.take_undelivered();
        self.stop = true;
        let stats = self.ingest.stats();
        if events.is_empty() {
            Ok(stats)
        } else {
            Err(Undelivered { events, stats })
        }
    }

    /// Stops the sender at its next turn (a driver dropped without `close`).
    pub fn stop(&mut self) {
        self.stop = true;
    }

    /// The counts so far.
    pub fn stats(&self) -> IngestStats {
        self.ingest.stats()
    }

    /// Takes the events Polar refused as invalid so far.
    pub fn take_rejected(&mut self) -> Vec<RejectedEvent> {
        std::mem::take(&mut self.rejected)
    }

    /// The sender's next turn ([`Ingest::poll`], with reports kept and the stop flag read).
    pub fn poll(&mut self, now: Duration, jitter: f64) -> Turn {
        if self.stop {
            return Turn::Stop;
        }
        match self.ingest.poll(now, jitter) {
            IngestStep::Send(out) => Turn::Send(out),
            IngestStep::Wait(wait) => Turn::Wait(wait),
            IngestStep::Report(report) => {
                self.rejected.extend(report.rejected);
                Turn::Reported {
                    failed: report.failed.is_some(),
                }
            }
            IngestStep::Idle if self.ingest.is_closed() => Turn::Stop,
            IngestStep::Idle => Turn::Idle,
        }
    }

    /// What came back for the request of the last [`Turn::Send`] ([`Ingest::handle`]).
    pub fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        self.ingest.handle(outcome);
    }

    /// The sender could not wait as [`Turn::Wait`] asked ([`Ingest::fail_step`]). False
    /// when no request was out to fail, so waiting again would not help.
    pub fn fail_step(&mut self, fault: Fault) -> bool {
        let out = self.ingest.attempts() > 0;
        self.ingest.fail_step(fault);
        out
    }
}

/// A seed for [`Ingest::new`] when the platform's random source failed (very rare): the
/// time and a value unlikely to repeat across processes (an address, a pid, a
/// `Math.random`), hashed. Distinct in practice; not secret.
pub fn fallback_seed(now: Duration, salt: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(now.as_nanos().to_le_bytes());
    h.update(salt.to_le_bytes());
    h.finalize().into()
}
