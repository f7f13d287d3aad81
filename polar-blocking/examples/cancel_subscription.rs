//! Cancel a subscription: at the end of the current period (the customer keeps what they
//! paid for), or right away with `--now` (revoked immediately).
//!
//! ```sh
//! cargo run -p polarsh-blocking --example cancel_subscription -- [SUBSCRIPTION_ID] [--now]
//! ```
//!
//! Talks to `POLAR_BASE_URL` (default: a local mock of Polar on http://127.0.0.1:4010, see
//! `scripts/quickstart.sh`) with the organization access token in `POLAR_ACCESS_TOKEN`.

use polarsh_blocking::models::{CustomerCancellationReason, SubscriptionCancel};
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let now = args.iter().any(|a| a == "--now");
    let id = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "e5149aae-e521-42b9-b24c-abb3d71eea2e".into());
    let client = client();

    let before = client.subscriptions().get(&id).send()?;
    println!(
        "subscription {} to \"{}\": {}",
        before.id, before.product.name, before.status
    );

    let after = if now {
        // `subscriptions:revoke`: ends it now.
        client.subscriptions().revoke(&id).send()?
    } else {
        // `subscriptions:update` with a `SubscriptionCancel` body: ends it when the period
        // the customer paid for is over (`cancel_at_period_end: false` would undo that).
        let mut cancel = SubscriptionCancel::new(true);
        cancel.customer_cancellation_reason = CustomerCancellationReason::TooExpensive.into();
        client.subscriptions().update(&id, cancel).send()?
    };
    println!("after cancelling: {}", after.status);
    println!("  cancel at period end: {}", after.cancel_at_period_end);
    if let Some(at) = after.canceled_at {
        println!("  canceled at: {at}");
    }
    match (after.ends_at, after.ended_at) {
        (_, Some(ended)) => println!("  ended at: {ended}"),
        (Some(ends), None) => println!("  ends at: {ends}"),
        (None, None) => println!("  current period ends: {}", after.current_period_end),
    }
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
