//! Shared helpers of polar-rs's cross-crate test suite (the tests are in `tests/tests/`).

use polarsh_core::json::{DecodeError, FromJson, Path, ToJson};
use serde_json::Value;

#[rustfmt::skip]
#[allow(clippy::all)]
pub mod generated {
    //! Tables written by `cargo xtask generate`.
    pub mod examples;
    pub mod snippets;
    pub mod types;
}

pub mod ingest;

pub mod instances;

pub mod upload;

/// Decodes a JSON value into a generated type and encodes it back.
pub type RoundTrip = fn(&Value) -> Result<Value, DecodeError>;

/// The round trip through `T`: decoded from the value's bytes (the path a response
/// takes) and from the value itself, which must agree, then encoded with `to_json`.
pub fn round_trip<T: FromJson + ToJson + PartialEq + std::fmt::Debug>(
    value: &Value,
) -> Result<Value, DecodeError> {
    let bytes = serde_json::to_vec(value).map_err(|e| DecodeError::syntax(&e))?;
    let from_bytes: T = polarsh_core::json::from_slice(&bytes)?;
    let from_value = T::from_json(value, &Path::Root)?;
    // The one-pass read must not fall back to the document on what Polar sends; a value it
    // reads must be the document's.
    let Some(read) = polarsh_core::json::read_slice::<T>(&bytes) else {
        return Err(DecodeError {
            path: "$".into(),
            message: "the one-pass read missed what the document decodes".into(),
        });
    };
    if read != from_value {
        return Err(DecodeError {
            path: "$".into(),
            message: format!("the one-pass read differs: {read:?} vs {from_value:?}"),
        });
    }
    if from_bytes != from_value {
        return Err(DecodeError {
            path: "$".into(),
            message: format!(
                "bytes and value decode differently: {from_bytes:?} vs {from_value:?}"
            ),
        });
    }
    Ok(from_bytes.to_json())
}

/// The `Debug` text of a JSON value decoded into a generated type.
pub type DebugOf = fn(&Value) -> Result<String, DecodeError>;

/// The `Debug` text of `value` decoded into `T` (as a response is, from its bytes).
pub fn debug_of<T: FromJson + std::fmt::Debug>(value: &Value) -> Result<String, DecodeError> {
    let bytes = serde_json::to_vec(value).map_err(|e| DecodeError::syntax(&e))?;
    polarsh_core::json::from_slice::<T>(&bytes).map(|v| format!("{v:?}"))
}

/// The JSON body argument of an operation's TypeScript code sample: the last argument of
/// `polar.group.op("id", { ... })`, when it is a JSON object.
pub fn sample_body(source: &str) -> Option<Value> {
    let start = source.find("await polar.")?;
    let open = start + source[start..].find('(')?;
    let close = open + source[open..].find("\n);")?;
    let args = source.get(open + 1..close)?.trim().trim_end_matches(',');
    let parsed: Value = serde_json::from_str(&format!("[{args}]")).ok()?;
    match parsed.as_array()?.last()? {
        obj @ Value::Object(_) => Some(obj.clone()),
        _ => None,
    }
}

/// The vendored spec, parsed.
pub fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
    let version = std::fs::read_to_string(format!("{path}/VERSION")).expect("spec/VERSION");
    let file = format!("{path}/polar-{}.openapi.json", version.trim());
    serde_json::from_slice(&std::fs::read(&file).expect("vendored spec")).expect("spec is JSON")
}

/// Prism serving the vendored spec on a free loopback port, killed on drop. Start one per
/// test binary (it takes about 10 s): run the cases of a binary from one `#[test]`.
pub struct Prism {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl Prism {
    /// Starts Prism (installed by `scripts/install-prism.sh`) and waits until it answers.
    pub fn start() -> Prism {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let bin = format!("{root}/tests/prism/node_modules/.bin/prism");
        assert!(
            std::path::Path::new(&bin).exists(),
            "Prism is not installed: run scripts/install-prism.sh"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let version =
            std::fs::read_to_string(format!("{root}/spec/VERSION")).expect("spec/VERSION");
        let spec = format!("{root}/spec/polar-{}.openapi.json", version.trim());
        let child = std::process::Command::new(bin)
            .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), &spec])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start Prism");
        let prism = Prism { child, port };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "Prism did not start within 90 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        prism
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The id of [`customer_json`]'s customer.
pub const CUSTOMER_ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";

/// A valid `CustomerIndividual`, as `customers:get` answers it.
pub fn customer_json() -> String {
    format!(
        r#"{{"id":"{CUSTOMER_ID}","created_at":"2026-01-01T00:00:00Z","modified_at":null,"metadata":{{}},"external_id":"usr_1337","email":"customer@example.com","email_verified":true,"type":"individual","name":"John Doe","billing_name":null,"billing_address":null,"tax_id":null,"locale":null,"organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":null}}"#
    )
}
