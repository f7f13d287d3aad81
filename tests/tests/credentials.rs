//! Credentials that explain themselves: the kind read from Polar's token prefixes, a token
//! whose prefix contradicts its declared kind refused before anything is sent, an
//! organization scope sent as `Polar-Organization`, a credential per call, and the API
//! version every request is pinned to, readable from the client. Through the blocking and
//! the async client alike (both are the core's, over a test double here).

use polarsh_blocking::{send_with, Api, BlockingClient, Builder, Config, Credential, Error, Fault};
use polarsh_core::{BuildError, CredentialKind, TokenError, TokenKind, SPEC_VERSION};
use std::sync::{Arc, Mutex};

/// Every request a test double was sent: method and path, `Authorization`,
/// `Polar-Organization`, `Polar-Version`.
type Seen = Arc<Mutex<Vec<[String; 4]>>>;

fn header(request: &http::Request<Vec<u8>>, name: &str) -> String {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

fn record(seen: &Seen, request: &http::Request<Vec<u8>>) {
    if let Ok(mut seen) = seen.lock() {
        seen.push([
            format!("{} {}", request.method(), request.uri().path()),
            header(request, "authorization"),
            header(request, "polar-organization"),
            header(request, "polar-version"),
        ]);
    }
}

/// An empty page, whatever the list: what the double answers to every request.
fn empty_page() -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(
        br#"{"items":[],"pagination":{"total_count":0,"max_page":1}}"#.to_vec(),
    );
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

type Sender =
    dyn Fn(http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Fault> + Send + Sync;

/// A blocking client over a test double that records each request and answers an empty page.
type Double = BlockingClient<polarsh_blocking::SendWith<Box<Sender>, polarsh_blocking::StdRuntime>>;

fn blocking(seen: &Seen, builder: impl FnOnce(Builder<Double>) -> Builder<Double>) -> Double {
    let seen = seen.clone();
    let send: Box<Sender> = Box::new(move |request| {
        record(&seen, &request);
        Ok(empty_page())
    });
    builder(BlockingClient::builder_with(send_with(send)).config(Config::sandbox())).build()
}

fn seen_now(seen: &Seen) -> Vec<[String; 4]> {
    seen.lock().map(|s| s.clone()).unwrap_or_default()
}

#[test]
fn the_kind_is_read_from_polars_prefixes() {
    for (token, kind) in [
        ("polar_oat_abc", CredentialKind::OrganizationToken),
        ("polar_pat_abc", CredentialKind::PersonalToken),
        ("polar_at_u_abc", CredentialKind::OAuth2Token),
        ("polar_at_o_abc", CredentialKind::OAuth2Token),
        ("polar_cst_abc", CredentialKind::CustomerSession),
        ("polar_mst_abc", CredentialKind::MemberSession),
    ] {
        let c = Credential::from_token(token).unwrap_or_else(|e| panic!("{token}: {e}"));
        assert_eq!(c.kind(), kind, "{token}");
        assert_eq!(c.token().expose(), token);
        assert_eq!(c.contradiction(), None);
    }
    for (token, kind) in [
        ("polar_rt_u_abc", TokenKind::RefreshToken),
        ("polar_rt_o_abc", TokenKind::RefreshToken),
        ("polar_cs_abc", TokenKind::ClientSecret),
        ("polar_c_abc", TokenKind::CheckoutSecret),
        ("polar_cl_abc", TokenKind::CheckoutSecret),
        ("whsec_abc", TokenKind::WebhookSecret),
        ("polar_whs_abc", TokenKind::WebhookSecret),
    ] {
        let e = Credential::from_token(token).expect_err(token);
        assert!(
            matches!(e, TokenError::NotACredential { kind: k, .. } if k == kind),
            "{token}: {e:?}"
        );
        // The message names the prefix, never the secret.
        assert!(!e.to_string().contains("abc"), "{e}");
    }
    for token in ["", "abc", "polar_", "POLAR_OAT_abc", "Bearer polar_oat_abc"] {
        assert_eq!(
            Credential::from_token(token),
            Err(TokenError::UnknownPrefix),
            "{token:?}"
        );
    }
}

#[test]
fn a_token_whose_prefix_contradicts_its_declared_kind_is_refused_before_sending() {
    let seen = Seen::default();
    let client = blocking(&seen, |b| {
        b.credential(Credential::organization_token("polar_pat_secret"))
    });
    let e = client.customers().list().send().expect_err("a mismatch");
    match &e {
        Error::Build(BuildError::TokenKindMismatch {
            declared,
            found,
            prefix,
        }) => {
            assert_eq!(*declared, CredentialKind::OrganizationToken);
            assert_eq!(*found, TokenKind::Credential(CredentialKind::PersonalToken));
            assert_eq!(*prefix, "polar_pat_");
        }
        other => panic!("expected a token kind mismatch, got {other:?}"),
    }
    assert!(!e.to_string().contains("secret"), "{e}");
    // A refresh token given as an access token.
    let client = blocking(&seen, |b| {
        b.credential(Credential::oauth2_token("polar_rt_u_secret"))
    });
    assert!(matches!(
        client.customers().list().send(),
        Err(Error::Build(BuildError::TokenKindMismatch {
            found: TokenKind::RefreshToken,
            ..
        }))
    ));
    assert!(seen_now(&seen).is_empty(), "something was sent");

    // A token without a Polar prefix (a test double's, a proxy's) is taken as declared.
    let client = blocking(&seen, |b| b.credential(Credential::personal_token("t0k3n")));
    client.customers().list().send().expect("an empty page");
    assert_eq!(seen_now(&seen)[0][1], "Bearer t0k3n");
}

#[test]
fn the_organization_scope_goes_with_every_request_to_polar() {
    let seen = Seen::default();
    let client = blocking(&seen, |b| {
        b.credential(Credential::from_token("polar_pat_x").expect("a personal token"))
            .organization("11111111-2222-4333-8444-555555555555")
    });
    client.customers().list().send().expect("a page");
    client
        .products()
        .list()
        .pages()
        .items()
        .for_each(|i| drop(i.expect("no item, no error")));
    let seen_list = seen_now(&seen);
    assert_eq!(seen_list.len(), 2);
    for request in &seen_list {
        assert_eq!(
            request[2], "11111111-2222-4333-8444-555555555555",
            "{request:?}"
        );
    }
    assert_eq!(
        client.options().organization.as_deref(),
        Some("11111111-2222-4333-8444-555555555555")
    );

    // Not a header value: refused before sending.
    let client = blocking(&seen, |b| {
        b.credential(Credential::personal_token("t"))
            .organization("bad\nid")
    });
    assert!(matches!(
        client.products().list().send(),
        Err(Error::Build(BuildError::InvalidHeader(
            "polar-organization"
        )))
    ));
    assert_eq!(seen_now(&seen).len(), 2);
}

#[test]
fn a_call_can_carry_its_own_credential() {
    let seen = Seen::default();
    let client = blocking(&seen, |b| {
        b.credential(Credential::from_token("polar_oat_server").expect("an organization token"))
    });
    // A server acting for many customers: each portal call with that customer's session.
    for customer in ["polar_cst_ada", "polar_cst_bob"] {
        let session = Credential::from_token(customer).expect("a customer session");
        client
            .customer_portal()
            .orders()
            .list()
            .with_credential(session.clone())
            .send()
            .expect("a page");
        client
            .customer_portal()
            .orders()
            .list()
            .with_credential(session)
            .pages()
            .for_each(|p| drop(p.expect("a page")));
    }
    // The client's own credential is untouched.
    client.customers().list().send().expect("a page");
    // And a call's credential is checked like any other: an organization token is no
    // customer session.
    let refused = client
        .customer_portal()
        .orders()
        .list()
        .with_credential(Credential::customer_session("polar_oat_server"))
        .send();
    assert!(matches!(
        refused,
        Err(Error::Build(BuildError::TokenKindMismatch { .. }))
    ));
    let auth: Vec<String> = seen_now(&seen).into_iter().map(|r| r[1].clone()).collect();
    assert_eq!(
        auth,
        [
            "Bearer polar_cst_ada",
            "Bearer polar_cst_ada",
            "Bearer polar_cst_bob",
            "Bearer polar_cst_bob",
            "Bearer polar_oat_server"
        ]
    );
}

#[test]
fn the_async_client_takes_the_same_credentials_and_scope() {
    let seen = Seen::default();
    let recorder = seen.clone();
    let client = polarsh_core::client::AsyncClient::builder_with(polarsh_tokio::send_with(
        move |request: http::Request<Vec<u8>>| {
            record(&recorder, &request);
            std::future::ready(Ok::<_, Fault>(empty_page()))
        },
    ))
    .credential(Credential::from_token("polar_pat_me").expect("a personal token"))
    .organization("org-1")
    .build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        client.customers().list().send().await.expect("a page");
        let mut pages = client
            .customer_portal()
            .orders()
            .list()
            .with_credential(Credential::from_token("polar_cst_ada").expect("a session"))
            .pages();
        while let Some(page) = pages.next().await {
            page.expect("a page");
        }
    });
    assert_eq!(client.api_version(), SPEC_VERSION);
    let seen_list = seen_now(&seen);
    assert_eq!(
        seen_list
            .iter()
            .map(|r| (r[1].as_str(), r[2].as_str()))
            .collect::<Vec<_>>(),
        [
            ("Bearer polar_pat_me", "org-1"),
            ("Bearer polar_cst_ada", "org-1")
        ]
    );
}

#[test]
fn the_api_version_is_the_specs_and_readable() {
    let seen = Seen::default();
    let client = blocking(&seen, |b| b.credential(Credential::organization_token("t")));
    assert_eq!(client.api_version(), SPEC_VERSION);
    assert_eq!(client.options().api_version(), SPEC_VERSION);
    assert_eq!(Config::production().api_version(), SPEC_VERSION);
    client.products().list().send().expect("a page");
    assert_eq!(seen_now(&seen)[0][3], SPEC_VERSION);
    // Overriding it is possible, and visible.
    let client = blocking(&seen, |b| {
        b.config(Config::sandbox().polar_version("2027-01"))
    });
    assert_eq!(client.api_version(), "2027-01");
}
