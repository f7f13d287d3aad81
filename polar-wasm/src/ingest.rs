//! Usage events in a worker or a page: push from any handler, then `flush().await` where the
//! runtime lets work finish (a Cloudflare Worker's `ctx.waitUntil`, a Deno or Bun handler's
//! end, a page's `visibilitychange`). There is no background task to rely on in a worker, so
//! nothing sends on its own: `flush` and `close` drive the core until what they wait for was
//! dealt with. The batching, retries and splitting are `polarsh_core::ingest`'s, and so is
//! the shared state ([`Shared`]); this module only runs the core's turns over the client's
//! transport.

use crate::Fetch;
use polarsh_core::client::{AsyncClient, AsyncRuntime, AsyncTransport};
use polarsh_core::exchange::Fault;
use polarsh_core::ingest::{
    fallback_seed, Ingest, IngestConfig, IngestStats, PushError, RejectedEvent, Shared,
    SharedState, Turn, Undelivered, Wake,
};
use polarsh_core::models::EventsIngestEventsItem;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::task::{Poll, Waker};
use wasm_bindgen::{JsCast, JsValue};

/// A usage-event queue for runtimes without background work (see
/// `polarsh_core::ingest`): `push` queues; `flush().await` sends everything queued, in
/// batches, retrying and splitting as the core decides, and returns once it was dealt with
/// (`true`) or a batch failed after every retry (`false`: its events stay queued for the
/// next flush). The same calls as `polarsh_blocking::Ingester` and `polarsh_tokio::Ingester`,
/// without their timeouts: the retry policy's `overall_timeout` bounds each batch.
///
/// Several handlers may flush at once (keep it in an `Rc`): one drives the core at a time,
/// the others wait for their turn.
///
/// ```no_run
/// use polarsh_wasm::models::EventCreateExternalCustomer;
/// use polarsh_wasm::{Client, Credential, IngestConfig, Ingester};
/// use std::rc::Rc;
///
/// # fn handler(ctx_wait_until: impl Fn(js_sys::Promise)) {
/// let client = Client::builder()
///     .credential(Credential::organization_token("polar_oat_..."))
///     .build();
/// let ingester = Rc::new(Ingester::start(&client, IngestConfig::default()));
/// // In a request handler: meter, then let the runtime finish the delivery.
/// let _ = ingester.push(EventCreateExternalCustomer::new("llm.tokens", "user_42"));
/// let flushing = ingester.clone();
/// ctx_wait_until(wasm_bindgen_futures::future_to_promise(async move {
///     Ok(flushing.flush().await.into())
/// }));
/// # }
/// ```
pub struct Ingester<T: AsyncTransport = Fetch> {
    shared: Shared,
    client: AsyncClient<T>,
    /// Whether a flush or close is driving the core, and who waits for its turn.
    driving: Cell<bool>,
    turns: RefCell<Vec<Waker>>,
}

impl<T: AsyncTransport> std::fmt::Debug for Ingester<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingester")
            .field("stats", &self.stats())
            .field("driving", &self.driving.get())
            .finish_non_exhaustive()
    }
}

/// The turn of one flush or close: handed to the next waiter when it ends, even when its
/// future is dropped (a request it had out is then taken as interrupted, and sent again).
struct Driving<'a, T: AsyncTransport> {
    ingester: &'a Ingester<T>,
    sending: bool,
}

impl<T: AsyncTransport> Drop for Driving<'_, T> {
    fn drop(&mut self) {
        if self.sending {
            self.ingester.shared.lock().handle(Err(Fault::interrupted(
                "the flush was dropped with its request out",
            )));
        }
        self.ingester.driving.set(false);
        for waker in self.ingester.turns.take() {
            waker.wake();
        }
    }
}

impl<T: AsyncTransport> Ingester<T> {
    /// A queue sending with `client`'s options and transport. Nothing runs until a
    /// [`Ingester::flush`] or [`Ingester::close`].
    pub fn start(client: &AsyncClient<T>, config: IngestConfig) -> Self {
        let ingest = Ingest::new(config, Arc::new(client.options().clone()), seed());
        Ingester {
            shared: Shared::new(ingest),
            client: client.clone(),
            driving: Cell::new(false),
            turns: RefCell::new(Vec::new()),
        }
    }

    /// Queues an event (nothing is sent until a flush); refused with the event handed back
    /// when the queue is full or closed.
    pub fn push(&self, event: impl Into<EventsIngestEventsItem>) -> Result<(), PushError> {
        let now = self.client.transport().runtime().now();
        // Nobody to wake: the next flush sends it.
        self.shared.lock().push(event, now).map(|_: Wake| ())
    }

    /// Sends everything queued now and returns once it was dealt with (delivered or
    /// rejected): `true`; or once a batch failed after every retry: `false` (its events
    /// stay queued, for the next flush).
    pub async fn flush(&self) -> bool {
        let target = self.shared.lock().flush();
        self.drive(|s| s.settled(target)).await
    }

    /// The counts so far.
    pub fn stats(&self) -> IngestStats {
        self.shared.lock().stats()
    }

    /// Takes the events Polar refused as invalid so far (each found by splitting its batch).
    pub fn take_rejected(&self) -> Vec<RejectedEvent> {
        self.shared.lock().take_rejected()
    }

    /// Stops taking events and delivers what is queued: everything was dealt with (`Ok`),
    /// or a batch failed after every retry and the events not delivered are handed back
    /// (`Err`), to be stored and sent later.
    pub async fn close(self) -> Result<IngestStats, Undelivered> {
        self.shared.lock().close();
        self.drive(SharedState::drained).await;
        self.shared.lock().finish()
    }

    /// Waits for the turn to drive, then runs the core's turns until `done` holds (`true`),
    /// a batch failed for good, or nothing is left to do.
    async fn drive(&self, done: impl Fn(&SharedState) -> bool) -> bool {
        std::future::poll_fn(|cx| {
            if self.driving.replace(true) {
                self.turns.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        let mut turn = Driving {
            ingester: self,
            sending: false,
        };
        let transport = self.client.transport();
        loop {
            let next = {
                let runtime = transport.runtime();
                let mut state = self.shared.lock();
                if done(&state) {
                    return true;
                }
                state.poll(runtime.now(), runtime.jitter())
            };
            match next {
                Turn::Send(out) => {
                    turn.sending = true;
                    let outcome = transport.send(out.request, &out.limits).await;
                    turn.sending = false;
                    self.shared.lock().handle(outcome);
                }
                Turn::Wait(wait) => {
                    if let Err(fault) = transport.runtime().sleep(wait).await {
                        if !self.shared.lock().fail_step(fault) {
                            return false;
                        }
                    }
                }
                Turn::Reported { failed: false } => {}
                Turn::Reported { failed: true } | Turn::Idle | Turn::Stop => {
                    // The lock is let go before `turn` takes it to hand the turn on.
                    let done = done(&self.shared.lock());
                    return done;
                }
            }
        }
    }
}

/// 32 bytes from `globalThis.crypto.getRandomValues` for the `external_id`s the core
/// derives (Web Crypto: every browser, worker, edge runtime and Node 19+).
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if random_values(&mut seed).is_none() {
        // No Web Crypto: the clock and `Math.random`.
        let salt = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        seed = fallback_seed(crate::JsRuntime.now(), salt);
    }
    seed
}

fn random_values(out: &mut [u8; 32]) -> Option<()> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    let fill = js_sys::Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let array = js_sys::Uint8Array::new_with_length(32);
    fill.call1(&crypto, &array).ok()?;
    array.copy_to(out);
    Some(())
}
