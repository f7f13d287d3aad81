//! Where requests go and who makes them: server, `Polar-Version`, user agent, credentials.

use std::fmt;

/// Polar's production API.
pub const PRODUCTION_URL: &str = "https://api.polar.sh";
/// Polar's sandbox API (test mode, no real money).
pub const SANDBOX_URL: &str = "https://sandbox-api.polar.sh";

/// The `User-Agent` of every request unless [`Config::user_agent`] overrides it.
pub const DEFAULT_USER_AGENT: &str = concat!("polar-rs/", env!("CARGO_PKG_VERSION"));

/// What every request carries besides the operation's own data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    base_url: String,
    polar_version: String,
    user_agent: String,
}

impl Default for Config {
    fn default() -> Self {
        Config::production()
    }
}

impl Config {
    /// Polar's production API, `https://api.polar.sh`.
    pub fn production() -> Self {
        Config::with_base_url(PRODUCTION_URL)
    }

    /// Polar's sandbox, `https://sandbox-api.polar.sh`.
    pub fn sandbox() -> Self {
        Config::with_base_url(SANDBOX_URL)
    }

    /// Any base URL (a local mock, a proxy); a trailing `/` is ignored.
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        Config {
            base_url,
            polar_version: crate::generated::SPEC_VERSION.to_owned(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }

    /// Overrides the `Polar-Version` header (by default the version of the vendored spec,
    /// [`SPEC_VERSION`](crate::SPEC_VERSION)). The models stay those of that spec: another
    /// version's responses may not match them.
    pub fn polar_version(mut self, version: impl Into<String>) -> Self {
        self.polar_version = version.into();
        self
    }

    /// Overrides the `User-Agent` header (by default `polar-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The `Polar-Version` header value.
    pub fn polar_version_header(&self) -> &str {
        &self.polar_version
    }

    /// The API version every request is pinned to (its `Polar-Version` header): the version
    /// of the spec the models were generated from, [`SPEC_VERSION`](crate::SPEC_VERSION),
    /// unless [`Config::polar_version`] overrode it.
    pub fn api_version(&self) -> &str {
        &self.polar_version
    }

    /// The `User-Agent` header value.
    pub fn user_agent_header(&self) -> &str {
        &self.user_agent
    }
}

/// A secret string (token, client secret) that never shows in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl super::json::FromJson for Secret {
    fn read(r: &mut super::doc::Reader<'_>) -> Result<Self, super::doc::Miss> {
        r.str().map(Secret::new)
    }
}

