//! List every subscription of a customer, page by page.
//!
//! ```sh
//! cargo run -p polarsh-blocking --example subscriptions -- [CUSTOMER_ID]
//! ```
//!
//! Talks to `POLAR_BASE_URL` (default: a local mock of Polar on http://127.0.0.1:4010, see
//! `scripts/quickstart.sh`) with the organization access token in `POLAR_ACCESS_TOKEN`.

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
    let customer_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "992fae2a-2a17-4b7a-8d9e-e287cf90131b".into());
    let client = client();

    println!("subscriptions of customer {customer_id}:");
    let mut count = 0;
    // Pages are fetched one at a time, as the loop reaches them.
    let pages = client
        .subscriptions()
        .list()
        .with(|op| {
            op.customer_id = Some(vec![customer_id.as_str().into()]);
            op.limit = Some(100);
        })
        .pages();
    for (n, page) in pages.enumerate() {
        let page = page?;
        println!(
            "page {}/{}: {} subscription(s)",
            n + 1,
            page.pagination.max_page,
            page.items.len()
        );
        for sub in &page.items {
            count += 1;
            let end = if sub.cancel_at_period_end {
                " (cancels at period end)"
            } else {
                ""
            };
            println!(
                "  - {} {} \"{}\" {} {}/{} {} until {}{end}",
                sub.id,
                sub.status,
                sub.product.name,
                sub.amount,
                sub.currency,
                sub.recurring_interval,
                sub.recurring_interval_count,
                sub.current_period_end,
            );
        }
    }
    println!("{count} subscription(s) in all");
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
