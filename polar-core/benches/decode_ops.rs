//! The operations of `benches/decode.rs` run a fixed number of times, for counting
//! instructions (`scripts/bench-instructions.sh` runs it under callgrind): a figure that,
//! unlike time on a shared machine, does not move with the neighbours.
//!
//! Usage: `decode_ops <request|serde_value|document|parse|webhook_parse> <iterations>`;
//! any other operation name runs nothing (the start-up count subtracted from the others).

use base64::Engine as _;
use polar_core::{operations, Config, Credential, Operation};
use serde_json::Value;
use std::hint::black_box;

const BODY: &str = include_str!("customer.json");

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let op = args.next().unwrap_or_default();
    let n: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let config = Config::with_base_url("http://127.0.0.1:4010");
    let credential = Credential::organization_token("polar_oat_bench");
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(BODY.trim().as_bytes().to_vec())
        .expect("response");
    let bytes = response.body().as_slice();
    // Loaded whatever the operation, so that the start-up count is the same for all.
    let order_paid = order_paid();
    for _ in 0..n {
        match op.as_str() {
            "request" => {
                let op = operations::customers::Get::new(black_box(
                    "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
                ));
                black_box(op.request(&config, Some(&credential)).is_ok());
            }
            "serde_value" => {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(bytes)).is_ok());
            }
            "document" => {
                black_box(polar_core::runtime::doc::parse(black_box(bytes)).is_ok());
            }
            "parse" => {
                black_box(operations::customers::Get::parse(black_box(&response)).is_ok());
            }
            "webhook_parse" => {
                black_box(
                    polar_core::json::from_slice::<polar_core::models::WebhookPayload>(black_box(
                        &order_paid,
                    ))
                    .is_ok(),
                );
            }
            _ => {}
        }
    }
}

/// The body of the `order.paid` delivery of the webhook test vectors (4.3 KB).
fn order_paid() -> Vec<u8> {
    let fixture: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/webhooks/vectors.json"))
            .expect("vectors.json");
    let body = fixture["vectors"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == "event/order.paid"))
        .and_then(|v| v["body_base64"].as_str())
        .expect("order.paid vector");
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64 body")
}
