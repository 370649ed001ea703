//! Sans-io parsing of a message head (start line and header fields), for
//! both directions: [`HeadReader::response`] for the client, which reads
//! status lines, and [`HeadReader::request`] for the server, which reads
//! request lines; with the head limits and the RFC 9112 rules a server
//! checks before it trusts a request head.
//!
//! ## How it works
//!
//! The caller buffers bytes and asks the [`HeadReader`] whether the buffer
//! now starts with a complete head. `httparse` does the parsing, but it
//! starts from the first byte every time, so calling it on each tiny read of
//! a slow sender would cost time proportional to the square of the head's
//! size: the reader's [`HeadScanner`] remembers how far it has looked and
//! lets `httparse` run only when the first line has just become complete
//! (so a garbage start line is refused early) or an empty line may end the
//! head. The header slots live on the stack ([`STACK_HEADERS`] of them), so
//! the usual head allocates nothing.
//!
//! ## Limits
//!
//! A head is bounded by [`Limits::max_head_bytes`] (64 KiB) and
//! [`Limits::max_headers`]; crossing either is an error, never a bigger
//! buffer. For a request, a head past the byte limit whose first line never
//! ended is [`Error::RequestLineTooLong`] (the server answers `414`), any
//! other [`Error::HeadTooLarge`] (`431`).
//!
//! What follows the head (which framing rule says where the body ends) is
//! `body.rs`; the parsers that put the two together are `response.rs` and
//! `request.rs`.
//!
//! Read next: `response.rs`.

use super::{Error, Headers, Limits};

/// A response's head: status line and header fields.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) version: u8,
    pub(crate) headers: Headers,
}

/// A request's head, checked (one valid `Host`, no smuggling-prone
/// framing) and with an absolute-form target reduced to its origin form.
#[derive(Debug)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) version: u8,
    pub(crate) headers: Headers,
}

/// Reads heads off the front of a buffer the caller fills; one per
/// connection, [`reset`](Self::reset) after each head taken out.
#[derive(Debug, Default)]
pub(crate) struct HeadReader {
    scanner: HeadScanner,
}

impl HeadReader {
    /// The response head at the start of `buf` and its length in bytes;
    /// `None` while it is incomplete.
    ///
    /// Only a head with more header lines than [`STACK_HEADERS`] is parsed
    /// again, with slots on the heap, up to `max_headers`.
    pub(crate) fn response(
        &mut self,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Option<(ResponseHead, usize)>, Error> {
        if !self.scanner.worth_parsing(buf) {
            return incomplete_head(limits, buf.len());
        }
        let max = limits.max_headers;
        let mut on_stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
        let first_try = parse_response_into(&mut on_stack[..max.min(STACK_HEADERS)], buf, limits);
        match first_try {
            Err(httparse::Error::TooManyHeaders) if max > STACK_HEADERS => {
                let mut on_heap = vec![httparse::EMPTY_HEADER; max];
                parse_response_into(&mut on_heap, buf, limits)
            }
            other => other,
        }
        .map_err(|e| head_error(e, buf, max, true))?
    }

    /// The request head at the start of `buf` and its length in bytes;
    /// `None` while it is incomplete. The head is checked
    /// ([`check_framing_and_host`]) before it is returned.
    pub(crate) fn request(
        &mut self,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Option<(RequestHead, usize)>, Error> {
        if !self.scanner.worth_parsing(buf) {
            return incomplete_head(limits, buf.len()).map_err(|_| request_too_large(buf, limits));
        }
        let mut on_stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
        let mut on_heap = Vec::new();
        let slots = header_slots(limits.max_headers, &mut on_stack, &mut on_heap);
        let mut parsed = httparse::Request::new(slots);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) if len > limits.max_head_bytes => {
                Err(request_too_large(buf, limits))
            }
            Ok(httparse::Status::Complete(len)) => {
                let headers = Headers::from_httparse(parsed.headers);
                let version = parsed.version.unwrap_or(1);
                check_framing_and_host(version, &headers)?;
                let head = RequestHead {
                    method: parsed.method.unwrap_or("").to_string(),
                    target: origin_form(parsed.path.unwrap_or("")),
                    version,
                    headers,
                };
                Ok(Some((head, len)))
            }
            Ok(httparse::Status::Partial) => {
                incomplete_head(limits, buf.len()).map_err(|_| request_too_large(buf, limits))
            }
            Err(e) => Err(head_error(e, buf, limits.max_headers, false)),
        }
    }

