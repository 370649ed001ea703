//! [`Url`]: the small part of URL syntax an HTTP/1.1 client needs,
//! `http://host[:port]/path?query`.
//!
//! ## What is accepted
//!
//! * the scheme `http` (any case); `https` is refused with
//!   [`Error::TlsNotSupported`], anything else with [`Error::UnsupportedScheme`];
//! * a host name, an IPv4 literal or a bracketed IPv6 literal (`[::1]`);
//! * an optional decimal port (default 80);
//! * an optional path and query (default `/`); a `#fragment` is dropped, as
//!   browsers do, because it is never sent to the server.
//!
//! User info (`user:pass@`) is refused rather than silently sent in clear.
//!
//! ## Resolving without blocking
//!
//! [`Url::literal_addrs`] answers for IP literals and `localhost` (both
//! `127.0.0.1` and `::1`) at once,
//! without asking the system resolver; the client resolves any other name on
//! a helper thread so the event loop never blocks on DNS (see `client.rs`).

use super::Error;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A parsed `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    host: String,
    port: u16,
    path_and_query: String,
}

impl Url {
    /// Parses `http://host[:port]/path?query`.
    pub fn parse(input: &str) -> Result<Url, Error> {
        let input = input.trim();
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(Error::InvalidUrl(format!(
                "{input:?} has no scheme (expected http://host/path)"
            )));
        };
        if scheme.eq_ignore_ascii_case("https") {
            return Err(Error::TlsNotSupported);
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(Error::UnsupportedScheme(scheme.to_string()));
        }
        let rest = rest.split('#').next().unwrap_or("");
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(Error::InvalidUrl(
                "user info (user:password@) is not supported".into(),
            ));
        }
        let (host, port) = split_host_port(authority)?;
        let path_and_query = match path {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        if path_and_query.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(Error::InvalidUrl(
                "the path contains spaces or control characters (percent-encode them)".into(),
            ));
        }
        Ok(Url {
            host,
            port,
            path_and_query,
        })
    }

    /// The host, without brackets for IPv6 literals.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (80 when the URL gives none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target: path and query, always starting with `/`.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The value of the `Host` header: `host` or `host:port`, IPv6 in brackets.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Every address to try when the host is an IP literal or `localhost`
    /// (`127.0.0.1`, then `::1`, as a server may listen on either), answered
    /// without the system resolver; `None` for other names.
    pub fn literal_addrs(&self) -> Option<Vec<SocketAddr>> {
        if self.host.eq_ignore_ascii_case("localhost") {
            return Some(vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), self.port),
            ]);
        }
        self.literal_addr().map(|addr| vec![addr])
    }

    /// The first address of [`literal_addrs`](Self::literal_addrs): the
    /// socket address when the host is an IP literal or `localhost`
    /// (answered without the system resolver); `None` for other names.
    pub fn literal_addr(&self) -> Option<SocketAddr> {
        if self.host.eq_ignore_ascii_case("localhost") {
            return Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port));
        }
        self.host
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, self.port))
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "http://{host}:{}{}", self.port, self.path_and_query)
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(authority: &str) -> Result<(String, u16), Error> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return Err(Error::InvalidUrl("unclosed '[' in the host".into()));
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(Error::InvalidUrl(format!("{v6:?} is not an IPv6 address")));
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| {
                Error::InvalidUrl(format!("unexpected {p:?} after the IPv6 address"))
            })?),
        };
        (v6.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(Error::InvalidUrl("the URL has no host".into()));
    }
    if !host.contains(':')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(Error::InvalidUrl(format!(
            "{host:?} is not a valid host name"
        )));
    }
    let port = match port {
        None | Some("") => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| Error::InvalidUrl(format!("{p:?} is not a valid port")))?,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_shapes() {
        let u = Url::parse("http://127.0.0.1:8888/carts/1?delay=5").unwrap();
        assert_eq!((u.host(), u.port()), ("127.0.0.1", 8888));
        assert_eq!(u.path_and_query(), "/carts/1?delay=5");
        assert_eq!(u.host_header(), "127.0.0.1:8888");
        let u = Url::parse("HTTP://example.com").unwrap();
        assert_eq!((u.port(), u.path_and_query()), (80, "/"));
        assert_eq!(u.host_header(), "example.com");
        assert!(u.literal_addr().is_none());
        let u = Url::parse("http://[::1]:9/x#frag").unwrap();
        assert_eq!(u.host(), "::1");
        assert_eq!(u.host_header(), "[::1]:9");
        assert_eq!(u.path_and_query(), "/x");
        assert_eq!(u.literal_addr().unwrap().port(), 9);
        let u = Url::parse("http://localhost?x=1").unwrap();
        assert_eq!(u.path_and_query(), "/?x=1");
        assert!(u.literal_addr().unwrap().ip().is_loopback());
        let both = u.literal_addrs().unwrap();
        assert_eq!(both.len(), 2);
        assert!(both[0].is_ipv4() && both[1].is_ipv6());
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        assert!(matches!(
            Url::parse("https://dummyjson.com/carts/1"),
            Err(Error::TlsNotSupported)
        ));
        assert!(matches!(
            Url::parse("ftp://x/"),
            Err(Error::UnsupportedScheme(_))
        ));
        for bad in [
            "dummyjson.com/carts",
            "http://",
            "http://h:99999/",
            "http://h:0/",
            "http://u:p@h/",
            "http://[::1/",
            "http://h/a b",
            "http://h x/",
        ] {
            assert!(
                matches!(Url::parse(bad), Err(Error::InvalidUrl(_))),
                "{bad}"
            );
        }
    }
}
