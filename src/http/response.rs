//! The sans-io response parser, [`ResponseParser`], and the [`Response`] it
//! produces.
//!
//! ## Sans-io
//!
//! The parser never touches a socket. You hand it whatever bytes arrived
//! ([`push`](ResponseParser::push)) and tell it when the connection ended
//! ([`push_eof`](ResponseParser::push_eof)); it answers "need more", "here is
//! the complete response", or an error. That is what lets the same code run
//! under our event loop (`client.rs`), under blocking `std::net`
//! (`blocking.rs`), under tokio (the cart workload's tokio row) and under
//! proptest, which feeds it every possible split of a response and checks
//! that the result never changes.
//!
//! ## How it works
//!
//! 1. **Head.** Bytes are buffered until `httparse` finds the empty line that
//!    ends the head (`head.rs`). The buffer is bounded by [`Limits::max_head_bytes`]
//!    (64 KiB) and the header count by [`Limits::max_headers`] (1,000 in
//!    [`Limits::for_responses`]: real servers send a hundred `Set-Cookie`
//!    lines, and the byte limit already bounds memory); a head that is still
//!    incomplete past the limit is [`Error::HeadTooLarge`]. A header folded
//!    over several lines (obs-fold) is accepted and joined with spaces.
//! 2. **Interim responses.** A `1xx` head (other than `101`) is dropped and
//!    parsing starts over on the bytes after it: the real response follows.
//! 3. **Body.** The framing rules of `body.rs` (RFC 9112 §6.3) pick a
//!    [`BodyDecoder`]; the bytes after the head, and every later push, go to
//!    it until it says the body is complete.
//! 4. **End of connection.** `push_eof` completes a close-delimited body;
//!    for any other body it is [`Error::BodyTruncated`].
//!
//! ## Can the connection be reused?
//!
//! After a complete response, [`ResponseParser::reusable`] says whether the
//! connection may carry another request: not after a close-delimited body,
//! `Connection: close`, HTTP/1.0 without `Connection: keep-alive`, a `101`, a
//! response with both `Transfer-Encoding` and `Content-Length`, or stray bytes
//! after the body. The client's keep-alive pool asks exactly this question.
//!
//! Read next: `client.rs` (the parser under the event loop).

use super::body::{response_framing, BodyDecoder, Framing};
use super::head::{keep_alive, looks_like_tls, HeadReader, ResponseHead};
use super::{Error, Headers, Limits};
use serde::de::DeserializeOwned;

/// A complete HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code, e.g. `200`.
    pub status: u16,
    /// The reason phrase as sent, e.g. `OK` (may be empty).
    pub reason: String,
    /// The minor version: `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub version: u8,
    /// The header fields, in the order received.
    pub headers: Headers,
    /// The body bytes (decoded from chunks if the body was chunked).
    pub body: Vec<u8>,
    /// Trailer fields after a chunked body (usually empty).
    pub trailers: Headers,
}

impl Response {
    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body).map_err(Error::InvalidUtf8)
    }

    /// The body decoded as JSON into `T` (serde).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(Error::Json)
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The status line, e.g. `HTTP/1.1 200 OK`.
    /// With no reason phrase it ends after the code (`HTTP/1.1 200`), with no
    /// trailing space.
    pub fn status_line(&self) -> String {
        if self.reason.is_empty() {
            format!("HTTP/1.{} {}", self.version, self.status)
        } else {
            format!("HTTP/1.{} {} {}", self.version, self.status, self.reason)
        }
    }
}

/// Where the parser is.
#[derive(Debug)]
enum State {
    /// Buffering the head.
    Head,
    /// Reading the body of this head.
    Body(ResponseHead, BodyDecoder),
    /// The response was handed out; later bytes are leftovers.
    Done,
    /// An error was returned; the parser is unusable.
    Failed,
}

/// A sans-io HTTP/1.x response parser: push bytes in any split, get one
/// [`Response`] out.
///
/// ```
/// use homemade::http::ResponseParser;
///
/// let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
/// let mut parser = ResponseParser::new();
/// // One byte at a time: nothing until the last chunk's end.
/// let (last, head) = wire.split_last().unwrap();
/// for byte in head {
///     assert!(parser.push(std::slice::from_ref(byte)).unwrap().is_none());
/// }
/// let response = parser.push(std::slice::from_ref(last)).unwrap().unwrap();
/// assert_eq!(response.status, 200);
/// assert_eq!(response.body, b"hello");
/// ```
#[derive(Debug)]
pub struct ResponseParser {
    limits: Limits,
    head_request: bool,
    state: State,
    buf: Vec<u8>,
    received: u64,
    reusable: bool,
    heads: HeadReader,
}

impl Default for ResponseParser {
    fn default() -> Self {
        ResponseParser::new()
    }
}

impl ResponseParser {
    /// A parser for the response to a request that is not `HEAD`, with default limits.
    pub fn new() -> ResponseParser {
        ResponseParser::with_limits(false, Limits::for_responses())
    }

    /// A parser for the response to a request with this method (`HEAD`
    /// responses have no body whatever their headers say).
    pub fn for_method(method: &str) -> ResponseParser {
        ResponseParser::with_limits(method.eq_ignore_ascii_case("HEAD"), Limits::for_responses())
    }

