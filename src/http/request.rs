//! Requests, both ways: the [`Request`] the client sends (and how it is
//! written on the wire), and the sans-io [`RequestParser`] the server reads
//! requests with.
//!
//! ## Writing a request
//!
//! [`Request::encode`] writes `METHOD /path?query HTTP/1.1`, a `Host`
//! header, the caller's headers, a `Content-Length` when there is a body (or
//! the method normally has one), the empty line and the body. Methods and
//! header fields are checked first: a CR or LF in a header value would let a
//! caller smuggle a second request, so it is refused as
//! [`Error::InvalidRequest`].
//!
//! ## Reading requests (server side)
//!
//! [`RequestParser`] buffers bytes and hands out one [`IncomingRequest`] at a
//! time; bytes after a request stay buffered for the next one, so pipelined
//! requests work. It applies the same head limits as the response parser
//! and a body limit; the server turns its errors into `400`, `431` or `413`
//! with [`Error::server_status`].
//!
//! Read next: `server.rs`.

use super::body::{request_framing, BodyDecoder};
use super::limits::{header_slots, HeadScanner, STACK_HEADERS};
use super::response::{head_error, keep_alive};
use super::{Error, Headers, Limits, Url};

/// A request for the client to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// Where to send it.
    pub url: Url,
    /// Extra header fields (`Host` and `Content-Length` are added for you).
    pub headers: Headers,
    /// The body (empty for none).
    pub body: Vec<u8>,
}

impl Request {
    /// A request with this method and URL, no extra headers and no body.
    pub fn new(method: &str, url: &str) -> Result<Request, Error> {
        let request = Request {
            method: method.to_string(),
            url: Url::parse(url)?,
            headers: Headers::new(),
            body: Vec::new(),
        };
        request.validate()?;
        Ok(request)
    }

    /// A `GET` of this URL.
    pub fn get(url: &str) -> Result<Request, Error> {
        Request::new("GET", url)
    }

    /// Adds a header field.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.append(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// True for methods that may be retried safely (RFC 9110 §9.2.2).
    pub fn is_idempotent(&self) -> bool {
        ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]
            .iter()
            .any(|m| self.method.eq_ignore_ascii_case(m))
    }

    /// True for `HEAD` (its response has no body).
    pub fn is_head(&self) -> bool {
        self.method.eq_ignore_ascii_case("HEAD")
    }

    /// Checks that the method and headers can be written without ambiguity.
    pub fn validate(&self) -> Result<(), Error> {
        if self.method.is_empty() || !self.method.bytes().all(is_token_byte) {
            return Err(Error::InvalidRequest(format!(
                "{:?} is not a valid method",
                self.method
            )));
        }
        for (name, value) in self.headers.iter() {
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(Error::InvalidRequest(format!(
                    "{name:?} is not a valid header name"
                )));
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(Error::InvalidRequest(format!(
                    "the value of header {name:?} contains CR, LF or NUL"
                )));
            }
        }
        Ok(())
    }

    /// Writes the request, head and body, into `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.validate()?;
        use std::io::Write;
        let _ = write!(
            out,
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            self.method,
            self.url.path_and_query(),
            self.url.host_header()
        );
        for (name, value) in self.headers.iter() {
            if name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            let _ = write!(out, "{name}: {value}\r\n");
        }
        let wants_length = ["POST", "PUT", "PATCH"]
            .iter()
            .any(|m| self.method.eq_ignore_ascii_case(m));
        if !self.body.is_empty() || wants_length {
            let _ = write!(out, "Content-Length: {}\r\n", self.body.len());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        Ok(())
    }
}

/// `tchar` of RFC 9110: the bytes allowed in methods and header names.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target, e.g. `/carts/1?delay=5`; an absolute-form target
    /// (`http://host/carts/1`) arrives here in that origin form.
    pub target: String,
    /// The minor version: `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub version: u8,
    /// Header fields in arrival order.
    pub headers: Headers,
    /// The body bytes.
    pub body: Vec<u8>,
    /// Whether the client lets the connection stay open after the response.
    pub keep_alive: bool,
}

impl IncomingRequest {
    /// The path of the target, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The value of a query parameter (`?name=value`), undecoded; `Some("")`
    /// for a bare `?name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
    }
}

