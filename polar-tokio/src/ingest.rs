//! Usage events on a tokio task: push from any handler, batches go out on their own.
//! The batching, retries and splitting are `polarsh_core::ingest`'s, and so is the state the
//! callers share with the task ([`Shared`]); this module only runs the loop as a task and
//! wakes it with [`Notify`].

use polarsh_core::client::{AsyncClient, AsyncRuntime, AsyncTransport};
use polarsh_core::ingest::{
    fallback_seed, Ingest, IngestConfig, IngestStats, PushError, RejectedEvent, Shared,
    SharedState, Turn, Undelivered, Wake,
};
use polarsh_core::models::EventsIngestEventsItem;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The core's shared state and two wake-ups: `work` for the task (a push, a flush, a close;
/// a permit is kept when it is busy), `progress` for the callers waiting in `flush` and
/// `close` (a batch dealt with, the queue empty).
struct Inner {
    shared: Shared,
    work: Notify,
    progress: Notify,
}

impl Inner {
    /// Waits until `done` holds or `timeout` passed; whether `done` held.
    async fn wait_until(&self, timeout: Duration, done: impl Fn(&SharedState) -> bool) -> bool {
        // No deadline when it is past the clock's range (`Duration::MAX`).
        let deadline = Instant::now().checked_add(timeout);
        loop {
            // Registered before the check: progress made in between still wakes this wait.
            let mut progress = std::pin::pin!(self.progress.notified());
            progress.as_mut().enable();
            if done(&self.shared.lock()) {
                return true;
            }
            match deadline {
                Some(deadline) => {
                    if tokio::time::timeout_at(deadline, progress).await.is_err() {
                        return done(&self.shared.lock());
                    }
                }
                None => progress.await,
            }
        }
    }
}

/// A usage-event pipeline on a tokio task (see `polarsh_core::ingest`): `push` queues (it
/// does not wait), the task sends batches when due, retrying and splitting as the core
/// decides. `Send + Sync`: keep one in your axum state, push from every handler, `close` it
/// on shutdown. The same calls as `polarsh_blocking::Ingester`, with `.await` on `flush`
/// and `close`.
pub struct Ingester {
    inner: Arc<Inner>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Ingester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingester")
            .field("stats", &self.stats())
            .field("running", &self.task.is_some())
            .finish_non_exhaustive()
    }
}

impl Ingester {
    /// Spawns the task on the current tokio runtime, sending with `client`'s options and
    /// transport. Called outside a runtime, no task runs: events queue, `flush` returns
    /// false and `close` hands them back.
    pub fn start<T>(client: &AsyncClient<T>, config: IngestConfig) -> Ingester
    where
        T: AsyncTransport + Send + Sync + 'static,
        T::Send: Send,
    {
        let ingest = Ingest::new(config, Arc::new(client.options().clone()), seed());
        let inner = Arc::new(Inner {
            shared: Shared::new(ingest),
            work: Notify::new(),
            progress: Notify::new(),
        });
        let task = tokio::runtime::Handle::try_current()
            .ok()
            .map(|runtime| runtime.spawn(run(inner.clone(), client.clone())));
        Ingester { inner, task }
    }

    /// Queues an event (no waiting: call it from any handler); refused with the event
    /// handed back when the queue is full or closed.
    pub fn push(&self, event: impl Into<EventsIngestEventsItem>) -> Result<(), PushError> {
        let now = crate::system_now();
        if self.inner.shared.lock().push(event, now)? == Wake::Sender {
            self.inner.work.notify_one();
        }
        Ok(())
    }

    /// Sends everything queued now and waits until it was dealt with (delivered or rejected)
    /// or `timeout` passed; false on timeout (the events stay queued).
    pub async fn flush(&self, timeout: Duration) -> bool {
        let target = self.inner.shared.lock().flush();
        self.inner.work.notify_one();
        if self.task.is_none() {
            return self.inner.shared.lock().settled(target);
        }
        self.inner.wait_until(timeout, |s| s.settled(target)).await
    }

    /// The counts so far.
    pub fn stats(&self) -> IngestStats {
        self.inner.shared.lock().stats()
    }

    /// Takes the events Polar refused as invalid so far (each found by splitting its batch).
    pub fn take_rejected(&self) -> Vec<RejectedEvent> {
        self.inner.shared.lock().take_rejected()
    }

    /// Stops taking events, delivers what is queued, and ends the task: everything was
    /// dealt with (`Ok`), or the deadline passed and the events not delivered are handed
    /// back (`Err`), to be stored and sent later (the attempt in flight is dropped).
    pub async fn close(mut self, timeout: Duration) -> Result<IngestStats, Undelivered> {
        self.inner.shared.lock().close();
        self.inner.work.notify_one();
        if self.task.is_some() {
            self.inner.wait_until(timeout, SharedState::drained).await;
        }
        let result = self.inner.shared.lock().finish();
        self.inner.work.notify_one();
        if let Some(task) = self.task.take() {
            match result {
                // Nothing left: the task is idle or about to stop; wait for it.
                Ok(_) => drop(task.await),
                Err(_) => task.abort(),
            }
        }
        result
    }
}

impl Drop for Ingester {
    /// Without `close`, the task stops after its current attempt; what is queued is lost
    /// with the process, so call `close` on shutdown.
    fn drop(&mut self) {
        self.inner.shared.lock().stop();
        self.inner.work.notify_one();
    }
}

/// The task: the core's turns, the lock held only to ask them.
async fn run<T: AsyncTransport>(inner: Arc<Inner>, client: AsyncClient<T>) {
    let transport = client.transport();
    loop {
        // The runtime is not held across an await: the future needs no `Sync` runtime.
        let turn = {
            let runtime = transport.runtime();
            inner.shared.lock().poll(runtime.now(), runtime.jitter())
        };
        match turn {
            Turn::Send(out) => {
                let outcome = transport.send(out.request, &out.limits).await;
                inner.shared.lock().handle(outcome);
            }
            Turn::Wait(wait) => {
                // A push, a flush or a close may make something due sooner.
                let _ = tokio::time::timeout(wait, inner.work.notified()).await;
            }
            Turn::Reported { .. } => inner.progress.notify_waiters(),
            Turn::Idle => {
                inner.progress.notify_waiters();
                inner.work.notified().await;
            }
            Turn::Stop => {
                inner.progress.notify_waiters();
                return;
            }
        }
    }
}

/// 32 bytes from the OS for the `external_id`s the core derives.
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if getrandom::getrandom(&mut seed).is_err() {
        // No OS randomness (very rare): the clock and the process id.
        seed = fallback_seed(crate::system_now(), u64::from(std::process::id()));
    }
    seed
}
