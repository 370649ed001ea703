//! [`Url`]: the part of a URL an HTTP/1.1 client needs (scheme, host, port,
//! path and query), parsed by the [`url`](::url) crate and kept in a small
//! type of our own.
//!
//! ## Why a crate
//!
//! URL syntax is a standard of its own (WHATWG's URL Standard, what browsers
//! and curl follow): IPv6 literals, percent-encoding of spaces and non-ASCII
//! text in paths and queries, international host names turned into their
//! ASCII "punycode" form (IDNA: `bücher.example` is sent as
//! `xn--bcher-kva.example`), IPv4 in odd spellings, `\` read as `/`. Doing it
//! by hand is a long list of special cases, none of which teaches anything
//! about scheduling; so [`Url::parse`] hands the text to `url::Url::parse` and
//! keeps what an HTTP/1.1 request needs.
//!
//! ## What is accepted
//!
//! * the schemes `http` and `https` (any case); another scheme (`ftp://`)
//!   is refused with [`Error::UnsupportedScheme`]; text with no `scheme://`
//!   at all (`example.com/x`, `localhost:8080`) with [`Error::InvalidUrl`];
//! * a host: a name (international names are converted to punycode), an
//!   IPv4 literal or a bracketed IPv6 literal (`http://[::1]:8080/x`);
//! * an optional port, 1 to 65535 (default 80, or 443 for `https`);
//! * an optional path and query (default `/`), percent-encoded where the
//!   standard says so (`/a b` is sent as `/a%20b`); a `#fragment` is
//!   dropped, because it is never sent to the server.
//!
//! User info (`user:pass@`) is refused with [`Error::InvalidUrl`] rather
//! than silently dropped or sent in clear. Any other malformed input (no
//! host, a port out of range, a bad IPv6 literal, a space in the host) is an
//! [`Error::InvalidUrl`] that says what is wrong; never a panic.
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

/// A parsed `http://` or `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    https: bool,
    /// ASCII: a lowercase (punycode) name, or an IP literal without brackets.
    host: String,
    port: u16,
    path_and_query: String,
}

