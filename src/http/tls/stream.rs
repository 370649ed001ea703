//! [`TlsStream`]: a rustls session over one of our event-loop TCP sockets,
//! read and written with `.await` like the plain socket.
//!
//! ## Two kinds of readiness
//!
//! The reactor says when the *socket* can be read or written. TLS adds a
//! second question: does the *session* want to? rustls answers it with
//! `wants_read()` / `wants_write()`, and the two need not agree:
//!
//! * a readable socket may hold half a record: rustls takes the bytes
//!   (`read_tls`) but has no plaintext yet, so we must read again, not
//!   return;
//! * a read may make rustls want to *write* (handshake replies, a key
//!   update, an alert), so every read first flushes what rustls queued;
//! * a write of plaintext becomes ciphertext queued inside rustls; it is
//!   only sent once `write_tls` drains it into a writable socket.
//!
//! So each operation is a small loop over the session: give plaintext if
//! there is some, flush queued ciphertext, pull ciphertext from the socket
//! (waiting on the reactor only when the socket says "would block"), and
//! let rustls process it. rustls reads straight from the socket into its
//! own record buffer ([`TcpStream::poll_read_io`]), so the only copies are
//! the decryption itself and the plaintext handed to the caller.
//!
//! ## Closing
//!
//! A TLS session ends with a `close_notify` alert. [`TlsStream::read`]
//! returns `Ok(0)` at the end of the connection either way, and
//! [`closed_cleanly`](TlsStream::closed_cleanly) tells whether the peer
//! said `close_notify` first: the HTTP client needs it only for a body that
//! ends at close, where a missing `close_notify` means the body may be cut
//! short. Dropping the stream sends our own `close_notify` if the socket
//! takes it at once (it never waits).
//!
//! `&self` everywhere: the session sits in a `RefCell`, borrowed only inside
//! a poll, never across an `.await`.
//!
//! Read next: `blocking.rs`, the same loop with blocking sockets.

use super::error::{classify, TlsError};
use crate::event_loop::net::TcpStream;
use std::cell::RefCell;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::task::{Context, Poll};

/// How many of the peer's first bytes are kept, to quote a peer that does
/// not speak TLS.
pub(crate) const SNIFF_BYTES: usize = 16;

/// A TLS connection on the current event loop (client or server side).
pub struct TlsStream {
    tcp: TcpStream,
    session: RefCell<Session>,
}

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream").field("tcp", &self.tcp).finish()
    }
}

/// The rustls state and what we learnt about the peer.
struct Session {
    conn: rustls::Connection,
    /// The name we connected to (empty on the server side), for errors.
    server: String,
    /// The first bytes the peer sent (up to [`SNIFF_BYTES`]).
    first_bytes: Vec<u8>,
    /// The socket reached end-of-file.
    eof: bool,
    /// The peer sent `close_notify`.
    clean: bool,
}

impl TlsStream {
    /// Runs the client side of the handshake on `tcp`, for `server` (the
    /// URL's host: a name, or an IP literal checked against the
    /// certificate's IP addresses).
    pub async fn connect(
        tcp: TcpStream,
        config: std::sync::Arc<rustls::ClientConfig>,
        server: &str,
    ) -> io::Result<TlsStream> {
        let name = rustls::pki_types::ServerName::try_from(server.to_string())
            .map_err(|_| TlsError::Config(format!("{server:?} is not a valid TLS server name")))?;
        let conn = rustls::ClientConnection::new(config, name)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let stream = TlsStream::new(tcp, conn.into(), server);
        stream.handshake().await?;
        Ok(stream)
    }

    /// Runs the server side of the handshake on an accepted `tcp`.
    pub async fn accept(
        tcp: TcpStream,
        config: std::sync::Arc<rustls::ServerConfig>,
    ) -> io::Result<TlsStream> {
        let conn =
            rustls::ServerConnection::new(config).map_err(|e| TlsError::Config(e.to_string()))?;
        let stream = TlsStream::new(tcp, conn.into(), "");
        stream.handshake().await?;
        Ok(stream)
    }

    fn new(tcp: TcpStream, conn: rustls::Connection, server: &str) -> TlsStream {
        TlsStream {
            tcp,
            session: RefCell::new(Session {
                conn,
                server: server.to_string(),
                first_bytes: Vec::new(),
                eof: false,
                clean: false,
            }),
        }
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// The protocol agreed through ALPN (`http/1.1` with our configs).
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        self.session
            .borrow()
            .conn
            .alpn_protocol()
            .map(<[u8]>::to_vec)
    }

    /// True once the peer ended the session with `close_notify`.
    pub fn closed_cleanly(&self) -> bool {
        self.session.borrow().clean
    }

