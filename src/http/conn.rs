//! [`Connection`]: one client or server connection, plain TCP or TLS.
//!
//! An enum rather than a trait object: the plain-HTTP path pays one match
//! per read or write and no allocation or dynamic call, so `http://` is as
//! fast as it was before TLS existed.
//!
//! Read next: `tls/stream.rs`, the TLS arm.

use super::tls::{TlsError, TlsStream};
use super::Error;
use crate::event_loop::net::TcpStream;
use std::io;
use std::net::Shutdown;

/// A connection on the event loop, with or without TLS.
#[derive(Debug)]
pub(crate) enum Connection {
    /// `http://`: bytes go straight to the socket.
    Plain(TcpStream),
    /// `https://`: bytes go through a rustls session (boxed: it is large).
    Tls(Box<TlsStream>),
}

impl Connection {
    /// Reads into `buf`; `Ok(0)` means the peer closed.
    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Connection::Plain(s) => s.read(buf).await,
            Connection::Tls(s) => s.read(buf).await,
        }
    }

    /// Writes all of `buf`.
    pub(crate) async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        match self {
            Connection::Plain(s) => s.write_all(buf).await,
            Connection::Tls(s) => s.write_all(buf).await,
        }
    }

    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Connection::Plain(s) => s,
            Connection::Tls(s) => s.tcp(),
        }
    }

    /// Shuts the socket down at once (no `close_notify`: for shedding).
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.tcp().shutdown(how)
    }

    /// Stops sending: `close_notify` first on TLS, then the TCP write half.
    pub(crate) async fn close_write(&self) -> io::Result<()> {
        if let Connection::Tls(s) = self {
            s.close().await?;
        }
        self.tcp().shutdown(Shutdown::Write)
    }

    /// Whether an end-of-file just read is trustworthy: always on plain TCP
    /// (nothing better exists), on TLS only after `close_notify`.
    pub(crate) fn eof_is_clean(&self) -> bool {
        match self {
            Connection::Plain(_) => true,
            Connection::Tls(s) => s.closed_cleanly(),
        }
    }
}

/// A blocking connection (`http::blocking`), with or without TLS.
#[derive(Debug)]
pub(crate) enum BlockingConnection {
    /// `http://`.
    Plain(std::net::TcpStream),
    /// `https://` (boxed: the session is large).
    Tls(Box<super::tls::BlockingTls>),
}

impl BlockingConnection {
    /// Plain TCP for `http://`; for `https://`, the TLS handshake with the
    /// URL's host under the socket timeout `limit`, what is left of the
    /// request's deadline `after` (a handshake that does not finish in time
    /// is [`TlsError::HandshakeTimeout`]).
    pub(crate) fn open(
        tcp: std::net::TcpStream,
        url: &super::Url,
        limit: std::time::Duration,
        after: std::time::Duration,
    ) -> Result<BlockingConnection, Error> {
        if !url.is_https() {
            return Ok(BlockingConnection::Plain(tcp));
        }
        let tls = super::tls::default_client().map_err(Error::Tls)?;
        tcp.set_read_timeout(Some(limit))?;
        tcp.set_write_timeout(Some(limit))?;
        match super::tls::BlockingTls::connect(tcp, &tls, url.host()) {
            Ok(tls) => Ok(BlockingConnection::Tls(Box::new(tls))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(Error::Tls(TlsError::HandshakeTimeout { after }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &std::net::TcpStream {
        match self {
            BlockingConnection::Plain(s) => s,
            BlockingConnection::Tls(s) => s.tcp(),
        }
    }

    /// As [`Connection::eof_is_clean`].
    pub(crate) fn eof_is_clean(&self) -> bool {
        match self {
            BlockingConnection::Plain(_) => true,
            BlockingConnection::Tls(s) => s.closed_cleanly(),
        }
    }
}

impl io::Read for BlockingConnection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            BlockingConnection::Plain(s) => s.read(buf),
            BlockingConnection::Tls(s) => s.read(buf),
        }
    }
}

impl io::Write for BlockingConnection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            BlockingConnection::Plain(s) => s.write(buf),
            BlockingConnection::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            BlockingConnection::Plain(s) => s.flush(),
            BlockingConnection::Tls(s) => s.flush(),
        }
    }
}
