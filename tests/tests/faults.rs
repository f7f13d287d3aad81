//! One fault matrix for every transport: loopback servers scripted byte by byte (resets,
//! refused connections, truncated and invalid bodies, HTML error pages, retryable and
//! non-retryable statuses, `Retry-After` in both forms, slow servers, size limits, wrong
//! content types), each case written once and run against every client: polarsh-blocking
//! (ureq), a user-supplied blocking HTTP client plugged in with `send_with`, and the async
//! tokio client. Every case asserts the typed outcome and how many requests reached the
//! server, and that the token never shows in an error's `Display` or `Debug`.

use polar_tests::ingest::read_request;
use polar_tests::{customer_json, CUSTOMER_ID};
use polarsh_blocking::models::{Customer, CustomerIndividualCreate};
use polarsh_blocking::{
    send_with, Api, BlockingClient, Client, Config, Credential, Error, FaultKind,
};
use polarsh_core::exchange::{Fault, Options};
use polarsh_core::retry::RetryPolicy;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TOKEN: &str = "polar_oat_SECRET";

// ---------------------------------------------------------------------------------------------
// The clients under test
// ---------------------------------------------------------------------------------------------

/// A client under test: the same two calls through one transport.
trait Subject {
    /// Its name in failure messages.
    fn name(&self) -> &'static str;
    /// Whether its transport enforces the per-attempt timeout the core hands it (a user's
    /// one-function client keeps to its own, so a slow attempt is not cut short by the
    /// overall deadline).
    fn cuts_attempts_short(&self) -> bool {
        true
    }
    /// `customers:get`.
    fn get(&self, options: &Options) -> Result<Customer, Error>;
    /// `customers:create`, repeatable or not.
    fn create(&self, options: &Options, repeatable: bool) -> Result<Customer, Error>;
}

/// polarsh-blocking's own client (ureq).
struct Blocking;

impl Subject for Blocking {
    fn name(&self) -> &'static str {
        "polarsh-blocking"
    }
    fn get(&self, options: &Options) -> Result<Customer, Error> {
        let client = Client::builder().options(options.clone()).build();
        client.customers().get(CUSTOMER_ID).send()
    }
    fn create(&self, options: &Options, repeatable: bool) -> Result<Customer, Error> {
        let client = Client::builder().options(options.clone()).build();
        let call = client
            .customers()
            .create(CustomerIndividualCreate::new("ada@example.com"));
        if repeatable {
            call.repeatable().send()
        } else {
            call.send()
        }
    }
}

/// A user's own blocking HTTP client (below, `raw_send`), plugged in as one function.
struct UserSupplied;

impl UserSupplied {
    fn client(options: &Options) -> BlockingClient<impl polarsh_blocking::Transport> {
        // The user's client has its own timeout; they set it to what they gave the SDK.
        let timeout = options.settings.request_timeout;
        BlockingClient::builder_with(send_with(move |request| raw_send(request, timeout)))
            .options(options.clone())
            .build()
    }
}

impl Subject for UserSupplied {
    fn name(&self) -> &'static str {
        "user-supplied client"
    }
    fn cuts_attempts_short(&self) -> bool {
        false
    }
    fn get(&self, options: &Options) -> Result<Customer, Error> {
        UserSupplied::client(options)
            .customers()
            .get(CUSTOMER_ID)
            .send()
    }
    fn create(&self, options: &Options, repeatable: bool) -> Result<Customer, Error> {
        let client = UserSupplied::client(options);
        let call = client
            .customers()
            .create(CustomerIndividualCreate::new("ada@example.com"));
        if repeatable {
            call.repeatable().send()
        } else {
            call.send()
        }
    }
}

/// polarsh-tokio's client (reqwest), each call on its own current-thread runtime.
struct Tokio;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

impl Subject for Tokio {
    fn name(&self) -> &'static str {
        "polarsh-tokio"
    }
    fn get(&self, options: &Options) -> Result<Customer, Error> {
        let client = polarsh_tokio::Client::builder()
            .options(options.clone())
            .build();
        block_on(client.customers().get(CUSTOMER_ID).send())
    }
    fn create(&self, options: &Options, repeatable: bool) -> Result<Customer, Error> {
        let client = polarsh_tokio::Client::builder()
            .options(options.clone())
            .build();
        let call = client
            .customers()
            .create(CustomerIndividualCreate::new("ada@example.com"));
        block_on(if repeatable {
            call.repeatable().send()
        } else {
            call.send()
        })
    }
}

