//! Choosing the member of a union: by tag, by best fit, and why none fitted.

use super::object::CONST_MISMATCH;
use super::{DecodeError, Json, Path};

/// The decoder of one union member, as generated code lists them for [`best_fit`].
pub type Decoder<T> = fn(&Json<'_>, &Path<'_>) -> Result<T, DecodeError>;

/// Chooses the union member that fits `value` best. Each candidate is the member's known
/// top-level property names and its decoder. Every decoder is tried; among those that
/// succeed, the one leaving the fewest of `value`'s keys unknown wins, ties going to the
/// earliest. `None` when none succeeds: the caller keeps the value as `Unknown`.
pub fn best_fit<T>(
    value: &Json<'_>,
    _path: &Path<'_>,
    candidates: &[(&[&str], Decoder<T>)],
) -> Option<T> {
    let mut best: Option<(usize, T)> = None;
    for (known, decode) in candidates {
        let unknown = unknown_keys(value, known);
        if best.as_ref().is_some_and(|(score, _)| *score <= unknown) {
            continue;
        }
        // A member that fails is dropped with its error: try it below `Probe`, where the
        // error costs nothing to make.
        if let Ok(v) = decode(value, &Path::Probe) {
            if unknown == 0 {
                return Some(v);
            }
            best = Some((unknown, v));
        }
    }
    best.map(|(_, v)| v)
}

/// Why `value` fits no member of a union: the decode error of the member that came closest,
/// worded, at its path below `path`. `None` when a member fits, and below [`Path::Probe`]
/// (where nobody reads it).
///
/// Closest is the member whose decoding got furthest: a mismatched constant (the member's
/// tag) counts as not started, otherwise the deeper the failing path the further it got;
/// then the member leaving the fewest keys unknown; then the most specific (first).
pub fn closest_error<T>(
    value: &Json<'_>,
    path: &Path<'_>,
    candidates: &[(&[&str], Decoder<T>)],
) -> Option<DecodeError> {
    if path.is_probe() {
        return None;
    }
    let mut best: Option<((usize, std::cmp::Reverse<usize>), DecodeError)> = None;
    for (known, decode) in candidates {
        let error = match decode(value, path) {
            Ok(_) => return None,
            Err(e) => e,
        };
        let unknown = unknown_keys(value, known);
        let progress = if error.message.starts_with(CONST_MISMATCH) {
            0
        } else {
            // Segments of the rendered path: a key or an index each.
            1 + error
                .path
                .bytes()
                .filter(|b| matches!(b, b'.' | b'['))
                .count()
        };
        let score = (progress, std::cmp::Reverse(unknown));
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, error));
        }
    }
    best.map(|(_, e)| e)
}

/// The value of a string property used as a union's tag.
pub fn tag<'v>(value: &'v Json<'_>, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Json::as_str)
}

/// How many of `value`'s keys a member that knows `known` would keep as unknown (0 for a
/// value that is no object): the measure of fit both union resolvers rank members by.
fn unknown_keys(value: &Json<'_>, known: &[&str]) -> usize {
    match value {
        Json::Object(entries) => entries
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_ref()))
            .count(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{from_slice, FromJson};
    use super::*;

    #[test]
    fn best_fit_skips_failing_members_and_errors_keep_their_path() {
        fn int(v: &Json<'_>, p: &Path<'_>) -> Result<String, DecodeError> {
            i64::decode(v, p).map(|i| format!("int {i}"))
        }
        fn text(v: &Json<'_>, p: &Path<'_>) -> Result<String, DecodeError> {
            String::decode(v, p).map(|s| format!("text {s}"))
        }
        let candidates: &[(&[&str], Decoder<String>)] = &[(&[], int), (&[], text)];
        let doc = crate::runtime::doc::parse(br#"["x", 7, true]"#).expect("JSON");
        let Json::Array(items) = &doc else {
            panic!("array")
        };
        let picked: Vec<Option<String>> = items
            .iter()
            .map(|v| best_fit(v, &Path::Root, candidates))
            .collect();
        assert_eq!(
            picked,
            [Some("text x".to_owned()), Some("int 7".to_owned()), None]
        );

        let e = from_slice::<Vec<i64>>(br#"[1, "two"]"#).expect_err("a string is no i64");
        assert_eq!(
            e.to_string(),
            "invalid JSON at $[1]: expected an integer, found a string"
        );
    }
}
