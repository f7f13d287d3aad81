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

    /// Overrides the `Polar-Version` header (by default the version of the vendored spec).
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
    fn decode(
        value: &super::json::Json<'_>,
        path: &super::json::Path<'_>,
    ) -> Result<Self, super::json::DecodeError> {
        super::json::string(value, path).map(Secret::new)
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

/// The kinds of credential Polar accepts; each operation lists the ones it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// An organization access token (`polar_oat_...`), security scheme `oat`.
    OrganizationToken,
    /// A personal access token (`polar_pat_...`), security scheme `pat`.
    PersonalToken,
    /// An OAuth 2.0 access token, security scheme `oidc`.
    OAuth2Token,
    /// A customer session token (`polar_cst_...`), security scheme `customer_session`.
    CustomerSession,
    /// A member session token, security scheme `member_session`.
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

/// A bearer credential: its kind and its secret.
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

    /// Its kind.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// Its secret.
    pub fn token(&self) -> &Secret {
        &self.token
    }
}
