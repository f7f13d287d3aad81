//! Requests per second through `Client` (`customers:get`: build, send, read, parse into a
//! typed `Customer`) against raw `ureq` doing the same GET, in the same run, against a local
//! keep-alive HTTP server answering a fixed valid `Customer` body. Rounds alternate between
//! the two so that machine noise hits both alike; the medians are compared, in requests per
//! second and in CPU time of the client thread per request (Linux), which load elsewhere on
//! the machine disturbs less.
//!
//! Raw ureq runs three ways: with the client's timeouts and ureq's default resolver (which
//! starts a thread per request when a timeout is set; the client's own resolver does not),
//! without timeouts, and with the timeouts and a thread-free resolver: the last isolates what
//! the SDK adds on top of the same I/O. That last one runs again with a `serde_json::Value`
//! parse of the body: the same job done untyped.
//!
//! `scripts/bench-blocking.sh` runs it (`cargo bench -p polarsh-blocking --bench throughput`).
//! Environment: `BENCH_BLOCK` requests per block (default 500), `BENCH_ROUNDS` (default 41);
//! `BENCH_ONLY=client` (or `raw`) runs only that side, for a profiler: `BENCH_N` requests
//! (default 200k).

use polarsh_blocking::{Api, Client, Config, Credential};
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
static CONNECTIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

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
            CONNECTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

/// Resolves every URL to the bench server on loopback, on the calling thread.
#[derive(Debug)]
struct Loopback(u16);

impl ureq::unversioned::resolver::Resolver for Loopback {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let mut out = self.empty();
        out.push(std::net::SocketAddr::from(([127, 0, 0, 1], self.0)));
        Ok(out)
    }
}

