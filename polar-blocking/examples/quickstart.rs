//! The quickstart: create a customer, open a customer session for it (the seed example),
//! list every product page by page, and verify a webhook delivery.
//!
//! `scripts/quickstart.sh` runs it against a local mock of Polar (Prism on the vendored
//! spec), no account needed. With `POLAR_ACCESS_TOKEN` set and `POLAR_SERVER=sandbox` it
//! runs against Polar's sandbox; `POLAR_BASE_URL` points it anywhere else.

use polarsh_blocking::models::{
    Customer, CustomerIndividualCreate, CustomerSessionCustomerIdCreate,
};
use polarsh_blocking::{Api, Client, Config, Credential};

fn main() -> std::process::ExitCode {
    // Errors print with `Display` (one readable line), not `main`'s `Debug`.
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
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
        polarsh_blocking::SPEC_VERSION
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
                .into()
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

    // 4. A webhook as Polar would deliver it for that customer: signed with the endpoint's
    //    secret (here a demo one), verified and parsed into its typed event.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = serde_json::json!({
        "type": "customer.created",
        "timestamp": "2026-11-28T12:00:00Z",
        "data": polarsh_blocking::json::ToJson::to_json(&customer),
    })
    .to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let signature = polarsh_core::webhooks::sign(secret, "msg_quickstart", now, body.as_bytes())?;
    let headers = [
        ("webhook-id", "msg_quickstart".to_owned()),
        ("webhook-timestamp", now.to_string()),
        ("webhook-signature", signature),
    ];
    let event = polarsh_core::webhooks::Webhook::new(secret)?.verify_pairs(
        &headers,
        body.as_bytes(),
        now,
    )?;
    println!("verified webhook `{}`", event.event_type());
    let mut tampered = body.into_bytes();
    tampered.push(b' ');
    match polarsh_core::webhooks::Webhook::new(secret)?.verify_pairs(&headers, &tampered, now) {
        Err(e) => println!("a tampered delivery is refused: {e}"),
        Ok(_) => return Err("a tampered webhook was accepted".into()),
    }
    Ok(())
}
