//! Verifying and parsing a typical webhook (the `order.paid` delivery of the test vectors,
//! about 4 KB), against a bare HMAC-SHA256 of the same body in the same run.
//!
//! ```sh
//! cargo bench -p polarsh-core --bench webhooks -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hmac::{Hmac, Mac};
use polarsh_core::webhooks::{Webhook, WebhookHeaders};
use sha2::Sha256;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let d = common::order_paid();
    let webhook = Webhook::new(&d.secret).expect("secret");
    assert!(webhook.verify_pairs(&d.headers, &d.body, d.now).is_ok());
    let key = base64::engine::general_purpose::STANDARD
        .decode(d.secret.trim_start_matches("whsec_"))
        .expect("key");

    let mut group = c.benchmark_group(format!("webhook order.paid ({} bytes)", d.body.len()));
    group.throughput(Throughput::Bytes(d.body.len() as u64));
    group.bench_function("bare HMAC-SHA256 of the body", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&key)).expect("key");
            mac.update(black_box(&d.body));
            black_box(mac.finalize().into_bytes())
        })
    });
    group.bench_function("verify signature only", |b| {
        let headers = WebhookHeaders::from_pairs(&d.headers).expect("headers");
        b.iter(|| {
            webhook
                .verify_signature(black_box(headers), black_box(&d.body), d.now)
                .expect("genuine")
        })
    });
    group.bench_function("verify + parse (verify_pairs)", |b| {
        b.iter(|| {
            webhook
                .verify_pairs(black_box(&d.headers), black_box(&d.body), d.now)
                .expect("genuine")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
