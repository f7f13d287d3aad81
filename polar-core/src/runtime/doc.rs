//! The JSON token reader every generated type decodes from.
//!
//! A [`Reader`] walks the bytes of a document and the generated
//! [`FromJson`](super::json::FromJson) code reads typed values straight out of it: no tree is
//! built, no string without escapes is copied until a field keeps it, numbers stay text
//! until a field asks for one. It reads in two modes: a fast pass that gives up at the first
//! surprise, and an exact mode that checks the whole document first and then reports the
//! error a decoder of the document would (see `json::from_slice`).
//!
//! The reader accepts exactly what `serde_json::from_slice` accepts (RFC 8259, nesting
//! depth at most 128, numbers that fit an `f64`), and [`Reader::value`] gives the value
//! `serde_json` would have produced; the differential tests below hold it to that.

use super::json::DecodeError;
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::str::FromStr;

/// A JSON number as written in the document (already checked to be a valid JSON number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num<'a>(&'a str);

impl Num<'_> {
    /// The number as `serde_json` reads it.
    pub fn to_number(&self) -> Option<Number> {
        Number::from_str(self.0).ok()
    }

    /// The number if it is an integer that fits `i64` (`serde_json`'s `as_i64`).
    pub fn as_i64(&self) -> Option<i64> {
        // `-0` is a float to serde_json; a fraction or exponent never parses as i64.
        match self.0 {
            "-0" => None,
            t => t.parse().ok(),
        }
    }

    /// The number as an `f64` (`serde_json`'s `as_f64`, same rounding).
    pub fn as_f64(&self) -> Option<f64> {
        match self.0.parse::<i64>() {
            Ok(i) if self.0 != "-0" => Some(i as f64),
            _ => Number::from_str(self.0).ok()?.as_f64(),
        }
    }
}

impl std::fmt::Display for Num<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Why a document is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: &'static str,
    /// 1-based line of the offending byte.
    pub line: usize,
    /// 1-based column (in bytes) of the offending byte.
    pub column: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

/// One more than the nesting depth `serde_json` allows (127); deeper documents are refused
/// rather than risking the stack.
const MAX_DEPTH: usize = 128;

/// How far [`Reader::guess_tag`] looks from an object's start: past a Polar object's
/// properties before its tag, and little work wasted where no tag is found (the walk
/// follows).
pub const GUESS_WINDOW: usize = 1024;

/// Checks that `bytes` is one JSON document (surrounding whitespace allowed, nothing else),
/// building nothing: its text, or the first error with its position.
pub fn validate(bytes: &[u8]) -> Result<&str, SyntaxError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(Parser { text: "", pos: 0 }.error_at(
                bytes,
                e.valid_up_to(),
                "invalid UTF-8",
            ))
        }
    };
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    p.skip_value(0)?;
    p.skip_ws();
    if p.pos < p.text.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(text)
}

/// The index of the first byte that ends a run of plain string characters: `"`, `\\` or a
/// control character. Eight bytes at a time (strings are most of a response: ids, dates,
/// URLs), then byte by byte for the last few.
#[inline]
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // Per byte of `v`, the high bit set where the byte is below `n` (n <= 0x80). Borrows
    // run only towards higher bytes, so the lowest flag is exact; flags above it may not
    // be, and are not used.
    fn below(v: u64, n: u64) -> u64 {
        v.wrapping_sub(ONES * n) & !v & HIGHS
    }
    let mut chunks = bytes.chunks_exact(8);
    let mut start = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Little-endian: byte 0 is the lowest, so the lowest flag is the first match.
        let w = u64::from_le_bytes(word);
        let flags = below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1);
        if flags != 0 {
            return Some(start + (flags.trailing_zeros() / 8) as usize);
        }
        start += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| start + i)
}

/// Where `"key"` (quotes included) first occurs in `hay`: the index of its closing quote.
/// Quotes are found eight bytes at a time, and only those followed by the key's first byte
/// are compared further: a scan at a few instructions a byte.
fn find_quoted(hay: &[u8], key: &[u8]) -> Option<usize> {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    const QUOTES: u64 = u64::from_le_bytes([b'"'; 8]);
    let first = *key.first()?;
    let at = |i: usize| {
        hay.get(i + 1) == Some(&first)
            && hay.get(i + 1..i + 1 + key.len()) == Some(key)
            && hay.get(i + 1 + key.len()) == Some(&b'"')
    };
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ QUOTES;
        // The high bit of each byte that is a quote (zero in `x`), exactly: no borrow
        // crosses bytes, as each byte's low seven bits are added on their own.
        let mut quotes = !(((x & LOW7) + LOW7) | x | LOW7);
        while quotes != 0 {
            let i = base + (quotes.trailing_zeros() / 8) as usize;
            if at(i) {
                return Some(i + 1 + key.len());
            }
            quotes &= quotes - 1;
        }
        base += 8;
    }
    (base..hay.len())
        .find(|&i| hay.get(i) == Some(&b'"') && at(i))
        .map(|i| i + 1 + key.len())
}