    /// Starts over for the next head (after the caller drained this one).
    pub(crate) fn reset(&mut self) {
        self.scanner.reset();
    }
}

/// The error for a request head past the limit: `414` when the request
/// line alone is that long (no line end within the limit), else `431`.
fn request_too_large(buf: &[u8], limits: &Limits) -> Error {
    let limit = limits.max_head_bytes;
    let window = &buf[..buf.len().min(limit)];
    if window.contains(&b'\n') {
        head_too_large(limits)
    } else {
        Error::RequestLineTooLong { limit }
    }
}

/// The error for a head that has grown past `max_head_bytes`.
fn head_too_large(limits: &Limits) -> Error {
    Error::HeadTooLarge {
        limit: limits.max_head_bytes,
    }
}

/// The answer while `buffered` bytes hold no complete head yet: wait for
/// more (`Ok(None)`), or refuse once the head is already past the limit.
fn incomplete_head<T>(limits: &Limits, buffered: usize) -> Result<Option<T>, Error> {
    if buffered > limits.max_head_bytes {
        Err(head_too_large(limits))
    } else {
        Ok(None)
    }
}

/// One `httparse` pass over `buf` with these header slots. Obsolete line
/// folding is allowed, as RFC 9112 §5.2 asks of a user agent (the folds are
/// replaced with spaces in [`Headers::from_httparse`]).
fn parse_response_into<'b>(
    slots: &mut [httparse::Header<'b>],
    buf: &'b [u8],
    limits: &Limits,
) -> Result<Result<Option<(ResponseHead, usize)>, Error>, httparse::Error> {
    let mut parsed = httparse::Response::new(slots);
    let status = httparse::ParserConfig::default()
        .allow_obsolete_multiline_headers_in_responses(true)
        .parse_response(&mut parsed, buf)?;
    Ok(match status {
        httparse::Status::Complete(len) if len > limits.max_head_bytes => {
            Err(head_too_large(limits))
        }
        httparse::Status::Complete(len) => Ok(Some((
            ResponseHead {
                status: parsed.code.unwrap_or(0),
                reason: parsed.reason.unwrap_or("").to_string(),
                version: parsed.version.unwrap_or(1),
                headers: Headers::from_httparse(parsed.headers),
            },
            len,
        ))),
        httparse::Status::Partial => incomplete_head(limits, buf.len()),
    })
}

/// Turns an `httparse` error into ours, quoting the offending start line.
fn head_error(e: httparse::Error, buf: &[u8], max_headers: usize, response: bool) -> Error {
    if response && looks_like_tls(buf) {
        return Error::Tls(crate::http::tls::TlsError::ServerSpeaksTls);
    }
    let first_line = buf.split(|&b| b == b'\n').next().unwrap_or(b"");
    let mut quoted = String::from_utf8_lossy(&first_line[..first_line.len().min(80)]).into_owned();
    quoted = quoted.trim_end_matches('\r').to_string();
    let in_first_line = !buf.contains(&b'\n')
        || matches!(
            e,
            httparse::Error::Version | httparse::Error::Status | httparse::Error::Token
        );
    match e {
        httparse::Error::TooManyHeaders => Error::TooManyHeaders { limit: max_headers },
        _ if in_first_line && response => Error::MalformedStatusLine(format!("{quoted:?} ({e})")),
        _ if in_first_line => Error::MalformedRequestLine(format!("{quoted:?} ({e})")),
        _ => Error::MalformedHeader(e.to_string()),
    }
}

/// True when a response starts with a TLS record header (an alert, most
/// likely) where a status line belongs: the request went in plain text to
/// a port that speaks TLS.
pub(crate) fn looks_like_tls(buf: &[u8]) -> bool {
    buf.len() >= 2 && crate::http::tls::is_tls_record_start(buf[0]) && buf[1] == 0x03
}

