//! Inputs shared by the core's benches: the 658 B `Customer` of `customers:get` (also the
//! body of polarsh-blocking's throughput bench) and the `order.paid` webhook delivery of the
//! test vectors. Each bench uses a part of them.
#![allow(dead_code)]

use base64::Engine as _;
use polarsh_core::{Config, Credential};
use serde_json::Value;

/// The id `customers:get` is built for.
pub const CUSTOMER_ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

/// The `Customer` JSON, without the file's final newline.
pub fn customer_body() -> &'static [u8] {
    include_str!("../customer.json").trim().as_bytes()
}

/// A 200 `application/json` response carrying [`customer_body`].
pub fn customer_response() -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(customer_body().to_vec())
        .expect("response")
}

/// The settings the request is built with.
pub fn config_and_credential() -> (Config, Credential) {
    (
        Config::with_base_url("http://127.0.0.1:4010"),
        Credential::organization_token("polar_oat_bench"),
    )
}

/// A webhook delivery: its secret, headers, body and the time it is checked at.
pub struct Delivery {
    pub secret: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub now: i64,
}

/// The `order.paid` delivery of the webhook test vectors (4.3 KB body).
pub fn order_paid() -> Delivery {
    let fixture: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/webhooks/vectors.json"
    ))
    .expect("vectors.json");
    let v = fixture["vectors"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == "event/order.paid"))
        .expect("order.paid vector");
    let s = |v: &Value| v.as_str().expect("string").to_owned();
    Delivery {
        secret: s(&v["secret"]),
        headers: v["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|h| (s(&h[0]), s(&h[1])))
            .collect(),
        body: base64::engine::general_purpose::STANDARD
            .decode(s(&v["body_base64"]))
            .expect("base64 body"),
        now: v["now"].as_i64().expect("now"),
    }
}
