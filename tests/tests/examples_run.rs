//! Every example of `polarsh-blocking` runs (those that talk to Polar against Prism, a local
//! mock serving the vendored spec): exit status 0 and the output it promises. Prism is started once
//! for the binary while the examples build.

use polar_tests::Prism;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const EXAMPLES: &[&str] = &[
    "quickstart",
    "checkout",
    "subscriptions",
    "cancel_subscription",
    "refund",
    "test_double",
    "metering",
];

/// Builds the examples once; returns each one's executable, as cargo reports it.
fn build_examples() -> Vec<(String, PathBuf)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args([
            "build",
            "--quiet",
            "-p",
            "polarsh-blocking",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit());
    for name in EXAMPLES {
        cmd.args(["--example", name]);
    }
    let out = cmd.output().expect("run cargo build");
    assert!(out.status.success(), "building the examples failed");
    let mut built = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_example = msg["reason"] == "compiler-artifact"
            && msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "example"));
        if let (true, Some(exe)) = (is_example, msg["executable"].as_str()) {
            let name = msg["target"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            built.push((name, PathBuf::from(exe)));
        }
    }
    built
}

struct Run {
    name: String,
    output: Output,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn ok(&self) -> &Self {
        assert!(
            self.output.status.success(),
            "example {} failed ({}):\n{}\n{}",
            self.name,
            self.output.status,
            self.stdout(),
            self.stderr()
        );
        self
    }

    fn says(&self, text: &str) -> &Self {
        let out = self.stdout();
        assert!(
            out.contains(text),
            "example {}: expected `{text}` in its output:\n{out}",
            self.name
        );
        self
    }
}

#[test]
fn examples_run_against_prism() {
    let build = std::thread::spawn(build_examples);
    let prism = Prism::start();
    let built = build.join().expect("build thread");
    let exe = |name: &str| {
        built
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| panic!("example {name} was not built"))
    };
    let run = |name: &str, args: &[&str]| {
        let output = Command::new(exe(name))
            .args(args)
            .env("POLAR_BASE_URL", prism.base_url())
            .env("POLAR_ACCESS_TOKEN", "polar_oat_example_test")
            .env_remove("POLAR_SERVER")
            .output()
            .expect("run the example");
        Run {
            name: name.to_owned(),
            output,
        }
    };

    run("quickstart", &[])
        .ok()
        .says("created customer")
        .says("customer portal:")
        .says("product(s) in all")
        .says("verified webhook `customer.created`")
        .says("a tampered delivery is refused");

    run("checkout", &["d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23"])
        .ok()
        .says("checkout ")
        .says("for product d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23")
        .says("pay at:");

    run("subscriptions", &["992fae2a-2a17-4b7a-8d9e-e287cf90131b"])
        .ok()
        .says("subscriptions of customer 992fae2a-2a17-4b7a-8d9e-e287cf90131b")
        .says("page 1/")
        .says("subscription(s) in all");

    run(
        "cancel_subscription",
        &["e5149aae-e521-42b9-b24c-abb3d71eea2e"],
    )
    .ok()
    .says("after cancelling:")
    .says("cancel at period end:");
    run(
        "cancel_subscription",
        &["e5149aae-e521-42b9-b24c-abb3d71eea2e", "--now"],
    )
    .ok()
    .says("after cancelling:");

    run("refund", &["57107b74-8400-4d80-a2fc-54c2b4239cb3"])
        .ok()
        .says("refundable")
        .says("refund ")
        .says("status ");

    // Its own fake Polar, no server: three customers over two pages, after a retried 503.
    run("test_double", &[])
        .ok()
        .says("customers: ada@example.com, grace@example.com, edsger@example.com")
        .says("requests: 3");

    // Usage metering from a web handler, with its shutdown path: 12 requests, all events
    // delivered by `close`.
    let metering = Command::new(exe("metering"))
        .env("POLAR_BASE_URL", prism.base_url())
        .env("POLAR_ACCESS_TOKEN", "polar_oat_example_test")
        .env("METERING_PORT", "0")
        .env("METERING_SELF_TEST", "12")
        .output()
        .expect("run the example");
    Run {
        name: "metering".into(),
        output: metering,
    }
    .ok()
    .says("shutdown: 12 event(s) metered, 12 delivered");

    // An error (here Prism's 422 for a malformed email) is a failure with a readable
    // message, not a panic.
    let bad = run(
        "checkout",
        &["d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23", "not-an-email"],
    );
    assert_eq!(bad.output.status.code(), Some(1), "{}", bad.stderr());
    assert!(
        bad.stderr().starts_with("error: validation error"),
        "{}",
        bad.stderr()
    );
}
