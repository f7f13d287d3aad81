//! The sans-IO share of a call, hot: building `customers:get`, parsing its response (a 658 B
//! `Customer`, the body of the throughput bench) checked as JSON and as a typed value, next to
//! `serde_json::from_slice::<Value>` of the same bytes as the baseline in the same run.
//!
//! ```sh
//! cargo bench -p polarsh-core --bench decode -- --warm-up-time 1 --measurement-time 3
//! ```

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use polarsh_core::{operations, Operation};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let (config, credential) = common::config_and_credential();
    let response = common::customer_response();
    let body = common::customer_body();
    assert!(operations::customers::Get::parse(&response).is_ok());

    let mut g = c.benchmark_group("customers:get");
    g.bench_function("request", |b| {
        b.iter(|| {
            let op = operations::customers::Get::new(black_box(common::CUSTOMER_ID));
            black_box(op.request(&config, Some(&credential)))
        })
    });
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("serde_json Value (baseline)", |b| {
        b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(body))))
    });
    g.bench_function("check as JSON", |b| {
        b.iter(|| black_box(polarsh_core::runtime::doc::validate(black_box(body)).is_ok()))
    });
    g.bench_function("parse (typed)", |b| {
        b.iter(|| black_box(operations::customers::Get::parse(black_box(&response))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