    /// A parser with explicit limits; `head_request` is true for a response to `HEAD`.
    pub fn with_limits(head_request: bool, limits: Limits) -> ResponseParser {
        ResponseParser {
            limits,
            head_request,
            state: State::Head,
            buf: Vec::new(),
            received: 0,
            reusable: false,
            heads: HeadReader::default(),
        }
    }

    /// Feeds the next bytes from the connection. Returns `Ok(Some(response))`
    /// once the response is complete, `Ok(None)` while more bytes are needed.
    /// Bytes pushed after completion are kept as [`leftover`](Self::leftover).
    pub fn push(&mut self, data: &[u8]) -> Result<Option<Response>, Error> {
        self.received += data.len() as u64;
        let result = self.advance(data);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    /// The connection ended. Completes a close-delimited body; anything
    /// unfinished is an error naming what was cut short.
    pub fn push_eof(&mut self) -> Result<Response, Error> {
        let state = std::mem::replace(&mut self.state, State::Failed);
        match state {
            State::Head if self.received == 0 => Err(Error::ConnectionClosed),
            State::Head if looks_like_tls(&self.buf) => {
                Err(Error::Tls(super::tls::TlsError::ServerSpeaksTls))
            }
            State::Head => Err(Error::HeadTruncated {
                received: self.buf.len(),
            }),
            State::Body(head, mut decoder) => {
                decoder.finish_at_eof()?;
                self.reusable = false;
                self.state = State::Done;
                Ok(build(head, decoder))
            }
            State::Done => Err(Error::Internal(
                "push_eof after the response was complete".into(),
            )),
            State::Failed => Err(Error::Internal("push_eof after a parse error".into())),
        }
    }

    /// Bytes pushed so far (the client retries a stale connection only while this is 0).
    pub fn bytes_received(&self) -> u64 {
        self.received
    }

    /// True once a complete response was returned and the connection may carry another request.
    pub fn reusable(&self) -> bool {
        matches!(self.state, State::Done) && self.reusable && self.buf.is_empty()
    }

    /// True once a complete response was returned.
    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// True once the head has arrived and while the body is still coming.
    pub fn has_head(&self) -> bool {
        matches!(self.state, State::Body(..))
    }

    /// Once the head has arrived and while the body is still coming: the
    /// head as a [`Response`] with an empty body. This is what a streaming
    /// reader looks at before it reads the body piece by piece with
    /// [`take_body`](Self::take_body).
    pub fn head_so_far(&self) -> Option<Response> {
        match &self.state {
            State::Body(head, _) => Some(Response {
                status: head.status,
                reason: head.reason.clone(),
                version: head.version,
                headers: head.headers.clone(),
                body: Vec::new(),
                trailers: Headers::new(),
            }),
            _ => None,
        }
    }

    /// While the body is coming: moves the body bytes decoded so far into
    /// `into` (replacing what it held), so that the parser holds no more
    /// than one read's worth at a time. The bytes decoded after the last
    /// call come in the complete [`Response`]'s `body`.
    pub fn take_body(&mut self, into: &mut Vec<u8>) {
        match &mut self.state {
            State::Body(_, decoder) => decoder.take_body(into),
            _ => into.clear(),
        }
    }

    /// Bytes received after the end of the response (normally none).
    pub fn leftover(&self) -> &[u8] {
        match self.state {
            State::Done => &self.buf,
            _ => &[],
        }
    }

    /// Runs the state machine over new input.
    fn advance(&mut self, data: &[u8]) -> Result<Option<Response>, Error> {
        match &mut self.state {
            State::Failed => {
                return Err(Error::Internal("push after a parse error".into()));
            }
            State::Done => {
                self.buf.extend_from_slice(data);
                return Ok(None);
            }
            State::Body(_, decoder) => {
                let used = decoder.feed(data)?;
                if decoder.is_done() {
                    self.buf.extend_from_slice(&data[used..]);
                    return Ok(Some(self.finish()));
                }
                return Ok(None);
            }
            State::Head => self.buf.extend_from_slice(data),
        }
        // In the head: parse heads until a final one, then start its body.
        loop {
            let Some((head, len)) = self.heads.response(&self.buf, &self.limits)? else {
                return Ok(None);
            };
            self.buf.drain(..len);
            self.heads.reset();
            if (100..200).contains(&head.status) && head.status != 101 {
                continue; // interim response: the real one follows
            }
            let framing = response_framing(head.status, self.head_request, &head.headers)?;
            self.reusable = head.status != 101
                && framing != Framing::UntilClose
                && keep_alive(head.version, &head.headers)
                && !(head.headers.contains("transfer-encoding")
                    && head.headers.contains("content-length"));
            let mut decoder = BodyDecoder::new(framing, &self.limits)?;
            let rest = std::mem::take(&mut self.buf);
            let used = decoder.feed(&rest)?;
            self.buf.extend_from_slice(&rest[used..]);
            let done = decoder.is_done();
            self.state = State::Body(head, decoder);
            return Ok(done.then(|| self.finish()));
        }
    }

    /// Moves a finished body out into a [`Response`].
    fn finish(&mut self) -> Response {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Body(head, decoder) => build(head, decoder),
            _ => unreachable!("finish is only called in the Body state"),
        }
    }
}

/// Assembles the response from its head and finished body.
fn build(head: ResponseHead, decoder: BodyDecoder) -> Response {
    let (body, trailers) = decoder.into_parts();
    Response {
        status: head.status,
        reason: head.reason,
        version: head.version,
        headers: head.headers,
        body,
        trailers,
    }
}
