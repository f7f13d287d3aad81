//! Where a value sits in its document, and what went wrong there.

use super::{push_decimal, quoted, Value};

/// Location in a JSON document, built on the stack while decoding and rendered only on error.
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    /// The document itself (`$`).
    Root,
    /// The root of a union member that `best_fit` is trying: a failure below it is
    /// discarded, so its error is neither rendered nor worded (unions of scalars fail
    /// several members on every value).
    Probe,
    /// A property of an object.
    Key(&'a Path<'a>, &'a str),
    /// An element of an array.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of property `key` below this one.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    /// The path of element `i` below this one.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// Whether this is below [`Path::Probe`], where errors are thrown away.
    pub fn is_probe(&self) -> bool {
        let mut cur = self;
        loop {
            match cur {
                Path::Root => return false,
                Path::Probe => return true,
                Path::Key(parent, _) | Path::Index(parent, _) => cur = parent,
            }
        }
    }

    /// `$`, `$.items[3].name`, `$["cf-turnstile-response"]`.
    pub fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Path::Root | Path::Probe => break,
                Path::Key(parent, k) => {
                    segs.push(Seg::Key(k));
                    cur = parent;
                }
                Path::Index(parent, i) => {
                    segs.push(Seg::Index(*i));
                    cur = parent;
                }
            }
        }
        let mut out = String::from("$");
        for seg in segs.iter().rev() {
            match seg {
                Seg::Key(k) => push_key(&mut out, k),
                Seg::Index(i) => {
                    out.push('[');
                    push_decimal(&mut out, *i as u64);
                    out.push(']');
                }
            }
        }
        out
    }
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Writes the path segment of property `k`: `.name`, or `["cf-turnstile-response"]`.
pub(crate) fn push_key(out: &mut String, k: &str) {
    if is_identifier(k) {
        out.push('.');
        out.push_str(k);
    } else {
        out.push('[');
        out.push_str(&quoted(k));
        out.push(']');
    }
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A JSON value did not match the type expected at `path`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at {path}: {message}")]
pub struct DecodeError {
    /// Where the bad value is, e.g. `$.items[3].created_at`.
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
}

impl DecodeError {
    /// An error at `path`.
    pub fn new(path: &Path<'_>, message: impl Into<String>) -> Self {
        Self::lazy(path, || message.into())
    }

    /// An error at `path`, worded only if it will be seen: below [`Path::Probe`] it stays
    /// empty, since the union member being tried is simply dropped.
    pub fn lazy(path: &Path<'_>, message: impl FnOnce() -> String) -> Self {
        if path.is_probe() {
            return DecodeError {
                path: String::new(),
                message: String::new(),
            };
        }
        DecodeError {
            path: path.render(),
            message: message(),
        }
    }

    /// The body is not JSON at all (empty, truncated, HTML): reported at `$`.
    pub fn syntax(err: &dyn std::fmt::Display) -> Self {
        DecodeError {
            path: "$".into(),
            message: ["not valid JSON: ", &err.to_string()].concat(),
        }
    }
}

/// The JSON kind of a value, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn errors_below_a_probe_are_not_worded_and_others_are() {
        let worded = Cell::new(0);
        let word = || {
            worded.set(worded.get() + 1);
            String::from("bad")
        };
        let probe = Path::Probe;
        let deep = probe.key("a");
        let deeper = deep.index(2);
        assert!(deeper.is_probe());
        let e = DecodeError::lazy(&deeper, word);
        assert_eq!(
            (e.path.as_str(), e.message.as_str(), worded.get()),
            ("", "", 0)
        );

        let root = Path::Root;
        let key = root.key("items");
        let at = key.index(3);
        assert!(!at.is_probe());
        let e = DecodeError::lazy(&at, word);
        assert_eq!(
            (e.path.as_str(), e.message.as_str(), worded.get()),
            ("$.items[3]", "bad", 1)
        );
    }
}
