//! The tokio client end to end: against Prism (the vendored spec) a call, a list as a
//! `Stream` of pages and of items, calls in spawned tasks, a brought reqwest client and an
//! async function as the transport; an upload against the shared loopback fake; how the
//! transport classifies faults on loopback sockets; and, at compile time, that every
//! future and stream is `Send + 'static`.

use futures_util::StreamExt;
use polar_tests::upload::{check_upload, data, spec, Fake, PartFault};
use polar_tests::Prism;
use polarsh_tokio::models::{FileRead, Product};
use polarsh_tokio::{
    send_with, Api, AsyncClient, Client, Config, Credential, Error, Fault, FaultKind, Reqwest,
    RetryPolicy,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const UUID: &str = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

fn builder(base_url: &str) -> polarsh_tokio::ClientBuilder {
    Client::builder()
        .config(Config::with_base_url(base_url))
        .credential(Credential::organization_token("polar_oat_SECRET"))
        .retry(fast_retries())
}

fn client(base_url: &str) -> Client {
    builder(base_url).build()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Compile-time: what the client hands out can be spawned and held across awaits.
#[test]
fn futures_and_streams_are_send_and_static() {
    fn send_static<T: Send + 'static>(_: &T) {}
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Client>();
    send_sync::<Reqwest>();
    let client = client("http://127.0.0.1:9");
    send_static(&client.customers().get(UUID).send());
    send_static(&client.products().list().pages());
    send_static(&client.products().list().pages().items());
    send_static(&client.execute(http::Request::new(Vec::new()), false));
    static BYTES: [u8; 3] = [1, 2, 3];
    send_static(&client.upload_file(&spec(8), &BYTES, |_| {}));
    let user = AsyncClient::builder_with(send_with(|_request| async {
        Err::<http::Response<Vec<u8>>, _>(Fault::not_sent("test"))
    }))
    .build();
    send_static(&user.customers().get(UUID).send());
    send_static(&user.products().list().pages().items());
}

#[test]
fn outside_a_runtime_a_call_is_a_typed_fault_not_a_panic() {
    let call = client("http://127.0.0.1:9").customers().get(UUID).send();
    let result = futures_util::FutureExt::now_or_never(call);
    match result {
        Some(Err(Error::Transport { fault, attempts: 1 })) => {
            assert_eq!(fault.kind(), FaultKind::Unsupported, "{fault}")
        }
        other => panic!("expected an unsupported-runtime fault, got {other:?}"),
    }
}

#[test]
fn against_prism() {
    let prism = Prism::start();
    let base = prism.base_url();
    runtime().block_on(async {
        let client = client(&base);

        // A call.
        let customer = client.customers().get(UUID).send().await;
        assert!(customer.is_ok(), "customers:get: {customer:?}");

        // A list as a Stream of pages, then of items: the same products either way.
        let pages: Vec<_> = StreamExt::collect(client.products().list().pages()).await;
        assert!(!pages.is_empty());
        let mut from_pages: Vec<Product> = Vec::new();
        for page in pages {
            from_pages.extend(page.expect("products:list page").items);
        }
        assert!(!from_pages.is_empty(), "Prism's example page has an item");
        let items: Vec<Product> = client
            .products()
            .list()
            .pages()
            .items()
            .map(|item| item.expect("product"))
            .collect()
            .await;
        assert_eq!(items, from_pages);

        // Spawned: the futures own what they need.
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.customers().get(UUID).send().await })
            })
            .collect();
        for call in calls {
            let customer = call.await.expect("task");
            assert!(customer.is_ok(), "{customer:?}");
        }
        let streamed = tokio::spawn({
            let client = client.clone();
            async move { client.products().list().pages().items().count().await }
        });
        assert_eq!(streamed.await.expect("task"), from_pages.len());

        // A reqwest client of the user's own, used as it is.
        let own = AsyncClient::builder_with(Reqwest::with_client(reqwest::Client::new()))
            .config(Config::with_base_url(&base))
            .credential(Credential::organization_token("polar_oat_SECRET"))
            .build();
        let customer = own.customers().get(UUID).send().await;
        assert!(customer.is_ok(), "{customer:?}");

        // Any async HTTP client as one function (here raw reqwest), failing its first
        // attempt before sending: the core retries it after a tokio sleep.
        let http = reqwest::Client::new();
        let attempts = Arc::new(AtomicUsize::new(0));
        let counted = attempts.clone();
        let user = AsyncClient::builder_with(send_with(move |request: http::Request<Vec<u8>>| {
            let http = http.clone();
            let attempt = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if attempt == 0 {
                    return Err(Fault::not_sent("first attempt refused by the test"));
                }
                let request = reqwest::Request::try_from(request)
                    .map_err(|e| Fault::not_sent(e.to_string()))?;
                let response = http
                    .execute(request)
                    .await
                    .map_err(|e| Fault::interrupted(e.to_string()))?;
                let mut out = http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    out = out.header(name, value);
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| Fault::interrupted(e.to_string()))?;
                out.body(body.to_vec())
                    .map_err(|e| Fault::interrupted(e.to_string()))
            }
        }))
        .config(Config::with_base_url(&base))
        .credential(Credential::organization_token("polar_oat_SECRET"))
        .retry(fast_retries())
        .build();
        let customer = user.customers().get(UUID).send().await;
        assert!(customer.is_ok(), "{customer:?}");
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn upload_file_in_a_spawned_task() {
    let fake = Fake::start(vec![PartFault::Status(503)]);
    let client = client(&fake.base_url());
    let task = async move {
        let bytes = data(20);
        let mut progress = Vec::new();
        let out = client
            .upload_file(&spec(8), &bytes, |p| progress.push(p))
            .await;
        (out, progress)
    };
    let (out, progress) = runtime()
        .block_on(async { tokio::spawn(task).await })
        .expect("task");
    assert!(
        matches!(out, Ok(FileRead::DownloadableFileRead(_))),
        "{out:?}"
    );
    // Part 1's first PUT met a 503 and was retried alone: 3 parts, 4 PUTs.
    check_upload(&fake, &data(20), 8, 4, &progress);
}

