//! Webhook verification and parsing with arbitrary headers, body and secret.
//!
//! Input: `selector secret \n header lines \n\n body`. `now` is the `webhook-timestamp` (when
//! it is an integer) moved by the selector, so deliveries inside and outside the window are
//! both reached. Checked: nothing panics; an error never shows the secret; a delivery signed
//! with the secret verifies, and the same with one more body byte does not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polarsh_core::webhooks::Webhook;

fn split<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], &'a [u8]) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], &data[i + sep.len()..]),
        None => (data, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (secret, rest) = split(rest, b"\n");
    let (head, body) = split(rest, b"\n\n");
    let Ok(secret) = std::str::from_utf8(secret) else {
        return;
    };
    let head = String::from_utf8_lossy(head);
    let pairs: Vec<(&str, &str)> = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .collect();
    let timestamp = pairs
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("webhook-timestamp"))
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let now = timestamp.saturating_add((i64::from(selector) - 128) * 3);

    let webhook = match Webhook::new(secret) {
        Ok(w) => w,
        Err(e) => {
            assert!(secret.trim().is_empty(), "a non-empty secret refused: {e}");
            return;
        }
    };
    // Another secret for comparison: `Debug` must not depend on the secret at all (a secret
    // can be a substring of the text around it, so "does not contain" is not the test).
    let other = Webhook::new("polar_whs_another_secret_to_compare").expect("a secret");
    assert_eq!(
        format!("{webhook:?}"),
        format!("{other:?}"),
        "Debug shows the secret"
    );
    let shown = |w: &Webhook| match w.verify_pairs(&pairs, body, now) {
        Ok(_) => String::new(),
        Err(e) => format!("{e:?} {e}"),
    };
    let mine = shown(&webhook);
    let trimmed = secret.trim();
    if trimmed.len() >= 8
        && mine.contains(trimmed)
        && !String::from_utf8_lossy(body).contains(trimmed)
    {
        // Shown, and not from the body: then it comes from the headers or a message, and
        // the same input under another secret shows it too.
        assert!(shown(&other).contains(trimmed), "secret shown: {mine}");
    }

    // Signed with the secret, a delivery verifies; one changed byte and it does not.
    let id = "msg_fuzz";
    let signature = webhook.sign(id, now, body);
    let signed = [
        ("webhook-id", id),
        ("webhook-timestamp", &now.to_string()),
        ("webhook-signature", &signature),
    ];
    let signed: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    let checked = webhook.verify_signature(
        polarsh_core::webhooks::WebhookHeaders::from_pairs(&signed).expect("three headers"),
        body,
        now,
    );
    assert!(checked.is_ok(), "own signature refused: {checked:?}");
    let mut changed = body.to_vec();
    changed.push(b' ');
    let checked = webhook.verify_signature(
        polarsh_core::webhooks::WebhookHeaders::from_pairs(&signed).expect("three headers"),
        &changed,
        now,
    );
    assert!(checked.is_err(), "a changed body verified");
});
