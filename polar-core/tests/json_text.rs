//! The hand-written JSON reader and writer of `json` agree with serde_json: same values,
//! same accepted documents, byte-identical output.

use polarsh_core::json::{parse, write, Value};

fn ours_text(v: &Value) -> String {
    let mut out = Vec::new();
    write(v, &mut out);
    String::from_utf8(out).expect("UTF-8")
}

fn check(doc: &[u8]) {
    let theirs = serde_json::from_slice::<Value>(doc);
    let ours = parse(doc);
    match (&theirs, &ours) {
        (Ok(t), Ok(o)) => {
            assert_eq!(o, t, "{:?}", String::from_utf8_lossy(doc));
            assert_eq!(ours_text(o), serde_json::to_string(t).expect("JSON"));
        }
        (Err(_), Err(e)) => {
            assert_eq!(e.path, "$");
            assert!(e.message.starts_with("not valid JSON: "), "{}", e.message);
            assert!(e.message.contains(" at line "), "{}", e.message);
        }
        _ => panic!(
            "{:?}: serde_json {theirs:?}, ours {ours:?}",
            String::from_utf8_lossy(doc)
        ),
    }
}

const SEEDS: &[&str] = &[
    r#"{"a":1,"b":[true,false,null],"c":{"d":"e"},"a":2}"#,
    r#"  [ 1 , -1, 0, -0, 1.5, -1.5e-7, 1e20, 1E+2, 2.0e-0, 18446744073709551615 ] "#,
    r#"[18446744073709551616, -9223372036854775808, -9223372036854775809, 1e400, 0.1e-400]"#,
    r#"[123456789012345678901234567890.123456789e-5, 0.30000000000000004, 5e-324]"#,
    r#"["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u4e2d\ud83d\ude00", "é中😀", "\u0000\u001f"]"#,
    r#"["\ud800", "\udc00", "\ud83dx", "\ud83d\u0041", "\uZZZZ", "\x"]"#,
    r#"{"nested":[[[{"x":[{}]}]]],"empty":[],"e":{}}"#,
    "[1,]",
    "{\"a\":1,}",
    "{\"a\" 1}",
    "{1:2}",
    "01",
    "-",
    "1.",
    ".5",
    "tru",
    "nul",
    "\"abc",
    "\"a\tb\"",
    "[1 2]",
    "",
    "   ",
    "<html>502 Bad Gateway</html>",
    "\"\u{7f}\"",
];

#[test]
fn seeds_agree_with_serde_json() {
    for s in SEEDS {
        check(s.as_bytes());
    }
    check(b"\"\xff\"");
    check(b"\"\xc3\"");
    check(
        &[b'['; 128]
            .iter()
            .chain([b']'; 128].iter())
            .copied()
            .collect::<Vec<_>>(),
    );
    check(
        &[b'['; 127]
            .iter()
            .chain([b']'; 127].iter())
            .copied()
            .collect::<Vec<_>>(),
    );
}

#[test]
fn the_spec_agrees_with_serde_json() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
    for entry in std::fs::read_dir(dir).expect("spec dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            check(&std::fs::read(&path).expect("spec"));
        }
    }
}

#[test]
fn mutations_agree_with_serde_json() {
    let mut state: u64 = 0x853C_49E6_748F_EA9B;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    const ALPHABET: &[u8] = b"{}[]\",:\\/ u0123456789-+.eEtrufalsn\n\t\xc3\xa9\x01";
    for _ in 0..200_000 {
        let mut b = SEEDS[next(SEEDS.len())].as_bytes().to_vec();
        for _ in 0..1 + next(3) {
            let at = next(b.len() + 1);
            let c = ALPHABET[next(ALPHABET.len())];
            match next(3) {
                0 if at < b.len() => b[at] = c,
                1 => b.insert(at, c),
                _ if at < b.len() => {
                    b.remove(at);
                }
                _ => {}
            }
        }
        check(&b);
    }
}

#[test]
fn floats_are_written_as_serde_json_writes_them() {
    for f in [
        0.0,
        -0.0,
        1.0,
        1.5,
        1e20,
        1e21,
        1e-7,
        123456.789,
        f64::MAX,
        f64::MIN_POSITIVE,
    ] {
        let v = serde_json::json!(f);
        assert_eq!(ours_text(&v), serde_json::to_string(&v).expect("JSON"));
    }
}
