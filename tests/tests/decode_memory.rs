//! The decoder's working memory is bounded by the body: decoding a few MiB of adversarial
//! JSON (deep nesting at the depth limit, long arrays of tiny values, many small objects,
//! long strings, many keys) takes at most 4x the body plus a constant beyond what the
//! decoded value itself keeps.
//!
//! Working memory is the peak of live heap bytes while decoding less the live bytes the
//! decoded value holds afterwards, counted by this binary's global allocator (a test
//! binary of its own, so that the counting touches no other test). Each shape prints its
//! figures, for the fast pass (`from_slice`) and for exact mode (`exact_slice`, what an
//! invalid body is read again with), and both are held to the bound. (An invalid body
//! costs what the values read before its error would have kept: they are built, then
//! dropped with the error.)

use polarsh_core::json::{exact_slice, from_slice, FromJson};
use polarsh_core::models::{Customer, WebhookPayload};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, SeqCst) + by;
    PEAK.fetch_max(now, SeqCst);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, SeqCst);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (working memory, kept by the value) of decoding `body` with `decode`.
fn measure<T>(body: &[u8], decode: impl Fn(&[u8]) -> T) -> (usize, usize) {
    let before = LIVE.load(SeqCst);
    PEAK.store(before, SeqCst);
    let value = decode(body);
    let after = LIVE.load(SeqCst);
    let peak = PEAK.load(SeqCst);
    drop(value);
    (peak - after, after.saturating_sub(before))
}

const MIB: usize = 1 << 20;
/// What the bound allows beyond 4x the body.
const CONSTANT: usize = 64 * 1024;

/// Decodes `body` as `T` both ways, prints the figures, and holds both to the bound.
fn check<T: FromJson + std::fmt::Debug>(shape: &str, body: &[u8]) {
    assert!(from_slice::<T>(body).is_ok(), "{shape}: does not decode");
    let (work, kept) = measure(body, |b| from_slice::<T>(b));
    let (exact_work, _) = measure(body, |b| exact_slice::<T>(b));
    let ratio = |n: usize| n as f64 / body.len() as f64;
    println!(
        "{shape}: body {:.1} MiB; from_slice: working {:.1} MiB ({:.2}x), value keeps {:.1} MiB; exact mode: working {:.1} MiB ({:.2}x)",
        body.len() as f64 / MIB as f64,
        work as f64 / MIB as f64,
        ratio(work),
        kept as f64 / MIB as f64,
        exact_work as f64 / MIB as f64,
        ratio(exact_work),
    );
    for (mode, w) in [("from_slice", work), ("exact mode", exact_work)] {
        assert!(
            w <= 4 * body.len() + CONSTANT,
            "{shape}: {mode} working memory {w} B for a body of {} B",
            body.len()
        );
    }
}

/// `{"type":"<unknown event>","timestamp":...,"data":<data>}` of about `size` bytes, the data
/// being `item` repeated in an array.
fn unknown_event(item: &str, size: usize) -> Vec<u8> {
    let mut body =
        String::from(r#"{"type":"x.polar_rs.unknown","timestamp":"2026-01-01T00:00:00Z","data":["#);
    while body.len() < size {
        body.push_str(item);
        body.push(',');
    }
    body.pop();
    body.push_str("]}");
    body.into_bytes()
}

/// The Customer of the tests with `extra` inserted as its first properties.
fn customer_with(extra: &str) -> Vec<u8> {
    let customer = polar_tests::customer_json();
    let rest = customer.trim().strip_prefix('{').expect("an object");
    format!("{{{extra},{rest}").into_bytes()
}

fn tiny_arrays_in_an_unknown_event() {
    check::<WebhookPayload>("tiny arrays", &unknown_event("[]", 4 * MIB));
}

fn tiny_numbers_in_an_unknown_event() {
    check::<WebhookPayload>("tiny numbers", &unknown_event("0", 4 * MIB));
}

fn small_objects_in_an_unknown_event() {
    check::<WebhookPayload>("small objects", &unknown_event(r#"{"a":1}"#, 4 * MIB));
}

fn deep_nesting_at_the_limit_in_an_unknown_event() {
    // The event's object and its data array are two levels; 125 more reach the limit (127).
    let deep = format!("{}{}", "[".repeat(125), "]".repeat(125));
    check::<WebhookPayload>("deep nesting", &unknown_event(&deep, 4 * MIB));
    // One level more is refused, by both decoders.
    let deeper = format!("{}{}", "[".repeat(126), "]".repeat(126));
    assert!(from_slice::<WebhookPayload>(&unknown_event(&deeper, 1000)).is_err());
}

fn long_strings_in_a_typed_model_and_an_unknown_property() {
    let long = "x".repeat(4 * MIB);
    let body = customer_with(&format!(r#""name":"{long}""#));
    // In place of the customer's own `name`.
    let body = String::from_utf8(body)
        .expect("UTF-8")
        .replacen(r#","name":"John Doe""#, "", 1);
    check::<Customer>("long string (typed)", body.as_bytes());
    let escaped = "\\u00e9".repeat(MIB);
    check::<Customer>(
        "long escaped string (unknown property)",
        &customer_with(&format!(r#""x_new":"{escaped}""#)),
    );
}

fn many_keys_as_unknown_properties_and_in_a_typed_map() {
    let keys: Vec<String> = (0..300_000)
        .map(|i| format!(r#""k{i}":{}"#, i % 10))
        .collect();
    check::<Customer>("many unknown keys", &customer_with(&keys.join(",")));
    let metadata = format!(r#""metadata":{{{}}}"#, keys.join(","));
    let body = String::from_utf8(customer_with(&metadata))
        .expect("UTF-8")
        .replacen(r#""metadata":{},"#, "", 1);
    check::<Customer>("many keys (typed map)", body.as_bytes());
}

/// Every shape, one after the other in one test: the counters are global, so nothing else
/// in this binary may allocate while a decode is measured (tests run on parallel threads).
#[test]
fn working_memory_is_bounded_by_the_body() {
    tiny_arrays_in_an_unknown_event();
    tiny_numbers_in_an_unknown_event();
    small_objects_in_an_unknown_event();
    deep_nesting_at_the_limit_in_an_unknown_event();
    long_strings_in_a_typed_model_and_an_unknown_property();
    many_keys_as_unknown_properties_and_in_a_typed_map();
}
