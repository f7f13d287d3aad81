//! The webhook receiver example, run for real: its server on a free loopback port in a thread,
//! fed signed deliveries over plain `TcpStream`s, answering 202 to genuine ones and 400 to the
//! rest; and its handler called directly.

#[allow(dead_code)]
#[path = "../examples/webhook_receiver.rs"]
mod receiver;

use base64::Engine as _;
use polarsh_core::json::Value;
use polarsh_core::webhooks::Webhook;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const BODY: &str = r#"{"type":"invoice.drafted","timestamp":"2026-01-01T00:00:00Z","api_version":"2026-10","data":{"id":"inv_1"}}"#;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// POSTs `body` with the headers, returns the status code and the response body.
fn post(port: u16, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn server_answers_202_to_genuine_and_400_to_tampered() {
    let webhook = Webhook::new(receiver::DEMO_SECRET).expect("secret");
    let server = receiver::bind(0).expect("bind");
    let port = server.server_addr().to_ip().expect("ip address").port();
    let serving = {
        let webhook = webhook.clone();
        std::thread::spawn(move || receiver::serve(&server, &webhook, Some(3)))
    };

    let ts = now();
    let signed = |body: &[u8]| {
        vec![
            ("Webhook-Id", "msg_receiver_test".to_owned()),
            ("Webhook-Timestamp", ts.to_string()),
            (
                "Webhook-Signature",
                webhook.sign("msg_receiver_test", ts, body),
            ),
        ]
    };

    let (status, text) = post(port, &signed(BODY.as_bytes()), BODY.as_bytes());
    assert_eq!(status, 202, "{text}");
    assert!(text.contains("invoice.drafted"), "{text}");

    let tampered = BODY.replace("inv_1", "inv_2");
    let (status, text) = post(port, &signed(BODY.as_bytes()), tampered.as_bytes());
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("no matching webhook signature"), "{text}");

    let (status, text) = post(port, &[], BODY.as_bytes());
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("missing header `webhook-id`"), "{text}");

    // Three requests handled: the server stops by itself.
    serving.join().expect("server thread");
}

#[test]
fn handler_dispatches_on_the_event() {
    let webhook = Webhook::new(receiver::DEMO_SECRET).expect("secret");
    // A genuine order.paid body from the webhook vectors, signed here for this secret.
    let fixture: Value = include_str!("../../tests/fixtures/webhooks/vectors.json")
        .parse()
        .expect("vectors.json");
    let vector = fixture["vectors"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["name"] == "event/order.paid"))
        .expect("order.paid vector");
    let body = base64::engine::general_purpose::STANDARD
        .decode(vector["body_base64"].as_str().expect("body"))
        .expect("base64");
    let ts = now();
    let headers = vec![
        ("webhook-id".to_owned(), "msg_1".to_owned()),
        ("webhook-timestamp".to_owned(), ts.to_string()),
        (
            "webhook-signature".to_owned(),
            webhook.sign("msg_1", ts, &body),
        ),
    ];
    let (status, line) = receiver::handle(&webhook, true, &headers, &body, ts);
    assert_eq!(status, 202, "{line}");
    assert!(line.starts_with("order.paid: order "), "{line}");

    let (status, _) = receiver::handle(&webhook, false, &headers, &body, ts);
    assert_eq!(status, 405);
    let (status, line) = receiver::handle(&webhook, true, &headers, &body, ts + 301);
    assert_eq!(status, 400);
    assert!(line.contains("too old"), "{line}");
}