/// The head of a request being read.
#[derive(Debug)]
struct Pending {
    request: IncomingRequest,
    decoder: BodyDecoder,
    /// The client waits for `100 Continue` before sending the body.
    expects_continue: bool,
}

/// A sans-io request parser for a server connection: push bytes, take requests.
///
/// ```
/// use homemade::http::{Limits, RequestParser};
///
/// let mut parser = RequestParser::new(Limits::default());
/// // Bytes arrive in any split; a request comes out once it is complete.
/// parser.push(b"POST /carts?id=7 HTTP/1.1\r\nHost: x\r\nContent-Le");
/// assert_eq!(parser.next_request().unwrap(), None);
/// parser.push(b"ngth: 2\r\n\r\nhiGET / HTTP/1.1\r\nHost: x\r\n\r\n");
/// let first = parser.next_request().unwrap().unwrap();
/// assert_eq!((first.method.as_str(), first.path()), ("POST", "/carts"));
/// assert_eq!(first.query("id"), Some("7"));
/// assert_eq!(first.body, b"hi");
/// // The pipelined second request was buffered meanwhile.
/// assert_eq!(parser.next_request().unwrap().unwrap().target, "/");
/// assert!(parser.is_idle());
/// ```
#[derive(Debug)]
pub struct RequestParser {
    limits: Limits,
    buf: Vec<u8>,
    pending: Option<Pending>,
    scanner: HeadScanner,
}

impl RequestParser {
    /// A parser with these limits.
    pub fn new(limits: Limits) -> RequestParser {
        RequestParser {
            limits,
            buf: Vec::new(),
            pending: None,
            scanner: HeadScanner::default(),
        }
    }

    /// Appends bytes read from the connection.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// True when no byte of a next request is buffered.
    pub fn is_idle(&self) -> bool {
        self.buf.is_empty() && self.pending.is_none()
    }

    /// The next complete request, `Ok(None)` if more bytes are needed.
    pub fn next_request(&mut self) -> Result<Option<IncomingRequest>, Error> {
        if self.pending.is_none() {
            let Some((request, framing, len)) = self.parse_head()? else {
                return Ok(None);
            };
            self.buf.drain(..len);
            self.scanner.reset();
            let decoder = BodyDecoder::new(framing, &self.limits)?;
            let expects_continue = request.version >= 1
                && request
                    .headers
                    .get("expect")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
            self.pending = Some(Pending {
                request,
                decoder,
                expects_continue,
            });
        }
        let pending = self.pending.as_mut().expect("set above");
        let used = pending.decoder.feed(&self.buf)?;
        self.buf.drain(..used);
        if !pending.decoder.is_done() {
            return Ok(None);
        }
        let Pending {
            mut request,
            decoder,
            ..
        } = self.pending.take().expect("checked above");
        request.body = decoder.into_parts().0;
        Ok(Some(request))
    }

    /// True, once per request, when the head of the request being read asked
    /// for `Expect: 100-continue` and its body has not arrived yet: the
    /// server should answer `100 Continue` so the client sends the body.
    pub fn take_continue(&mut self) -> bool {
        match &mut self.pending {
            Some(p) if p.expects_continue && !p.decoder.is_done() => {
                p.expects_continue = false;
                true
            }
            _ => false,
        }
    }

    /// Parses a request head at the start of the buffer.
    fn parse_head(
        &mut self,
    ) -> Result<Option<(IncomingRequest, super::body::Framing, usize)>, Error> {
        if !self.scanner.worth_parsing(&self.buf) {
            return self
                .limits
                .incomplete_head(self.buf.len())
                .map_err(|_| self.head_too_large());
        }
        let mut on_stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
        let mut on_heap = Vec::new();
        let slots = header_slots(self.limits.max_headers, &mut on_stack, &mut on_heap);
        let mut parsed = httparse::Request::new(slots);
        match parsed.parse(&self.buf) {
            Ok(httparse::Status::Complete(len)) if len > self.limits.max_head_bytes => {
                Err(self.head_too_large())
            }
            Ok(httparse::Status::Complete(len)) => {
                let headers = Headers::from_httparse(parsed.headers);
                let version = parsed.version.unwrap_or(1);
                check_framing_and_host(version, &headers)?;
                let framing = request_framing(&headers)?;
                let request = IncomingRequest {
                    method: parsed.method.unwrap_or("").to_string(),
                    target: origin_form(parsed.path.unwrap_or("")),
                    version,
                    keep_alive: keep_alive(version, &headers),
                    headers,
                    body: Vec::new(),
                };
                Ok(Some((request, framing, len)))
            }
            Ok(httparse::Status::Partial) => self
                .limits
                .incomplete_head(self.buf.len())
                .map_err(|_| self.head_too_large()),
            Err(e) => Err(head_error(e, &self.buf, self.limits.max_headers, false)),
        }
    }