impl super::json::ToJson for Secret {
    fn to_json(&self) -> super::json::Value {
        super::json::Value::String(self.0.clone())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

/// Polar's token prefixes: what each says a token is, longest first so that no prefix
/// shadows a longer one. From Polar's server (polarsource/polar at c6c3645e, 2026-08):
///
/// - `polar_oat_`: `server/polar/organization_access_token/service.py` (`TOKEN_PREFIX`)
/// - `polar_pat_`: `server/polar/personal_access_token/service.py` (`TOKEN_PREFIX`)
/// - `polar_at_u_`, `polar_at_o_` (OAuth 2.0 access tokens of a user and of an organization),
///   `polar_rt_u_`, `polar_rt_o_` (their refresh tokens), `polar_cs_` (client secrets):
///   `server/polar/oauth2/constants.py`
/// - `polar_cst_`: `server/polar/customer_session/service.py`
///   (`CUSTOMER_SESSION_TOKEN_PREFIX`)
/// - `polar_mst_`: `server/polar/models/member_session.py` (`MEMBER_SESSION_TOKEN_PREFIX`)
/// - `polar_c_`, `polar_cl_`: checkout and checkout link client secrets,
///   `server/polar/checkout/service.py`, `server/polar/checkout_link/service.py`
/// - `whsec_`: webhook secrets, `server/polar/webhook/constants.py`; `polar_whs_` is what
///   Polar's dashboards showed before.
const PREFIXES: &[(&str, TokenKind)] = &[
    (
        "polar_at_u_",
        TokenKind::Credential(CredentialKind::OAuth2Token),
    ),
    (
        "polar_at_o_",
        TokenKind::Credential(CredentialKind::OAuth2Token),
    ),
    ("polar_rt_u_", TokenKind::RefreshToken),
    ("polar_rt_o_", TokenKind::RefreshToken),
    ("polar_whs_", TokenKind::WebhookSecret),
    (
        "polar_oat_",
        TokenKind::Credential(CredentialKind::OrganizationToken),
    ),
    (
        "polar_pat_",
        TokenKind::Credential(CredentialKind::PersonalToken),
    ),
    (
        "polar_cst_",
        TokenKind::Credential(CredentialKind::CustomerSession),
    ),
    (
        "polar_mst_",
        TokenKind::Credential(CredentialKind::MemberSession),
    ),
    ("polar_cs_", TokenKind::ClientSecret),
    ("polar_cl_", TokenKind::CheckoutSecret),
    ("polar_c_", TokenKind::CheckoutSecret),
    ("whsec_", TokenKind::WebhookSecret),
];

/// What a token is, by its prefix (see [`TokenKind::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// A bearer credential of this kind.
    Credential(CredentialKind),
    /// An OAuth 2.0 refresh token (`polar_rt_u_`, `polar_rt_o_`): exchanged for an access
    /// token with `oauth2:request_token`, never sent as one.
    RefreshToken,
    /// An OAuth 2.0 client secret (`polar_cs_`): authenticates an app to the token
    /// endpoint, not a bearer token.
    ClientSecret,
    /// A checkout or checkout link client secret (`polar_c_`, `polar_cl_`): identifies a
    /// checkout in its public URL.
    CheckoutSecret,
    /// A webhook signing secret (`whsec_`, or `polar_whs_` from older dashboards): verifies
    /// deliveries, see `webhooks`.
    WebhookSecret,
}

impl TokenKind {
    /// What `token` is by its Polar prefix (`polar_oat_`, `polar_pat_`, `polar_at_u_`,
    /// `polar_cst_`, ...); `None` when it has none this SDK knows.
    pub fn of(token: &str) -> Option<TokenKind> {
        PREFIXES
            .iter()
            .find(|(p, _)| token.starts_with(p))
            .map(|(_, k)| *k)
    }

    /// The prefix `token` starts with, when it has one this SDK knows.
    pub fn prefix_of(token: &str) -> Option<&'static str> {
        PREFIXES
            .iter()
            .find(|(p, _)| token.starts_with(p))
            .map(|(p, _)| *p)
    }

    /// A readable name for messages.
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Credential(k) => k.name(),
            TokenKind::RefreshToken => "OAuth 2.0 refresh token",
            TokenKind::ClientSecret => "OAuth 2.0 client secret",
            TokenKind::CheckoutSecret => "checkout client secret",
            TokenKind::WebhookSecret => "webhook secret",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why [`Credential::from_token`] could not tell a token's kind. Holds no part of the token
/// beyond its prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token starts with no prefix Polar gives its bearer tokens: name its kind with
    /// [`Credential::new`] or a constructor such as [`Credential::organization_token`].
    #[error("the token has no Polar prefix this SDK knows (polar_oat_, polar_pat_, polar_at_u_, polar_at_o_, polar_cst_, polar_mst_)")]
    UnknownPrefix,
    /// The token is a Polar secret, but not one sent as a bearer token.
    #[error("a {kind} (`{prefix}...`) is not sent as a bearer credential")]
    NotACredential {
        /// What it is.
        kind: TokenKind,
        /// Its prefix.
        prefix: &'static str,
    },
}

/// The kinds of credential Polar accepts; each operation lists the ones it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// An organization access token (`polar_oat_...`), security scheme `oat`.
    OrganizationToken,
    /// A personal access token (`polar_pat_...`), security scheme `pat`.
    PersonalToken,
    /// An OAuth 2.0 access token (`polar_at_u_...` for a user, `polar_at_o_...` for an
    /// organization), security scheme `oidc`.
    OAuth2Token,
    /// A customer session token (`polar_cst_...`), security scheme `customer_session`.
    CustomerSession,
    /// A member session token (`polar_mst_...`), security scheme `member_session`.
    MemberSession,
}

