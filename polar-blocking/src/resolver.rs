//! Name resolution for the client's agent.
//!
//! ureq's `DefaultResolver` runs every lookup that has a timeout on a new thread (so that a
//! slow DNS answer can be abandoned), and ureq resolves before it looks in its connection
//! pool: every request, even one that reuses a kept-alive connection, started a thread.
//! This resolver answers IP literals directly and keeps the last lookup for a short while;
//! anything else is the default resolver's job, timeout included.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up address list is reused. Short: a pooled connection does not need
/// it at all, and a new connection should follow DNS changes within seconds.
const TTL: Duration = Duration::from_secs(10);

/// The client's resolver: IP literals without a lookup, the last lookup cached for [`TTL`].
#[derive(Debug, Default)]
pub(crate) struct Resolve {
    inner: DefaultResolver,
    last: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    /// `scheme://authority`, which decides host and port.
    key: String,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl Resolve {
    /// `host` when it is an IP address (IPv6 in brackets), with the port, if the family is
    /// one the config wants.
    fn literal(&self, uri: &Uri, config: &Config) -> Option<ResolvedSocketAddrs> {
        let authority = uri.authority()?;
        let port = authority.port_u16().or(match uri.scheme_str()? {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        })?;
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let ip: IpAddr = host.parse().ok()?;
        let mut out = self.inner.empty();
        for addr in config
            .ip_family()
            .keep_wanted(std::iter::once(SocketAddr::new(ip, port)))
        {
            out.push(addr);
        }
        // An unwanted family goes to the default resolver, which reports it.
        (!out.is_empty()).then_some(out)
    }
}

impl Resolver for Resolve {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(addrs) = self.literal(uri, config) {
            return Ok(addrs);
        }
        let key = match (uri.scheme_str(), uri.authority()) {
            (Some(s), Some(a)) => [s, "://", a.as_str()].concat(),
            _ => return self.inner.resolve(uri, config, timeout),
        };
        if let Ok(last) = self.last.lock() {
            if let Some(c) = last.as_ref() {
                if c.key == key && c.at.elapsed() < TTL {
                    return Ok(c.addrs.clone());
                }
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Cached {
                key,
                at: Instant::now(),
                addrs: addrs.clone(),
            });
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(uri: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = uri.parse().expect("uri");
        let config = Config::default();
        Resolve::default()
            .resolve(&uri, &config, NextTimeout::default())
            .map(|a| a.to_vec())
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        assert_eq!(
            resolve("http://127.0.0.1:4010/v1/x").expect("v4"),
            vec!["127.0.0.1:4010".parse().expect("addr")]
        );
        assert_eq!(
            resolve("https://[::1]/v1/x").expect("v6"),
            vec!["[::1]:443".parse().expect("addr")]
        );
    }

    #[test]
    fn names_go_to_the_default_resolver_and_are_cached() {
        let r = Resolve::default();
        let uri: Uri = "http://localhost:4010/".parse().expect("uri");
        let t = NextTimeout::default;
        let first = r.resolve(&uri, &Config::default(), t()).expect("localhost");
        assert!(first
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 4010));
        assert!(r.last.lock().expect("lock").is_some());
        let again = r.resolve(&uri, &Config::default(), t()).expect("cached");
        assert_eq!(first.to_vec(), again.to_vec());
    }
}
