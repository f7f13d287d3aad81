//! A small shop server on axum: a checkout link that sends the customer to Polar, and a
//! webhook endpoint that learns what happened.
//!
//! ```sh
//! POLAR_ACCESS_TOKEN=polar_oat_... POLAR_WEBHOOK_SECRET=whsec_... \
//!     cargo run -p polarsh-tokio --example axum_server
//! ```
//!
//! Routes:
//! - `GET /checkout/{product_id}`: creates a checkout for the product (`checkouts:create`) and
//!   redirects the browser (`303 See Other`) to Polar's checkout page;
//! - `POST /webhooks/polar`: verifies the delivery's signature over the raw body bytes
//!   (`polarsh_core::webhooks`), then answers per typed event: `202 Accepted` once handled,
//!   `400 Bad Request` to anything that is not a genuine, current delivery.
//!
//! Environment: `POLAR_BASE_URL` (default: a local mock of Polar on http://127.0.0.1:4010,
//! see `scripts/quickstart.sh`), `POLAR_ACCESS_TOKEN`, `POLAR_WEBHOOK_SECRET` (a demo secret
//! by default), `PORT` (default 3000).
//!
//! One [`Client`] lives in the state: clones share its connection pool, and its futures are
//! `Send`, so handlers simply `.await` them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use polarsh_core::models::{CheckoutProductsCreate, WebhookPayload};
use polarsh_core::webhooks::{Webhook, WebhookError};
use polarsh_tokio::{Api, Client, Config, Credential, Error};
use std::time::{SystemTime, UNIX_EPOCH};

/// The demo secret used when `POLAR_WEBHOOK_SECRET` is not set.
pub const DEMO_SECRET: &str = "whsec_cG9sYXItcnMgYXh1bSBzZXJ2ZXIgZGVtbw==";

/// What every handler needs: the Polar client, the webhook verifier, where Polar sends the
/// customer after paying.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The Polar client (an organization access token).
    pub polar: Client,
    /// The webhook endpoint's secret.
    pub webhook: Webhook,
    /// The page Polar redirects to after a successful payment.
    pub success_url: String,
}

/// The routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/checkout/{product_id}", get(checkout))
        .route("/webhooks/polar", post(webhook))
        .with_state(state)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let base_url = var("POLAR_BASE_URL", "http://127.0.0.1:4010");
    let port: u16 = var("PORT", "3000").parse()?;
    let state = AppState {
        polar: Client::builder()
            .config(Config::with_base_url(base_url))
            .credential(Credential::organization_token(var(
                "POLAR_ACCESS_TOKEN",
                "polar_oat_local_mock",
            )))
            .user_agent_suffix("axum-shop-example")
            .build(),
        webhook: Webhook::new(&var("POLAR_WEBHOOK_SECRET", DEMO_SECRET))?,
        success_url: format!("http://127.0.0.1:{port}/thanks"),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(state)).await?;
    Ok(())
}

/// `GET /checkout/{product_id}`: a checkout session, then off to Polar's page.
async fn checkout(State(state): State<AppState>, Path(product_id): Path<String>) -> Response {
    let mut body = CheckoutProductsCreate::new(vec![product_id.into()]);
    body.success_url = state.success_url.clone().into();
    // A create is not retried once it reached Polar: a failure shows, never a duplicate.
    match state.polar.checkouts().create(body).send().await {
        // `Redirect::to` answers 303 See Other: the browser GETs the checkout page.
        Ok(checkout) => Redirect::to(&checkout.url).into_response(),
        Err(e @ (Error::NotFound(_) | Error::Validation(_))) => {
            (StatusCode::NOT_FOUND, format!("no such product: {e}")).into_response()
        }
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            format!("could not create the checkout: {e}"),
        )
            .into_response(),
    }
}

/// `POST /webhooks/polar`: the raw body is verified before anything reads it.
async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    match state.webhook.verify(&headers, &body, unix_now()) {
        Ok(event) => on_event(event),
        // A genuine delivery this program cannot parse is refused too, so that Polar
        // retries it once the program understands it.
        Err(e @ WebhookError::Decode(_)) => (
            StatusCode::BAD_REQUEST,
            format!("rejected (genuine, unparsable): {e}"),
        ),
        // Missing headers, a wrong signature, a replay: not from Polar, or not now.
        Err(e) => (StatusCode::BAD_REQUEST, format!("rejected: {e}")),
    }
}

/// What the shop does per event; a real one grants or revokes access here.
fn on_event(event: WebhookPayload) -> (StatusCode, String) {
    let line = match &event {
        WebhookPayload::OrderPaid(e) => format!(
            "order.paid: order {} paid, {} {} (minor units): fulfil it",
            e.data.id, e.data.total_amount, e.data.currency
        ),
        WebhookPayload::OrderRefunded(e) => format!("order.refunded: order {}", e.data.id),
        WebhookPayload::SubscriptionActive(e) => {
            format!("subscription.active: {}: grant access", e.data.id)
        }
        WebhookPayload::SubscriptionRevoked(e) => {
            format!("subscription.revoked: {}: revoke access", e.data.id)
        }
        WebhookPayload::CheckoutUpdated(e) => format!(
            "checkout.updated: {} is {}",
            e.data.id,
            e.data.status.as_str()
        ),
        // An event newer than this SDK: acknowledged, kept whole for whoever needs it.
        WebhookPayload::Unknown { type_, .. } => format!("{type_}: not known to this SDK yet"),
        other => format!("{}: nothing to do", other.event_type()),
    };
    println!("{line}");
    (StatusCode::ACCEPTED, line)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
