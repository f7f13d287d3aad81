//! A tiny webhook endpoint: verifies each delivery with `polarsh_core::webhooks`, prints one
//! readable line per event, answers `202 Accepted` to genuine deliveries and `400 Bad Request`
//! to anything else (bad or missing signature, stale timestamp, a body that is not an event).
//!
//! ```sh
//! POLAR_WEBHOOK_SECRET=whsec_... cargo run -p polarsh-blocking --example webhook_receiver
//! ```
//!
//! Environment:
//! - `POLAR_WEBHOOK_SECRET`: the endpoint's secret as Polar shows it (`whsec_...`, or an older
//!   `polar_whs_...`); a demo secret by default;
//! - `POLAR_WEBHOOK_PORT`: the loopback port to listen on, 8787 by default (0: any free one);
//! - `POLAR_WEBHOOK_MAX_REQUESTS`: stop after this many requests (for tests); no limit by
//!   default.
//!
//! Expose it with a tunnel (or run it behind your own server) and point a Polar webhook
//! endpoint at `/`. The HTTP server (`tiny_http`) only moves bytes; the decision is
//! [`handle`], a plain function of (method, headers, body, now).

use polarsh_core::models::{Customer, WebhookPayload};
use polarsh_core::webhooks::{Webhook, WebhookError};
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

/// The demo secret used when `POLAR_WEBHOOK_SECRET` is not set.
pub const DEMO_SECRET: &str = "whsec_cG9sYXItcnMgd2ViaG9vayByZWNlaXZlciBkZW1v";
/// Bodies larger than this are refused with 413 before any verification.
pub const MAX_BODY: u64 = 1 << 20;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let secret = std::env::var("POLAR_WEBHOOK_SECRET").unwrap_or_else(|_| DEMO_SECRET.into());
    let port: u16 = match std::env::var("POLAR_WEBHOOK_PORT") {
        Ok(p) => p.parse()?,
        Err(_) => 8787,
    };
    let max_requests = match std::env::var("POLAR_WEBHOOK_MAX_REQUESTS") {
        Ok(n) => Some(n.parse()?),
        Err(_) => None,
    };
    let webhook = Webhook::new(&secret)?;
    let server = bind(port)?;
    println!("listening on http://{}/", server.server_addr());
    serve(&server, &webhook, max_requests);
    Ok(())
}

/// Listens on `127.0.0.1:port` (0 picks a free port: see `server_addr()`).
pub fn bind(port: u16) -> Result<tiny_http::Server, Box<dyn std::error::Error + Send + Sync>> {
    tiny_http::Server::http(("127.0.0.1", port))
}

/// Answers requests until `max_requests` have been handled (forever if `None`).
pub fn serve(server: &tiny_http::Server, webhook: &Webhook, max_requests: Option<usize>) {
    for (handled, mut request) in (1..).zip(server.incoming_requests()) {
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_owned(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut body);
        let (status, text) = match read {
            Err(e) => (400, format!("unreadable body: {e}")),
            Ok(_) if body.len() as u64 > MAX_BODY => (413, "body too large".to_owned()),
            Ok(_) => {
                let is_post = *request.method() == tiny_http::Method::Post;
                handle(webhook, is_post, &headers, &body, unix_now())
            }
        };
        println!("{status} {text}");
        let response = tiny_http::Response::from_string(text).with_status_code(status);
        if let Err(e) = request.respond(response) {
            eprintln!("could not answer: {e}");
        }
        if max_requests.is_some_and(|max| handled >= max) {
            break;
        }
    }
}

/// The endpoint's whole logic: the status to answer and a line describing what came.
pub fn handle(
    webhook: &Webhook,
    is_post: bool,
    headers: &[(String, String)],
    body: &[u8],
    now: i64,
) -> (u16, String) {
    if !is_post {
        return (405, "webhooks are POSTed".into());
    }
    match webhook.verify_pairs(headers, body, now) {
        Ok(event) => (202, describe(&event)),
        // Missing or bad headers, a wrong signature, a replay: not from Polar, or not now.
        // A genuine delivery whose body doesn't parse (`Decode`) is refused too, so that
        // Polar retries it once this program understands it.
        Err(e @ WebhookError::Decode(_)) => (400, format!("rejected (genuine, unparsable): {e}")),
        Err(e) => (400, format!("rejected: {e}")),
    }
}

/// One readable line per event; the events this shop cares about get details.
fn describe(event: &WebhookPayload) -> String {
    match event {
        WebhookPayload::OrderPaid(e) => format!(
            "order.paid: order {} paid, {} {} (minor units)",
            e.data.id, e.data.total_amount, e.data.currency
        ),
        WebhookPayload::OrderRefunded(e) => format!("order.refunded: order {}", e.data.id),
        WebhookPayload::SubscriptionCreated(e) => format!(
            "subscription.created: {} to {} ({})",
            e.data.id,
            e.data.product.name,
            e.data.status.as_str()
        ),
        WebhookPayload::SubscriptionUpdated(e) => format!(
            "subscription.updated: {} is {}",
            e.data.id,
            e.data.status.as_str()
        ),
        WebhookPayload::SubscriptionCanceled(e) => {
            format!("subscription.canceled: {}", e.data.id)
        }
        WebhookPayload::CustomerCreated(e) => match &e.data {
            Customer::Individual(c) => format!("customer.created: {} <{}>", c.id, c.email),
            Customer::Team(c) => format!("customer.created: team {}", c.id),
            Customer::Unknown(raw) => format!("customer.created: a new kind of customer {raw}"),
        },
        WebhookPayload::Unknown { type_, .. } => {
            format!("{type_}: an event this SDK doesn't know yet (kept whole)")
        }
        other => format!("{}: received", other.event_type()),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