/// The raw ureq GET of the baselines: the client's headers, the body as bytes.
fn raw_get(agent: &ureq::Agent, url: &str, auth: &str) -> Vec<u8> {
    agent
        .get(url)
        .header("Authorization", auth)
        .header("Accept", "application/json")
        .header("Polar-Version", polarsh_blocking::SPEC_VERSION)
        .call()
        .expect("GET")
        .body_mut()
        .read_to_vec()
        .expect("body")
}

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time of the calling thread in ns (Linux: `/proc/thread-self/schedstat`), if known.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One block of `n` requests: requests per second, client-thread CPU ns per request,
/// connections opened.
fn block(n: u32, f: &mut dyn FnMut()) -> (f64, Option<f64>, u64) {
    let opened = CONNECTIONS.load(std::sync::atomic::Ordering::Relaxed);
    let cpu = thread_cpu_ns();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu
        .zip(thread_cpu_ns())
        .map(|(a, b)| (b - a) as f64 / f64::from(n));
    let opened = CONNECTIONS.load(std::sync::atomic::Ordering::Relaxed) - opened;
    (f64::from(n) / wall, cpu, opened)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[derive(Default)]
struct Samples {
    rate: Vec<f64>,
    cpu: Vec<f64>,
    requests: u64,
    connections: u64,
}

impl Samples {
    fn add(&mut self, n: u32, (rate, cpu, opened): (f64, Option<f64>, u64)) {
        self.rate.push(rate);
        self.cpu.extend(cpu);
        self.requests += u64::from(n);
        self.connections += opened;
    }

    fn rate(&self) -> f64 {
        median(self.rate.clone())
    }

    fn cpu_us(&self) -> f64 {
        median(self.cpu.clone()) / 1000.0
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: run once, briefly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 50 } else { env("BENCH_BLOCK", 500) };
    let rounds = if quick { 1 } else { env("BENCH_ROUNDS", 41) };
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
    // Raw ureq without any timeout: ureq then resolves on the calling thread instead of
    // starting one per request (what a timeout costs with ureq's default resolver, and what
    // the client avoids with its own resolver).
    let agent_no_timeout: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut raw_no_timeout = || {
        let bytes = raw_get(&agent_no_timeout, &url, &auth);
        std::hint::black_box(bytes);
    };
    // Raw ureq with the client's timeouts but a resolver that starts no thread (the bench's
    // own, for its IP-literal URL): the like-for-like baseline of the client's I/O, without
    // the core's request building and typed parsing.
    let agent_resolved = ureq::Agent::with_parts(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
        ureq::unversioned::transport::DefaultConnector::new(),
        Loopback(port),
    );
    let mut raw_resolved = || {
        let bytes = raw_get(&agent_resolved, &url, &auth);
        std::hint::black_box(bytes);
    };
    let mut raw = || {
        let bytes = raw_get(&agent, &url, &auth);
        std::hint::black_box(bytes);
    };
    // The like-for-like loop plus an untyped parse: what a raw ureq user does to read a field.
    let mut raw_value = || {
        let bytes = raw_get(&agent_resolved, &url, &auth);
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        std::hint::black_box(v);
    };

    // Raw ureq driven the way the client drives it: an `http::Request<Vec<u8>>` with the
    // core's headers, a per-request timeout, a body limit, back into an `http::Response`.
    let template = {
        use polarsh_blocking::Operation;
        polarsh_blocking::operations::customers::Get::new(ID)
            .request(
                &Config::with_base_url(&base),
                Some(&Credential::organization_token(TOKEN)),
            )
            .expect("request")
    };
    let mut raw_like_client = || {
        let mut req = http::Request::new(template.body().clone());
        *req.method_mut() = template.method().clone();
        *req.uri_mut() = template.uri().clone();
        *req.headers_mut() = template.headers().clone();
        let req = agent
            .configure_request(req)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        let resp = agent.run(req).expect("GET");
        let (parts, mut body) = resp.into_parts();
        let bytes = body
            .with_config()
            .limit(32 * 1024 * 1024)
            .read_to_vec()
            .expect("body");
        std::hint::black_box(http::Response::from_parts(parts, bytes));
    };

    // The sans-IO share: building the request and parsing the same response, no I/O.
    let config = Config::with_base_url(&base);
    let credential = Credential::organization_token(TOKEN);
    let canned = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body().into_bytes())
        .expect("response");
    let mut core = || {
        use polarsh_blocking::Operation;
        let op = polarsh_blocking::operations::customers::Get::new(ID);
        let request = op.request(&config, Some(&credential)).expect("request");
        std::hint::black_box(request);
        let customer = polarsh_blocking::operations::customers::Get::parse(&canned).expect("parse");
        std::hint::black_box(customer);
    };

    // For a profiler (`perf record`): one side alone, 200k requests, no figures.
    if let Ok(which) = std::env::var("BENCH_ONLY") {
        let f: &mut dyn FnMut() = if which == "client" {
            &mut sdk
        } else {
            &mut raw_resolved
        };
        for _ in 0..env("BENCH_N", 200_000) {
            f();
        }
        return;
    }
    // Warm up connections, caches and the CPU clock.
    block(n.min(1000), &mut sdk);
    block(n.min(1000), &mut raw);
    block(n.min(1000), &mut raw_value);
    block(n.min(1000), &mut raw_no_timeout);
    block(n.min(1000), &mut raw_resolved);

    // Short blocks, alternating, so that load from elsewhere hits all sides alike.
    let (mut f, mut g) = (Samples::default(), Samples::default());
    let (mut a, mut b, mut c, mut d, mut e) = (
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
    );
    for round in 0..rounds {
        if round % 2 == 0 {
            a.add(n, block(n, &mut sdk));
            b.add(n, block(n, &mut raw));
        } else {
            b.add(n, block(n, &mut raw));
            a.add(n, block(n, &mut sdk));
        }
        c.add(n, block(n, &mut raw_value));
        d.add(n, block(n, &mut raw_like_client));
        e.add(n, block(n, &mut raw_no_timeout));
        f.add(n, block(n, &mut raw_resolved));
        g.add(n * 10, block(n * 10, &mut core));
    }
    println!(
        "{rounds} alternating blocks of {n} requests each, body {} bytes; medians:",
        body().len()
    );
    println!(
        "                                          requests/s   client CPU/request   connections"
    );
    for (label, s) in [
        ("polarsh-blocking Client (-> Customer)", &a),
        ("raw ureq GET, body to bytes", &b),
        ("raw ureq via http::Request, as Client", &d),
        ("raw ureq GET, no timeouts (no thread)", &e),
        ("raw ureq GET, timeouts, no-thread resolver", &f),
        ("  same + serde_json::Value", &c),
    ] {
        println!(
            "  {label:<38} {:>10.0}   {:>8.1} us   {:>9} for {} requests",
            s.rate(),
            s.cpu_us(),
            s.connections,
            s.requests
        );
    }
    // No syscalls in the core's loop, so the scheduler's CPU clock barely ticks during it:
    // its time per call is wall time (which is CPU time here).
    let core_us = 1e6 / g.rate();
    println!(
        "  {:<38} {:>10.0}   {core_us:>8.1} us (wall)",
        "core only: request() + parse(), no I/O",
        g.rate(),
    );
    // The like-for-like baseline (same timeouts, no thread per request) carries the target;
    // ureq's default resolver starts a thread per request once a timeout is set, which the
    // client avoids, so the first ratio flatters the client.
    println!(
        "  ratio Client / raw ureq, same timeouts, default resolver: {:.3}x requests/s, {:.3}x client CPU",
        a.rate() / b.rate(),
        a.cpu_us() / b.cpu_us()
    );
    println!(
        "  ratio Client / raw ureq, same timeouts, no-thread resolver: {:.3}x requests/s (target >= 0.95x), {:.3}x client CPU",
        a.rate() / f.rate(),
        a.cpu_us() / f.cpu_us()
    );
    // What the target leaves for the SDK's own work: 5% of a like-for-like request's time.
    let budget_us = 0.05 / f.rate() * 1e6;
    println!(
        "  0.95x allows {budget_us:.1} us per request on top of raw ureq; the core alone (no I/O, hot caches) takes {core_us:.1} us"
    );
    println!(
        "  ratio Client / raw ureq + serde_json::Value, same timeouts, no-thread resolver: {:.3}x requests/s, {:.3}x client CPU",
        a.rate() / c.rate(),
        a.cpu_us() / c.cpu_us()
    );
    println!(
        "  ratio Client / raw ureq without timeouts: {:.3}x requests/s, {:.3}x client CPU",
        a.rate() / e.rate(),
        a.cpu_us() / e.cpu_us()
    );
}
