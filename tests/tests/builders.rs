//! Golden tests of request builders on their own: the exact method, URL, headers and body
//! the core produces for the operations with tricky encodings. No network.

use polarsh_core::models::{
    CustomerSessionCustomerIdCreate, CustomerSortProperty, MetadataQueryValue as MetaQuery,
    OrderFinalize,
};
use polarsh_core::operations::{
    customer_portal_license_keys, customer_sessions, customers, orders,
};
use polarsh_core::{BuildError, Config, Credential, CredentialKind, Error, Operation, Secret};
use std::collections::BTreeMap;

fn org() -> Credential {
    Credential::organization_token("polar_oat_SECRET")
}

fn body(req: &http::Request<Vec<u8>>) -> &str {
    std::str::from_utf8(req.body()).expect("UTF-8 body")
}

#[test]
fn metadata_deep_object_nullable_arrays_and_sorting() {
    let mut op = customers::List::new();
    op.organization_id = Some(vec!["o1".into(), "o2".into()]);
    op.sorting = Some(vec![
        CustomerSortProperty::CreatedAtDesc,
        CustomerSortProperty::Email,
    ]);
    let mut meta = BTreeMap::new();
    meta.insert("plan".to_owned(), MetaQuery::String("pro".into()));
    meta.insert("seats".to_owned(), MetaQuery::IntegerList(vec![1, 2]));
    op.metadata = Some(meta);
    op.active = Some(true);
    let req = op
        .request(&Config::production(), Some(&org()))
        .expect("request");
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri(),
        "https://api.polar.sh/v1/customers/?organization_id=o1&organization_id=o2&active=true\
         &sorting=-created_at&sorting=email&metadata%5Bplan%5D=pro&metadata%5Bseats%5D=1&metadata%5Bseats%5D=2"
    );
    assert!(req.body().is_empty());
    assert!(req.headers().get("content-type").is_none());
}

#[test]
fn trailing_slash_path_json_body_and_headers() {
    let op = customer_sessions::Create::new(CustomerSessionCustomerIdCreate::new("c1"));
    let req = op
        .request(&Config::sandbox(), Some(&org()))
        .expect("request");
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri(),
        "https://sandbox-api.polar.sh/v1/customer-sessions/"
    );
    assert_eq!(body(&req), r#"{"customer_id":"c1"}"#);
    let h = req.headers();
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["authorization"], "Bearer polar_oat_SECRET");
    assert_eq!(h["polar-version"], polarsh_core::SPEC_VERSION);
    assert_eq!(
        h["user-agent"],
        concat!("polar-rs/", env!("CARGO_PKG_VERSION"))
    );
    // The version header can be overridden; the bearer header is marked sensitive.
    let req = op
        .request(&Config::sandbox().polar_version("2027-01"), Some(&org()))
        .expect("request");
    assert_eq!(req.headers()["polar-version"], "2027-01");
    assert!(req.headers()["authorization"].is_sensitive());
}

#[test]
fn optional_body_of_orders_finalize() {
    let mut op = orders::Finalize::new("ord_1");
    let req = op
        .request(&Config::production(), Some(&org()))
        .expect("request");
    assert_eq!(req.uri(), "https://api.polar.sh/v1/orders/ord_1/finalize");
    assert!(req.body().is_empty());
    assert!(req.headers().get("content-type").is_none());
    op.body = Some(OrderFinalize::default());
    let req = op
        .request(&Config::production(), Some(&org()))
        .expect("request");
    assert_eq!(body(&req), "{}");
    assert_eq!(req.headers()["content-type"], "application/json");
}

#[test]
fn path_parameters_are_percent_encoded() {
    let op = customers::GetExternal::new("a/b c?");
    let req = op
        .request(&Config::production(), Some(&org()))
        .expect("request");
    assert_eq!(
        req.uri(),
        "https://api.polar.sh/v1/customers/external/a%2Fb%20c%3F"
    );
    // Plain runs are copied whole, before, between and after escapes, over UTF-8 too.
    for (id, encoded) in [
        ("usr_1-A.b~", "usr_1-A.b~"),
        ("\u{e9}t\u{e9}", "%C3%A9t%C3%A9"),
        ("x y", "x%20y"),
        ("%", "%25"),
    ] {
        let req = customers::GetExternal::new(id)
            .request(&Config::production(), Some(&org()))
            .expect("request");
        assert_eq!(
            req.uri().path(),
            ["/v1/customers/external/", encoded].concat(),
            "{id}"
        );
    }
    let empty = customers::GetExternal::new("");
    assert!(matches!(
        empty.request(&Config::production(), Some(&org())),
        Err(Error::Build(BuildError::InvalidParameter { .. }))
    ));
    // `.` and `..` would be path steps once a proxy normalises the path (`%2E` too): refused
    // before anything is sent. Dots inside an id are fine.
    for dots in [".", ".."] {
        match customers::Get::new(dots).request(&Config::production(), Some(&org())) {
            Err(Error::Build(BuildError::DotSegment { name, value })) => {
                assert_eq!((name.as_str(), value), ("id", dots));
            }
            other => panic!("{dots:?}: expected DotSegment, got {other:?}"),
        }
    }
    for fine in ["...", ".x", "a..b", "%2E"] {
        let req = customers::GetExternal::new(fine)
            .request(&Config::production(), Some(&org()))
            .expect("request");
        assert!(!req.uri().path().ends_with("/.."), "{fine}");
    }
}

