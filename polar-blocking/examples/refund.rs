//! Refund an order: what is left to refund on it, or a given amount (in cents).
//!
//! ```sh
//! cargo run -p polarsh-blocking --example refund -- [ORDER_ID] [AMOUNT]
//! ```
//!
//! Talks to `POLAR_BASE_URL` (default: a local mock of Polar on http://127.0.0.1:4010, see
//! `scripts/quickstart.sh`) with the organization access token in `POLAR_ACCESS_TOKEN`.

use polarsh_blocking::models::{RefundCreate, RefundCreateReason};
use polarsh_blocking::{Api, Client, Config, Credential};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let order_id = args
        .next()
        .unwrap_or_else(|| "57107b74-8400-4d80-a2fc-54c2b4239cb3".into());
    let amount: Option<i64> = args.next().map(|a| a.parse()).transpose()?;
    let client = client();

    let order = client.orders().get(&order_id).send()?;
    println!(
        "order {}: {} {} paid, {} {} refundable ({})",
        order.id,
        order.total_amount,
        order.currency,
        order.refundable_amount,
        order.currency,
        order.description
    );
    let amount = amount.unwrap_or(order.refundable_amount);
    if amount <= 0 {
        return Err(format!("order {} has nothing left to refund", order.id).into());
    }

    let mut body = RefundCreate::new(&order.id, RefundCreateReason::CustomerRequest, amount);
    body.comment = "Refunded from the polar-rs example".into();
    // Not retried once it reached Polar: a refund must not be issued twice.
    let refund = client.refunds().create(body).send()?;
    println!(
        "refund {}: {} {} ({}), status {}",
        refund.id, refund.amount, refund.currency, refund.reason, refund.status
    );
    Ok(())
}

/// The client for `POLAR_BASE_URL` with `POLAR_ACCESS_TOKEN`.
fn client() -> Client {
    let base_url =
        std::env::var("POLAR_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:4010".into());
    let token =
        std::env::var("POLAR_ACCESS_TOKEN").unwrap_or_else(|_| "polar_oat_local_mock".into());
    println!("Polar API at {base_url}");
    Client::builder()
        .config(Config::with_base_url(base_url))
        .credential(Credential::organization_token(token))
        .build()
}
