//! The decoder's verdicts, errors included, on 1,413 bodies (valid ones, and mutations of
//! them: truncations and corrupted bytes) of a Customer, webhook events, an untagged union
//! (with `unknown_reason`), error bodies and by-id parameters, recorded from the decoder
//! that builds a document first (main at abd3345), so that a decoder replacing it is held
//! to it:
//! `tests/fixtures/decode/golden.jsonl`, one `{"type", "input", "expect"}` per line.
//! The same value or the same error, word for word, path and all.

use polarsh_core::json::{from_slice, FromJson};
use polarsh_core::models::{Customer, CustomerSubscriptionUpdate, ErrorBody, WebhookPayload};
use serde_json::Value;

/// The verdict as recorded: `ok`, `unknown: <reason>` or `error: <message>`.
fn verdict<T: FromJson>(input: &str, reason: impl Fn(&T) -> Option<String>) -> String {
    match from_slice::<T>(input.as_bytes()) {
        Ok(v) => match reason(&v) {
            Some(r) => format!("unknown: {r}"),
            None => "ok".into(),
        },
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn verdicts_are_those_of_the_document_decoder() {
    let text = include_str!("../fixtures/decode/golden.jsonl");
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let case: Value = serde_json::from_str(line).expect("a JSON line");
        let (Some(kind), Some(input), Some(expect)) = (
            case["type"].as_str(),
            case["input"].as_str(),
            case["expect"].as_str(),
        ) else {
            panic!("line {}: not a case", n + 1);
        };
        let got = match kind {
            "WebhookPayload" => verdict::<WebhookPayload>(input, |_| None),
            "Customer" => verdict::<Customer>(input, |c| c.unknown_reason().map(|e| e.to_string())),
            "CustomerSubscriptionUpdate" => verdict::<CustomerSubscriptionUpdate>(input, |u| {
                u.unknown_reason().map(|e| e.to_string())
            }),
            "ErrorBody" => verdict::<ErrorBody>(input, |_| None),
            "customers::List" => {
                verdict::<polarsh_core::operations::customers::List>(input, |_| None)
            }
            other => panic!("line {}: unknown type {other}", n + 1),
        };
        assert_eq!(got, expect, "line {}: {input}", n + 1);
        checked += 1;
    }
    assert_eq!(checked, 1413);
}
