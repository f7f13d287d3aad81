//! Secrets out of the response bodies that errors keep.
//!
//! An error keeps the (bounded) body of the response it came from, for the user to read; a
//! body that did not decode can hold an access token, a refresh token or a customer session
//! token (an OAuth token response with a `token_type` of another case, a session with a bad
//! date). Before a body is kept, the value of every property named in [`SECRET_KEYS`] (the
//! properties the generated models type as `Secret`) is replaced by `***`. The scan is
//! lenient on purpose: the bodies kept are the ones that failed to parse (truncated, not
//! JSON), and a secret in them must go all the same.

use std::borrow::Cow;

pub use crate::generated::SECRET_KEYS;

/// What a secret's value becomes.
pub const REDACTED: &str = "***";

/// Whether the values of a property named `key` are secrets.
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// `body` with the string value of every secret property replaced by `***`, at any depth and
/// whether or not the body is valid JSON (an unterminated value is redacted to the end).
/// Borrowed when there was nothing to replace.
pub fn redact(body: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    // `body[..copied]` is in `out` already (when `out` exists).
    let mut copied = 0;
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        if b != b'"' {
            i += 1;
            continue;
        }
        let (end, key) = string_at(body, i);
        i = end;
        let Some(value) = after_colon(body, end) else {
            continue;
        };
        if body.get(value) != Some(&b'"') || !is_secret_key(&key) {
            continue;
        }
        let (value_end, _) = string_at(body, value);
        let buf = out.get_or_insert_with(|| Vec::with_capacity(body.len()));
        buf.extend_from_slice(body.get(copied..=value).unwrap_or_default());
        buf.extend_from_slice(REDACTED.as_bytes());
        buf.push(b'"');
        copied = value_end;
        i = value_end;
    }
    match out {
        Some(mut buf) => {
            buf.extend_from_slice(body.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(body),
    }
}

/// The string starting with the quote at `start`: the index after its closing quote (the
/// end of `body` when unterminated) and its text, escapes decoded (lossily).
fn string_at(body: &[u8], start: usize) -> (usize, String) {
    let mut text = Vec::new();
    let mut i = start + 1;
    while let Some(&b) = body.get(i) {
        match b {
            b'"' => return (i + 1, String::from_utf8_lossy(&text).into_owned()),
            b'\\' => {
                match body.get(i + 1) {
                    Some(b'u') => {
                        let code = body
                            .get(i + 2..i + 6)
                            .and_then(|h| std::str::from_utf8(h).ok())
                            .and_then(|h| u32::from_str_radix(h, 16).ok());
                        match code.and_then(char::from_u32) {
                            Some(c) => {
                                let mut utf8 = [0; 4];
                                text.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                                i += 6;
                                continue;
                            }
                            None => text.push(b'?'),
                        }
                    }
                    Some(&c) => text.push(match c {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'b' => 8,
                        b'f' => 12,
                        other => other,
                    }),
                    None => {}
                }
                i += 2;
            }
            _ => {
                text.push(b);
                i += 1;
            }
        }
    }
    (body.len(), String::from_utf8_lossy(&text).into_owned())
}

/// The index of the value after `: ` when a colon follows index `i` (skipping whitespace):
/// the string before it was a key.
fn after_colon(body: &[u8], i: usize) -> Option<usize> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let colon = i + body.get(i..)?.iter().position(|b| !ws(b))?;
    if body.get(colon) != Some(&b':') {
        return None;
    }
    let rest = body.get(colon + 1..)?;
    Some(colon + 1 + rest.iter().position(|b| !ws(b)).unwrap_or(rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        String::from_utf8(redact(s.as_bytes()).into_owned()).expect("UTF-8")
    }

    #[test]
    fn secret_values_are_replaced_at_any_depth() {
        assert_eq!(
            r(
                r#"{"access_token":"at_1","token_type":"bearer","nested":{"refresh_token" : "rt_\"2"},"token":null}"#
            ),
            r#"{"access_token":"***","token_type":"bearer","nested":{"refresh_token" : "***"},"token":null}"#
        );
        // An escaped key is the same key; a value that merely mentions a key is not one.
        assert_eq!(
            r(r#"{"access\u005ftoken":"at_1","note":"access_token","x":["token",1]}"#),
            r#"{"access\u005ftoken":"***","note":"access_token","x":["token",1]}"#
        );
    }

    #[test]
    fn broken_bodies_are_redacted_too() {
        assert_eq!(
            r(r#"{"access_token":"at_trunc"#),
            r#"{"access_token":"***""#
        );
        assert_eq!(
            r(r#"<html>{"client_secret": "cs_1"</html>"#),
            r#"<html>{"client_secret": "***"</html>"#
        );
        assert_eq!(r(r#"{"token":"#), r#"{"token":"#);
        assert_eq!(r(r#"{"token"#), r#"{"token"#);
        assert_eq!(r("\"\\"), "\"\\");
    }

    #[test]
    fn nothing_to_redact_borrows() {
        let body = br#"{"id":"x","token_type":"bearer"}"#;
        assert!(matches!(redact(body), Cow::Borrowed(_)));
    }
}