/// A loopback server that reads each request head, then does `reply` with the connection.
fn server(reply: fn(&mut TcpStream)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            counter.fetch_add(1, Ordering::SeqCst);
            reply(&mut stream);
        }
    });
    (format!("http://127.0.0.1:{port}"), seen)
}

/// The fault of a failed `customers:get`, and the attempts the client counted.
async fn get_fault(client: &Client) -> (FaultKind, u32) {
    match client.customers().get(UUID).send().await {
        Err(Error::Transport { fault, attempts }) => {
            // Neither the token nor the URL (a presigned one carries a signature).
            assert!(!format!("{fault:?}").contains("SECRET"));
            assert!(!fault.detail().contains("/v1/customers"), "{fault}");
            (fault.kind(), attempts)
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn faults_are_classified_by_what_the_request_went_through() {
    runtime().block_on(async {
        // Refused: never sent, so retried (the default policy sends 4 attempts).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let refused = client(&format!("http://127.0.0.1:{port}"));
        assert_eq!(get_fault(&refused).await, (FaultKind::NotSent, 4));

        // Closed after reading the request: it may have been processed.
        let (base, seen) = server(|_| {});
        let c = client(&base);
        assert_eq!(get_fault(&c).await, (FaultKind::Interrupted, 4));
        assert_eq!(seen.load(Ordering::SeqCst), 4);

        // A body cut short of its Content-Length.
        let (base, _) = server(|s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"id\":");
        });
        assert_eq!(get_fault(&client(&base)).await.0, FaultKind::Interrupted);

        // No answer within the attempt's timeout.
        let (base, _) = server(|_| std::thread::sleep(Duration::from_secs(2)));
        let slow = builder(&base)
            .request_timeout(Duration::from_millis(200))
            .retry(RetryPolicy::none())
            .build();
        assert_eq!(get_fault(&slow).await, (FaultKind::TimedOut, 1));

        // Over the size limit: declared, and streamed without a length.
        let limit = 64;
        for reply in [
            (|s: &mut TcpStream| {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            }) as fn(&mut TcpStream),
            |s| {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                for _ in 0..10 {
                    let _ = s.write_all(b"10\r\n0123456789abcdef\r\n");
                }
                let _ = s.write_all(b"0\r\n\r\n");
            },
        ] {
            let (base, _) = server(reply);
            let small = builder(&base).max_response_bytes(limit).build();
            assert_eq!(
                get_fault(&small).await,
                (FaultKind::BodyTooLarge { limit }, 1)
            );
        }
    });
}
