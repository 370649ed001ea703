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
use super::head::{keep_alive, HeadReader};
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
    heads: HeadReader,
}

impl RequestParser {
    /// A parser with these limits.
    pub fn new(limits: Limits) -> RequestParser {
        RequestParser {
            limits,
            buf: Vec::new(),
            pending: None,
            heads: HeadReader::default(),
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
            let Some((head, len)) = self.heads.request(&self.buf, &self.limits)? else {
                return Ok(None);
            };
            let framing = request_framing(&head.headers)?;
            let request = IncomingRequest {
                method: head.method,
                target: head.target,
                version: head.version,
                keep_alive: keep_alive(head.version, &head.headers),
                headers: head.headers,
                body: Vec::new(),
            };
            self.buf.drain(..len);
            self.heads.reset();
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
