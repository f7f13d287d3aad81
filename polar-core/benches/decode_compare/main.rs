//! Decoding three payloads four ways, side by side in one run: polar-core's typed decode,
//! serde derive structs of the same shapes (`shapes.rs`), `serde_json::Value`, and serde's
//! `IgnoredAny` (reading the JSON and keeping nothing: the ceiling of any decoder).
//!
//! The payloads: the 658 B `Customer` of `customers:get`, a page of 100 orders (the
//! `order.paid` vector's order, each with its own id, built at start) and the 4.3 KB
//! `order.paid` webhook delivery. `scripts/bench-decode.sh` prints the table: instructions
//! per call counted by callgrind (this binary's `run` mode) next to wall time and
//! allocations (its `table` mode).
//!
//! ```sh
//! decode_compare table              # wall time (median), allocations and bytes per call
//! decode_compare run orders polar N # N decodes, for callgrind; N = 0 is the start-up cost
//! ```

#[path = "../common/mod.rs"]
mod common;
mod shapes;

use polarsh_core::json::from_slice;
use polarsh_core::models;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// The system allocator, counting calls and bytes (`realloc` counts as one allocation of its
/// new size).
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The payloads, by name.
fn payloads() -> Vec<(&'static str, Vec<u8>)> {
    let webhook = common::order_paid().body;
    // The order of the delivery, as sent (its keys in Polar's order).
    let text = std::str::from_utf8(&webhook).expect("UTF-8");
    let start = text.find("\"data\":").expect("data") + "\"data\":".len();
    let order = &text[start..text.len() - 1];
    let id = "71dce2ee-9ebd-4617-8991-ef4cdfa00e26";
    assert!(order.starts_with(&format!("{{\"id\":\"{id}\"")));
    let mut page = String::from("{\"items\":[");
    for i in 0..100 {
        if i > 0 {
            page.push(',');
        }
        page.push_str(&order.replacen(id, &format!("71dce2ee-9ebd-4617-8991-{i:012x}"), 1));
    }
    page.push_str("],\"pagination\":{\"total_count\":100,\"max_page\":1}}");
    vec![
        ("customer", common::customer_body().to_vec()),
        ("orders", page.into_bytes()),
        ("webhook", webhook),
    ]
}

const DECODERS: [&str; 4] = ["polar", "serde", "value", "skip"];

/// Decodes `body` (payload `payload`) with `decoder`; whether it succeeded.
fn decode(payload: &str, decoder: &str, body: &[u8]) -> bool {
    use serde::de::IgnoredAny;
    match (decoder, payload) {
        ("polar", "customer") => black_box(from_slice::<models::Customer>(body)).is_ok(),
        ("polar", "orders") => black_box(from_slice::<models::ListResourceOrder>(body)).is_ok(),
        ("polar", "webhook") => black_box(from_slice::<models::WebhookPayload>(body)).is_ok(),
        ("serde", "customer") => {
            black_box(serde_json::from_slice::<shapes::Customer>(body)).is_ok()
        }
        ("serde", "orders") => {
            black_box(serde_json::from_slice::<shapes::ListResourceOrder>(body)).is_ok()
        }
        ("serde", "webhook") => {
            black_box(serde_json::from_slice::<shapes::WebhookPayload>(body)).is_ok()
        }
        ("value", _) => black_box(serde_json::from_slice::<serde_json::Value>(body)).is_ok(),
        ("skip", _) => black_box(serde_json::from_slice::<IgnoredAny>(body)).is_ok(),
        _ => panic!("unknown payload {payload} or decoder {decoder}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let payloads = payloads();
    match args.first().map(String::as_str) {
        Some("run") => {
            let (payload, decoder) = (&args[1], &args[2]);
            let n: u32 = args[3].parse().expect("count");
            let body = &payloads
                .iter()
                .find(|(p, _)| p == payload)
                .expect("payload")
                .1;
            for _ in 0..n {
                decode(payload, decoder, black_box(body));
            }
        }
        Some("sizes") => {
            for (name, body) in &payloads {
                println!("{name} {}", body.len());
            }
        }
        None | Some("table") => table(&payloads),
        Some(other) => panic!("unknown mode {other}"),
    }
}

/// Per payload and decoder: the median wall time per call over rounds of about 20 ms, and
/// the allocations and bytes of one call.
fn table(payloads: &[(&'static str, Vec<u8>)]) {
    println!("payload decoder ns_per_call allocs_per_call bytes_per_call");
    for (payload, body) in payloads {
        for decoder in DECODERS {
            assert!(
                decode(payload, decoder, body),
                "{decoder} fails on {payload}"
            );
            let (a, b) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
            decode(payload, decoder, body);
            let allocs = ALLOCS.load(Relaxed) - a;
            let bytes = BYTES.load(Relaxed) - b;
            let t = Instant::now();
            decode(payload, decoder, body);
            let once = t.elapsed().as_nanos().max(1);
            let per_round = (20_000_000 / once).clamp(1, 100_000) as u32;
            let mut rounds: Vec<f64> = (0..15)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..per_round {
                        decode(payload, decoder, black_box(body));
                    }
                    t.elapsed().as_nanos() as f64 / f64::from(per_round)
                })
                .collect();
            rounds.sort_by(f64::total_cmp);
            println!(
                "{payload} {decoder} {:.0} {allocs} {bytes}",
                rounds[rounds.len() / 2]
            );
        }
    }
}
