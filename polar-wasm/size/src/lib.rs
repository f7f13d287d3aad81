//! The seed example as a JavaScript-callable wasm function: what `scripts/wasm-size.sh`
//! measures. Two more builds of the same export show where the bytes go: `transport` (the
//! SDK's request, exchange and I/O without the typed parse) and `floor` (no SDK at all).
#[cfg(not(any(feature = "seed", feature = "transport", feature = "floor")))]
compile_error!("pick one job: `seed`, `transport` or `floor`");

use wasm_bindgen::prelude::*;

#[cfg(feature = "seed")]
/// Creates a customer session and returns its customer portal URL.
#[wasm_bindgen]
pub async fn create_customer_session(
    base_url: String,
    token: String,
    customer_id: String,
) -> Result<String, JsValue> {
    use polarsh_wasm::models::CustomerSessionCustomerIdCreate;
    use polarsh_wasm::{Api, Client, Config, Credential};

    let client = Client::builder()
        .config(Config::with_base_url(base_url))
        .credential(Credential::organization_token(token))
        .build();
    client
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(customer_id))
        .send()
        .await
        .map(|session| session.customer_portal_url.into())
        .map_err(|e| JsValue::from_str(&e.to_string()))
}

#[cfg(all(feature = "transport", not(feature = "seed")))]
/// The seed's request built by the core and sent through its exchange over polarsh-wasm's
/// `Fetch` (retries, timeouts, limits), its body returned as text: everything but the typed
/// parse.
#[wasm_bindgen]
pub async fn create_customer_session(
    base_url: String,
    token: String,
    customer_id: String,
) -> Result<String, JsValue> {
    use polarsh_wasm::models::CustomerSessionCustomerIdCreate;
    use polarsh_wasm::operations::customer_sessions::Create;
    use polarsh_wasm::{Client, Config, Credential, Operation};

    let config = Config::with_base_url(base_url);
    let credential = Credential::organization_token(token);
    let request = Create::new(CustomerSessionCustomerIdCreate::new(customer_id))
        .request(&config, Some(&credential))
        .map_err(|_| JsValue::from_str("request"))?;
    let client = Client::builder().config(config).build();
    let response = client
        .execute(request, false)
        .await
        .map_err(|_| JsValue::from_str("transport"))?;
    Ok(String::from_utf8_lossy(response.body()).into_owned())
}

#[cfg(all(feature = "floor", not(any(feature = "seed", feature = "transport"))))]
/// No SDK: the same POST through the global `fetch` by hand, the body returned as text. No
/// retries, timeouts, limits or typed errors: the least any Rust module doing this job weighs.
#[wasm_bindgen]
pub async fn create_customer_session(
    base_url: String,
    token: String,
    customer_id: String,
) -> Result<String, JsValue> {
    use js_sys::{Function, Object, Promise, Reflect, JSON};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let set = |target: &Object, key: &str, value: &JsValue| {
        Reflect::set(target, &JsValue::from_str(key), value).map(drop)
    };
    let global: JsValue = js_sys::global().into();
    let fetch: Function = Reflect::get(&global, &"fetch".into())?.dyn_into()?;
    let body = Object::new();
    set(&body, "customer_id", &customer_id.into())?;
    let headers = Object::new();
    set(&headers, "authorization", &["Bearer ", &token].concat().into())?;
    set(&headers, "content-type", &"application/json".into())?;
    let init = Object::new();
    set(&init, "method", &"POST".into())?;
    set(&init, "headers", &headers)?;
    set(&init, "body", &JSON::stringify(&body)?.into())?;
    let url = [base_url.as_str(), "/v1/customer-sessions/"].concat();
    let sent: Promise = fetch.call2(&global, &url.into(), &init)?.dyn_into()?;
    let response = JsFuture::from(sent).await?;
    let text: Function = Reflect::get(&response, &"text".into())?.dyn_into()?;
    let read: Promise = text.call0(&response)?.dyn_into()?;
    JsFuture::from(read)
        .await?
        .as_string()
        .ok_or_else(|| JsValue::from_str("no text"))
}
