//! Usage-based billing from a web handler: each request to `/complete` stands for an LLM call
//! and meters the tokens it used for its customer, as an `llm.tokens` event. Handlers only
//! push (no network on the request path); an `Ingester` thread sends batches, retried and
//! deduplicated so no event is lost or billed twice. `/shutdown` (or the request limit) is
//! the shutdown path: `close` delivers the tail before the process exits, or says what it
//! could not deliver.
//!
//! ```sh
//! POLAR_BASE_URL=http://127.0.0.1:4010 cargo run -p polarsh-blocking --example metering
//! curl -X POST 'http://127.0.0.1:8788/complete?customer=user_42&tokens=1234'
//! curl -X POST http://127.0.0.1:8788/shutdown
//! ```
//!
//! Environment: `POLAR_BASE_URL` (or `POLAR_SERVER=sandbox`), `POLAR_ACCESS_TOKEN` (an
//! organization token with `events:write`), `METERING_PORT` (8788; 0 for any free port),
//! `METERING_SELF_TEST=N` (send N requests to itself, then shut down: what the tests run).

use polarsh_blocking::models::{EventCreateExternalCustomer, EventMetadataInput, LlmMetadata};
use polarsh_blocking::{Client, Config, Credential, IngestConfig, Ingester};
use std::time::Duration;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = match (
        std::env::var("POLAR_BASE_URL"),
        std::env::var("POLAR_SERVER"),
    ) {
        (Ok(url), _) => Config::with_base_url(url),
        (_, Ok(s)) if s == "sandbox" => Config::sandbox(),
        _ => Config::with_base_url("http://127.0.0.1:4010"),
    };
    let token =
        std::env::var("POLAR_ACCESS_TOKEN").unwrap_or_else(|_| "polar_oat_local_mock".into());
    let client = Client::builder()
        .config(config)
        .credential(Credential::organization_token(token))
        .build();
    // Batches of up to 100 events, or whatever waited 2 s.
    let ingester = Ingester::start(
        &client,
        IngestConfig {
            max_age: Duration::from_secs(2),
            ..IngestConfig::default()
        },
    );

    let port: u16 = std::env::var("METERING_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8788);
    let server = tiny_http::Server::http(("127.0.0.1", port))?;
    let addr = server.server_addr().to_string();
    println!("metering on http://{addr}/complete?customer=..&tokens=..");
    if let Some(n) = std::env::var("METERING_SELF_TEST")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        std::thread::spawn(move || self_test(&addr, n));
    }

    for request in server.incoming_requests() {
        let url = request.url().to_owned();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        match path {
            "/complete" => {
                let param = |name: &str| {
                    query.split('&').find_map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        (k == name).then(|| v.to_owned())
                    })
                };
                let (Some(customer), Some(tokens)) = (
                    param("customer"),
                    param("tokens").and_then(|t| t.parse::<i64>().ok()),
                ) else {
                    let _ = request.respond(
                        tiny_http::Response::from_string("bad request").with_status_code(400),
                    );
                    continue;
                };
                // The handler's only billing work: queue the event (microseconds). Polar's
                // LLM metadata is what its meters sum over (`_llm.total_tokens`).
                let mut event = EventCreateExternalCustomer::new("llm.tokens", customer);
                let mut metadata = EventMetadataInput::new();
                let (input, output) = (tokens / 4, tokens - tokens / 4);
                metadata.llm = Some(LlmMetadata::new("openai", "gpt-5", input, output, tokens));
                event.metadata = Some(metadata);
                let status = match ingester.push(event) {
                    Ok(()) => 200,
                    // The queue is full (Polar unreachable for long): tell the caller rather
                    // than bill nothing.
                    Err(e) => {
                        eprintln!("not metered: {e}");
                        503
                    }
                };
                let _ = request
                    .respond(tiny_http::Response::from_string("ok").with_status_code(status));
            }
            "/shutdown" => {
                let _ = request.respond(tiny_http::Response::from_string("bye"));
                break;
            }
            _ => {
                let _ = request
                    .respond(tiny_http::Response::from_string("not found").with_status_code(404));
            }
        }
    }

    // The shutdown path: deliver what is queued, within a deadline.
    match ingester.close(Duration::from_secs(10)) {
        Ok(stats) => {
            println!(
                "shutdown: {} event(s) metered, {} delivered ({} new, {} already known), {} rejected",
                stats.pushed, stats.settled, stats.inserted, stats.duplicates, stats.rejected
            );
            if stats.mismatches > 0 {
                // Polar's counts did not add up to what was sent (a mock's canned answer
                // does that): worth a look, nothing to resend.
                println!("{} batch(es) answered with other counts", stats.mismatches);
            }
            Ok(())
        }
        Err(undelivered) => {
            // Keep them (a file, a table) and send them later: their ids make that safe.
            eprintln!(
                "shutdown: {} event(s) not delivered",
                undelivered.events.len()
            );
            Err("events left undelivered".into())
        }
    }
}

/// `n` requests to `/complete` for three customers, then `/shutdown`.
fn self_test(addr: &str, n: usize) {
    let post = post_to(addr);
    for i in 0..n {
        post(&format!(
            "/complete?customer=user_{}&tokens={}",
            i % 3,
            100 + i
        ));
    }
    post("/shutdown");
}

/// A tiny HTTP/1.1 POST over std (the example's own client for its self test).
fn post_to(addr: &str) -> impl Fn(&str) + '_ {
    move |path: &str| {
        use std::io::{Read, Write};
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            let _ = write!(
                s,
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    }
}
