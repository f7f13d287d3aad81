//! A Cloudflare-Worker-style `fetch` handler that receives Polar webhooks: it verifies the
//! Standard Webhooks signature with `polarsh_core::webhooks` (the secret in the environment's
//! `POLAR_WEBHOOK_SECRET`) and answers 202 for a good delivery, 400 for a bad one.
//!
//! ```sh
//! cargo build -p polarsh-wasm --example worker --target wasm32-unknown-unknown --release
//! wasm-bindgen --target web target/wasm32-unknown-unknown/release/examples/worker.wasm --out-dir pkg
//! ```
//! then `export default { fetch }` from the generated `pkg/worker.js` (a Worker's entry
//! module). `scripts/test-wasm.sh` runs it once in Node with a signed request.

use js_sys::{Array, Object, Reflect, Uint8Array};
use polarsh_core::webhooks::Webhook;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `new Response(body, { status })` through the global `Response`.
fn respond(status: u16, body: &str) -> Result<JsValue, JsValue> {
    let init = Object::new();
    Reflect::set(&init, &"status".into(), &status.into())?;
    let ctor: js_sys::Function = get(&js_sys::global(), "Response").dyn_into()?;
    Reflect::construct(&ctor, &Array::of2(&body.into(), &init))
}

/// The Worker's `fetch(request, env, ctx)` handler.
#[wasm_bindgen]
pub async fn fetch(request: JsValue, env: JsValue, _ctx: JsValue) -> Result<JsValue, JsValue> {
    // Headers, as (name, value) pairs.
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&get(&request, "headers")) {
        for entry in entries.flatten() {
            let pair = Array::from(&entry);
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                pairs.push((k, v));
            }
        }
    }
    // The raw body: verify the bytes as sent, before any JSON parsing.
    let read: js_sys::Function = get(&request, "arrayBuffer").dyn_into()?;
    let buffer = JsFuture::from(js_sys::Promise::resolve(&read.call0(&request)?)).await?;
    let body = Uint8Array::new(&buffer).to_vec();

    let secret = get(&env, "POLAR_WEBHOOK_SECRET")
        .as_string()
        .unwrap_or_default();
    let Ok(webhook) = Webhook::new(&secret) else {
        return respond(500, "no webhook secret configured");
    };
    let now = (js_sys::Date::now() / 1000.0) as i64;
    match webhook.verify_pairs(&pairs, &body, now) {
        Ok(event) => {
            let _ = event; // hand the event to a queue, a database, ...
            respond(202, "")
        }
        Err(e) => respond(400, &format!("invalid webhook: {}", e.kind())),
    }
}
