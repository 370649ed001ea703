//! The one loop that reads a response: read, push into the
//! [`ResponseParser`], until it has the whole response (or its head), for
//! every transport the clients use.
//!
//! ## Why one loop fits them all
//!
//! The parser is sans-io, so reading a response is always the same three
//! steps: read some bytes; at end-of-file, let the parser finish (a body
//! that ends at close is complete, any other is cut short); else push the
//! bytes and stop once the parser says "complete". Only *how* a read happens
//! differs, so that is the one thing a transport supplies ([`Transport`]):
//!
//! * the event-loop client and its streaming reader: a [`Connection`]
//!   (plain or TLS) read with `.await`;
//! * the blocking client (`blocking.rs`): a blocking socket whose every read
//!   is bounded by what is left of the request's deadline. Its future is
//!   always ready at once (the thread already slept in `read`), so
//!   [`run_ready`] drives the same `async` loop without any runtime;
//! * the `tokio+rayon` row of the cart workload: a tokio stream
//!   (`carts/strategies/peers.rs`).
//!
//! A read reports [`Got`]: some bytes, or end-of-file and whether that close
//! can be trusted (on TLS, only after the server's `close_notify`; a bare TCP
//! close could be an attacker cutting the body short).
//!
//! The server's loop (`server.rs`) reads requests, not responses, and
//! interleaves them with answers (pipelining, `100 Continue`), so it has its
//! own.
//!
//! Read next: `response.rs`, the parser this loop feeds.

use super::conn::Connection;
use super::tls::TlsError;
use super::{Error, Response, ResponseParser};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// What one read from a connection gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Got {
    /// This many bytes (more than zero) at the start of the buffer.
    Bytes(usize),
    /// End of file; `clean` when the close is the peer's own (always on
    /// plain TCP, on TLS only after `close_notify`).
    Eof {
        /// Whether the end can be trusted as the end of a close-delimited body.
        clean: bool,
    },
}

/// A source of response bytes: one read at a time.
pub(crate) trait Transport {
    /// Reads once into `buf`.
    async fn read_some(&mut self, buf: &mut [u8]) -> Result<Got, Error>;
}

/// How far [`read_response`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Until {
    /// The whole response.
    Whole,
    /// The head (the body is read later, piece by piece), or the whole
    /// response if it came with the head.
    Head,
}

/// Reads until the parser has the whole response (`Some`), or, with
/// [`Until::Head`], at least its head (`None`).
pub(crate) async fn read_response<T: Transport>(
    transport: &mut T,
    parser: &mut ResponseParser,
    buf: &mut [u8],
    until: Until,
) -> Result<Option<Response>, Error> {
    loop {
        let got = transport.read_some(buf).await?;
        if let Some(response) = step(parser, buf, got)? {
            return Ok(Some(response));
        }
        if until == Until::Head && parser.has_head() {
            return Ok(None);
        }
    }
}

/// One read's worth into the parser: the response, once complete.
pub(crate) fn step(
    parser: &mut ResponseParser,
    buf: &[u8],
    got: Got,
) -> Result<Option<Response>, Error> {
    match got {
        Got::Bytes(n) => parser.push(&buf[..n]),
        Got::Eof { clean } => finish_at_eof(parser, clean).map(Some),
    }
}

/// The end of the connection reached the parser: completes a body that
/// ends at close, unless the close was not the server's own (`clean`
/// false, TLS without `close_notify`), in which case the body may be cut
/// short.
fn finish_at_eof(parser: &mut ResponseParser, clean: bool) -> Result<Response, Error> {
    let response = parser.push_eof()?;
    if clean {
        Ok(response)
    } else {
        Err(Error::Tls(TlsError::Truncated))
    }
}

/// Runs a future whose every `.await` is ready at once (the blocking
/// client's, whose reads already waited in the kernel): one poll, no
/// runtime. A future that is not ready is a bug, reported as an error.
pub(crate) fn run_ready<T>(future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => Err(Error::Internal(
            "a blocking read loop was not ready after one poll".into(),
        )),
    }
}

impl Transport for &Connection {
    async fn read_some(&mut self, buf: &mut [u8]) -> Result<Got, Error> {
        match self.read(buf).await? {
            0 => Ok(Got::Eof {
                clean: self.eof_is_clean(),
            }),
            n => Ok(Got::Bytes(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transport that replays reads from a script.
    struct Script(Vec<Result<Vec<u8>, bool>>);

    impl Transport for Script {
        async fn read_some(&mut self, buf: &mut [u8]) -> Result<Got, Error> {
            let next = if self.0.is_empty() {
                Err(true)
            } else {
                self.0.remove(0)
            };
            Ok(match next {
                Ok(bytes) => {
                    buf[..bytes.len()].copy_from_slice(&bytes);
                    Got::Bytes(bytes.len())
                }
                Err(clean) => Got::Eof { clean },
            })
        }
    }

    fn read(script: Vec<Result<Vec<u8>, bool>>, until: Until) -> Result<Option<Response>, Error> {
        let mut parser = ResponseParser::new();
        let mut buf = [0u8; 64];
        run_ready(read_response(
            &mut Script(script),
            &mut parser,
            &mut buf,
            until,
        ))
    }

    #[test]
    fn reads_until_complete_in_any_pieces() {
        let script = vec![
            Ok(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()),
            Ok(b"ngth: 5\r\n\r\nhel".to_vec()),
            Ok(b"lo".to_vec()),
        ];
        let response = read(script, Until::Whole).unwrap().unwrap();
        assert_eq!(response.body, b"hello");
    }

    #[test]
    fn a_close_ends_a_close_delimited_body_only_when_clean() {
        let head = b"HTTP/1.1 200 OK\r\n\r\nall of it".to_vec();
        let response = read(vec![Ok(head.clone()), Err(true)], Until::Whole);
        assert_eq!(response.unwrap().unwrap().body, b"all of it");
        let cut = read(vec![Ok(head), Err(false)], Until::Whole).unwrap_err();
        assert!(matches!(cut, Error::Tls(TlsError::Truncated)), "{cut:?}");
    }

    #[test]
    fn until_head_stops_at_the_head_unless_the_body_came_with_it() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe".to_vec();
        assert!(read(vec![Ok(head)], Until::Head).unwrap().is_none());
        let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".to_vec();
        assert!(read(vec![Ok(whole)], Until::Head).unwrap().is_some());
    }
}
