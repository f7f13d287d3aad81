//! Usage-event figures (`scripts/bench-ingest.sh`): a figure-printing program, not a test.
//!
//! (a) events per second through `push` with no network: the core's `Ingest` alone, and the
//!     blocking and tokio `Ingester`s from 1, 2 and 4 threads (batches never due, so their
//!     sender only waits);
//! (b) end to end against the loopback Polar of `polar_tests::ingest` (it parses every body
//!     and deduplicates by `external_id`): events delivered per second through the blocking
//!     and the tokio `Ingester`, default batching (100 events), from the first push until
//!     `close` returned with everything delivered;
//! (c) bytes of memory per queued event: heap growth (a counting global allocator: bytes
//!     asked of the allocator, live) after pushing N events into an `Ingest`, over N, for a
//!     typical event (an LLM call's tokens with `_llm` metadata), next to
//!     `Ingest::QUEUED_OVERHEAD` plus the event's JSON and id; and the resident set growth
//!     (what malloc really took, its headers and rounding included).
//!
//! Environment: `BENCH_N` events per measurement (default 200,000), `BENCH_E2E` events end
//! to end (default 50,000), `BENCH_ROUNDS` rounds of (a), the median printed (default 5).

use polar_tests::ingest::{options, start};
use polarsh_core::ingest::{Ingest, IngestConfig, IngestStep};
use polarsh_core::models::{EventCreateExternalCustomer, EventMetadataInput, LlmMetadata};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only a counter is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A typical metering event: an LLM call's tokens for one of 1,000 customers.
fn event(i: usize) -> EventCreateExternalCustomer {
    let mut e = EventCreateExternalCustomer::new("llm.tokens", format!("user_{}", i % 1000));
    let input = 1000 + (i % 500) as i64;
    let output = 200 + (i % 300) as i64;
    let mut metadata = EventMetadataInput::new();
    metadata.llm = Some(LlmMetadata::new(
        "openai",
        "gpt-5",
        input,
        output,
        input + output,
    ));
    e.metadata = Some(metadata);
    e
}

/// Batches that never become due: `push` is measured alone.
fn never_due() -> IngestConfig {
    IngestConfig {
        max_batch_events: usize::MAX,
        max_batch_bytes: usize::MAX,
        max_age: Duration::from_secs(1 << 30),
        capacity: usize::MAX,
    }
}

/// The system clock, since the Unix epoch.
fn system_now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

