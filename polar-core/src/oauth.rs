//! OAuth 2.0 with Polar ("Polar Connect"), sans-IO: the authorize URL (with PKCE S256) and
//! the token, refresh, revoke and introspect calls, which are generated operations with
//! form-encoded bodies. The core has no RNG: a PKCE verifier is given, or derived from random
//! bytes the caller supplies.
//!
//! ```
//! use polarsh_core::oauth::{AuthorizeUrl, Pkce, AUTHORIZE_URL_SANDBOX};
//! use polarsh_core::models::Scope;
//!
//! let pkce = Pkce::from_random_bytes(&[7; 32]); // use real random bytes
//! let url = AuthorizeUrl::new("polar_ci_123", "https://example.com/callback", "xyz")
//!     .scopes([Scope::Openid, Scope::CustomersRead])
//!     .pkce(&pkce)
//!     .build(AUTHORIZE_URL_SANDBOX)?;
//! assert!(url.starts_with("https://sandbox.polar.sh/oauth2/authorize?response_type=code&client_id=polar_ci_123"));
//! assert!(url.contains("&code_challenge_method=S256"));
//! // Later, with the `code` from the redirect:
//! let exchange = polarsh_core::oauth::exchange_code("polar_ci_123", "polar_cs_...", "the-code", "https://example.com/callback", Some(&pkce));
//! # Ok::<(), polarsh_core::oauth::OAuthError>(())
//! ```

use crate::models::{
    AuthorizationCodeTokenRequest, IntrospectTokenRequest, RefreshTokenRequest, RevokeTokenRequest,
    Scope,
};
use crate::operations::oauth2::{Introspect, Revoke, Token};
use crate::runtime::config::Secret;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Where users authorize an application on Polar (production).
pub const AUTHORIZE_URL_PRODUCTION: &str = "https://polar.sh/oauth2/authorize";
/// Where users authorize an application on Polar's sandbox.
pub const AUTHORIZE_URL_SANDBOX: &str = "https://sandbox.polar.sh/oauth2/authorize";

/// Why an OAuth value was refused before anything was sent. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// A scope the spec does not list.
    #[error("unknown scope `{0}`")]
    UnknownScope(String),
    /// A redirect URI that is not an absolute `https` URL (or `http` on localhost).
    #[error(
        "invalid redirect URI `{0}`: it must be an absolute https URL (http only for localhost)"
    )]
    InvalidRedirectUri(String),
    /// A PKCE verifier that is not 43 to 128 unreserved characters (RFC 7636).
    #[error("invalid PKCE code verifier: 43 to 128 characters of A-Z a-z 0-9 - . _ ~")]
    InvalidVerifier,
    /// The `state` is empty: it protects the redirect against forgery.
    #[error("the state must not be empty")]
    EmptyState,
    /// No scope was asked for.
    #[error("at least one scope is needed")]
    NoScope,
}

/// A PKCE pair: the verifier (kept secret, sent with the token exchange) and its S256
/// challenge (sent in the authorize URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Pkce {
    /// From a verifier the caller made (RFC 7636: 43 to 128 unreserved characters).
    pub fn from_verifier(verifier: impl Into<String>) -> Result<Self, OAuthError> {
        let verifier = verifier.into();
        let ok = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if !ok {
            return Err(OAuthError::InvalidVerifier);
        }
        let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
        Ok(Pkce {
            verifier: Secret::new(verifier),
            challenge,
        })
    }

    /// From 32 random bytes the caller drew (the core has no RNG): their base64url form is a
    /// 43-character verifier.
    pub fn from_random_bytes(bytes: &[u8; 32]) -> Self {
        let verifier = b64url(bytes);
        let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// The verifier, for the token exchange.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The S256 challenge, for the authorize URL.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// The URL to send a user to so they authorize your application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeUrl {
    client_id: String,
    redirect_uri: String,
    state: String,
    scopes: Vec<Scope>,
    challenge: Option<String>,
    sub_type: Option<String>,
}

fn check_redirect(uri: &str) -> Result<(), OAuthError> {
    let bad = || OAuthError::InvalidRedirectUri(uri.to_owned());
    let parsed: http::Uri = uri.parse().map_err(|_| bad())?;
    let host = parsed.host().ok_or_else(bad)?;
    match parsed.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if matches!(host, "localhost" | "127.0.0.1" | "[::1]") => Ok(()),
        _ => Err(bad()),
    }
}

fn encode(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

impl AuthorizeUrl {
    /// An authorization request for `client_id`, redirecting to `redirect_uri` with `state`.
    pub fn new(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        state: impl Into<String>,
    ) -> Self {
        AuthorizeUrl {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            state: state.into(),
            scopes: Vec::new(),
            challenge: None,
            sub_type: None,
        }
    }

    /// The scopes asked for.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes.extend(scopes);
        self
    }

    /// Adds a PKCE S256 challenge.
    pub fn pkce(mut self, pkce: &Pkce) -> Self {
        self.challenge = Some(pkce.challenge.clone());
        self
    }

    /// Asks for a token for a `user` or an `organization` (`sub_type`).
    pub fn sub_type(mut self, sub_type: impl Into<String>) -> Self {
        self.sub_type = Some(sub_type.into());
        self
    }

    /// The URL below `base` (e.g. [`AUTHORIZE_URL_PRODUCTION`]), or why it cannot be made.
    pub fn build(&self, base: &str) -> Result<String, OAuthError> {
        check_redirect(&self.redirect_uri)?;
        if self.state.is_empty() {
            return Err(OAuthError::EmptyState);
        }
        if self.scopes.is_empty() {
            return Err(OAuthError::NoScope);
        }
        if let Some(Scope::Unknown(s)) = self.scopes.iter().find(|s| matches!(s, Scope::Unknown(_)))
        {
            return Err(OAuthError::UnknownScope(s.clone()));
        }
        let scopes: Vec<&str> = self.scopes.iter().map(Scope::as_str).collect();
        let mut url = format!("{base}?response_type=code&client_id=");
        encode(&mut url, &self.client_id);
        url.push_str("&redirect_uri=");
        encode(&mut url, &self.redirect_uri);
        url.push_str("&scope=");
        encode(&mut url, &scopes.join(" "));
        url.push_str("&state=");
        encode(&mut url, &self.state);
        if let Some(c) = &self.challenge {
            url.push_str("&code_challenge=");
            encode(&mut url, c);
            url.push_str("&code_challenge_method=S256");
        }
        if let Some(s) = &self.sub_type {
            url.push_str("&sub_type=");
            encode(&mut url, s);
        }
        Ok(url)
    }
}

