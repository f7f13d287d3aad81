//! The document parser and writer against serde_json: the same inputs accepted and refused,
//! the same values, the same bytes written back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polarsh_core::json;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let ours = json::parse(data);
    let theirs = serde_json::from_slice::<Value>(data);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "different values");
            let mut written = Vec::new();
            json::write(a, &mut written);
            let expected = serde_json::to_vec(b).expect("a Value always serializes");
            assert_eq!(written, expected, "different bytes written");
        }
        (Err(_), Err(_)) => {}
        (Ok(v), Err(e)) => panic!("accepted what serde_json refuses ({e}): {v}"),
        (Err(e), Ok(v)) => panic!("refused what serde_json accepts ({e}): {v}"),
    }
});
