//! [`StreamingResponse`]: a response whose body is read piece by piece as it
//! arrives, so that a 200 MiB download costs one read buffer of memory, not
//! 200 MiB (`homemade fetch` prints bodies this way).
//!
//! ## How it works
//!
//! [`Client::request_streaming`](super::Client::request_streaming) runs the
//! usual exchange (checkout, connect, write, read) but stops as soon as the
//! [`ResponseParser`] has the head, and hands over the connection, the
//! parser and the read buffer. Each [`chunk`](StreamingResponse::chunk)
//! then reads once from the socket, pushes the bytes into the parser, and
//! takes out what the body decoder made of them
//! ([`ResponseParser::take_body`]): the decoded bytes of one read, never
//! more. The decoder and the caller trade two buffers back and forth, so a
//! long body allocates nothing after its first pieces.
//!
//! When the parser says the body is complete, the connection goes back to
//! the pool if it may be reused, exactly as after a buffered request.
//! Dropping a `StreamingResponse` before the end closes the connection
//! (its unread bytes would be mistaken for the next response).
//!
//! ## Limits and the deadline
//!
//! A streamed body has no size limit (the caller keeps what it wants); the
//! head limits still hold. The client's request timeout covers the whole
//! exchange, the last chunk included: each `chunk` waits at most for what is
//! left of it, then fails with [`Error::Timeout`].
//!
//! Read next: `client.rs` (how the exchange gets here), `body.rs` (the
//! decoders that produce the pieces).

use super::pool::Lease;
use super::read_loop::{step, Transport};
use super::{Error, Headers, Response, ResponseParser};
use crate::event_loop::timeout;
use std::future::Future;
use std::time::{Duration, Instant};

/// The moment a whole request must be over by, and the timeout it came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    at: Instant,
    after: Duration,
}

impl Deadline {
    /// A deadline `after` from now.
    pub(crate) fn after(after: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + after,
            after,
        }
    }

    /// The time left (zero once it passed).
    pub(crate) fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The whole limit, as configured.
    pub(crate) fn total(&self) -> Duration {
        self.after
    }
}

/// Runs `work` until the deadline (if any): past it, [`Error::Timeout`].
pub(crate) async fn within<T>(
    deadline: Option<Deadline>,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        None => work.await,
        Some(d) => {
            let left = d.at.saturating_duration_since(Instant::now());
            timeout(left, work)
                .await
                .unwrap_or(Err(Error::Timeout { after: d.after }))
        }
    }
}

/// A response whose head has arrived and whose body is read with
/// [`chunk`](Self::chunk).
///
/// ```
/// use homemade::event_loop::EventLoop;
/// use homemade::http::server::{serve_on_thread, ServerResponse};
/// use homemade::http::Client;
///
/// // A server of our own whose every answer is 100 kB of `x`.
/// let server = serve_on_thread(|_request| async {
///     let mut response = ServerResponse::new(200);
///     response.body = vec![b'x'; 100_000];
///     response
/// })
/// .unwrap();
/// let url = server.url("/big");
/// let total = EventLoop::new().unwrap().block_on(async {
///     let mut response = Client::new().get_streaming(&url).await?;
///     assert_eq!(response.head().status, 200);
///     let mut total = 0;
///     while let Some(piece) = response.chunk().await? {
///         total += piece.len(); // write it somewhere, count it, ...
///     }
///     Ok::<usize, homemade::http::Error>(total)
/// });
/// assert_eq!(total.unwrap(), 100_000);
/// ```
pub struct StreamingResponse {
    head: Response,
    /// The connection and parser while the body is still coming.
    source: Option<Source>,
    /// The piece handed out by the last `chunk`.
    piece: Vec<u8>,
    /// The last decoded bytes, from the complete response, not yet handed out.
    last: Option<Vec<u8>>,
    trailers: Headers,
    failed: bool,
    deadline: Option<Deadline>,
}

/// Where the rest of the body comes from.
struct Source {
    lease: Lease,
    parser: ResponseParser,
    buf: Vec<u8>,
}

impl std::fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("head", &self.head)
            .field("finished", &self.source.is_none())
            .finish()
    }
}

impl StreamingResponse {
    /// A response that arrived whole with its head: the body is one piece.
    pub(crate) fn complete(mut response: Response, deadline: Option<Deadline>) -> Self {
        let body = std::mem::take(&mut response.body);
        let trailers = std::mem::take(&mut response.trailers);
        StreamingResponse {
            head: response,
            source: None,
            piece: Vec::new(),
            last: Some(body),
            trailers,
            failed: false,
            deadline,
        }
    }

    /// A response whose body is still to be read from this connection.
    pub(crate) fn streaming(
        head: Response,
        lease: Lease,
        mut parser: ResponseParser,
        buf: Vec<u8>,
        deadline: Option<Deadline>,
    ) -> Self {
        let mut first = Vec::new();
        parser.take_body(&mut first); // body bytes that came with the head
        StreamingResponse {
            head,
            source: Some(Source { lease, parser, buf }),
            piece: Vec::new(),
            last: Some(first),
            trailers: Headers::new(),
            failed: false,
            deadline,
        }
    }

    /// The status line and headers (the `body` field is empty: the body is
    /// what [`chunk`](Self::chunk) returns).
    pub fn head(&self) -> &Response {
        &self.head
    }

    /// The trailer fields of a chunked body, once [`chunk`](Self::chunk)
    /// has returned `None` (empty before, and for other bodies).
    pub fn trailers(&self) -> &Headers {
        &self.trailers
    }

    /// The next piece of the body as it arrives, `None` once the body is
    /// complete. An error (a truncated body, a bad chunk, the deadline) ends
    /// the response: later calls fail too, never a silently short body.
    pub async fn chunk(&mut self) -> Result<Option<&[u8]>, Error> {
        if self.failed {
            return Err(Error::Internal(
                "chunk() called again after the body failed".into(),
            ));
        }
        loop {
            if let Some(last) = self.last.take() {
                if !last.is_empty() {
                    self.piece = last;
                    return Ok(Some(&self.piece));
                }
            }
            let Some(source) = self.source.as_mut() else {
                return Ok(None);
            };
            match within(self.deadline, source.read_more()).await {
                Ok(None) => {
                    source.parser.take_body(&mut self.piece);
                    if !self.piece.is_empty() {
                        return Ok(Some(&self.piece));
                    }
                }
                Ok(Some(mut response)) => {
                    let source = self.source.take().expect("checked above");
                    if source.parser.reusable() {
                        source.lease.park();
                    }
                    self.trailers = std::mem::take(&mut response.trailers);
                    self.last = Some(response.body);
                }
                Err(e) => {
                    self.failed = true;
                    self.source = None; // closes the connection
                    return Err(e);
                }
            }
        }
    }
}

impl Source {
    /// One read pushed into the parser: `Some` once the response is complete.
    async fn read_more(&mut self) -> Result<Option<Response>, Error> {
        let mut stream =
            self.lease.stream.as_ref().ok_or_else(|| {
                Error::Internal("a streaming response without its connection".into())
            })?;
        let got = stream.read_some(&mut self.buf).await?;
        step(&mut self.parser, &self.buf, got)
    }
}