#[test]
fn credentials_are_checked_before_sending() {
    let op = customers::List::new();
    let session = Credential::customer_session("polar_cst_SECRET");
    match op.request(&Config::production(), Some(&session)) {
        Err(Error::Build(BuildError::CredentialNotAccepted {
            given, operation, ..
        })) => {
            assert_eq!(given, CredentialKind::CustomerSession);
            assert_eq!(operation, "customers:list");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let err = op
        .request(&Config::production(), None)
        .expect_err("no credential");
    assert!(matches!(
        err,
        Error::Build(BuildError::MissingCredential { .. })
    ));
    assert!(
        err.to_string().contains("organization access token"),
        "{err}"
    );

    // Public: builds without a credential and sends none.
    let validate = customer_portal_license_keys::Validate::new(
        polarsh_core::models::LicenseKeyValidate::new("KEY", "o1"),
    );
    let req = validate
        .request(&Config::production(), None)
        .expect("public");
    assert!(req.headers().get("authorization").is_none());
}

#[test]
fn secrets_never_print() {
    let s = Secret::new("polar_oat_SECRET");
    assert_eq!(format!("{s:?}"), "Secret(***)");
    assert_eq!(format!("{s}"), "***");
    let c = org();
    assert!(!format!("{c:?}").contains("SECRET"));
    let op = customers::List::new();
    let session = Credential::customer_session("polar_cst_SECRET");
    let err = op
        .request(&Config::production(), Some(&session))
        .expect_err("refused");
    assert!(!format!("{err} {err:?}").contains("SECRET"));
    let req = op
        .request(&Config::production(), Some(&c))
        .expect("request");
    assert!(!format!("{:?}", req.headers()).contains("SECRET"));
}

#[test]
fn error_debug_shows_bodies_as_text() {
    let html = "<html><body>502 Bad Gateway</body></html>";
    let response = |status: u16, ct: &str| {
        http::Response::builder()
            .status(status)
            .header("content-type", ct)
            .body(html.as_bytes().to_vec())
            .expect("response")
    };
    // A declared status with a body that is not JSON, an undeclared status, a declared error.
    let decode = customers::Get::parse(&response(200, "text/html")).expect_err("not JSON");
    let unexpected = customers::Get::parse(&response(502, "text/html")).expect_err("502");
    let declared = customers::Get::parse(&response(404, "text/html")).expect_err("404");
    for (e, variant) in [
        (decode, "Decode"),
        (unexpected, "UnexpectedStatus"),
        (declared, "NotFound"),
    ] {
        let debug = format!("{e:?}");
        assert!(debug.starts_with(variant), "{debug}");
        assert!(
            debug.contains(&format!("{html:?}")),
            "body not shown as text: {debug}"
        );
        assert!(!debug.contains("60, 104"), "body shown as bytes: {debug}");
    }
}

#[test]
fn list_parameters_by_id_take_one_value_or_several() {
    // `organization_id` is `string | array<string> | null`: a bare string is a list of one,
    // and both forms build the same query string.
    let build = |params: serde_json::Value| {
        polarsh_core::operations::request_by_id(
            "customers:list",
            &params,
            &Config::production(),
            Some(&org()),
        )
        .expect("known operation")
        .map(|r| r.uri().to_string())
    };
    let id = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";
    let one = build(serde_json::json!({ "organization_id": id })).expect("bare value");
    let list = build(serde_json::json!({ "organization_id": [id] })).expect("list");
    assert_eq!(one, list);
    assert!(one.contains(&format!("organization_id={id}")), "{one}");
    // A value of the wrong type is still refused, with the parameter's path.
    let err = build(serde_json::json!({ "organization_id": 5 })).expect_err("a number");
    assert!(format!("{err}").contains("organization_id"), "{err}");
}

#[test]
fn a_base_url_that_forms_no_uri_is_a_typed_error_naming_the_whole_url() {
    let op = customers::List::new();
    let config = Config::with_base_url("http://bad host");
    match op.request(&config, Some(&org())) {
        Err(Error::Build(BuildError::InvalidUri(url))) => {
            assert_eq!(url, "http://bad host/v1/customers/");
        }
        other => panic!("expected InvalidUri, got {other:?}"),
    }
}
