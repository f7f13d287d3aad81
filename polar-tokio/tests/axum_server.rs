//! The axum example, run for real: its routes served on a free loopback port, talking to
//! Prism (the vendored spec) as Polar; fed a genuinely signed delivery, a badly signed one
//! and a tampered one, and asked for a checkout, whose redirect must lead to the URL Polar
//! answered.

#[allow(dead_code)]
#[path = "../examples/axum_server.rs"]
mod server;

use base64::Engine as _;
use polar_tests::Prism;
use polarsh_core::webhooks::Webhook;
use polarsh_tokio::models::CheckoutProductsCreate;
use polarsh_tokio::{Api, Client, Config, Credential};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

const PRODUCT: &str = "d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23";

/// A genuine `order.paid` body from the webhook vectors.
fn order_paid() -> Vec<u8> {
    let fixture: Value = include_str!("../../tests/fixtures/webhooks/vectors.json")
        .parse()
        .expect("vectors.json");
    let vector = fixture["vectors"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["name"] == "event/order.paid"))
        .expect("order.paid vector");
    base64::engine::general_purpose::STANDARD
        .decode(vector["body_base64"].as_str().expect("body"))
        .expect("base64")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[test]
fn webhooks_and_checkout_redirect_against_prism() {
    let prism = Prism::start();
    let polar = Client::builder()
        .config(Config::with_base_url(prism.base_url()))
        .credential(Credential::organization_token("polar_oat_local_mock"))
        .build();
    let webhook = Webhook::new(server::DEMO_SECRET).expect("secret");
    let state = server::AppState {
        polar: polar.clone(),
        webhook: webhook.clone(),
        success_url: "https://shop.example/thanks".into(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, server::app(state)).await });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest");
        let post = |headers: http::HeaderMap, body: Vec<u8>| {
            let request = http
                .post(format!("{base}/webhooks/polar"))
                .headers(headers)
                .header("content-type", "application/json")
                .body(body);
            async move {
                let response = request.send().await.expect("webhook POST");
                let status = response.status().as_u16();
                (status, response.text().await.expect("text"))
            }
        };

        // Genuine: verified, typed, answered per event.
        let body = order_paid();
        let ts = now();
        let signed = webhook
            .signed_headers("msg_axum_1", ts, &body)
            .expect("headers");
        let (status, text) = post(signed.clone(), body.clone()).await;
        assert_eq!(status, 202, "{text}");
        assert!(text.starts_with("order.paid: order "), "{text}");
        assert!(text.ends_with("fulfil it"), "{text}");

        // Signed with another secret.
        let other = Webhook::new("whsec_c29tZW9uZSBlbHNlJ3Mgc2VjcmV0").expect("secret");
        let forged = other
            .signed_headers("msg_axum_2", ts, &body)
            .expect("headers");
        let (status, text) = post(forged, body.clone()).await;
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("no matching webhook signature"), "{text}");

        // The genuine headers over a changed body.
        let mut tampered = body.clone();
        tampered.extend_from_slice(b" ");
        let (status, text) = post(signed, tampered).await;
        assert_eq!(status, 400, "{text}");

        // Checkout: a 303 to the URL `checkouts:create` answers (Prism answers the same
        // example every time).
        let response = http
            .get(format!("{base}/checkout/{PRODUCT}"))
            .send()
            .await
            .expect("checkout GET");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 303, "{text}");
        let expected = polar
            .checkouts()
            .create(CheckoutProductsCreate::new(vec![PRODUCT.into()]))
            .send()
            .await
            .expect("checkouts:create through Prism");
        assert!(!expected.url.is_empty());
        assert_eq!(location.as_deref(), Some(expected.url.as_str()));
    });
}