/// Every client the matrix runs against.
fn subjects() -> Vec<Box<dyn Subject>> {
    vec![Box::new(Blocking), Box::new(UserSupplied), Box::new(Tokio)]
}

/// Runs `case` against every client; a failure names the client.
fn each(case: impl Fn(&dyn Subject)) {
    for subject in subjects() {
        let outcome = catch_unwind(AssertUnwindSafe(|| case(&*subject)));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("[{}] {message}", subject.name());
        }
    }
}

/// A minimal HTTP/1.1 client over `std::net`, as a user might bring (a company proxy's, a
/// test double): classifies its own faults, enforces its own timeout, reads by
/// `Content-Length`.
fn raw_send(
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<http::Response<Vec<u8>>, Fault> {
    let uri = request.uri();
    let host = uri.host().unwrap_or("127.0.0.1");
    let port = uri.port_u16().unwrap_or(80);
    let addr = (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| Fault::not_sent("cannot resolve"))?;
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| Fault::not_sent(e.to_string()))?;
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            Fault::timed_out(e.to_string())
        }
        _ => Fault::interrupted(e.to_string()),
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {host}:{port}\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.to_str().unwrap_or_default()
        ));
    }
    if !request.body().is_empty() {
        head.push_str(&format!("content-length: {}\r\n", request.body().len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(request.body()).map_err(io)?;

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(io)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| Fault::interrupted(format!("bad status line {line:?}")))?;
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() =
        http::StatusCode::from_u16(status).map_err(|e| Fault::interrupted(e.to_string()))?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            return Err(Fault::interrupted("closed in the head"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse().unwrap_or(0);
            }
            if let (Ok(k), Ok(v)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                http::HeaderValue::from_str(v),
            ) {
                response.headers_mut().append(k, v);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(io)?;
    *response.body_mut() = body;
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// The token must not leak into any error text.
fn no_token(e: &Error) {
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
        assert!(!text.contains("SECRET"), "token in an error: {text}");
    }
}

fn get(subject: &dyn Subject, options: &Options) -> Result<Customer, Error> {
    let r = subject.get(options);
    if let Err(e) = &r {
        no_token(e);
    }
    r
}

fn create(subject: &dyn Subject, options: &Options, repeatable: bool) -> Result<Customer, Error> {
    let r = subject.create(options, repeatable);
    if let Err(e) = &r {
        no_token(e);
    }
    r
}

fn is_customer(c: Customer) {
    match c {
        Customer::Individual(c) => {
            assert_eq!(c.id, CUSTOMER_ID);
            assert_eq!(c.email, "customer@example.com");
        }
        other => panic!("expected an individual customer, got {other:?}"),
    }
}

fn transport(e: Error) -> (FaultKind, u32) {
    match e {
        Error::Transport { fault, attempts } => (fault.kind(), attempts),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn unexpected_status(e: Error) -> u16 {
    match e {
        Error::UnexpectedStatus { status, .. } => status,
        other => panic!("expected an unexpected status, got {other:?}"),
    }
}

fn decode(e: Error) -> (u16, String) {
    match e {
        Error::Decode { status, error, .. } => (status, error.to_string()),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

use FaultKind as T;

/// What the server does with the next request it reads.
#[derive(Debug, Clone)]
enum Step {
    /// Write these bytes and keep the connection open for the next request.
    Reply(Vec<u8>),
    /// Write these bytes, then close the connection.
    ReplyClose(Vec<u8>),
    /// Wait, then write these bytes (keep-alive).
    Slow(Duration, Vec<u8>),
    /// Close without answering, leaving the request unread so the kernel sends a RST.
    Reset,
}

/// A raw HTTP/1.1 response with a correct `Content-Length`.
fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn json(status: &str, body: &str) -> Vec<u8> {
    http(
        status,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

fn ok_customer() -> Step {
    Step::Reply(json("200 OK", &customer_json()))
}

fn status(status: &str, extra: &[(&str, &str)]) -> Step {
    let mut headers = vec![("Content-Type", "application/json")];
    headers.extend_from_slice(extra);
    Step::Reply(http(status, &headers, br#"{"detail":"try later"}"#))
}

/// A loopback HTTP server answering requests, in the order they arrive on any connection,
/// with a script of steps. A request past the end of the script gets a 599.
struct Server {
    port: u16,
    requests: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(script: Vec<Step>) -> Server {
        Server::on(TcpListener::bind("127.0.0.1:0").expect("bind"), script)
    }

    fn on(listener: TcpListener, script: Vec<Step>) -> Server {
        let port = listener.local_addr().expect("addr").port();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let requests = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, c, s) = (requests.clone(), connections.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                c.fetch_add(1, Ordering::SeqCst);
                let (script, r, s) = (script.clone(), r.clone(), s.clone());
                std::thread::spawn(move || serve(stream, &script, &r, &s));
            }
        });
        Server {
            port,
            requests,
            connections,
            seen,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The options every case starts from: this server, a token, fast retries.
    fn options(&self) -> Options {
        options(&self.url())
    }
}

fn options(base_url: &str) -> Options {
    let mut options = Options::new(Config::with_base_url(base_url))
        .with_credential(Credential::organization_token(TOKEN));
    options.settings.retry = fast();
    options
}

/// Retries with short waits: no test sleeps for long unless the wait is under test.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(1),
        max_elapsed: Duration::from_secs(5),
    }
}

fn serve(
    stream: TcpStream,
    script: &Mutex<VecDeque<Step>>,
    requests: &AtomicUsize,
    seen: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    loop {
        // Wait for a request without consuming it: a `Reset` must leave it unread.
        let mut probe = [0u8; 1];
        match stream.peek(&mut probe) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let step = script.lock().unwrap().pop_front();
        requests.fetch_add(1, Ordering::SeqCst);
        if let Some(Step::Reset) = step {
            // Unread bytes in the receive buffer: closing sends RST instead of FIN.
            drop(reader);
            drop(stream);
            return;
        }
        let Some((head, _)) = read_request(&mut reader) else {
            return;
        };
        seen.lock().unwrap().push(head);
        let (bytes, close) = match step {
            Some(Step::Reply(b)) => (b, false),
            Some(Step::ReplyClose(b)) => (b, true),
            Some(Step::Slow(d, b)) => {
                std::thread::sleep(d);
                (b, false)
            }
            Some(Step::Reset) => unreachable!(),
            None => (json("599 Script Exhausted", "{}"), true),
        };
        if stream.write_all(&bytes).is_err() || close {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

#[test]
fn success_sends_the_token_and_parses() {
    each(|s| {
        let server = Server::start(vec![ok_customer()]);
        is_customer(get(s, &server.options()).expect("customer"));
        assert_eq!(server.requests(), 1);
        let seen = server.seen.lock().unwrap();
        assert!(seen[0].starts_with(&format!("GET /v1/customers/{CUSTOMER_ID} HTTP/1.1\r\n")));
        assert!(seen[0].to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}\r\n",
            TOKEN.to_ascii_lowercase()
        )));
    });
}

#[test]
fn a_get_has_no_body_headers_and_a_post_declares_its_body() {
    each(|s| {
        let created = Step::Reply(json("201 Created", &customer_json()));
        let server = Server::start(vec![ok_customer(), created]);
        is_customer(get(s, &server.options()).expect("customer"));
        is_customer(create(s, &server.options(), false).expect("created"));
        let seen = server.seen.lock().unwrap();
        let get_head = seen[0].to_ascii_lowercase();
        assert!(!get_head.contains("content-length:"), "{get_head}");
        assert!(!get_head.contains("content-type:"), "{get_head}");
        let post_head = seen[1].to_ascii_lowercase();
        let body = br#"{"email":"ada@example.com"}"#;
        assert!(
            post_head.contains(&format!("content-length: {}\r\n", body.len())),
            "{post_head}"
        );
        assert!(
            post_head.contains("content-type: application/json\r\n"),
            "{post_head}"
        );
    });
}

#[test]
fn connection_reset_is_retried_for_get() {
    each(|s| {
        let server = Server::start(vec![Step::Reset, ok_customer()]);
        is_customer(get(s, &server.options()).expect("customer after a reset"));
        assert_eq!(server.requests(), 2);
        assert_eq!(server.connections.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn connection_reset_every_time_gives_interrupted() {
    each(|s| {
        let server = Server::start(vec![Step::Reset; 4]);
        let (kind, attempts) = transport(get(s, &server.options()).unwrap_err());
        assert_eq!(kind, T::Interrupted);
        assert_eq!((attempts, server.requests()), (4, 4));
    });
}

#[test]
fn connection_reset_on_post_is_not_retried() {
    each(|s| {
        let server = Server::start(vec![Step::Reset, ok_customer()]);
        let (kind, attempts) = transport(create(s, &server.options(), false).unwrap_err());
        assert_eq!(kind, T::Interrupted);
        assert_eq!((attempts, server.requests()), (1, 1));
    });
}

/// A port nobody listens on. Taken below the ephemeral range (32768 and up on Linux, 49152
/// and up elsewhere) that every other server of these tests binds through port 0: a port
/// freed from that range could be handed to a test running in parallel before the
/// connection is tried, which then answered instead of refusing. Each call gets a port of
/// its own: one test later listens on the port it was given.
fn closed_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(20_000);
    loop {
        let port = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(port < 22_000, "no free port below the ephemeral range");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

#[test]
fn connection_refused_is_retried_up_to_the_limit() {
    each(|s| {
        let options = options(&format!("http://127.0.0.1:{}", closed_port()));
        let (kind, attempts) = transport(get(s, &options).unwrap_err());
        assert_eq!(kind, T::NotSent);
        assert_eq!(attempts, 4);
        // A POST that never left is retried too.
        let (kind, attempts) = transport(create(s, &options, false).unwrap_err());
        assert_eq!(kind, T::NotSent);
        assert_eq!(attempts, 4);
    });
}

#[test]
fn post_refused_then_accepted_is_sent_once() {
    each(|s| {
        let port = closed_port();
        let mut options = options(&format!("http://127.0.0.1:{port}"));
        // The first attempt is refused; the server starts listening during the backoff
        // (300..600 ms with this base delay) and gets the second.
        options.settings.retry.base_delay = Duration::from_millis(600);
        let starter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind the port");
            Server::on(
                listener,
                vec![Step::Reply(json("201 Created", &customer_json()))],
            )
        });
        let result = create(s, &options, false);
        let server = starter.join().unwrap();
        is_customer(result.expect("created after a refused connection"));
        assert_eq!(server.requests(), 1, "the POST reached the server once");
    });
}

#[test]
fn truncated_body_is_interrupted_and_retried() {
    let truncated = || {
        let mut b =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
                .to_vec();
        b.extend_from_slice(&customer_json().as_bytes()[..60]);
        Step::ReplyClose(b)
    };
    each(|s| {
        let server = Server::start(vec![truncated(), truncated(), truncated()]);
        let mut options = server.options();
        options.settings.retry.max_attempts = 3;
        let (kind, attempts) = transport(get(s, &options).unwrap_err());
        assert_eq!(kind, T::Interrupted);
        assert_eq!((attempts, server.requests()), (3, 3));

        let server = Server::start(vec![truncated(), ok_customer()]);
        is_customer(get(s, &server.options()).expect("customer after a truncated body"));
        assert_eq!(server.requests(), 2);
    });
}

#[test]
fn invalid_json_with_200_is_a_decode_error() {
    each(|s| {
        let server = Server::start(vec![Step::Reply(json("200 OK", r#"{"id": "99"#))]);
        let (status, _) = decode(get(s, &server.options()).unwrap_err());
        assert_eq!((status, server.requests()), (200, 1));

        // Valid JSON of the wrong shape names the bad field.
        let server = Server::start(vec![Step::Reply(json(
            "200 OK",
            &customer_json().replace(r#""email_verified":true"#, r#""email_verified":"yes""#),
        ))]);
        let (status, error) = decode(get(s, &server.options()).unwrap_err());
        assert_eq!((status, server.requests()), (200, 1));
        assert!(error.contains("email_verified"), "{error}");
    });
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

fn html_502() -> Step {
    Step::Reply(http(
        "502 Bad Gateway",
        &[("Content-Type", "text/html")],
        HTML_502.as_bytes(),
    ))
}

#[test]
fn html_502_then_success() {
    each(|s| {
        let server = Server::start(vec![html_502(), ok_customer()]);
        is_customer(get(s, &server.options()).expect("customer after a 502"));
        assert_eq!(server.requests(), 2);
    });
}

#[test]
fn html_502_every_time_keeps_the_page() {
    each(|s| {
        let server = Server::start(vec![html_502(), html_502()]);
        let mut options = server.options();
        options.settings.retry.max_attempts = 2;
        let err = get(s, &options).unwrap_err();
        assert_eq!(err.status(), Some(502));
        assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
        assert_eq!(unexpected_status(err), 502);
        assert_eq!(server.requests(), 2);
    });
}

#[test]
fn status_500_is_not_retried() {
    each(|s| {
        let server = Server::start(vec![
            status("500 Internal Server Error", &[]),
            ok_customer(),
        ]);
        assert_eq!(
            unexpected_status(get(s, &server.options()).unwrap_err()),
            500
        );
        assert_eq!(server.requests(), 1);
    });
}

#[test]
fn declared_404_is_typed() {
    each(|s| {
        let server = Server::start(vec![Step::Reply(json(
            "404 Not Found",
            r#"{"error":"ResourceNotFound","detail":"Not found"}"#,
        ))]);
        match get(s, &server.options()).unwrap_err() {
            Error::NotFound(e) => assert_eq!(e.status, 404),
            other => panic!("expected NotFound, got {other:?}"),
        }
        assert_eq!(server.requests(), 1);
    });
}

#[test]
fn status_503_then_success() {
    each(|s| {
        let server = Server::start(vec![status("503 Service Unavailable", &[]), ok_customer()]);
        is_customer(get(s, &server.options()).expect("customer after a 503"));
        assert_eq!(server.requests(), 2);
    });
}

#[test]
fn status_429_retry_after_seconds_is_waited_for_any_method() {
    each(|s| {
        let server = Server::start(vec![
            status("429 Too Many Requests", &[("Retry-After", "1")]),
            ok_customer(),
        ]);
        let start = Instant::now();
        is_customer(get(s, &server.options()).expect("customer after a 429"));
        let waited = start.elapsed();
        assert_eq!(server.requests(), 2);
        // The backoff alone would be ~10 ms: the 1 s comes from Retry-After.
        assert!(waited >= Duration::from_millis(950), "{waited:?}");
        assert!(waited < Duration::from_millis(1800), "{waited:?}");

        // Polar's rate limiter answers before doing anything: a create is repeated too.
        let server = Server::start(vec![
            status("429 Too Many Requests", &[("Retry-After", "0")]),
            Step::Reply(json("201 Created", &customer_json())),
        ]);
        is_customer(create(s, &server.options(), false).expect("created after a 429"));
        assert_eq!(server.requests(), 2);
    });
}

#[test]
fn status_429_retry_after_http_date_is_waited() {
    each(|s| {
        // The date is in whole seconds: start early in a second so that "now + 1 s" is
        // still 1 s away when the client reads it.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        if now.subsec_millis() > 700 {
            std::thread::sleep(Duration::from_millis(1000 - u64::from(now.subsec_millis())));
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 1;
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let date = time::OffsetDateTime::from_unix_timestamp(at as i64)
            .unwrap()
            .format(format)
            .unwrap();
        let server = Server::start(vec![
            status("429 Too Many Requests", &[("Retry-After", &date)]),
            ok_customer(),
        ]);
        let start = Instant::now();
        is_customer(get(s, &server.options()).expect("customer after a 429"));
        let waited = start.elapsed();
        assert_eq!(server.requests(), 2);
        assert!(waited >= Duration::from_millis(600), "{date}: {waited:?}");
        assert!(waited < Duration::from_millis(1800), "{date}: {waited:?}");
    });
}

#[test]
fn status_429_retry_after_too_long_gives_up_at_once() {
    each(|s| {
        let server = Server::start(vec![
            status("429 Too Many Requests", &[("Retry-After", "3600")]),
            ok_customer(),
        ]);
        let start = Instant::now();
        assert_eq!(
            unexpected_status(get(s, &server.options()).unwrap_err()),
            429
        );
        assert!(start.elapsed() < Duration::from_millis(500));
        assert_eq!(server.requests(), 1);
    });
}

#[test]
fn status_429_retry_after_zero_until_attempts_run_out() {
    each(|s| {
        let server = Server::start(vec![
            status("429 Too Many Requests", &[("Retry-After", "0")]);
            4
        ]);
        assert_eq!(
            unexpected_status(get(s, &server.options()).unwrap_err()),
            429
        );
        assert_eq!(server.requests(), 4);
    });
}

#[test]
fn slow_server_times_out() {
    let slow = || Step::Slow(Duration::from_millis(700), json("200 OK", &customer_json()));
    each(|s| {
        let server = Server::start(vec![slow(), slow()]);
        let mut options = server.options();
        options.settings.request_timeout = Duration::from_millis(200);
        options.settings.retry.max_attempts = 2;
        let start = Instant::now();
        let (kind, attempts) = transport(get(s, &options).unwrap_err());
        assert_eq!(kind, T::TimedOut);
        assert_eq!((attempts, server.requests()), (2, 2));
        assert!(
            start.elapsed() < Duration::from_millis(650),
            "{:?}",
            start.elapsed()
        );
    });
}

#[test]
fn body_larger_than_the_limit() {
    let mut big = customer_json();
    big.insert_str(1, &format!(r#""padding":"{}","#, "x".repeat(2000)));
    each(|s| {
        let server = Server::start(vec![Step::Reply(json("200 OK", &big)); 4]);
        let mut options = server.options();
        options.settings.max_response_bytes = 1024;
        let (kind, attempts) = transport(get(s, &options).unwrap_err());
        assert_eq!(kind, T::BodyTooLarge { limit: 1024 });
        // The same response would come back again: a complete answer that is too large is
        // not a transient fault, so it is not fetched again.
        assert_eq!((attempts, server.requests()), (1, 1));

        // The limit itself is fine.
        let server = Server::start(vec![ok_customer()]);
        let mut options = server.options();
        options.settings.max_response_bytes = customer_json().len() as u64;
        is_customer(get(s, &options).expect("a body at the limit"));
    });
}

#[test]
fn wrong_content_type_is_a_decode_error() {
    each(|s| {
        let server = Server::start(vec![Step::Reply(http(
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            customer_json().as_bytes(),
        ))]);
        let (status, error) = decode(get(s, &server.options()).unwrap_err());
        assert_eq!((status, server.requests()), (200, 1));
        assert!(error.contains("content type"), "{error}");
    });
}

#[test]
fn post_503_is_not_retried_unless_repeatable() {
    let created = || Step::Reply(json("201 Created", &customer_json()));
    each(|s| {
        let server = Server::start(vec![status("503 Service Unavailable", &[]), created()]);
        assert_eq!(
            unexpected_status(create(s, &server.options(), false).unwrap_err()),
            503
        );
        assert_eq!(server.requests(), 1);

        let server = Server::start(vec![status("503 Service Unavailable", &[]), created()]);
        is_customer(create(s, &server.options(), true).expect("a repeatable create after a 503"));
        assert_eq!(server.requests(), 2);
        let seen = server.seen.lock().unwrap();
        assert!(seen.iter().all(|h| h.starts_with("POST /v1/customers/ ")));
    });
}

#[test]
fn retries_off() {
    each(|s| {
        let server = Server::start(vec![status("503 Service Unavailable", &[]), ok_customer()]);
        let mut options = server.options();
        options.settings.retry = RetryPolicy::none();
        assert_eq!(unexpected_status(get(s, &options).unwrap_err()), 503);
        assert_eq!(server.requests(), 1);

        let server = Server::start(vec![Step::Reset, ok_customer()]);
        let mut options = server.options();
        options.settings.retry = RetryPolicy::none();
        let (kind, attempts) = transport(get(s, &options).unwrap_err());
        assert_eq!(kind, T::Interrupted);
        assert_eq!((attempts, server.requests()), (1, 1));

        let mut options = options_for_closed_port();
        options.settings.retry = RetryPolicy::none();
        let (kind, attempts) = transport(get(s, &options).unwrap_err());
        assert_eq!(kind, T::NotSent);
        assert_eq!(attempts, 1);
    });
}

fn options_for_closed_port() -> Options {
    options(&format!("http://127.0.0.1:{}", closed_port()))
}

#[test]
fn overall_timeout_caps_retries() {
    let slow503 = || {
        Step::Slow(
            Duration::from_millis(250),
            http(
                "503 Service Unavailable",
                &[("Content-Type", "application/json"), ("Retry-After", "0")],
                b"{}",
            ),
        )
    };
    each(|s| {
        let server = Server::start((0..10).map(|_| slow503()).collect());
        let mut options = server.options();
        options.settings.overall_timeout = Duration::from_millis(600);
        options.settings.retry.max_attempts = 10;
        let start = Instant::now();
        let err = get(s, &options).unwrap_err();
        let elapsed = start.elapsed();
        if s.cuts_attempts_short() {
            // 250 ms per attempt in 600 ms: the third is cut short.
            let (kind, attempts) = transport(err);
            assert_eq!(kind, T::TimedOut);
            assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
            assert_eq!(attempts as usize, server.requests());
            assert!((2..=3).contains(&attempts), "{attempts}");
        } else {
            // A client with its own timeout finishes the attempt it started; no attempt
            // starts after the deadline.
            assert_eq!(unexpected_status(err), 503);
            assert!(elapsed < Duration::from_millis(1100), "{elapsed:?}");
            assert!(
                (2..=3).contains(&server.requests()),
                "{}",
                server.requests()
            );
        }
    });
}
