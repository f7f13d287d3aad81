//! The whole OAuth 2.0 flow against a loopback stand-in of Polar's OAuth endpoints,
//! checking every request byte that matters: authorize URL with PKCE, code exchange,
//! userinfo with the OAuth token, refresh, introspect, revoke. (The form-encoded calls are
//! also checked against the spec by the Prism conformance test.)

use polarsh_blocking::models::{Oauth2UserinfoResponse200, Scope};
use polarsh_blocking::{Api, Client, Config, Credential};
use polarsh_core::oauth::{self, AuthorizeUrl, Pkce};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// (method, path, headers lower-cased, body) of each request the stand-in received.
type Seen = Arc<Mutex<Vec<(String, String, Vec<(String, String)>, String)>>>;

fn stand_in() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen: Seen = Arc::default();
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Ok(clone) = stream.try_clone() else {
                continue;
            };
            let mut reader = BufReader::new(clone);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut it = line.split_whitespace();
            let (method, path) = (
                it.next().unwrap_or("").to_owned(),
                it.next().unwrap_or("").to_owned(),
            );
            let mut headers = Vec::new();
            let mut len = 0;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.trim_end().split_once(':') {
                    let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    if k == "content-length" {
                        len = v.parse().unwrap_or(0);
                    }
                    headers.push((k, v));
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body).into_owned();
            let grant = body
                .split('&')
                .find_map(|kv| kv.strip_prefix("grant_type="))
                .unwrap_or("")
                .to_owned();
            let answer = match (method.as_str(), path.as_str(), grant.as_str()) {
                ("POST", "/v1/oauth2/token", "authorization_code") => json!({
                    "access_token": "polar_at_FIRST", "token_type": "Bearer", "expires_in": 3600,
                    "refresh_token": "polar_rt_FIRST", "scope": "openid email", "id_token": "eyJ.ID"
                }),
                ("POST", "/v1/oauth2/token", "refresh_token") => json!({
                    "access_token": "polar_at_SECOND", "token_type": "Bearer", "expires_in": 3600,
                    "refresh_token": "polar_rt_SECOND", "scope": "openid email", "id_token": null
                }),
                ("GET", "/v1/oauth2/userinfo", _) => {
                    json!({"sub": "u_1", "name": "Ada", "email": "ada@example.com", "email_verified": true})
                }
                ("POST", "/v1/oauth2/introspect", _) => json!({
                    "active": true, "client_id": "ci_1", "token_type": "access_token", "scope": "openid email",
                    "sub_type": "user", "sub": "u_1", "organizations": [], "aud": "ci_1",
                    "iss": "https://polar.sh", "exp": 1_900_000_000, "iat": 1_800_000_000
                }),
                ("POST", "/v1/oauth2/revoke", _) => json!({}),
                _ => json!({"detail": "not found"}),
            };
            s.lock().expect("lock").push((method, path, headers, body));
            let text = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (port, seen)
}

fn form(body: &str) -> Vec<String> {
    let mut pairs: Vec<String> = body.split('&').map(str::to_owned).collect();
    pairs.sort();
    pairs
}

