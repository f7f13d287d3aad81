//! The seed example, offline: build the body that creates a customer session for a customer
//! id, then read the customer session Polar answers with (a canned response here; the
//! transports send the request for real).

use polarsh_core::json::{from_slice, to_vec};
use polarsh_core::models::{Customer, CustomerSession, CustomerSessionCustomerIdCreate};
use polarsh_core::Patch;

const RESPONSE: &str = r#"{
  "created_at": "2026-11-28T12:00:00Z",
  "modified_at": null,
  "id": "11111111-1111-4111-8111-111111111111",
  "token": "polar_cst_example",
  "expires_at": "2026-11-28T13:00:00Z",
  "return_url": "https://example.com/account",
  "customer_portal_url": "https://polar.sh/acme/portal?customer_session_token=polar_cst_example",
  "customer_id": "00000000-0000-4000-8000-000000000000",
  "api_version": "2026-10",
  "customer": {
    "type": "individual",
    "id": "00000000-0000-4000-8000-000000000000",
    "created_at": "2026-11-01T09:30:00Z",
    "modified_at": null,
    "metadata": {"plan": "pro", "seats": 3},
    "external_id": null,
    "email": "ada@example.com",
    "email_verified": true,
    "name": "Ada",
    "billing_name": null,
    "billing_address": null,
    "tax_id": null,
    "locale": null,
    "organization_id": "22222222-2222-4222-8222-222222222222",
    "default_payment_method_id": null,
    "deleted_at": null,
    "first_user_event_at": null,
    "avatar_url": "https://www.gravatar.com/avatar/x"
  }
}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "polar-rs seed example, offline (Polar API {})",
        polarsh_core::SPEC_VERSION
    );

    let mut body = CustomerSessionCustomerIdCreate::new("00000000-0000-4000-8000-000000000000");
    body.return_url = Patch::Set("https://example.com/account".into());
    println!(
        "POST /v1/customer-sessions/ body: {}",
        String::from_utf8(to_vec(&body))?
    );

    let session: CustomerSession = from_slice(RESPONSE.as_bytes())?;
    let who = match &session.customer {
        Customer::Individual(c) => format!("individual customer {}", c.email),
        Customer::Team(c) => format!("team customer {}", c.id),
        Customer::Unknown(raw) => format!("a kind of customer this SDK does not know: {raw}"),
    };
    println!("customer session {} for {who}", session.id);
    println!("portal: {}", session.customer_portal_url);
    println!("expires at: {}", session.expires_at);
    // Fields newer than the vendored spec are kept, not dropped.
    println!(
        "fields this SDK's spec lacks: {:?}",
        session.extra.keys().collect::<Vec<_>>()
    );
    Ok(())
}
