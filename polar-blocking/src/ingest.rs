//! Usage events on a background thread: push from anywhere, batches go out on their own.
//! The batching, retries and splitting are `polarsh_core::ingest`'s, and so is the state the
//! callers share with the thread ([`Shared`]); this module only runs the loop on a thread
//! and wakes it with a condition variable.

use polarsh_core::client::{BlockingClient, Runtime, Transport};
use polarsh_core::ingest::{
    fallback_seed, Ingest, IngestConfig, IngestStats, PushError, RejectedEvent, Shared,
    SharedState, Turn, Undelivered, Wake,
};
use polarsh_core::models::EventsIngestEventsItem;
use std::sync::{Arc, Condvar, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The core's shared state and the one condition variable that wakes both sides: the thread
/// (a push, a flush, a close) and the callers waiting in `flush` and `close` (a batch dealt
/// with).
struct Inner {
    shared: Shared,
    wake: Condvar,
}

impl Inner {
    /// Waits on `state` until `done` holds or `timeout` passed; returns the state and
    /// whether `done` held.
    fn wait_until<'a>(
        &'a self,
        mut state: MutexGuard<'a, SharedState>,
        timeout: Duration,
        done: impl Fn(&SharedState) -> bool,
    ) -> (MutexGuard<'a, SharedState>, bool) {
        // No deadline when it is past the clock's range (`Duration::MAX`).
        let deadline = Instant::now().checked_add(timeout);
        while !done(&state) {
            let left = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) => Some(left),
                    None => return (state, false),
                },
                None => None,
            };
            state = self.wait(state, left);
        }
        (state, true)
    }

    /// One wait on the condition variable (a spurious wake-up is a wake-up).
    fn wait<'a>(
        &'a self,
        state: MutexGuard<'a, SharedState>,
        timeout: Option<Duration>,
    ) -> MutexGuard<'a, SharedState> {
        match timeout {
            Some(t) => match self.wake.wait_timeout(state, t) {
                Ok((s, _)) => s,
                Err(e) => e.into_inner().0,
            },
            None => self.wake.wait(state).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// A usage-event pipeline on a background thread (see `polarsh_core::ingest`): `push` queues,
/// the thread sends batches when due, retrying and splitting as the core decides.
pub struct Ingester {
    inner: Arc<Inner>,
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
        let inner = Arc::new(Inner {
            shared: Shared::new(ingest),
            wake: Condvar::new(),
        });
        let client = client.clone();
        let worker = inner.clone();
        let thread = std::thread::Builder::new()
            .name("polar-ingest".into())
            .spawn(move || run(&worker, client.transport()))
            .ok();
        Ingester { inner, thread }
    }

    /// Queues an event; refused with the event handed back when the queue is full or closed.
    pub fn push(&self, event: impl Into<EventsIngestEventsItem>) -> Result<(), PushError> {
        let wake = self.inner.shared.lock().push(event, crate::system_now())?;
        if wake == Wake::Sender {
            self.inner.wake.notify_all();
        }
        Ok(())
    }

    /// Sends everything queued now and waits until it was dealt with (delivered or rejected)
    /// or `timeout` passed; false on timeout (the events stay queued).
    pub fn flush(&self, timeout: Duration) -> bool {
        let mut state = self.inner.shared.lock();
        let target = state.flush();
        self.inner.wake.notify_all();
        self.inner
            .wait_until(state, timeout, |s| s.settled(target))
            .1
    }

    /// The counts so far.
    pub fn stats(&self) -> IngestStats {
        self.inner.shared.lock().stats()
    }

    /// Takes the events Polar refused as invalid so far (each found by splitting its batch).
    pub fn take_rejected(&self) -> Vec<RejectedEvent> {
        self.inner.shared.lock().take_rejected()
    }

    /// Stops taking events, delivers what is queued, and stops the thread: everything was
    /// dealt with (`Ok`), or the deadline passed and the events not delivered are handed
    /// back (`Err`), to be stored and sent later.
    pub fn close(mut self, timeout: Duration) -> Result<IngestStats, Undelivered> {
        let mut state = self.inner.shared.lock();
        state.close();
        self.inner.wake.notify_all();
        let (mut state, _) = self.inner.wait_until(state, timeout, SharedState::drained);
        let result = state.finish();
        drop(state);
        self.inner.wake.notify_all();
        // Nothing left: the thread is idle or about to stop; wait for it. Otherwise it may
        // be inside an attempt, and ends after it, unjoined.
        if let (Ok(_), Some(t)) = (&result, self.thread.take()) {
            let _ = t.join();
        }
        result
    }
}

impl Drop for Ingester {
    /// Without `close`, the thread stops after its current attempt; what is queued is lost
    /// with the process, so call `close` on shutdown.
    fn drop(&mut self) {
        self.inner.shared.lock().stop();
        self.inner.wake.notify_all();
    }
}

/// The thread: the core's turns, without holding the lock while sending.
fn run<T: Transport>(inner: &Inner, transport: &T) {
    let runtime = transport.runtime();
    let mut state = inner.shared.lock();
    loop {
        match state.poll(runtime.now(), runtime.jitter()) {
            Turn::Send(out) => {
                drop(state);
                let outcome = transport.send(out.request, &out.limits);
                state = inner.shared.lock();
                state.handle(outcome);
            }
            Turn::Wait(wait) => state = inner.wait(state, Some(wait)),
            Turn::Reported { .. } => inner.wake.notify_all(),
            Turn::Idle => {
                inner.wake.notify_all();
                state = inner.wait(state, None);
            }
            Turn::Stop => {
                inner.wake.notify_all();
                return;
            }
        }
    }
}

/// 32 bytes from the OS for the `external_id`s the core derives.
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if getrandom::fill(&mut seed).is_err() {
        // The address of a stack value differs between processes (ASLR).
        seed = fallback_seed(crate::system_now(), &seed as *const _ as usize as u64);
    }
    seed
}