#[derive(Clone)]
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn error(&self, message: &'static str) -> SyntaxError {
        self.error_at(self.bytes(), self.pos, message)
    }

    fn error_at(&self, bytes: &[u8], pos: usize, message: &'static str) -> SyntaxError {
        let before = bytes.get(..pos).unwrap_or(bytes);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = pos
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        SyntaxError {
            message,
            line,
            column,
        }
    }

    /// A string without escapes, the parser at its opening quote: its text, the parser then
    /// past its closing quote. `None`, nothing consumed, for one with an escape, a control
    /// character or no end: [`Parser::string`] reads (or refuses) those. Most strings are
    /// plain (keys, ids, dates), and this path builds no `Cow` and no error.
    #[inline]
    fn plain_string(&mut self) -> Option<&'a str> {
        let start = self.pos + 1;
        let rest = self.bytes().get(start..)?;
        let i = find_special(rest)?;
        if rest.get(i) != Some(&b'"') {
            return None;
        }
        let s = self.text.get(start..start + i)?;
        self.pos = start + i + 1;
        Some(s)
    }

    /// At a key's opening quote: whether the key is `key`, the parser then past its colon.
    /// A plain key is compared in place; one with an escape is decoded first.
    fn key_matches(&mut self, key: &str) -> Option<bool> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        let rest = self.bytes().get(start..)?;
        let i = find_special(rest)?;
        let hit = match rest.get(i)? {
            b'"' => {
                self.pos = start + i + 1;
                rest.get(..i)? == key.as_bytes()
            }
            _ => self.string().ok()? == key,
        };
        self.skip_ws();
        if self.peek() != Some(b':') {
            return None;
        }
        self.pos += 1;
        Some(hit)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips a value without checking it, for a scan ahead of a read that checks it: a string
    /// to its closing quote, a container to its closing bracket, anything else to the next
    /// delimiter. `None` where the text ends first or a bracket closes what was not opened.
    fn skip_loose(&mut self) -> Option<()> {
        let bytes = self.bytes();
        let mut depth = 0usize;
        loop {
            match *bytes.get(self.pos)? {
                b'"' => self.skip_loose_string()?,
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                }
                b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' if depth > 0 => self.pos += 1,
                b',' | b' ' | b'\t' | b'\n' | b'\r' => return Some(()),
                _ => {
                    // A scalar: to its end.
                    while !matches!(
                        bytes.get(self.pos),
                        None | Some(
                            b',' | b'}' | b']' | b':' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
                        )
                    ) {
                        self.pos += 1;
                    }
                    if depth == 0 {
                        return Some(());
                    }
                    continue;
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// [`Parser::skip_loose`] of a string: past its closing quote, escapes stepped over.
    fn skip_loose_string(&mut self) -> Option<()> {
        self.pos += 1;
        let bytes = self.bytes();
        loop {
            let rest = bytes.get(self.pos..)?;
            let i = find_special(rest)?;
            self.pos += i;
            match rest.get(i)? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// Skips a value, checking it as JSON (with the errors and positions `serde_json` gives),
    /// building nothing.
    fn skip_value(&mut self, depth: usize) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Err(self.error("EOF while parsing a value")),
            Some(b'{') => self.skip_object(depth + 1),
            Some(b'[') => self.skip_array(depth + 1),
            Some(b'"') => self.skip_string(),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            Some(_) => Err(self.error("expected value")),
        }
    }

    /// Skips a string, checking it: [`Parser::string`], so that a string is checked by
    /// one piece of code (one with escapes is unescaped for nothing: rare where values
    /// are skipped).
    fn skip_string(&mut self) -> Result<(), SyntaxError> {
        self.string().map(|_| ())
    }

    /// Skips an array, checking it.
    fn skip_array(&mut self, depth: usize) -> Result<(), SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.skip_value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.error("EOF while parsing a list")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    /// Skips an object, checking it.
    fn skip_object(&mut self, depth: usize) -> Result<(), SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("key must be a string")),
            }
            self.skip_string()?;
            self.skip_ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `:`")),
            }
            self.skip_ws();
            self.skip_value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<(), SyntaxError> {
        let end = self.pos + word.len();
        match self.bytes().get(self.pos..end) {
            Some(b) if b == word.as_bytes() => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Num<'a>, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => return Err(self.error("EOF while parsing a value")),
            Some(_) => return Err(self.error("invalid number")),
        }
        let mut plain = true;
        if self.peek() == Some(b'.') {
            plain = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            plain = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        // Integers that fit 64 bits are exact (up to 18 digits, they always do); anything
        // else goes through serde_json once, so that what it refuses (an f64 overflow such
        // as `1e400`) is refused here too.
        let exact = plain
            && (text.len() <= 18 || text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok());
        if !exact && Number::from_str(text).is_err() {
            return Err(self.error_at(self.bytes(), start, "number out of range"));
        }
        Ok(Num(text))
    }

    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        // At the opening quote.
        self.pos += 1;
        let bytes = self.bytes();
        let mut owned: Option<String> = None;
        let mut run = self.pos;
        loop {
            // Jump to the next byte that ends the run of plain characters.
            let rest = bytes.get(self.pos..).unwrap_or_default();
            let Some(i) = find_special(rest) else {
                self.pos = bytes.len();
                return Err(self.error("EOF while parsing a string"));
            };
            self.pos += i;
            match rest.get(i) {
                Some(b'"') => {
                    // The run ends before an ASCII quote: a char boundary.
                    let tail = self.text.get(run..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let mut s = owned.take().unwrap_or_default();
                    s.push_str(self.text.get(run..self.pos).unwrap_or_default());
                    self.pos += 1;
                    let Some(&esc) = bytes.get(self.pos) else {
                        return Err(self.error("EOF while parsing a string"));
                    };
                    self.pos += 1;
                    match esc {
                        b'"' => s.push('"'),
                        b'\\' => s.push('\\'),
                        b'/' => s.push('/'),
                        b'b' => s.push('\u{8}'),
                        b'f' => s.push('\u{c}'),
                        b'n' => s.push('\n'),
                        b'r' => s.push('\r'),
                        b't' => s.push('\t'),
                        b'u' => s.push(self.unicode_escape()?),
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    }
                    owned = Some(s);
                    run = self.pos;
                }
                _ => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, SyntaxError> {
        let mut n: u16 = 0;
        for _ in 0..4 {
            let Some(b) = self.peek() else {
                return Err(self.error("EOF while parsing a string"));
            };
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.error("invalid escape")),
            };
            n = (n << 4) | u16::from(d);
            self.pos += 1;
        }
        Ok(n)
    }

    /// After `\u`: one code point, joining a surrogate pair. Lone surrogates are refused,
    /// as `serde_json` refuses them.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate in hex escape")),
            c => u32::from(c),
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode code point"))
    }
}