/// Whether the peer offers to keep the connection open (HTTP/1.1 by default,
/// HTTP/1.0 only with `Connection: keep-alive`).
pub(crate) fn keep_alive(version: u8, headers: &Headers) -> bool {
    if headers.has_token("connection", "close") {
        false
    } else if version >= 1 {
        true
    } else {
        headers.has_token("connection", "keep-alive")
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

/// Decides when a buffered head is worth handing to `httparse`.
///
/// `httparse` parses a head from its first byte every time, so calling it on
/// each tiny read of a slow sender would cost time proportional to the square
/// of the head's size. The scanner remembers how far it has looked and says
/// "parse now" only when the first line has just become complete (so a
/// garbage status line is refused early) or an empty line may end the head.
#[derive(Debug, Default)]
struct HeadScanner {
    scanned: usize,
    first_line_seen: bool,
}

impl HeadScanner {
    /// True when `buf` may now hold a complete first line or a complete head.
    fn worth_parsing(&mut self, buf: &[u8]) -> bool {
        let from = self.scanned.saturating_sub(3);
        let new = &buf[from.min(buf.len())..];
        self.scanned = buf.len();
        let mut ready = false;
        if !self.first_line_seen && new.contains(&b'\n') {
            self.first_line_seen = true;
            ready = true;
        }
        ready || new.windows(2).any(|w| w == b"\n\n") || new.windows(3).any(|w| w == b"\n\r\n")
    }

    /// Starts over for the next head (after the buffer was drained).
    fn reset(&mut self) {
        *self = HeadScanner::default();
    }
}

/// Header slots that fit on the stack (the default limit); more go on the heap.
const STACK_HEADERS: usize = 100;

/// The `httparse` header slots for `max` headers, on the stack when they fit
/// (parsing a head then allocates nothing).
fn header_slots<'a, 'h>(
    max: usize,
    on_stack: &'a mut [httparse::Header<'h>; STACK_HEADERS],
    on_heap: &'a mut Vec<httparse::Header<'h>>,
) -> &'a mut [httparse::Header<'h>] {
    if max <= STACK_HEADERS {
        &mut on_stack[..max]
    } else {
        on_heap.resize(max, httparse::EMPTY_HEADER);
        on_heap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_arriving_in_pieces_is_found_once_complete() {
        let wire = b"GET http://x/a?b HTTP/1.1\r\nHost: x\r\n\r\nBODY";
        let mut reader = HeadReader::default();
        let limits = Limits::default();
        for end in 1..wire.len() - 4 {
            assert!(reader.request(&wire[..end], &limits).unwrap().is_none());
        }
        let (head, len) = reader.request(wire, &limits).unwrap().unwrap();
        assert_eq!(len, wire.len() - 4, "the head ends before the body");
        assert_eq!(
            (head.method.as_str(), head.target.as_str()),
            ("GET", "/a?b")
        );
    }

    #[test]
    fn an_endless_request_line_is_414_and_endless_headers_431() {
        let limits = Limits {
            max_head_bytes: 64,
            ..Limits::default()
        };
        let line = format!("GET /{} HTTP/1.1", "a".repeat(100));
        let err = HeadReader::default()
            .request(line.as_bytes(), &limits)
            .unwrap_err();
        assert!(
            matches!(err, Error::RequestLineTooLong { limit: 64 }),
            "{err:?}"
        );
        let headers = format!("GET / HTTP/1.1\r\nX: {}", "b".repeat(100));
        let err = HeadReader::default()
            .request(headers.as_bytes(), &limits)
            .unwrap_err();
        assert!(matches!(err, Error::HeadTooLarge { limit: 64 }), "{err:?}");
    }

    #[test]
    fn more_headers_than_the_stack_slots_need_a_limit_that_allows_them() {
        let mut wire = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..STACK_HEADERS + 50 {
            wire.extend_from_slice(format!("Set-Cookie: c{i}=1\r\n").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        let (head, _) = HeadReader::default()
            .response(&wire, &Limits::for_responses())
            .unwrap()
            .unwrap();
        assert_eq!(head.headers.iter().count(), STACK_HEADERS + 50);
        let err = HeadReader::default()
            .response(&wire, &Limits::default())
            .unwrap_err();
        assert!(
            matches!(err, Error::TooManyHeaders { limit: 100 }),
            "{err:?}"
        );
    }
}