    /// The error for a head past the limit: `414` when the request line
    /// alone is that long (no line end within the limit), else `431`.
    fn head_too_large(&self) -> Error {
        let limit = self.limits.max_head_bytes;
        let window = &self.buf[..self.buf.len().min(limit)];
        if window.contains(&b'\n') {
            self.limits.head_too_large()
        } else {
            Error::RequestLineTooLong { limit }
        }
    }
}

/// The checks RFC 9112 asks of a server before it trusts a request head.
///
/// * `Content-Length` together with `Transfer-Encoding` (§6.1), or any
///   `Transfer-Encoding` in HTTP/1.0 (which has none): two front ends may
///   disagree on where this body ends, and the bytes one of them takes for
///   body the other takes for a second, smuggled request. Refused, and the
///   server closes the connection after its `400`.
/// * `Host` (§3.2): exactly one in HTTP/1.1 (at most one in HTTP/1.0), with a
///   value that can be a `host[:port]`.
fn check_framing_and_host(version: u8, headers: &Headers) -> Result<(), Error> {
    let mut hosts = 0;
    let (mut length, mut coding) = (false, false);
    for (name, value) in headers.iter() {
        if name.eq_ignore_ascii_case("host") {
            hosts += 1;
            if !value.bytes().all(is_host_byte) {
                return Err(Error::MalformedHeader(format!("invalid Host {value:?}")));
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            length = true;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            coding = true;
        }
    }
    if coding && length {
        return Err(Error::MalformedHeader(
            "both Content-Length and Transfer-Encoding (a request smuggling attempt?)".into(),
        ));
    }
    if coding && version == 0 {
        return Err(Error::MalformedHeader(
            "Transfer-Encoding in an HTTP/1.0 request".into(),
        ));
    }
    match hosts {
        0 if version >= 1 => Err(Error::MalformedHeader(
            "no Host header (HTTP/1.1 requires one)".into(),
        )),
        0 | 1 => Ok(()),
        n => Err(Error::MalformedHeader(format!("{n} Host headers"))),
    }
}

/// The bytes of a `uri-host [ ":" port ]` (RFC 3986: a name, an IPv4
/// address or a bracketed IPv6 literal, possibly percent-encoded).
fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:[]%".contains(&b)
}

/// Reduces an absolute-form target (`http://host/carts/1?x`, which a server
/// MUST accept, RFC 9112 §3.2.2) to its origin form (`/carts/1?x`); other
/// targets are returned as they came.
fn origin_form(target: &str) -> String {
    if target.starts_with('/') {
        return target.to_string(); // the usual case, checked first
    }
    let scheme_len = ["http://", "https://"]
        .iter()
        .find(|s| {
            target
                .get(..s.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(s))
        })
        .map(|s| s.len());
    let Some(scheme_len) = scheme_len else {
        return target.to_string(); // `*` or authority-form: for the handler
    };
    let rest = &target[scheme_len..];
    match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => rest[i..].to_string(),
        Some(i) => format!("/{}", &rest[i..]),
        None => "/".to_string(),
    }
}

impl Error {
    /// The status a server answers with when parsing a request fails this way:
    /// `414` for an oversized request line, `431` for an oversized head, `413`
    /// for an oversized body, `501` for an unknown transfer coding, `400` for
    /// anything malformed.
    pub fn server_status(&self) -> u16 {
        match self {
            Error::RequestLineTooLong { .. } => 414,
            Error::HeadTooLarge { .. } | Error::TooManyHeaders { .. } => 431,
            Error::BodyTooLarge { .. } => 413,
            Error::UnsupportedTransferEncoding(_) => 501,
            _ => 400,
        }
    }
}
