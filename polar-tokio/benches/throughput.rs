//! Requests per second through polarsh-tokio's `Client` (`customers:get`: build, send, read,
//! parse into a typed `Customer`) next to raw reqwest doing the same GET, in the same run,
//! against a local keep-alive HTTP server answering a fixed valid `Customer` body: raw
//! reqwest reading the body to bytes, and raw reqwest plus a serde-derive struct parse of
//! that body (what a user without the SDK writes). The structure is polarsh-blocking's
//! `benches/throughput.rs`: rounds alternate between the sides so that machine noise hits
//! them alike, and medians of requests per second are compared. No CPU-time column: the one
//! thread is busy throughout (its server answers at once), so the kernel's per-thread CPU
//! clock, updated at scheduler ticks, would only repeat the wall time in coarse steps.
//!
//! One request at a time on a current-thread runtime, then 8 in flight on the same runtime,
//! as a server's handlers would have them. The server runs on that thread too (see
//! [`serve`]), so its work, the same for every side, is in every figure.
//!
//! `scripts/bench-async.sh` runs it (`cargo bench -p polarsh-tokio --bench throughput`).
//! Environment: `BENCH_BLOCK` requests per block (default 500), `BENCH_ROUNDS` (default 21).

use polarsh_tokio::{Api, Client, Config, Credential, Operation};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
const TOKEN: &str = "polar_oat_bench";
const IN_FLIGHT: u32 = 8;

fn body() -> String {
    format!(
        r#"{{"id":"{ID}","created_at":"2026-01-01T00:00:00Z","modified_at":"2026-01-02T00:00:00Z","metadata":{{"plan":"pro","seats":3}},"external_id":"usr_1337","email":"customer@example.com","email_verified":true,"type":"individual","name":"John Doe","billing_name":"John Doe","billing_address":{{"line1":"1 Main St","line2":null,"postal_code":"10001","city":"New York","state":"US-NY","country":"US"}},"tax_id":["911144442","us_ein"],"locale":"en","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":"https://www.gravatar.com/avatar/xxx?d=404"}}"#
    )
}

/// The same body as a user would declare it with serde's derive (timestamps as strings:
/// the SDK parses them into `OffsetDateTime`, so this baseline does less).
#[allow(dead_code)]
#[derive(Deserialize)]
struct RawCustomer {
    id: String,
    created_at: String,
    modified_at: Option<String>,
    metadata: HashMap<String, serde_json::Value>,
    external_id: Option<String>,
    email: String,
    email_verified: bool,
    #[serde(rename = "type")]
    kind: String,
    name: Option<String>,
    billing_name: Option<String>,
    billing_address: Option<RawAddress>,
    tax_id: Option<Vec<Option<String>>>,
    locale: Option<String>,
    organization_id: String,
    default_payment_method_id: Option<String>,
    deleted_at: Option<String>,
    first_user_event_at: Option<String>,
    avatar_url: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct RawAddress {
    line1: Option<String>,
    line2: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: String,
}

/// Connections the server accepted: the client must reuse its pool as raw reqwest does.
static CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// A keep-alive server, one task per connection on the bench's own runtime thread, the same
/// response to every request. On the thread that sends: with a server on other threads,
/// each request waits for a cross-thread wake-up, and on a loaded 2-core machine those
/// dominated the figures and varied from one connection to the next.
async fn serve() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let body = body();
    let response: Arc<[u8]> = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
    .into();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(connection(stream, response.clone()));
        }
    });
    port
}

async fn connection(stream: tokio::net::TcpStream, response: Arc<[u8]>) {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    loop {
        // GETs only: the request ends at the empty line.
        loop {
            line.clear();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        if write.write_all(&response).await.is_err() {
            return;
        }
    }
}

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[derive(Default)]
struct Samples {
    rate: Vec<f64>,
    requests: u64,
    connections: u64,
}

impl Samples {
    fn rate(&self) -> f64 {
        median(self.rate.clone())
    }
}

/// The sides, each one request end to end.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Client,
    RawBytes,
    RawDerive,
    RawValue,
}

#[derive(Clone)]
struct Bench {
    client: Client,
    http: reqwest::Client,
    url: String,
    auth: String,
}

impl Bench {
    async fn one(&self, side: Side) {
        if side == Side::Client {
            let customer = self.client.customers().get(ID).send().await;
            std::hint::black_box(customer.expect("customers:get"));
            return;
        }
        // Raw reqwest with the client's headers, the body read whole.
        let bytes = self
            .http
            .get(&self.url)
            .header("authorization", &self.auth)
            .header("accept", "application/json")
            .header("polar-version", polarsh_tokio::SPEC_VERSION)
            .send()
            .await
            .expect("GET")
            .bytes()
            .await
            .expect("body");
        match side {
            Side::RawDerive => {
                let c: RawCustomer = serde_json::from_slice(&bytes).expect("JSON");
                std::hint::black_box(c);
            }
            Side::RawValue => {
                let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
                std::hint::black_box(v);
            }
            _ => {
                std::hint::black_box(bytes);
            }
        }
    }

