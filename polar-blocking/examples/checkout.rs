//! Create a checkout session for a product and print the URL to send the customer to.
//!
//! ```sh
//! cargo run -p polarsh-blocking --example checkout -- [PRODUCT_ID] [CUSTOMER_EMAIL]
//! ```
//!
//! Talks to `POLAR_BASE_URL` (default: a local mock of Polar on http://127.0.0.1:4010, see
//! `scripts/quickstart.sh`) with the organization access token in `POLAR_ACCESS_TOKEN`.

use polarsh_blocking::models::CheckoutProductsCreate;
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
    let product_id = args
        .next()
        .unwrap_or_else(|| "d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23".into());
    let email = args.next().unwrap_or_else(|| "ada@example.com".into());
    let client = client();

    let mut body = CheckoutProductsCreate::new(vec![product_id.as_str().into()]);
    body.customer_email = email.into();
    body.success_url = "https://example.com/thanks".into();
    // A create is not retried once it reached Polar (no idempotency keys): a failure here
    // is reported, never silently duplicated.
    let checkout = client.checkouts().create(body).send()?;

    println!("checkout {} for product {product_id}", checkout.id);
    println!("  status:  {}", checkout.status);
    println!(
        "  amount:  {} {} (total {})",
        checkout.amount, checkout.currency, checkout.total_amount
    );
    println!("  expires: {}", checkout.expires_at);
    println!("  pay at:  {}", checkout.url);
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