/// The token exchange (`oauth2:request_token`, grant `authorization_code`) for the `code`
/// Polar redirected back with; with PKCE, the verifier goes along.
pub fn exchange_code(
    client_id: &str,
    client_secret: impl Into<Secret>,
    code: &str,
    redirect_uri: &str,
    pkce: Option<&Pkce>,
) -> Token {
    let mut body = AuthorizationCodeTokenRequest::new(client_id, client_secret, code, redirect_uri);
    // Not in Polar's schema but part of OAuth 2.0 (RFC 7636): the generator adds the field,
    // typed `Secret`, so that the verifier never shows in `Debug`.
    body.code_verifier = pkce.map(|p| p.verifier.clone());
    Token::new(body)
}

/// A new access token from a refresh token (`oauth2:request_token`, grant `refresh_token`).
pub fn refresh(
    client_id: &str,
    client_secret: impl Into<Secret>,
    refresh_token: impl Into<Secret>,
) -> Token {
    Token::new(RefreshTokenRequest::new(
        client_id,
        client_secret,
        refresh_token,
    ))
}

/// Revokes an access or refresh token (`oauth2:revoke_token`).
pub fn revoke(
    client_id: &str,
    client_secret: impl Into<Secret>,
    token: impl Into<Secret>,
) -> Revoke {
    Revoke::new(RevokeTokenRequest::new(token, client_id, client_secret))
}

/// Asks Polar what a token is (`oauth2:introspect_token`).
pub fn introspect(
    client_id: &str,
    client_secret: impl Into<Secret>,
    token: impl Into<Secret>,
) -> Introspect {
    Introspect::new(IntrospectTokenRequest::new(token, client_id, client_secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::config::Config;
    use crate::Operation;

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(
            Pkce::from_random_bytes(&[0; 32]).verifier().expose().len(),
            43
        );
        assert_eq!(
            Pkce::from_verifier("short"),
            Err(OAuthError::InvalidVerifier)
        );
        assert!(!format!("{p:?}").contains("dBjftJeZ"));
    }

    #[test]
    fn authorize_url_is_exact_and_validated() {
        let url = AuthorizeUrl::new("ci_1", "http://localhost:3000/cb", "s t")
            .scopes([Scope::Openid, Scope::UserRead])
            .build(AUTHORIZE_URL_PRODUCTION)
            .unwrap();
        assert_eq!(
            url,
            "https://polar.sh/oauth2/authorize?response_type=code&client_id=ci_1&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&scope=openid%20user%3Aread&state=s%20t"
        );
        let base = AuthorizeUrl::new("ci_1", "https://example.com/cb", "s").scopes([Scope::Openid]);
        assert!(base.clone().build(AUTHORIZE_URL_SANDBOX).is_ok());
        for bad in ["http://example.com/cb", "example.com/cb", "ftp://x/y", ""] {
            let r = AuthorizeUrl::new("ci_1", bad, "s")
                .scopes([Scope::Openid])
                .build(AUTHORIZE_URL_SANDBOX);
            assert_eq!(r, Err(OAuthError::InvalidRedirectUri(bad.into())), "{bad}");
        }
        let r = base
            .clone()
            .scopes([Scope::from("admin:everything")])
            .build(AUTHORIZE_URL_SANDBOX);
        assert_eq!(r, Err(OAuthError::UnknownScope("admin:everything".into())));
        let r = AuthorizeUrl::new("ci_1", "https://example.com/cb", "")
            .scopes([Scope::Openid])
            .build("x");
        assert_eq!(r, Err(OAuthError::EmptyState));
    }

    #[test]
    fn token_exchange_is_form_encoded_without_bearer() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        let op = exchange_code(
            "ci_1",
            "cs_SECRET",
            "c0de",
            "https://example.com/cb",
            Some(&pkce),
        );
        let req = op.request(&Config::sandbox(), None).unwrap();
        assert_eq!(req.uri(), "https://sandbox-api.polar.sh/v1/oauth2/token");
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert!(req.headers().get("authorization").is_none());
        let body = String::from_utf8(req.body().clone()).unwrap();
        let mut pairs: Vec<&str> = body.split('&').collect();
        pairs.sort_unstable();
        assert_eq!(
            pairs,
            [
                "client_id=ci_1",
                "client_secret=cs_SECRET",
                "code=c0de",
                "code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                "grant_type=authorization_code",
                "redirect_uri=https%3A%2F%2Fexample.com%2Fcb",
            ]
        );
        assert!(!format!("{op:?}").contains("cs_SECRET"));
        assert!(!format!("{op:?}").contains("dBjftJeZ"));
    }
}