    /// Drives the handshake to its end: write our flights, read theirs.
    async fn handshake(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut session = self.session.borrow_mut();
            loop {
                if session.conn.wants_write() {
                    match self.poll_flush_session(&mut session, cx) {
                        Poll::Ready(Ok(())) => {}
                        other => return other,
                    }
                }
                if !session.conn.is_handshaking() {
                    return Poll::Ready(Ok(()));
                }
                match self.poll_fill(&mut session, cx) {
                    Poll::Ready(Ok(())) if session.eof => {
                        return Poll::Ready(Err(TlsError::ClosedDuringHandshake.into()));
                    }
                    Poll::Ready(Ok(())) => {}
                    other => return other,
                }
            }
        })
        .await
    }

    /// Reads plaintext into `buf`; `Ok(0)` at the end of the connection
    /// (see [`closed_cleanly`](Self::closed_cleanly)).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Poll form of [`TlsStream::read`].
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut session = self.session.borrow_mut();
        loop {
            match session.conn.reader().read(buf) {
                Ok(0) if !buf.is_empty() => {
                    session.clean = true; // close_notify
                    return Poll::Ready(Ok(0));
                }
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The socket closed without close_notify.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Poll::Ready(Ok(0)),
                Err(e) => return Poll::Ready(Err(e)),
            }
            if session.eof {
                return Poll::Ready(Ok(0));
            }
            if session.conn.wants_write() {
                // Pending is fine here: the writable event wakes this task too.
                if let Poll::Ready(Err(e)) = self.poll_flush_session(&mut session, cx) {
                    return Poll::Ready(Err(e));
                }
            }
            match self.poll_fill(&mut session, cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Encrypts and sends all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.session.borrow_mut().conn.writer().write(buf)?;
            buf = &buf[n..];
            // rustls buffers a bounded amount: send it before giving more.
            self.flush().await?;
        }
        Ok(())
    }

    /// Sends whatever rustls has queued.
    pub async fn flush(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut session = self.session.borrow_mut();
            self.poll_flush_session(&mut session, cx)
        })
        .await
    }

    /// Sends `close_notify` and waits until it is on the wire.
    pub async fn close(&self) -> io::Result<()> {
        self.session.borrow_mut().conn.send_close_notify();
        self.flush().await
    }

    /// Writes queued ciphertext until rustls has none left.
    fn poll_flush_session(
        &self,
        session: &mut Session,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while session.conn.wants_write() {
            let conn = &mut session.conn;
            match self.tcp.poll_write_io(cx, |socket| {
                let mut socket = socket;
                conn.write_tls(&mut socket)
            }) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads one batch of ciphertext from the socket into rustls and lets
    /// it process the records; an error becomes a [`TlsError`] (after
    /// trying to send the alert rustls queued for the peer).
    fn poll_fill(&self, session: &mut Session, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Session {
            conn,
            first_bytes,
            eof,
            ..
        } = session;
        let read = self.tcp.poll_read_io(cx, |socket| {
            let mut sniff = Sniff {
                socket,
                first_bytes: &mut *first_bytes,
            };
            conn.read_tls(&mut sniff)
        });
        match read {
            Poll::Ready(Ok(0)) => *eof = true,
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if let Err(error) = session.conn.process_new_packets() {
            self.try_send_queued(session);
            let named = classify(error, &session.server, &session.first_bytes);
            return Poll::Ready(Err(named.into()));
        }
        Poll::Ready(Ok(()))
    }

    /// Sends queued ciphertext (an alert, `close_notify`) if the socket
    /// takes it now; never waits and never registers a waker.
    fn try_send_queued(&self, session: &mut Session) {
        for _ in 0..4 {
            if !session.conn.wants_write() {
                return;
            }
            let mut socket = self.tcp.socket();
            if session.conn.write_tls(&mut socket).is_err() {
                return;
            }
        }
    }
}

impl Drop for TlsStream {
    fn drop(&mut self) {
        let session = self.session.get_mut();
        if !session.eof && !session.conn.is_handshaking() {
            session.conn.send_close_notify();
        }
        let mut session = self.session.borrow_mut();
        self.try_send_queued(&mut session);
    }
}

/// A reader that remembers the first bytes it passed on.
pub(crate) struct Sniff<'a, R> {
    pub(crate) socket: R,
    pub(crate) first_bytes: &'a mut Vec<u8>,
}

impl<R: Read> Read for Sniff<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.socket.read(buf)?;
        let room = SNIFF_BYTES.saturating_sub(self.first_bytes.len());
        self.first_bytes.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }
}
