//! The seed example as a JavaScript-callable wasm function: what `scripts/wasm-size.sh`
//! measures.
use polar_wasm::models::CustomerSessionCustomerIdCreate;
use polar_wasm::{Api, Client, Config, Credential};
use wasm_bindgen::prelude::*;

/// Creates a customer session and returns its customer portal URL.
#[wasm_bindgen]
pub async fn create_customer_session(
    base_url: String,
    token: String,
    customer_id: String,
) -> Result<String, JsValue> {
    let client = Client::builder()
        .config(Config::with_base_url(base_url))
        .credential(Credential::organization_token(token))
        .build();
    client
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(customer_id))
        .send()
        .await
        .map(|session| session.customer_portal_url)
        .map_err(|e| JsValue::from_str(&e.to_string()))
}
