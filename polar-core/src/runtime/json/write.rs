//! Writing JSON, byte for byte as serde_json writes it.

use super::Value;

// The document reader (`doc.rs`) and writer are hand-written rather than serde_json's
// `Deserialize` and `Serialize` for `Value`: serde's visitor machinery was a large part of
// the wasm module. They accept and produce exactly what serde_json does (numbers are still
// read by serde_json's own `Number::from_str`, and written by serde_json).

/// Writes `value` as compact JSON, byte for byte what `serde_json::to_writer` writes.
pub fn write(value: &Value, out: &mut Vec<u8>) {
    put(value, out, &mut ());
}

/// [`write`], noting where each float starts in `out` and its value: what reading the
/// text back needs to give the float written, not serde_json's parse of its text (an
/// ulp off for some).
pub(crate) fn write_noting_floats(value: &Value, out: &mut Vec<u8>) -> Vec<(usize, f64)> {
    let mut floats = Vec::new();
    put(value, out, &mut floats);
    floats
}

/// What [`put`] tells of each float it writes: nothing ([`write`], so that a program that
/// only writes has no code for it), or where it starts and its value.
trait Floats {
    fn note(&mut self, at: usize, number: &serde_json::Number);
}

impl Floats for () {
    fn note(&mut self, _: usize, _: &serde_json::Number) {}
}

impl Floats for Vec<(usize, f64)> {
    fn note(&mut self, at: usize, number: &serde_json::Number) {
        if let (true, Some(f)) = (number.is_f64(), number.as_f64()) {
            self.push((at, f));
        }
    }
}

fn put(value: &Value, out: &mut Vec<u8>, floats: &mut impl Floats) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Writing to memory cannot fail.
        Value::Number(n) => {
            floats.note(out.len(), n);
            drop(serde_json::to_writer(&mut *out, n))
        }
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put(item, out, floats);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                put(v, out, floats);
            }
            out.push(b'}');
        }
    }
}

/// A JSON string literal, escaped as serde_json escapes it.
fn write_str(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s.as_bytes() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
                continue;
            }
            _ => {
                out.push(b);
                continue;
            }
        };
        out.push(b'\\');
        out.push(short);
    }
    out.push(b'"');
}

/// `value` as compact JSON text, for messages.
pub(crate) fn text(value: &Value) -> String {
    let mut out = Vec::new();
    write(value, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `s` as a JSON string literal, for messages.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = Vec::new();
    write_str(s, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `n` in decimal (without `std::fmt`).
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}