impl CredentialKind {
    /// A readable name for messages.
    pub fn name(self) -> &'static str {
        match self {
            CredentialKind::OrganizationToken => "organization access token",
            CredentialKind::PersonalToken => "personal access token",
            CredentialKind::OAuth2Token => "OAuth 2.0 access token",
            CredentialKind::CustomerSession => "customer session token",
            CredentialKind::MemberSession => "member session token",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A token Polar accepts as `Authorization: Bearer ...`, and which kind it is: an
/// organization access token, a personal one, an OAuth 2.0 access token, a customer or a
/// member session.
///
/// Polar's tokens say their kind in their prefix, so [`Credential::from_token`] needs the
/// token alone. The named constructors ([`organization_token`](Self::organization_token),
/// ...) declare the kind instead; a token whose prefix contradicts it is refused before
/// anything is sent, and so is a credential of a kind the operation does not accept. The
/// token never shows in `Debug` output or errors (`***`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    kind: CredentialKind,
    token: Secret,
}

impl Credential {
    /// A credential of `kind`.
    pub fn new(kind: CredentialKind, token: impl Into<Secret>) -> Self {
        Credential {
            kind,
            token: token.into(),
        }
    }

    /// A credential of the kind its token's prefix says: `polar_oat_` an organization
    /// access token, `polar_pat_` a personal one, `polar_at_u_`/`polar_at_o_` an OAuth 2.0
    /// access token, `polar_cst_` a customer session, `polar_mst_` a member session.
    ///
    /// ```
    /// use polarsh_core::{Credential, CredentialKind};
    ///
    /// let c = Credential::from_token("polar_oat_0123").unwrap();
    /// assert_eq!(c.kind(), CredentialKind::OrganizationToken);
    /// // A refresh token is not a bearer credential.
    /// assert!(Credential::from_token("polar_rt_u_0123").is_err());
    /// ```
    pub fn from_token(token: impl Into<Secret>) -> Result<Self, TokenError> {
        let token = token.into();
        match TokenKind::of(token.expose()) {
            Some(TokenKind::Credential(kind)) => Ok(Credential { kind, token }),
            Some(kind) => Err(TokenError::NotACredential {
                kind,
                prefix: TokenKind::prefix_of(token.expose()).unwrap_or_default(),
            }),
            None => Err(TokenError::UnknownPrefix),
        }
    }

    /// What the token's prefix says it is, when that contradicts the kind this credential
    /// was declared as: `Credential::organization_token("polar_pat_...")`. A token without a
    /// Polar prefix (a test double's, a proxy's) contradicts nothing. Requests refuse such
    /// a credential before anything is sent ([`BuildError::TokenKindMismatch`]).
    ///
    /// [`BuildError::TokenKindMismatch`]: super::operation::BuildError::TokenKindMismatch
    pub fn contradiction(&self) -> Option<TokenKind> {
        match TokenKind::of(self.token.expose()) {
            Some(TokenKind::Credential(k)) if k == self.kind => None,
            Some(other) => Some(other),
            None => None,
        }
    }

    /// An organization access token.
    pub fn organization_token(token: impl Into<Secret>) -> Self {
        Credential::new(CredentialKind::OrganizationToken, token)
    }

    /// A personal access token.
    pub fn personal_token(token: impl Into<Secret>) -> Self {
        Credential::new(CredentialKind::PersonalToken, token)
    }

    /// An OAuth 2.0 access token.
    pub fn oauth2_token(token: impl Into<Secret>) -> Self {
        Credential::new(CredentialKind::OAuth2Token, token)
    }

    /// A customer session token (from `customer-sessions:create`).
    pub fn customer_session(token: impl Into<Secret>) -> Self {
        Credential::new(CredentialKind::CustomerSession, token)
    }

    /// A member session token.
    pub fn member_session(token: impl Into<Secret>) -> Self {
        Credential::new(CredentialKind::MemberSession, token)
    }

    /// Which kind of credential this is: each operation accepts some kinds, not all.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// The token, sent as `Authorization: Bearer <token>`; [`Secret`] keeps it out of `Debug`
    /// output.
    pub fn token(&self) -> &Secret {
        &self.token
    }
}
