//! File uploads end to end on a loopback server that plays Polar (`files:create`,
//! `files:uploaded`) and the presigned storage host (part `PUT`s), checking every request
//! byte that matters (the server and the checks are `polar_tests::upload`, shared with the
//! async client's test). The `files:create` and `files:uploaded` bodies are also checked
//! against the spec by the Prism conformance test.

use polar_tests::upload::{check_upload, data, spec, Fake, PartFault};
use polarsh_blocking::models::FileRead;
use polarsh_blocking::{Client, Config, Credential, Error};
use polarsh_core::retry::RetryPolicy;
use polarsh_core::upload::UploadError;
use std::time::Duration;

/// A blocking client for the fake.
fn client(fake: &Fake) -> Client {
    Client::builder()
        .config(Config::with_base_url(fake.base_url()))
        .credential(Credential::organization_token("polar_oat_SECRET"))
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
}

/// Uploads `n` bytes in parts of `part_size`; checks everything the fake saw.
fn upload_ok(n: usize, part_size: u64, faults: Vec<PartFault>, expected_puts: usize) {
    let fake = Fake::start(faults);
    let bytes = data(n);
    let mut progress = Vec::new();
    let out = client(&fake)
        .upload_file(&spec(part_size), &bytes, |p| progress.push(p))
        .expect("upload succeeds");
    assert!(matches!(out, FileRead::DownloadableFileRead(_)));
    check_upload(&fake, &bytes, part_size, expected_puts, &progress);
}

#[test]
fn one_byte() {
    upload_ok(1, 8, vec![], 1);
}

#[test]
fn exactly_one_part() {
    upload_ok(8, 8, vec![], 1);
}

#[test]
fn several_parts() {
    upload_ok(37, 8, vec![], 5);
}

#[test]
fn a_part_failing_once_is_retried_alone() {
    // Part 1's first PUT fails (503, then a dropped connection): 3 parts, 4 PUTs.
    upload_ok(20, 8, vec![PartFault::Status(503)], 4);
    upload_ok(20, 8, vec![PartFault::Drop], 4);
}

#[test]
fn empty_file_is_refused_before_any_request() {
    let fake = Fake::start(vec![]);
    let err = client(&fake)
        .upload_file(&spec(8), &[], |_| {})
        .expect_err("empty");
    assert!(
        matches!(err, Error::Upload(UploadError::EmptyFile)),
        "{err:?}"
    );
    assert!(fake.seen.lock().expect("lock").create.is_none());
}

#[test]
fn presigned_url_answering_403_is_a_typed_error() {
    let fake = Fake::start(vec![PartFault::Status(403)]);
    let err = client(&fake)
        .upload_file(&spec(8), &data(20), |_| {})
        .expect_err("403");
    assert!(
        matches!(
            err,
            Error::Upload(UploadError::PartRejected {
                number: 1,
                status: 403
            })
        ),
        "{err:?}"
    );
    // Nothing claims the upload finished.
    assert!(fake.seen.lock().expect("lock").uploaded.is_none());
    assert!(!format!("{err} {err:?}").contains("SECRET"));
}

#[test]
fn presigned_url_dropping_the_connection_every_time_is_a_transport_error() {
    let fake = Fake::start(vec![PartFault::Drop; 10]);
    let err = client(&fake)
        .upload_file(&spec(8), &data(20), |_| {})
        .expect_err("dropped");
    assert!(
        matches!(err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(fake.seen.lock().expect("lock").uploaded.is_none());
}
