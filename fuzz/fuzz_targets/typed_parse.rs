//! Typed parse of the largest response models and of every error path that keeps a body.
//!
//! Input: one selector byte, then the body. The selector picks a model (decoded with
//! `from_slice`, as a response is), and an operation and a status for the operation-level
//! parse. Checked:
//! nothing panics; what the fast pass gives, exact mode gives too; a decoded value encodes to JSON that decodes to the same value and keeps
//! every key of the input; an error of a response holding a secret (OAuth tokens, a customer
//! session) does not show that secret in `Debug` or `Display`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polarsh_core::json::{self, FromJson, ToJson};
use polarsh_core::models;
use polarsh_core::Operation;
use serde_json::Value;
use std::fmt::Debug;

/// Decodes `body` as `T`; when it decodes, checks the value against its own encoding.
fn check<T: FromJson + ToJson + PartialEq + Debug>(body: &[u8]) {
    if let Some(read) = json::read_slice::<T>(body) {
        let exact = json::exact_slice::<T>(body);
        assert_eq!(exact.as_ref().ok(), Some(&read), "fast pass and exact mode differ");
    }
    let Ok(value) = json::from_slice::<T>(body) else {
        return;
    };
    let encoded = value.to_json();
    let again = T::from_json(&encoded, &json::Path::Root)
        .unwrap_or_else(|e| panic!("its own encoding does not decode: {e}\n{encoded}"));
    assert_eq!(
        value, again,
        "decoding its own encoding gives another value"
    );
    if let Ok(sent) = serde_json::from_slice::<Value>(body) {
        keys_kept(&sent, &encoded, &mut String::from("$"));
    }
}

/// Every key of `sent` is in `back`, at every depth (values may be normalised: dates,
/// numbers).
fn keys_kept(sent: &Value, back: &Value, path: &mut String) {
    match (sent, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                match b.get(k) {
                    Some(w) => keys_kept(v, w, path),
                    None => panic!("{path} lost"),
                }
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: array length changed");
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                keys_kept(v, w, path);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// An operation's parse of `body` with `status`; an error must not show a secret of it.
fn no_secret_in_error<O: Operation>(status: u16, body: &[u8]) {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).expect("a valid status");
    let Err(e) = O::parse(&response) else {
        return;
    };
    let shown = format!("{e:?}\n{e}");
    let text = String::from_utf8_lossy(body);
    for secret in secrets(body) {
        // A value that also appears elsewhere in the body (as another field's value) may be
        // shown there: only values that appear once are checked.
        if secret.len() >= 6 && text.matches(secret.as_str()).count() == 1 {
            assert!(
                !shown.contains(&secret),
                "secret {secret:?} shown in {shown}"
            );
        }
    }
}

/// The string values of secret properties anywhere in `body`, when it is JSON.
fn secrets(body: &[u8]) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match v {
                        Value::String(s) if polarsh_core::redact::is_secret_key(k) => {
                            out.push(s.clone())
                        }
                        other => walk(other, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        walk(&v, &mut out);
    }
    out
}

const STATUSES: [u16; 8] = [200, 201, 400, 401, 404, 422, 429, 500];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 12 {
        0 => check::<models::WebhookPayload>(body),
        1 => check::<models::Checkout>(body),
        2 => check::<models::Order>(body),
        3 => check::<models::Subscription>(body),
        4 => check::<models::Organization>(body),
        5 => check::<models::Customer>(body),
        6 => check::<models::Product>(body),
        7 => check::<models::CheckoutPublic>(body),
        8 => check::<models::ListResourceSubscription>(body),
        9 => check::<models::ErrorBody>(body),
        10 => check::<models::TokenResponse>(body),
        _ => check::<models::CustomerSession>(body),
    }
    // One operation per input (the selector again), so that an input costs one error.
    let status = STATUSES[usize::from(selector / 12) % STATUSES.len()];
    match selector / 96 {
        0 => no_secret_in_error::<polarsh_core::operations::oauth2::Token>(status, body),
        1 => {
            no_secret_in_error::<polarsh_core::operations::customer_sessions::Create>(status, body)
        }
        _ => no_secret_in_error::<polarsh_core::operations::checkouts::Get>(status, body),
    }
});