fn now() -> Duration {
    Duration::from_secs(1_800_000_000)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// How long `f` took.
fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// Pushes `n` events from `threads` threads through `push`.
fn from_threads(threads: usize, n: usize, push: &(dyn Fn(usize) + Sync)) {
    std::thread::scope(|scope| {
        for t in 0..threads {
            scope.spawn(move || {
                for i in (t..n).step_by(threads) {
                    push(i);
                }
            });
        }
    });
}

/// The resident set, in bytes (Linux; 0 elsewhere).
fn rss() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn main() {
    let n = env("BENCH_N", 200_000);
    let e2e = env("BENCH_E2E", 50_000);
    let rounds = env("BENCH_ROUNDS", 5);
    let seed = [7u8; 32];
    let blocking_client = polarsh_blocking::Client::builder()
        .options(options("http://127.0.0.1:9"))
        .build();
    let tokio_client = polarsh_tokio::Client::builder()
        .options(options("http://127.0.0.1:9"))
        .build();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!(
        "cores: {}; event: llm.tokens for one of 1,000 customers, _llm metadata (vendor, model, 3 token counts)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();

    if let Ok(only) = std::env::var("BENCH_ONLY") {
        return profile(&only, n, rounds, &blocking_client, &tokio_client, &runtime);
    }
    // (c) memory per queued event, first: the resident set has not grown and shrunk yet.
    println!("(c) memory per queued event (Ingest, typical event above)");
    let json = {
        // One event's JSON as queued and sent (external_id and timestamp included).
        let mut one = Ingest::new(
            never_due(),
            Arc::new(blocking_client.options().clone()),
            seed,
        );
        let _ = one.push(event(1), now());
        one.flush();
        match one.poll(now(), 0.5) {
            IngestStep::Send(out) => out.request.body().len() - 13,
            _ => 0,
        }
    };
    let stated = json + 36 + Ingest::QUEUED_OVERHEAD;
    println!(
        "  stated: JSON {json} (external_id and timestamp in) + external_id 36 + Ingest::QUEUED_OVERHEAD {} = {stated} bytes",
        Ingest::QUEUED_OVERHEAD
    );
    for (k, count) in [n, 100_000, 65_536].into_iter().enumerate() {
        let mut ingest = Ingest::new(
            never_due(),
            Arc::new(blocking_client.options().clone()),
            seed,
        );
        let (heap0, rss0) = (LIVE.load(Ordering::Relaxed), rss());
        for i in 0..count {
            let _ = ingest.push(event(i), now());
        }
        let (heap1, rss1) = (LIVE.load(Ordering::Relaxed), rss());
        let heap = (heap1 - heap0) as f64 / count as f64;
        let resident = if k == 0 {
            // Later rounds reuse the memory the first one freed: only the first is shown.
            format!(
                ", resident set {:.1} bytes/event",
                rss1.saturating_sub(rss0) as f64 / count as f64
            )
        } else {
            String::new()
        };
        println!(
            "  N = {count:>7}: heap {heap:.1} bytes/event (measured / stated {:.2}){resident}",
            heap / stated as f64
        );
        drop(ingest);
    }
    println!();

    // (a) push, no network. Each round runs every case once, in turn, so that noise from
    // elsewhere on the machine hits them alike; each case pushes from fresh threads (the
    // core's `Ingest` from one, without a lock), and the medians are compared.
    println!("(a) push, no network: events per second (median of {rounds} rounds of {n}, cases interleaved)");
    let shared_options = Arc::new(blocking_client.options().clone());
    let threads = [1, 2, 4];
    let mut build = Vec::new();
    let mut core = Vec::new();
    let mut blocking = vec![Vec::new(); threads.len()];
    let mut tokio = vec![Vec::new(); threads.len()];
    let per_second = |d: Duration| n as f64 / d.as_secs_f64();
    for _ in 0..rounds {
        build.push(per_second(timed(|| {
            from_threads(1, n, &|i| {
                std::hint::black_box(event(i));
            })
        })));
        let ingest = std::sync::Mutex::new(Ingest::new(never_due(), shared_options.clone(), seed));
        core.push(per_second(timed(|| {
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    let mut ingest = ingest.lock().expect("not poisoned");
                    for i in 0..n {
                        // The clock as a driver reads it: a timestamp with nanoseconds.
                        let _ = ingest.push(event(i), system_now());
                    }
                });
            })
        })));
        drop(ingest);
        for (k, &t) in threads.iter().enumerate() {
            let ingester = polarsh_blocking::Ingester::start(&blocking_client, never_due());
            blocking[k].push(per_second(timed(|| {
                from_threads(t, n, &|i| {
                    let _ = ingester.push(event(i));
                })
            })));
            // Emptied here (the events handed back), not freed by its thread during the
            // next case.
            drop(ingester.close(Duration::ZERO));
            let _guard = runtime.enter();
            let ingester = polarsh_tokio::Ingester::start(&tokio_client, never_due());
            tokio[k].push(per_second(timed(|| {
                from_threads(t, n, &|i| {
                    let _ = ingester.push(event(i));
                })
            })));
            drop(runtime.block_on(ingester.close(Duration::ZERO)));
        }
    }
    let (build, core) = (median(build), median(core));
    let blocking: Vec<f64> = blocking.into_iter().map(median).collect();
    let tokio: Vec<f64> = tokio.into_iter().map(median).collect();
    println!("  building the event alone               {build:>10.0}");
    println!("  core Ingest::push (event built too)    {core:>10.0}");
    for (k, t) in threads.iter().enumerate() {
        println!(
            "  Ingester::push from {t} thread(s)   blocking {:>10.0}   tokio {:>10.0}",
            blocking[k], tokio[k]
        );
    }
    println!(
        "  ratios: 1 thread / core: blocking {:.2}, tokio {:.2}; 4 threads / 1 thread: blocking {:.2}, tokio {:.2}",
        blocking[0] / core,
        tokio[0] / core,
        blocking[2] / blocking[0],
        tokio[2] / tokio[0]
    );
    println!();

    // (b) end to end.
    println!("(b) end to end, loopback Polar (parses, deduplicates), batches of 100: {e2e} events");
    let (url, polar) = start(vec![]);
    let client = polarsh_blocking::Client::builder()
        .options(options(&url))
        .build();
    let t = Instant::now();
    let ingester = polarsh_blocking::Ingester::start(&client, IngestConfig::default());
    for i in 0..e2e {
        ingester.push(event(i)).expect("room");
    }
    let pushed = t.elapsed();
    let stats = ingester
        .close(Duration::from_secs(600))
        .expect("everything delivered");
    let blocking = e2e as f64 / t.elapsed().as_secs_f64();
    let requests = std::mem::take(&mut polar.lock().expect("the server's state").requests);
    assert_eq!(stats.inserted, e2e as u64);
    println!(
        "  blocking Ingester   {:>10.0} events/s delivered ({requests} requests; pushing took {:.1} ms)",
        blocking,
        pushed.as_secs_f64() * 1000.0
    );
    let (url, polar) = start(vec![]);
    let client = polarsh_tokio::Client::builder()
        .options(options(&url))
        .build();
    let (stats, pushed, elapsed) = runtime.block_on(async {
        let t = Instant::now();
        let ingester = polarsh_tokio::Ingester::start(&client, IngestConfig::default());
        for i in 0..e2e {
            ingester.push(event(i)).expect("room");
        }
        let pushed = t.elapsed();
        let stats = ingester.close(Duration::from_secs(600)).await;
        (stats, pushed, t.elapsed())
    });
    assert_eq!(stats.expect("everything delivered").inserted, e2e as u64);
    let tokio = e2e as f64 / elapsed.as_secs_f64();
    let requests = polar.lock().expect("the server's state").requests;
    println!(
        "  tokio Ingester      {:>10.0} events/s delivered ({requests} requests; pushing took {:.1} ms)",
        tokio,
        pushed.as_secs_f64() * 1000.0
    );
    println!("  ratio tokio / blocking {:.2}", tokio / blocking);
    println!();
}