impl Url {
    /// Parses `http[s]://host[:port]/path?query` (see "What is accepted").
    pub fn parse(input: &str) -> Result<Url, Error> {
        let input = input.trim();
        // A scheme we do not speak is named as such, even when the rest of
        // the URL would not parse (`ftp://h:99999/`).
        if let Some((scheme, _)) = input.split_once("://") {
            let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if is_scheme && !is_http(scheme) {
                return Err(Error::UnsupportedScheme(scheme.to_string()));
            }
        }
        let parsed = ::url::Url::parse(input).map_err(|e| match e {
            ::url::ParseError::RelativeUrlWithoutBase => no_scheme(input),
            e => Error::InvalidUrl(format!("{input:?}: {e}")),
        })?;
        // `localhost:8080` parses as the scheme `localhost`: no `//`, no host.
        if !is_http(parsed.scheme()) {
            return Err(no_scheme(input));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::InvalidUrl(
                "user info (user:password@) is not supported".into(),
            ));
        }
        let host = match parsed.host() {
            Some(::url::Host::Domain(name)) => name.to_string(),
            Some(::url::Host::Ipv4(ip)) => ip.to_string(),
            Some(::url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(Error::InvalidUrl("the URL has no host".into())),
        };
        let https = parsed.scheme() == "https";
        let port = match parsed.port_or_known_default() {
            Some(0) => return Err(Error::InvalidUrl("0 is not a valid port".into())),
            Some(port) => port,
            None => default_port(https),
        };
        let mut path_and_query = parsed.path().to_string();
        if let Some(query) = parsed.query() {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        // The parser percent-encodes spaces and control characters; this
        // check keeps that promise visible, since the target goes straight
        // into the request line.
        if !path_and_query.starts_with('/')
            || path_and_query.bytes().any(|b| b <= b' ' || b == 0x7f)
        {
            return Err(Error::InvalidUrl(format!(
                "{input:?}: the path cannot be sent in a request line"
            )));
        }
        Ok(Url {
            https,
            host,
            port,
            path_and_query,
        })
    }

    /// The host, without brackets for IPv6 literals; an international name
    /// in its ASCII (punycode) form.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (80, or 443 for `https`, when the URL gives none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// True for an `https://` URL: the connection runs TLS.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The request target: path and query, always starting with `/`.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The value of the `Host` header: `host` or `host:port`, IPv6 in brackets.
    pub fn host_header(&self) -> String {
        let host = self.bracketed_host();
        if self.port == default_port(self.https) {
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

    /// The host as it appears in a URL: IPv6 literals in brackets.
    fn bracketed_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        let host = self.bracketed_host();
        write!(f, "{scheme}://{host}:{}{}", self.port, self.path_and_query)
    }
}

/// True for the schemes we speak, `http` and `https`, in any case.
fn is_http(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// The port a URL of this scheme has when it names none.
fn default_port(https: bool) -> u16 {
    if https {
        443
    } else {
        80
    }
}

/// The error for text that does not start with `http://` or `https://`.
fn no_scheme(input: &str) -> Error {
    Error::InvalidUrl(format!(
        "{input:?} has no http:// or https:// scheme (expected http://host/path)"
    ))
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
        assert!(!u.is_https());
        let both = u.literal_addrs().unwrap();
        assert_eq!(both.len(), 2);
        assert!(both[0].is_ipv4() && both[1].is_ipv6());
    }

    #[test]
    fn https_urls_default_to_port_443() {
        let u = Url::parse("https://dummyjson.com/carts/1").unwrap();
        assert!(u.is_https());
        assert_eq!((u.host(), u.port()), ("dummyjson.com", 443));
        assert_eq!(u.host_header(), "dummyjson.com");
        assert_eq!(u.to_string(), "https://dummyjson.com:443/carts/1");
        let u = Url::parse("HTTPS://127.0.0.1:8443/").unwrap();
        assert_eq!(u.host_header(), "127.0.0.1:8443");
    }

    #[test]
    fn refuses_what_it_cannot_do() {
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
            "http://u@h/",
            "http://[::1/",
            "http://[::g]/",
            "http://h x/",
            "localhost:8080/x",
            "mailto:someone@example.com",
            "",
            "   ",
            "http://[::1]:8080:9/",
        ] {
            assert!(
                matches!(Url::parse(bad), Err(Error::InvalidUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn ipv6_literals_keep_their_port_and_go_in_brackets_in_the_host_header() {
        let u = Url::parse("http://[::1]:8080/x").unwrap();
        assert_eq!((u.host(), u.port()), ("::1", 8080));
        assert_eq!(u.host_header(), "[::1]:8080");
        assert_eq!(u.path_and_query(), "/x");
        assert_eq!(u.literal_addr(), Some("[::1]:8080".parse().unwrap()));
        // Written longhand, the address is shortened as the standard says.
        let u = Url::parse("https://[0:0:0:0:0:0:0:1]/").unwrap();
        assert_eq!((u.host(), u.host_header()), ("::1", "[::1]".to_string()));
        assert_eq!(u.to_string(), "https://[::1]:443/");
    }

    #[test]
    fn paths_and_queries_are_percent_encoded_and_encodings_kept() {
        let u = Url::parse("http://h/a b/caf\u{e9}?q=a b&x=\u{fc}").unwrap();
        assert_eq!(u.path_and_query(), "/a%20b/caf%C3%A9?q=a%20b&x=%C3%BC");
        // Already encoded text is left as it is, not encoded twice.
        let u = Url::parse("http://h/a%20b?x=%2F").unwrap();
        assert_eq!(u.path_and_query(), "/a%20b?x=%2F");
        // Dot segments are resolved and a fragment is never sent.
        let u = Url::parse("http://h/a/../b/./c#top").unwrap();
        assert_eq!(u.path_and_query(), "/b/c");
    }

    #[test]
    fn an_international_name_goes_out_as_punycode() {
        let u = Url::parse("http://B\u{fc}cher.example:8080/").unwrap();
        assert_eq!(u.host(), "xn--bcher-kva.example");
        assert_eq!(u.host_header(), "xn--bcher-kva.example:8080");
        assert!(u.literal_addr().is_none(), "a name, resolved off the loop");
        let mut wire = Vec::new();
        crate::http::Request::get("https://\u{4f8b}\u{3048}.\u{30c6}\u{30b9}\u{30c8}/")
            .unwrap()
            .encode(&mut wire)
            .unwrap();
        let wire = String::from_utf8(wire).unwrap();
        assert!(
            wire.contains("\r\nHost: xn--r8jz45g.xn--zckzah\r\n"),
            "{wire}"
        );
    }

    #[test]
    fn user_info_is_refused_with_a_clear_error() {
        let err = Url::parse("http://user:secret@h/").unwrap_err();
        assert!(err.to_string().contains("user info"), "{err}");
        // An empty `@` carries no user info: nothing to leak, so accepted.
        assert_eq!(Url::parse("http://@h/").unwrap().host(), "h");
    }

    #[test]
    fn errors_name_the_problem() {
        let message = |input: &str| Url::parse(input).unwrap_err().to_string();
        assert!(message("http://h:99999/").contains("invalid port"));
        assert!(message("http://[::1/").contains("IPv6"));
        assert!(message("example.com/x").contains("no http:// or https:// scheme"));
        assert!(message("localhost:8080").contains("no http:// or https:// scheme"));
        assert!(matches!(
            Url::parse("FTP://h:99999/"),
            Err(Error::UnsupportedScheme(s)) if s == "FTP"
        ));
    }

    proptest::proptest! {
        /// Whatever the text, parsing returns (no panic), and a URL it
        /// accepts can go into a request line and a Host header as it is.
        #[test]
        fn any_input_parses_or_errs_and_what_parses_is_sendable(
            input in "(https?://)?[a-zA-Z0-9:/?#@\\[\\]%. \u{e9}\u{4f8b}-]{0,24}"
        ) {
            if let Ok(u) = Url::parse(&input) {
                let target = u.path_and_query();
                proptest::prop_assert!(target.starts_with('/'));
                proptest::prop_assert!(target.is_ascii());
                proptest::prop_assert!(!target.bytes().any(|b| b <= b' ' || b == 0x7f));
                let host = u.host_header();
                proptest::prop_assert!(!host.is_empty() && host.is_ascii());
                proptest::prop_assert!(!host.bytes().any(|b| b <= b' ' || b == b'/' || b == b'@'));
                proptest::prop_assert!(u.port() != 0);
            }
        }
    }
}