/// A miss of the one-pass [`Reader`]: the value did not fit ([`Miss::FIT`]), or the fast
/// path cannot tell ([`Miss::UNSURE`]: not JSON, a repeated key, which the document
/// resolves). Carries no message: whoever gets one decodes the document instead, which gives
/// the exact error (or the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss {
    /// Whether decoding the document might still succeed here.
    pub unsure: bool,
}

impl Miss {
    /// The value does not fit the type: decoding it from the document fails too.
    pub const FIT: Miss = Miss { unsure: false };
    /// Anything else: the document decides.
    pub const UNSURE: Miss = Miss { unsure: true };
}

impl From<SyntaxError> for Miss {
    fn from(_: SyntaxError) -> Self {
        Miss::UNSURE
    }
}

/// What [`Reader::object`] calls with each key, the reader at its value.
pub type Entry<'f, 'a> = dyn FnMut(&mut Reader<'a>, Cow<'a, str>) -> Result<(), Miss> + 'f;

/// Reads a JSON document token by token, straight into typed values: no tree, nothing
/// allocated but the strings with escapes. It accepts exactly what
/// [`json::parse`](crate::json::parse) accepts (strings, numbers and skipped values are
/// checked the same way, nesting is limited the same way), so a value it reads is the value
/// the document would have given.
pub struct Reader<'a> {
    p: Parser<'a>,
    /// Containers open around the current position.
    depth: usize,
    /// Exact mode ([`Reader::exact`]): the document was checked whole first, so a read
    /// never meets bad syntax, and a value that does not fit says why in `fail`.
    exact: bool,
    /// Exact mode: why the last read failed, its path relative to the value that failed.
    fail: Option<Box<DecodeError>>,
    /// The text was written from a `serde_json::Value`: where each float starts, and the
    /// float (see [`Reader::written`]). Empty for a body from Polar.
    written: &'a [(usize, f64)],
    /// Fast pass: the union member that fitted last, with no key left over, as (the
    /// union's members, where they are; the member): the one a union of the same kind
    /// tries first (see `json::best_fit`).
    fitted: Option<(usize, usize)>,
    /// Fast pass: the struct read last, as (its table's length; the properties it had, of
    /// the table's first 64; how many keys were not in the table): how `best_fit` checks a
    /// member tried first.
    last: (usize, u64, usize),
}