/// `BENCH_ONLY=core` (or `blocking`, `tokio`): that case of (a) alone, pushing from the main
/// thread, `BENCH_ROUNDS` times: for a profiler.
fn profile(
    only: &str,
    n: usize,
    rounds: usize,
    blocking_client: &polarsh_blocking::Client,
    tokio_client: &polarsh_tokio::Client,
    runtime: &tokio::runtime::Runtime,
) {
    let _guard = runtime.enter();
    let options = Arc::new(blocking_client.options().clone());
    for _ in 0..rounds {
        let took = match only {
            "core" => {
                let mut ingest = Ingest::new(never_due(), options.clone(), [7; 32]);
                timed(|| {
                    for i in 0..n {
                        let _ = ingest.push(event(i), system_now());
                    }
                })
            }
            "blocking" => {
                let ingester = polarsh_blocking::Ingester::start(blocking_client, never_due());
                timed(|| {
                    for i in 0..n {
                        let _ = ingester.push(event(i));
                    }
                })
            }
            _ => {
                let ingester = polarsh_tokio::Ingester::start(tokio_client, never_due());
                timed(|| {
                    for i in 0..n {
                        let _ = ingester.push(event(i));
                    }
                })
            }
        };
        println!("{only}: {:.0} events/s", n as f64 / took.as_secs_f64());
    }
}
