//! Usage events on a background thread: push from anywhere, batches go out on their own.
//! The batching, retries and splitting are `polarsh_core::ingest`'s; this module only runs
//! its loop on a thread and wakes it.

use polarsh_core::client::{BlockingClient, Runtime, Transport};
use polarsh_core::ingest::{
    Ingest, IngestConfig, IngestStats, IngestStep, PushError, RejectedEvent,
};
use polarsh_core::json::Value;
use polarsh_core::models::EventsIngestEventsItem;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    ingest: Ingest,
    rejected: Vec<RejectedEvent>,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not lose the queue: take the state as it is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What [`Ingester::close`] could not deliver before its deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Undelivered {
    /// The events, as JSON in queue order (each with its `external_id`: sending them again
    /// later cannot bill twice).
    pub events: Vec<Value>,
    /// The counts at the end.
    pub stats: IngestStats,
}

/// A usage-event pipeline on a background thread (see `polarsh_core::ingest`): `push` queues,
/// the thread sends batches when due, retrying and splitting as the core decides.
pub struct Ingester {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Ingester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingester")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Ingester {
    /// Starts the thread, sending with `client`'s options and transport.
    pub fn start<T>(client: &BlockingClient<T>, config: IngestConfig) -> Ingester
    where
        T: Transport + Send + Sync + 'static,
    {
        let ingest = Ingest::new(config, Arc::new(client.options().clone()), seed());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                ingest,
                rejected: Vec::new(),
                stop: false,
            }),
            wake: Condvar::new(),
        });
        let client = client.clone();
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("polar-ingest".into())
            .spawn(move || run(&worker, client.transport()))
            .ok();
        Ingester { shared, thread }
    }

    /// Queues an event; refused with the event handed back when the queue is full or closed.
    pub fn push(&self, event: impl Into<EventsIngestEventsItem>) -> Result<(), PushError> {
        let mut state = self.shared.lock();
        let now = crate::system_now();
        state.ingest.push(event, now)?;
        drop(state);
        self.shared.wake.notify_all();
        Ok(())
    }

    /// Sends everything queued now and waits until it was dealt with (delivered or rejected)
    /// or `timeout` passed; false on timeout (the events stay queued).
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        let target = state.ingest.stats().pushed;
        state.ingest.flush();
        self.shared.wake.notify_all();
        while state.ingest.stats().settled < target {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            state = match self.shared.wake.wait_timeout(state, left) {
                Ok((s, _)) => s,
                Err(e) => e.into_inner().0,
            };
        }
        true
    }

    /// The counts so far.
    pub fn stats(&self) -> IngestStats {
        self.shared.lock().ingest.stats()
    }

    /// Takes the events Polar refused as invalid so far (each found by splitting its batch).
    pub fn take_rejected(&self) -> Vec<RejectedEvent> {
        std::mem::take(&mut self.shared.lock().rejected)
    }

    /// Stops taking events, delivers what is queued, and stops the thread: everything was
    /// dealt with (`Ok`), or the deadline passed and the events not delivered are handed
    /// back (`Err`), to be stored and sent later.
    pub fn close(mut self, timeout: Duration) -> Result<IngestStats, Undelivered> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        state.ingest.close();
        self.shared.wake.notify_all();
        while state.ingest.pending() > 0 {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            state = match self.shared.wake.wait_timeout(state, left) {
                Ok((s, _)) => s,
                Err(e) => e.into_inner().0,
            };
        }
        let events = state.ingest.take_undelivered();
        state.stop = true;
        let stats = state.ingest.stats();
        drop(state);
        self.shared.wake.notify_all();
        if events.is_empty() {
            // Nothing left: the thread is idle or about to be; wait for it.
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
            Ok(stats)
        } else {
            // The thread may be inside an attempt; it ends after it, unjoined.
            Err(Undelivered { events, stats })
        }
    }
}

impl Drop for Ingester {
    /// Without `close`, the thread stops after its current attempt; what is queued is lost
    /// with the process, so call `close` on shutdown.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
    }
}

/// The thread: poll the core, do what it says, without holding the lock while sending.
fn run<T: Transport>(shared: &Shared, transport: &T) {
    let runtime = transport.runtime();
    let mut state = shared.lock();
    loop {
        if state.stop {
            return;
        }
        match state.ingest.poll(runtime.now(), runtime.jitter()) {
            IngestStep::Send(out) => {
                drop(state);
                let outcome = transport.send(out.request, &out.limits);
                state = shared.lock();
                state.ingest.handle(outcome);
            }
            IngestStep::Wait(wait) => {
                state = match shared.wake.wait_timeout(state, wait) {
                    Ok((s, _)) => s,
                    Err(e) => e.into_inner().0,
                };
            }
            IngestStep::Report(report) => {
                state.rejected.extend(report.rejected);
                shared.wake.notify_all();
            }
            IngestStep::Idle => {
                shared.wake.notify_all();
                if state.ingest.is_closed() {
                    return;
                }
                state = match shared.wake.wait(state) {
                    Ok(s) => s,
                    Err(e) => e.into_inner(),
                };
            }
        }
    }
}

/// 32 bytes from the OS for the `external_id`s the core derives.
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if getrandom::fill(&mut seed).is_err() {
        // No OS randomness (very rare): the clock and the address of a stack value still
        // make ids distinct from those of other processes in practice.
        let t = crate::system_now().as_nanos().to_le_bytes();
        seed[..16].copy_from_slice(&t);
        let a = (&seed as *const [u8; 32] as usize).to_le_bytes();
        seed[16..16 + a.len()].copy_from_slice(&a);
    }
    seed
}
