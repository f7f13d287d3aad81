//! Shared helpers of polar-rs's cross-crate test suite (the tests are in `tests/tests/`).

use polar_core::json::{DecodeError, FromJson, Path, ToJson};
use serde_json::Value;

#[rustfmt::skip]
#[allow(clippy::all)]
pub mod generated {
    //! Tables written by `cargo xtask generate`.
    pub mod examples;
}

/// Decodes a JSON value into a generated type and encodes it back.
pub type RoundTrip = fn(&Value) -> Result<Value, DecodeError>;

/// The round trip through `T`: `from_json` then `to_json`.
pub fn round_trip<T: FromJson + ToJson>(value: &Value) -> Result<Value, DecodeError> {
    T::from_json(value, &Path::Root).map(|t| t.to_json())
}

/// The vendored spec, parsed.
pub fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
    let version = std::fs::read_to_string(format!("{path}/VERSION")).expect("spec/VERSION");
    let file = format!("{path}/polar-{}.openapi.json", version.trim());
    serde_json::from_slice(&std::fs::read(&file).expect("vendored spec")).expect("spec is JSON")
}
