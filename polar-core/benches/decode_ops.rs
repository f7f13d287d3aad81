//! The operations of `benches/decode.rs` run a fixed number of times, for counting
//! instructions (`scripts/bench-instructions.sh` runs it under callgrind): a figure that,
//! unlike time on a shared machine, does not move with the neighbours.
//!
//! Usage: `decode_ops <request|request_list|serde_value|check|parse|webhook_parse>
//! <iterations>`;
//! any other operation name runs nothing (the start-up count subtracted from the others).

mod common;

use polarsh_core::{operations, Operation};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let op = args.next().unwrap_or_default();
    let n: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let (config, credential) = common::config_and_credential();
    let response = common::customer_response();
    let bytes = response.body().as_slice();
    // Loaded whatever the operation, so that the start-up count is the same for all.
    let order_paid = common::order_paid().body;
    for _ in 0..n {
        match op.as_str() {
            "request" => {
                let op = operations::customers::Get::new(black_box(common::CUSTOMER_ID));
                black_box(op.request(&config, Some(&credential)).is_ok());
            }
            "request_list" => {
                // A list with a query: organization, email, page and limit.
                let mut op = operations::customers::List::new();
                op.organization_id = Some(vec![black_box(common::CUSTOMER_ID).into()]);
                op.email = Some(black_box("customer@example.com").into());
                op.page = Some(2);
                op.limit = Some(100);
                black_box(op.request(&config, Some(&credential)).is_ok());
            }
            "serde_value" => {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(bytes)).is_ok());
            }
            "check" => {
                black_box(polarsh_core::runtime::doc::validate(black_box(bytes)).is_ok());
            }
            "parse" => {
                black_box(operations::customers::Get::parse(black_box(&response)).is_ok());
            }
            "webhook_parse" => {
                black_box(
                    polarsh_core::json::from_slice::<polarsh_core::models::WebhookPayload>(
                        black_box(&order_paid),
                    )
                    .is_ok(),
                );
            }
            _ => {}
        }
    }
}
