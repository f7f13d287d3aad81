//! The sans-IO share of a call, hot: building `customers:get`, parsing its response (a 658 B
//! `Customer`, the body of the throughput bench) as a document and as a typed value, next to
//! `serde_json::from_slice::<Value>` of the same bytes as the baseline in the same run.
//!
//! ```sh
//! cargo bench -p polar-core --bench decode -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use polar_core::{operations, Config, Credential, Operation};
use std::hint::black_box;

const BODY: &str = include_str!("customer.json");

fn bench(c: &mut Criterion) {
    let config = Config::with_base_url("http://127.0.0.1:4010");
    let credential = Credential::organization_token("polar_oat_bench");
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(BODY.trim().as_bytes().to_vec())
        .expect("response");
    assert!(operations::customers::Get::parse(&response).is_ok());

    let mut g = c.benchmark_group("customers:get");
    g.bench_function("request", |b| {
        b.iter(|| {
            let op =
                operations::customers::Get::new(black_box("992fae2a-2a17-4b7a-8d9e-e287cf90131b"));
            black_box(op.request(&config, Some(&credential)))
        })
    });
    g.throughput(Throughput::Bytes(BODY.trim().len() as u64));
    g.bench_function("serde_json Value (baseline)", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(
                BODY.as_bytes(),
            )))
        })
    });
    g.bench_function("document", |b| {
        b.iter(|| {
            black_box(polar_core::runtime::doc::parse(black_box(BODY.trim().as_bytes())).is_ok())
        })
    });
    g.bench_function("parse (document + typed)", |b| {
        b.iter(|| black_box(operations::customers::Get::parse(black_box(&response))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