// A copy starts with no failure: it reads ahead, or tries a union member, on its own.
impl Clone for Reader<'_> {
    fn clone(&self) -> Self {
        Reader {
            p: Parser {
                text: self.p.text,
                pos: self.p.pos,
            },
            depth: self.depth,
            exact: self.exact,
            fail: None,
            written: self.written,
            fitted: self.fitted,
            last: self.last,
        }
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes` (which must be UTF-8, as JSON text is), for the
    /// fast pass: a [`Miss`] says nothing about why.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Miss> {
        let text = std::str::from_utf8(bytes).map_err(|_| Miss::UNSURE)?;
        Ok(Reader {
            p: Parser { text, pos: 0 },
            depth: 0,
            exact: false,
            fail: None,
            written: &[],
            fitted: None,
            last: (0, 0, 0),
        })
    }

    /// A reader in exact mode: `bytes` is checked as JSON first (a syntax error anywhere
    /// is the error, as it comes first in a document), then every read that misses
    /// records why ([`Reader::take_fail`]), and the decoders built on the reader read on
    /// past a bad value, so that the error reported is the one a decoder of the whole
    /// document would report.
    pub fn exact(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let text = validate(bytes).map_err(|e| DecodeError::syntax(&e))?;
        Ok(Reader {
            p: Parser { text, pos: 0 },
            depth: 0,
            exact: true,
            fail: None,
            written: &[],
            fitted: None,
            last: (0, 0, 0),
        })
    }

    /// Marks the text as written from a `serde_json::Value`, with where each float starts
    /// and its value: the floats read are the values written (serde_json's parse of their
    /// text can be an ulp off, and a correctly rounded parse would link kilobytes of
    /// tables into a wasm module).
    pub fn written(mut self, floats: &'a [(usize, f64)]) -> Self {
        self.written = floats;
        self
    }

    /// The member of the union whose members are at `union` that fitted last (fast pass).
    pub fn fitted(&self, union: usize) -> Option<usize> {
        match self.fitted {
            Some((u, member)) if u == union && !self.exact => Some(member),
            _ => None,
        }
    }

    /// Remembers that `member` of the union whose members are at `union` fitted.
    pub fn remember_fit(&mut self, union: usize, member: usize) {
        self.fitted = Some((union, member));
    }

    /// The struct read last: its table's length, its properties found (of the first 64)
    /// and how many keys it did not know.
    pub fn last_struct(&self) -> (usize, u64, usize) {
        self.last
    }

    /// Records the struct just read (see [`Reader::last_struct`]).
    pub fn read_struct_as(&mut self, len: usize, seen: u64, unknown: usize) {
        self.last = (len, seen, unknown);
    }

    /// Whether this reader is in exact mode.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The JSON kind of the next value, for messages.
    pub fn found(&mut self) -> &'static str {
        match self.peek() {
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        }
    }

    /// A miss because the next value is not `what`: in exact mode, recorded as "expected
    /// `what`, found ...".
    #[cold]
    pub fn expected(&mut self, what: &str) -> Miss {
        if self.exact {
            let found = self.found();
            self.record(["expected ", what, ", found ", found].concat());
        }
        Miss::FIT
    }

    /// A miss with its message, `parts` end to end (recorded only in exact mode).
    #[cold]
    pub fn reject(&mut self, parts: &[&str]) -> Miss {
        if self.exact {
            self.record(parts.concat());
        }
        Miss::FIT
    }

    /// Records an error at the current value, in exact mode.
    #[cold]
    pub fn fail_with(&mut self, error: DecodeError) -> Miss {
        if self.exact {
            self.fail = Some(Box::new(error));
        }
        Miss::FIT
    }

    #[cold]
    fn record(&mut self, message: String) {
        self.fail = Some(Box::new(DecodeError {
            path: String::new(),
            message,
        }));
    }

    /// Why the last read failed (exact mode), its path relative to where it was read.
    pub fn take_fail(&mut self) -> DecodeError {
        match self.fail.take() {
            Some(e) => *e,
            // Every miss of exact mode records why; were one not to, it is still an error.
            None => DecodeError {
                path: String::new(),
                message: "invalid value".into(),
            },
        }
    }

    /// Puts `key` before the path of the failure recorded (exact mode).
    #[cold]
    pub fn fail_in_key(&mut self, key: &str) {
        if let Some(e) = &mut self.fail {
            let mut path = String::new();
            super::json::push_key(&mut path, key);
            path.push_str(&e.path);
            e.path = path;
        }
    }

    /// Puts index `i` before the path of the failure recorded (exact mode).
    #[cold]
    fn fail_in_index(&mut self, i: usize) {
        if let Some(e) = &mut self.fail {
            let mut path = String::from("[");
            super::json::push_decimal(&mut path, i as u64);
            path.push(']');
            path.push_str(&e.path);
            e.path = path;
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub fn finish(&mut self) -> Result<(), Miss> {
        self.p.skip_ws();
        if self.p.pos < self.p.text.len() {
            return Err(Miss::UNSURE);
        }
        Ok(())
    }

    /// The first byte of the next value (after whitespace).
    pub fn peek(&mut self) -> Option<u8> {
        self.p.skip_ws();
        self.p.peek()
    }

    /// Consumes a `null` if one is next.
    pub fn null(&mut self) -> Result<bool, Miss> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.p.literal("null")?;
        Ok(true)
    }

    /// A string value.
    pub fn str(&mut self) -> Result<Cow<'a, str>, Miss> {
        if self.peek() != Some(b'"') {
            return Err(self.expected("a string"));
        }
        match self.p.plain_string() {
            Some(s) => Ok(Cow::Borrowed(s)),
            None => Ok(self.p.string()?),
        }
    }

    /// A boolean value.
    pub fn bool(&mut self) -> Result<bool, Miss> {
        match self.peek() {
            Some(b't') => self.p.literal("true").map(|()| true),
            Some(b'f') => self.p.literal("false").map(|()| false),
            _ => return Err(self.expected("a boolean")),
        }
        .map_err(Miss::from)
    }

    /// An integer value that fits `i64` (what [`Num::as_i64`] gives). Up to 18 digits with
    /// no fraction or exponent, read in place: the usual amounts and counts; anything else
    /// through [`Reader::number`].
    pub fn int(&mut self) -> Result<i64, Miss> {
        self.p.skip_ws();
        let bytes = self.p.bytes();
        let start = self.p.pos;
        let negative = bytes.get(start) == Some(&b'-');
        let first = start + usize::from(negative);
        let mut end = first;
        let mut v: i64 = 0;
        // At most 18 digits are summed (they cannot overflow); a 19th ends the loop, and
        // the number goes the general way.
        while let Some(&c) = bytes.get(end).filter(|c| c.is_ascii_digit()) {
            end += 1;
            if end - first > 18 {
                break;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        let digits = end - first;
        let leading_zero = digits > 1 && bytes.get(first) == Some(&b'0');
        let more = matches!(bytes.get(end), Some(b'.' | b'e' | b'E' | b'0'..=b'9'));
        // `-0` is a float to serde_json (see `Num::as_i64`).
        let minus_zero = negative && v == 0;
        let plain = (1..=18).contains(&digits) && !leading_zero && !more && !minus_zero;
        if !plain {
            if !matches!(bytes.get(start), Some(b'-' | b'0'..=b'9')) {
                return Err(self.expected("an integer"));
            }
            let n = self.number()?;
            return n.as_i64().ok_or_else(|| {
                self.reject(&["expected an integer that fits i64, found ", &n.to_string()])
            });
        }
        self.p.pos = end;
        Ok(if negative { -v } else { v })
    }

    /// A number value, as written (checked as [`parse`] checks it).
    pub fn number(&mut self) -> Result<Num<'a>, Miss> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => Ok(self.p.number()?),
            _ => Err(self.expected("a number")),
        }
    }

    /// A number value, and the float it was written from where the text was written from
    /// a `serde_json::Value` (see [`Reader::written`]): only the reads that give a float
    /// look, so that a number read elsewhere stays text.
    fn number_written(&mut self) -> Result<(Num<'a>, Option<f64>), Miss> {
        self.peek();
        let at = self.p.pos;
        let n = self.number()?;
        let k = self.written.binary_search_by_key(&at, |&(i, _)| i).ok();
        Ok((n, k.and_then(|k| self.written.get(k)).map(|&(_, f)| f)))
    }

    /// A number as an `f64` (`serde_json`'s `as_f64`), or the float written.
    pub fn float(&mut self) -> Result<f64, Miss> {
        let (n, written) = self.number_written()?;
        match written.or_else(|| n.as_f64()) {
            Some(f) => Ok(f),
            None => Err(self.unrepresentable(n)),
        }
    }

    /// A number as a `serde_json::Number` (what `serde_json` reads), or the float written.
    pub fn json_number(&mut self) -> Result<Number, Miss> {
        let (n, written) = self.number_written()?;
        match written.map_or_else(|| n.to_number(), Number::from_f64) {
            Some(v) => Ok(v),
            None => Err(self.unrepresentable(n)),
        }
    }

    #[cold]
    fn unrepresentable(&mut self, n: Num<'_>) -> Miss {
        self.reject(&["number ", n.0, " is not representable"])
    }

    /// Skips the next value, checking it, and returns its text.
    pub fn raw(&mut self) -> Result<&'a str, Miss> {
        self.p.skip_ws();
        let start = self.p.pos;
        self.p.skip_value(self.depth)?;
        Ok(self.p.text.get(start..self.p.pos).unwrap_or_default())
    }

    /// The next value as a `serde_json::Value` (what `serde_json` would give), built as it
    /// is read.
    pub fn value(&mut self) -> Result<Value, Miss> {
        match self.peek() {
            Some(b'{') => {
                let mut map = serde_json::Map::new();
                self.object(&mut |r, k| {
                    let v = r.value()?;
                    map.insert(k.into_owned(), v);
                    Ok(())
                })?;
                Ok(Value::Object(map))
            }
            Some(b'[') => {
                let mut items = Vec::new();
                self.array(&mut |r| {
                    items.push(r.value()?);
                    Ok(())
                })?;
                Ok(Value::Array(items))
            }
            Some(b'"') => Ok(Value::String(self.str()?.into_owned())),
            Some(b't' | b'f') => self.bool().map(Value::Bool),
            Some(b'-' | b'0'..=b'9') => {
                let (n, written) = self.number_written()?;
                match written.map_or_else(|| n.to_number(), Number::from_f64) {
                    Some(n) => Ok(Value::Number(n)),
                    None => Err(Miss::UNSURE),
                }
            }
            _ => match self.null()? {
                true => Ok(Value::Null),
                false => Err(Miss::UNSURE),
            },
        }
    }

    /// Where the reader is (to come back to with [`Reader::rewind`]).
    pub fn mark(&self) -> (usize, usize) {
        (self.p.pos, self.depth)
    }

    /// Back to a [`Reader::mark`], with no failure recorded.
    pub fn rewind(&mut self, (pos, depth): (usize, usize)) {
        self.p.pos = pos;
        self.depth = depth;
        self.fail = None;
    }

    fn open(&mut self, byte: u8) -> Result<(), Miss> {
        if self.peek() != Some(byte) {
            return Err(self.expected(match byte {
                b'{' => "an object",
                _ => "an array",
            }));
        }
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(Miss::UNSURE);
        }
        self.p.pos += 1;
        Ok(())
    }

    /// Reads an object, calling `entry` with each key, the reader at its value (which
    /// `entry` must read or skip).
    pub fn object(&mut self, entry: &mut Entry<'_, 'a>) -> Result<(), Miss> {
        self.begin_object()?;
        let mut first = true;
        while self.next_entry(first)? {
            first = false;
            let key = self.key()?;
            // Exact mode names the key of a value that fails.
            let named = self.exact.then(|| key.clone());
            if let Err(m) = entry(self, key) {
                if let Some(k) = named {
                    self.fail_in_key(&k);
                }
                return Err(m);
            }
        }
        Ok(())
    }

    /// Whether `key` is the key of a later entry of the object whose value is at `at` (a
    /// [`Reader::mark`]), scanning without checking (an error is a `true`: unsure). (A
    /// map's entries need no such look: a bad value fails the map, repeated or not, as it
    /// did when a document was decoded.)
    pub fn repeats_later(&self, at: (usize, usize), key: &str) -> bool {
        let mut scan = self.clone();
        scan.rewind(at);
        let mut later = || -> Result<bool, Miss> {
            loop {
                scan.p.skip_ws();
                scan.p.skip_loose().ok_or(Miss::UNSURE)?;
                if !scan.next_entry(false)? {
                    return Ok(false);
                }
                if scan.key()? == key {
                    return Ok(true);
                }
            }
        };
        later().unwrap_or(true)
    }

    /// Opens the object that comes next, for [`Reader::next_entry`] to walk.
    pub fn begin_object(&mut self) -> Result<(), Miss> {
        self.open(b'{')
    }

    /// Moves to the next entry of the object opened by [`Reader::begin_object`] (`first`:
    /// none was read yet): `true` at its key, `false` past the closing brace.
    pub fn next_entry(&mut self, first: bool) -> Result<bool, Miss> {
        self.p.skip_ws();
        match self.p.peek() {
            Some(b'}') => {
                self.p.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.p.pos += 1;
                self.p.skip_ws();
                Ok(true)
            }
            Some(b'"') if first => Ok(true),
            _ => Err(Miss::UNSURE),
        }
    }

    /// Consumes the key and its colon if the key is exactly `expected`, which must be plain
    /// (no quote, backslash or control character: generated tables hold the spec's names):
    /// then its bytes are the whole string. Compared as bytes where the key is usually
    /// expected (the next one in the spec's order), so most keys are not scanned twice.
    pub fn key_is(&mut self, expected: &str) -> bool {
        let bytes = self.p.bytes();
        let start = self.p.pos + 1;
        let end = start + expected.len();
        let fits = bytes.get(self.p.pos) == Some(&b'"')
            && bytes.get(start..end) == Some(expected.as_bytes())
            && bytes.get(end) == Some(&b'"');
        if !fits {
            return false;
        }
        let mut colon = end + 1;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(colon) {
            colon += 1;
        }
        if bytes.get(colon) != Some(&b':') {
            return false;
        }
        self.p.pos = colon + 1;
        true
    }

    /// The key at an entry (after [`Reader::next_entry`]), and its colon, consumed.
    pub fn key(&mut self) -> Result<Cow<'a, str>, Miss> {
        if self.p.peek() != Some(b'"') {
            return Err(Miss::UNSURE);
        }
        let key = match self.p.plain_string() {
            Some(k) => Cow::Borrowed(k),
            None => self.p.string()?,
        };
        self.p.skip_ws();
        if self.p.peek() != Some(b':') {
            return Err(Miss::UNSURE);
        }
        self.p.pos += 1;
        Ok(key)
    }

    /// Reads an array, calling `item` with the reader at each element (which `item` must
    /// read or skip).
    pub fn array(
        &mut self,
        item: &mut dyn FnMut(&mut Self) -> Result<(), Miss>,
    ) -> Result<(), Miss> {
        self.open(b'[')?;
        self.p.skip_ws();
        if self.p.peek() == Some(b']') {
            self.p.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            if let Err(m) = item(self) {
                self.fail_in_index(i);
                return Err(m);
            }
            i += 1;
            self.p.skip_ws();
            match self.p.peek() {
                Some(b',') => self.p.pos += 1,
                Some(b']') => {
                    self.p.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Miss::UNSURE),
            }
        }
    }

    /// The string value of the property `key` of the object that comes next, found
    /// without consuming anything: how a union finds its tag before choosing the member
    /// that reads the object. `None` when the next value is no object, has no such
    /// property, or its value is not a string. The first such property in the fast pass
    /// (a repeated one makes the member's read miss); the last in exact mode, as a decoder
    /// of the document takes the last of a repeated key.
    pub fn tag(&self, key: &str) -> Result<Option<Cow<'a, str>>, Miss> {
        // A union's tag is often some way into its object: the keys passed are compared in
        // place, not built.
        let mut s = self.clone();
        if s.peek() != Some(b'{') {
            return Ok(None);
        }
        s.begin_object()?;
        let mut last = None;
        let mut first = true;
        while s.next_entry(first)? {
            first = false;
            let hit = s.p.key_matches(key).ok_or(Miss::UNSURE)?;
            s.p.skip_ws();
            if hit {
                last = match s.p.peek() {
                    Some(b'"') => Some(s.str()?),
                    _ => None,
                };
                if !self.exact {
                    break;
                }
                if last.is_some() {
                    continue;
                }
            }
            s.p.skip_loose().ok_or(Miss::UNSURE)?;
        }
        Ok(last)
    }

    /// A guess at the tag [`Reader::tag`] finds, without walking the object: the plain
    /// string value of the first `"key":` in the text from the next `{` on, within
    /// [`GUESS_WINDOW`] bytes, at whatever depth (a nested object's, or a later one's, as
    /// well as this one's). Only a guess: a member read by it must check the tag itself
    /// (see `json::guessed`). `None` in exact mode, which walks.
    pub fn guess_tag(&mut self, key: &str) -> Option<&'a str> {
        if self.exact || self.peek() != Some(b'{') {
            return None;
        }
        let bytes = self.p.bytes();
        let start = self.p.pos;
        let end = bytes.len().min(start.saturating_add(GUESS_WINDOW));
        let mut from = start;
        loop {
            // The closing quote of a `"key"` (a key, or a value `key`, at any depth).
            let close = from + find_quoted(bytes.get(from..end)?, key.as_bytes())?;
            let mut p = Parser {
                text: self.p.text,
                pos: close + 1,
            };
            p.skip_ws();
            if p.peek() == Some(b':') {
                p.pos += 1;
                p.skip_ws();
                if p.peek() == Some(b'"') {
                    return p.plain_string();
                }
            }
            from = close + 1;
        }
    }

    /// The keys of the object that comes next (none if it is no object), consuming
    /// nothing: how a union weighs its members before reading one. Values are skipped
    /// without checking them: the read that follows checks every value, and only needs
    /// where each ends.
    pub fn keys(&self) -> Result<Vec<Cow<'a, str>>, Miss> {
        let mut keys = Vec::new();
        let mut s = self.clone();
        if s.peek() != Some(b'{') {
            return Ok(keys);
        }
        s.begin_object()?;
        let mut first = true;
        while s.next_entry(first)? {
            first = false;
            let key = s.key()?;
            // Sized for a typical Polar object at the first key, so that listing one
            // allocates once (and an empty one, not at all).
            if keys.is_empty() {
                keys.reserve(24);
            }
            keys.push(key);
            s.p.skip_ws();
            s.p.skip_loose().ok_or(Miss::UNSURE)?;
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Reader::int` reads in place what `number().as_i64()` reads, and refuses alike.
    #[test]
    fn int_agrees_with_the_number_path() {
        let cases = [
            "0",
            "-0",
            "7",
            "-7",
            "00",
            "01",
            "-01",
            "10",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "1.0",
            "1e3",
            "1E3",
            "-",
            "",
            "x",
            "\"1\"",
            "12,",
            "12}",
            "12 ",
            "12x",
            "null",
            "1.",
            "-.5",
        ];
        for case in cases {
            let mut a = Reader::new(case.as_bytes()).expect("UTF-8");
            let mut b = a.clone();
            let fast = a.int().map(|v| (v, a.p.pos));
            let slow = b
                .number()
                .and_then(|n| n.as_i64().ok_or(Miss::FIT))
                .map(|v| (v, b.p.pos));
            assert_eq!(fast, slow, "{case:?}");
        }
    }

    /// `find_quoted` finds what a plain search for `"key"` finds, wherever the quotes fall
    /// in its eight-byte words.
    #[test]
    fn find_quoted_agrees_with_a_plain_search() {
        let plain = |hay: &[u8], key: &[u8]| {
            let needle = [b"\"", key, b"\""].concat();
            hay.windows(needle.len())
                .position(|w| w == needle.as_slice())
                .map(|i| i + needle.len() - 1)
        };
        let alphabet = b"\"tyxe\\:{ ";
        let mut x: u32 = 0x2545_f491;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 40) as usize;
            let hay: Vec<u8> = (0..len)
                .map(|i| alphabet[(x as usize >> (i % 24)).wrapping_add(i * 7) % alphabet.len()])
                .collect();
            for key in [&b"ty"[..], b"t", b"type", b"\"", b"x\"y"] {
                assert_eq!(find_quoted(&hay, key), plain(&hay, key), "{hay:?} {key:?}");
            }
        }
        assert_eq!(
            find_quoted(br#"{"a":{"type":1},"type":"t"}"#, b"type"),
            Some(11)
        );
        assert_eq!(find_quoted(b"", b"type"), None);
        assert_eq!(find_quoted(b"\"\"", b""), None);
    }

    /// The loose skip of a tag scan ends where the checking skip ends, on valid JSON.
    #[test]
    fn loose_skip_ends_where_the_checking_skip_ends() {
        let values = [
            r#""a""#,
            r#""a"b\""#,
            "1",
            "-1.5e3",
            "true",
            "null",
            "[]",
            "{}",
            r#"{"a":[1,{"b":"}]"}],"c":null}"#,
            r#"[[["x"]],{"y":{}}]"#,
            r#""A""#,
        ];
        for v in values {
            for tail in ["", ",", "}", " ,"] {
                let text = format!("{v}{tail}");
                let mut loose = Parser {
                    text: &text,
                    pos: 0,
                };
                let mut strict = loose.clone();
                assert_eq!(loose.skip_loose(), Some(()), "{text}");
                strict.skip_value(0).expect("valid");
                assert_eq!(loose.pos, strict.pos, "{text}");
            }
        }
    }

    #[test]
    fn find_special_agrees_with_a_byte_scan() {
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        // Every special (and near-special) byte at every position of short and
        // word-spanning runs, over plain ASCII and over high (UTF-8) bytes.
        for fill in [b'a', 0x7f, 0x80, 0xff, b' ', b'!', b'#', b'[', b']'] {
            for len in 0..40 {
                let mut buf = vec![fill; len];
                assert_eq!(find_special(&buf), naive(&buf), "fill {fill} len {len}");
                for at in 0..len {
                    for special in [b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f] {
                        buf[at] = special;
                        assert_eq!(
                            find_special(&buf),
                            naive(&buf),
                            "{special} at {at} of {len}"
                        );
                        // A second special byte after the first: a borrow from the first
                        // must neither hide nor move it.
                        for later in at + 1..len.min(at + 10) {
                            for second in [b'"', 0x00, 0x1f] {
                                buf[later] = second;
                                assert_eq!(find_special(&buf), naive(&buf), "{at}, {later}");
                                buf[later] = fill;
                            }
                        }
                        buf[at] = fill;
                    }
                }
            }
        }
    }

    /// Our verdict and value next to serde_json's, for one input.
    fn agree(input: &[u8]) {
        let ours = Reader::exact(input).map(|mut r| r.value());
        let theirs = serde_json::from_slice::<Value>(input);
        match (&ours, &theirs) {
            (Ok(Ok(a)), Ok(b)) => assert_eq!(
                a,
                b,
                "value differs for {:?}",
                String::from_utf8_lossy(input)
            ),
            (Err(_) | Ok(Err(_)), Err(_)) => {}
            _ => panic!(
                "verdicts differ for {:?}: ours {ours:?}, serde_json {theirs:?}",
                String::from_utf8_lossy(input)
            ),
        }
    }

    #[test]
    fn agrees_with_serde_json_on_edge_cases() {
        let cases: &[&[u8]] = &[
            b"",
            b" ",
            b"null",
            b"true",
            b"false",
            b"nul",
            b"truex",
            b"tru",
            b"0",
            b"-0",
            b"-",
            b"01",
            b"1.",
            b"1.5",
            b"-1.5e10",
            b"1e",
            b"1e+",
            b"1E-2",
            b"1e400",
            b"-1e400",
            b"1e-400",
            b"18446744073709551615",
            b"18446744073709551616",
            b"-9223372036854775808",
            b"-9223372036854775809",
            b"123456789012345678901234567890",
            b"0.1",
            b"2.5e-3",
            b"\"\"",
            b"\"a\"",
            b"\"\\u00e9\\n\\t\\\"\\\\\\/\\b\\f\\r\"",
            b"\"\\ud83d\\ude00\"",
            b"\"\\ud83d\"",
            b"\"\\ude00\"",
            b"\"\\ud83dx\"",
            b"\"\\ud83d\\u0041\"",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\u12G4\"",
            b"\"a\x01b\"",
            b"\"\xff\"",
            b"\"\xc3\xa9\"",
            b"\"abc",
            b"[]",
            b"[ ]",
            b"[1,]",
            b"[,1]",
            b"[1 2]",
            b"[1",
            b"{}",
            b"{ }",
            b"{\"a\":1}",
            b"{\"a\":1,}",
            b"{\"a\" 1}",
            b"{a:1}",
            b"{\"a\":}",
            b"{\"a\":1",
            b"{\"a\":1,\"a\":2}",
            b"{\"b\":1,\"a\":[true,{\"c\":null}]}",
            b" \n\t\r{} \n",
            b"{} {}",
            b"[1] x",
            b"\"\\u0000\"",
            b"\xef\xbb\xbf{}",
            b"[-]",
            b"[.5]",
            b"[+1]",
            b"[NaN]",
            b"[Infinity]",
        ];
        for case in cases {
            agree(case);
        }
    }

    #[test]
    fn nesting_is_limited_like_serde_json() {
        for depth in [1, 127, 128, 129, 5000] {
            let mut doc = "[".repeat(depth);
            doc.push_str(&"]".repeat(depth));
            agree(doc.as_bytes());
            let mut doc = "{\"a\":".repeat(depth);
            doc.push('1');
            doc.push_str(&"}".repeat(depth));
            agree(doc.as_bytes());
        }
    }

    /// Every truncation and many single-byte corruptions of a realistic document.
    #[test]
    fn agrees_with_serde_json_on_mutations() {
        let doc = br#"{"id":"992fae2a","created_at":"2026-01-01T00:00:00Z","n":-12.5e3,"big":18446744073709551615,"list":[1,2.0,"x\u00e9\n",null,true,{"k":[]}],"s":"caf\u00e9 \ud83d\ude00 \"q\""}"#;
        for end in 0..=doc.len() {
            agree(&doc[..end]);
        }
        let replacements = b" \"\\{}[],:0-.eE+tfnu\x01\xff";
        let mut x: u32 = 0x1234_5678;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let mut m = doc.to_vec();
            let i = x as usize % m.len();
            m[i] = replacements[(x >> 16) as usize % replacements.len()];
            agree(&m);
        }
    }

    #[test]
    fn errors_name_the_position() {
        let err = validate(b"{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 8));
        assert_eq!(err.to_string(), "expected value at line 2 column 8");
    }
}
