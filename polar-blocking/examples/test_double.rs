//! Any HTTP client, or a test double, plugged in as one function: the whole SDK (typed calls,
//! retries, pages) runs over it. Here the function is a fake Polar answering from memory, the
//! way a unit test of your own billing code would use one: no network, no mock server.
//!
//! ```sh
//! cargo run -p polarsh-blocking --example test_double
//! ```

use polarsh_blocking::models::Customer;
use polarsh_blocking::{send_with, Api, BlockingClient, Config, Credential, Fault};
use std::sync::atomic::{AtomicUsize, Ordering};

fn customer(id: &str, email: &str) -> String {
    format!(
        r#"{{"id":"{id}","created_at":"2026-01-01T00:00:00Z","modified_at":null,"metadata":{{}},"external_id":null,"email":"{email}","email_verified":true,"type":"individual","name":null,"billing_name":null,"billing_address":null,"tax_id":null,"locale":null,"organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":null}}"#
    )
}

fn json(status: u16, body: String) -> Result<http::Response<Vec<u8>>, Fault> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .map_err(|e| Fault::interrupted(e.to_string()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls = AtomicUsize::new(0);
    // The fake: two pages of customers, and a first answer that is a 503 (retried by the
    // SDK, as it would be against Polar).
    let fake = |request: http::Request<Vec<u8>>| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return json(503, r#"{"detail":"warming up"}"#.into());
        }
        match request.uri().query().unwrap_or_default() {
            "" => json(
                200,
                format!(
                    r#"{{"items":[{},{}],"pagination":{{"total_count":3,"max_page":2}}}}"#,
                    customer("c1", "ada@example.com"),
                    customer("c2", "grace@example.com")
                ),
            ),
            "page=2" => json(
                200,
                format!(
                    r#"{{"items":[{}],"pagination":{{"total_count":3,"max_page":2}}}}"#,
                    customer("c3", "edsger@example.com")
                ),
            ),
            other => json(404, format!(r#"{{"detail":"no page {other}"}}"#)),
        }
    };
    let client = BlockingClient::builder_with(send_with(fake))
        .config(Config::with_base_url("https://polar.test"))
        .credential(Credential::organization_token("polar_oat_test"))
        .build();

    let mut emails = Vec::new();
    for customer in client.customers().list().pages().items() {
        if let Customer::Individual(c) = customer? {
            emails.push(c.email);
        }
    }
    println!("customers: {}", emails.join(", "));
    println!("requests: {}", calls.load(Ordering::SeqCst));
    assert_eq!(emails.len(), 3);
    Ok(())
}
