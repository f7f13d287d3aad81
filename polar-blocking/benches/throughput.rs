//! Requests per second through `Client` (`customers:get`: build, send, read, parse into a
//! typed `Customer`) against raw `ureq` doing the same GET, in the same run, against a local
//! keep-alive HTTP server answering a fixed valid `Customer` body. Rounds alternate between
//! the two so that machine noise hits both alike; the medians are compared.
//!
//! `scripts/bench-blocking.sh` runs it (`cargo bench -p polar-blocking --bench throughput`).
//! Environment: `BENCH_REQUESTS` per round (default 5000), `BENCH_ROUNDS` (default 9).

use polar_blocking::{Api, Client, Config, Credential};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
const TOKEN: &str = "polar_oat_bench";

fn body() -> String {
    format!(
        r#"{{"id":"{ID}","created_at":"2026-01-01T00:00:00Z","modified_at":"2026-01-02T00:00:00Z","metadata":{{"plan":"pro","seats":3}},"external_id":"usr_1337","email":"customer@example.com","email_verified":true,"type":"individual","name":"John Doe","billing_name":"John Doe","billing_address":{{"line1":"1 Main St","line2":null,"postal_code":"10001","city":"New York","state":"US-NY","country":"US"}},"tax_id":["911144442","us_ein"],"locale":"en","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":"https://www.gravatar.com/avatar/xxx?d=404"}}"#
    )
}

/// A keep-alive server: one thread per connection, the same response to every request.
fn serve() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let body = body();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let response = response.clone();
            std::thread::spawn(move || connection(stream, &response));
        }
    });
    port
}

fn connection(stream: TcpStream, response: &[u8]) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    let mut line = String::new();
    loop {
        // GETs only: the request ends at the empty line.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        if stream.write_all(response).is_err() {
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

fn rate(n: u32, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: run once, briefly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick {
        50
    } else {
        env("BENCH_REQUESTS", 5000)
    };
    let rounds = if quick { 1 } else { env("BENCH_ROUNDS", 9) };
    let port = serve();
    let base = format!("http://127.0.0.1:{port}");

    let client = Client::builder()
        .config(Config::with_base_url(&base))
        .credential(Credential::organization_token(TOKEN))
        .build();
    let mut sdk = || {
        let customer = client.customers().get(ID).send().expect("customers:get");
        std::hint::black_box(customer);
    };

    // Raw ureq as the client configures it: no status-as-error, the same headers.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{base}/v1/customers/{ID}");
    let auth = format!("Bearer {TOKEN}");
    let mut raw = || {
        let mut resp = agent
            .get(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/json")
            .header("Polar-Version", polar_blocking::SPEC_VERSION)
            .call()
            .expect("GET");
        let bytes = resp.body_mut().read_to_vec().expect("body");
        std::hint::black_box(bytes);
    };
    let mut raw_value = || {
        let mut resp = agent
            .get(&url)
            .header("Authorization", &auth)
            .header("Accept", "application/json")
            .header("Polar-Version", polar_blocking::SPEC_VERSION)
            .call()
            .expect("GET");
        let bytes = resp.body_mut().read_to_vec().expect("body");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        std::hint::black_box(v);
    };

    // Warm up connections, caches and the CPU clock.
    rate(n.min(2000), &mut sdk);
    rate(n.min(2000), &mut raw);

    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate the order so neither side always runs first.
        if round % 2 == 0 {
            a.push(rate(n, &mut sdk));
            b.push(rate(n, &mut raw));
        } else {
            b.push(rate(n, &mut raw));
            a.push(rate(n, &mut sdk));
        }
        c.push(rate(n, &mut raw_value));
    }
    let (sdk, raw, raw_value) = (median(a), median(b), median(c));
    println!(
        "{rounds} round(s) of {n} requests, body {} bytes, median requests/s:",
        body().len()
    );
    println!("  polar-blocking Client, customers:get -> Customer: {sdk:>9.0}");
    println!("  raw ureq GET, body read to bytes:                 {raw:>9.0}");
    println!("  raw ureq GET + serde_json::Value:                 {raw_value:>9.0}");
    println!(
        "  ratio Client / raw ureq: {:.3}x (target >= 0.95x); per request: {:.1} us vs {:.1} us",
        sdk / raw,
        1e6 / sdk,
        1e6 / raw
    );
}