#[test]
fn whole_oauth_flow() {
    let (port, seen) = stand_in();
    let base = format!("http://127.0.0.1:{port}");
    let app = Client::builder()
        .config(Config::with_base_url(&base))
        .build();

    // 1. Authorize URL, with a PKCE verifier derived from caller-supplied random bytes.
    let pkce = Pkce::from_random_bytes(&[42; 32]);
    let url = AuthorizeUrl::new("ci_1", "https://example.com/callback", "st4te")
        .scopes([Scope::Openid, Scope::Email])
        .pkce(&pkce)
        .build(oauth::AUTHORIZE_URL_PRODUCTION)
        .expect("authorize URL");
    assert_eq!(
        url,
        format!(
            "https://polar.sh/oauth2/authorize?response_type=code&client_id=ci_1&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback&scope=openid%20email&state=st4te&code_challenge={}&code_challenge_method=S256",
            pkce.challenge()
        )
    );

    // 2. Code exchange: form-encoded, client credentials in the body, no bearer.
    let tokens = app
        .send(&oauth::exchange_code(
            "ci_1",
            "cs_SECRET",
            "the-code",
            "https://example.com/callback",
            Some(&pkce),
        ))
        .expect("token exchange");
    assert_eq!(tokens.access_token.expose(), "polar_at_FIRST");
    let refresh_token = tokens.refresh_token.clone().expect("a refresh token");

    // 3. Userinfo with the OAuth token.
    let user = app
        .with_credential(Credential::oauth2_token(tokens.access_token.clone()))
        .oauth2()
        .userinfo()
        .send()
        .expect("userinfo");
    assert!(
        matches!(user, Oauth2UserinfoResponse200::UserInfoUser(ref u) if u.sub == "u_1"),
        "{user:?}"
    );

    // 4. Refresh, 5. introspect, 6. revoke.
    let again = app
        .send(&oauth::refresh("ci_1", "cs_SECRET", refresh_token))
        .expect("refresh");
    assert_eq!(again.access_token.expose(), "polar_at_SECOND");
    let info = app
        .send(&oauth::introspect(
            "ci_1",
            "cs_SECRET",
            again.access_token.clone(),
        ))
        .expect("introspect");
    assert!(info.active);
    app.send(&oauth::revoke(
        "ci_1",
        "cs_SECRET",
        again.access_token.clone(),
    ))
    .expect("revoke");

    let seen = seen.lock().expect("lock");
    let header = |i: usize, name: &str| {
        seen[i]
            .2
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(seen.len(), 5);
    // Token endpoint calls: form bodies, exact pairs, never an Authorization header.
    for i in [0, 2, 3, 4] {
        assert_eq!(seen[i].0, "POST");
        assert_eq!(
            header(i, "content-type").as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(header(i, "authorization"), None);
    }
    assert_eq!(seen[0].1, "/v1/oauth2/token");
    assert_eq!(
        form(&seen[0].3),
        [
            "client_id=ci_1",
            "client_secret=cs_SECRET",
            "code=the-code",
            &format!("code_verifier={}", pkce.verifier().expose()),
            "grant_type=authorization_code",
            "redirect_uri=https%3A%2F%2Fexample.com%2Fcallback",
        ]
    );
    assert_eq!(
        (seen[1].0.as_str(), seen[1].1.as_str()),
        ("GET", "/v1/oauth2/userinfo")
    );
    assert_eq!(
        header(1, "authorization").as_deref(),
        Some("Bearer polar_at_FIRST")
    );
    assert_eq!(
        form(&seen[2].3),
        [
            "client_id=ci_1",
            "client_secret=cs_SECRET",
            "grant_type=refresh_token",
            "refresh_token=polar_rt_FIRST"
        ]
    );
    assert_eq!(seen[3].1, "/v1/oauth2/introspect");
    assert_eq!(
        form(&seen[3].3),
        [
            "client_id=ci_1",
            "client_secret=cs_SECRET",
            "token=polar_at_SECOND"
        ]
    );
    assert_eq!(seen[4].1, "/v1/oauth2/revoke");
    assert_eq!(
        form(&seen[4].3),
        [
            "client_id=ci_1",
            "client_secret=cs_SECRET",
            "token=polar_at_SECOND"
        ]
    );

    // Tokens and client secrets never show in Debug output.
    let debug = format!(
        "{tokens:?} {again:?} {pkce:?} {:?}",
        oauth::refresh("ci_1", "cs_SECRET", "polar_rt_X")
    );
    for secret in [
        "polar_at_FIRST",
        "polar_rt_FIRST",
        "polar_at_SECOND",
        "cs_SECRET",
        "polar_rt_X",
        "eyJ.ID",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked into Debug");
    }
    assert!(!debug.contains(pkce.verifier().expose()));
}