    /// `n` requests, `in_flight` at a time: requests per second, requests sent, connections
    /// opened.
    async fn block(&self, side: Side, n: u32, in_flight: u32) -> (f64, u64, u64) {
        let in_flight = in_flight.clamp(1, n.max(1));
        let n = n / in_flight * in_flight;
        let opened = CONNECTIONS.load(Ordering::Relaxed);
        let start = Instant::now();
        if in_flight == 1 {
            for _ in 0..n {
                self.one(side).await;
            }
        } else {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..in_flight {
                let bench = self.clone();
                tasks.spawn(async move {
                    for _ in 0..n / in_flight {
                        bench.one(side).await;
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
        let wall = start.elapsed().as_secs_f64();
        let opened = CONNECTIONS.load(Ordering::Relaxed) - opened;
        (f64::from(n) / wall, u64::from(n), opened)
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: run once, briefly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 40 } else { env("BENCH_BLOCK", 500) };
    let rounds = if quick { 1 } else { env("BENCH_ROUNDS", 21) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let port = runtime.block_on(serve());
    let base = format!("http://127.0.0.1:{port}");

    let client = Client::builder()
        .config(Config::with_base_url(&base))
        .credential(Credential::organization_token(TOKEN))
        .build();
    // Raw reqwest configured as the client configures its own.
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest");
    let bench = Bench {
        client,
        http,
        url: format!("{base}/v1/customers/{ID}"),
        auth: format!("Bearer {TOKEN}"),
    };

    // The sans-IO share: building the request and parsing the same response, no I/O.
    let config = Config::with_base_url(&base);
    let credential = Credential::organization_token(TOKEN);
    let canned = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body().into_bytes())
        .expect("response");
    let core = || {
        let op = polarsh_tokio::operations::customers::Get::new(ID);
        let request = op.request(&config, Some(&credential)).expect("request");
        std::hint::black_box(request);
        let customer = polarsh_tokio::operations::customers::Get::parse(&canned).expect("parse");
        std::hint::black_box(customer);
    };

    let sides = [
        (Side::Client, 1, "polarsh-tokio Client (-> Customer)"),
        (Side::RawBytes, 1, "raw reqwest GET, body to bytes"),
        (Side::RawDerive, 1, "raw reqwest + serde-derive struct"),
        (Side::RawValue, 1, "raw reqwest + serde_json::Value"),
        (Side::Client, IN_FLIGHT, "polarsh-tokio Client, 8 in flight"),
        (
            Side::RawDerive,
            IN_FLIGHT,
            "raw reqwest + derive, 8 in flight",
        ),
    ];
    let mut samples: Vec<Samples> = sides.iter().map(|_| Samples::default()).collect();
    let mut core_rate = Vec::new();
    runtime.block_on(async {
        // Warm up connections and caches.
        for &(side, in_flight, _) in &sides {
            bench.block(side, n.min(500), in_flight).await;
        }
        // Short blocks, the order turned every round, so that load from elsewhere hits all
        // sides alike.
        for round in 0..rounds {
            for k in 0..sides.len() {
                let i = if round % 2 == 0 {
                    k
                } else {
                    sides.len() - 1 - k
                };
                let (side, in_flight, _) = sides[i];
                let (rate, sent, opened) = bench.block(side, n, in_flight).await;
                samples[i].rate.push(rate);
                samples[i].requests += sent;
                samples[i].connections += opened;
            }
            let start = Instant::now();
            for _ in 0..n * 10 {
                core();
            }
            core_rate.push(f64::from(n * 10) / start.elapsed().as_secs_f64());
        }
    });

    println!(
        "{rounds} alternating blocks of {n} requests each, body {} bytes, one current-thread tokio runtime (client and server); medians:",
        body().len()
    );
    println!("                                          requests/s   us/request   connections");
    for (i, (_, _, label)) in sides.iter().enumerate() {
        let s = &samples[i];
        println!(
            "  {label:<38} {:>10.0}   {:>10.1}   {:>9} for {} requests",
            s.rate(),
            1e6 / s.rate(),
            s.connections,
            s.requests
        );
    }
    let core_rate = median(core_rate);
    println!(
        "  {:<38} {:>10.0}   {:>10.1}",
        "core only: request() + parse(), no I/O",
        core_rate,
        1e6 / core_rate
    );
    let (client, bytes, derive, value) = (&samples[0], &samples[1], &samples[2], &samples[3]);
    // The ratio, and what the client adds per request (the server's share is the same).
    let compare = |a: &Samples, b: &Samples| (a.rate() / b.rate(), 1e6 / a.rate() - 1e6 / b.rate());
    for (label, (ratio, extra)) in [
        ("raw reqwest + serde-derive struct", compare(client, derive)),
        ("raw reqwest, body to bytes", compare(client, bytes)),
        ("raw reqwest + serde_json::Value", compare(client, value)),
        (
            "8 in flight, raw + derive",
            compare(&samples[4], &samples[5]),
        ),
    ] {
        println!("  Client / {label}: {ratio:.3}x requests/s, {extra:+.1} us per request");
    }
}
