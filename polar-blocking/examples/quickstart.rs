//! The quickstart: create a customer, open a customer session for it (the seed example),
//! and list every product page by page.
//!
//! `scripts/quickstart.sh` runs it against a local mock of Polar (Prism on the vendored
//! spec), no account needed. With `POLAR_ACCESS_TOKEN` set and `POLAR_SERVER=sandbox` it
//! runs against Polar's sandbox; `POLAR_BASE_URL` points it anywhere else.

use polar_blocking::models::{Customer, CustomerIndividualCreate, CustomerSessionCustomerIdCreate};
use polar_blocking::{Api, Client, Config, Credential};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = match (
        std::env::var("POLAR_BASE_URL"),
        std::env::var("POLAR_SERVER"),
    ) {
        (Ok(url), _) => Config::with_base_url(url),
        (_, Ok(s)) if s == "sandbox" => Config::sandbox(),
        (_, Ok(s)) if s == "production" => Config::production(),
        _ => Config::with_base_url("http://127.0.0.1:4010"),
    };
    let token =
        std::env::var("POLAR_ACCESS_TOKEN").unwrap_or_else(|_| "polar_oat_local_mock".into());
    println!(
        "polar-rs quickstart against {} (Polar API {})",
        config.base_url(),
        polar_blocking::SPEC_VERSION
    );
    let client = Client::builder()
        .config(config)
        .credential(Credential::organization_token(token))
        .build();

    // 1. A customer.
    let customer = client
        .customers()
        .create(CustomerIndividualCreate::new("ada@example.com"))
        .send()?;
    let customer_id = match &customer {
        Customer::Individual(c) => {
            println!("created customer {} <{}>", c.id, c.email);
            c.id.clone()
        }
        Customer::Team(c) => {
            println!("created team customer {}", c.id);
            c.id.clone()
        }
        Customer::Unknown(raw) => {
            println!("created a kind of customer this SDK does not know: {raw}");
            raw.get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        }
    };

    // 2. The seed example: a customer session for that customer id.
    let session = client
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(customer_id))
        .send()?;
    println!(
        "customer session {} expires {}",
        session.id, session.expires_at
    );
    println!("customer portal: {}", session.customer_portal_url);

    // 3. Every product, page by page (pages are fetched only as the loop needs them).
    let mut count = 0;
    for (page, result) in client.products().list().pages().enumerate() {
        let page = page + 1;
        let output = result?;
        println!(
            "products page {page}/{}: {} item(s)",
            output.pagination.max_page,
            output.items.len()
        );
        for product in &output.items {
            count += 1;
            println!("  - {} ({})", product.name, product.id);
        }
    }
    println!("{count} product(s) in all");
    Ok(())
}
