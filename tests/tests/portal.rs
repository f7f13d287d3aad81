//! The customer portal end to end against Prism: an organization token creates a customer
//! session (the seed example); its token then drives the portal operations. A credential of
//! the wrong kind is refused before anything is sent; public license-key operations work
//! without a token.

use polar_tests::Prism;
use polarsh_blocking::models::{CustomerSessionCustomerIdCreate, LicenseKeyValidate};
use polarsh_blocking::{Api, Client, Config, Credential, CredentialKind, Error};
use polarsh_core::BuildError;

fn refused(err: Error, given: CredentialKind) {
    match err {
        Error::Build(BuildError::CredentialNotAccepted { given: g, .. }) => {
            assert_eq!(g, given)
        }
        other => panic!("expected the credential to be refused before sending, got {other:?}"),
    }
}

#[test]
fn customer_portal_flow() {
    let prism = Prism::start();
    let org = Client::builder()
        .config(Config::with_base_url(prism.base_url()))
        .credential(Credential::organization_token("polar_oat_SECRET"))
        .build();

    let session = org
        .customer_sessions()
        .create(CustomerSessionCustomerIdCreate::new(
            "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        ))
        .send()
        .expect("customer session");
    let portal = org.with_credential(Credential::customer_session(session.token.clone()));

    portal
        .customer_portal()
        .customers()
        .get()
        .send()
        .expect("get customer");
    portal
        .customer_portal()
        .organizations()
        .get("acme")
        .send()
        .expect("get organization");
    let orders: Vec<_> = portal
        .customer_portal()
        .orders()
        .list()
        .pages()
        .items()
        .collect::<Result<_, _>>()
        .expect("orders");
    let subs: Vec<_> = portal
        .customer_portal()
        .subscriptions()
        .list()
        .pages()
        .items()
        .collect::<Result<_, _>>()
        .expect("subscriptions");
    portal
        .customer_portal()
        .license_keys()
        .list()
        .send()
        .expect("license keys");
    portal
        .customer_portal()
        .downloadables()
        .list()
        .send()
        .expect("file downloads");
    portal
        .customer_portal()
        .benefit_grants()
        .list()
        .send()
        .expect("benefit grants");
    println!(
        "portal: {} order(s), {} subscription(s)",
        orders.len(),
        subs.len()
    );

    // Wrong kinds are caught before any request is sent.
    refused(
        org.customer_portal()
            .customers()
            .get()
            .send()
            .expect_err("org token on portal"),
        CredentialKind::OrganizationToken,
    );
    refused(
        portal
            .customers()
            .list()
            .send()
            .expect_err("session token on org operation"),
        CredentialKind::CustomerSession,
    );

    // License-key validation is public: no credential at all.
    let anonymous = Client::builder()
        .config(Config::with_base_url(prism.base_url()))
        .build();
    anonymous
        .customer_portal()
        .license_keys()
        .validate(LicenseKeyValidate::new(
            "LICENSE-KEY",
            "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
        ))
        .send()
        .expect("public validate");

    // The session token never shows in Debug.
    assert_eq!(format!("{:?}", session.token), "Secret(***)");
    assert!(format!("{session:?}").contains("token: Secret(***)"));
}
