//! TCP on the event loop: `TcpListener` and `TcpStream`.
//!
//! These are thin: each wraps a non-blocking `mio` socket in an
//! [`Async`] and turns "would block" into "wait for the
//! reactor". All of the interesting machinery (edge-triggered readiness, the
//! tick that keeps events from being lost, the two waker slots) lives in
//! `reactor.rs`; read that first.
//!
//! # Connecting without blocking
//!
//! A blocking `connect(2)` waits for the three-way handshake. A non-blocking
//! one returns `EINPROGRESS` at once, and the OS later reports the socket
//! **writable** when the handshake finished, successfully or not. So
//! [`TcpStream::connect`] waits for writability and then asks the socket what
//! happened: `take_error()` returns the deferred error (`ECONNREFUSED`,
//! `ETIMEDOUT`, ...), and `peer_addr()` succeeding confirms the connection.
//! A writable event without either (it can happen spuriously) just means
//! "wait again".
//!
//! # `&self` reads and writes
//!
//! `read` and `write` take `&self`, like `std::net::TcpStream` does through
//! `impl Read for &TcpStream`: one task can read while another writes on the
//! same connection (share it with an `Rc`). The reactor keeps a reader waker
//! and a writer waker per socket, so the two never steal each other's wake.
//!
//! # Backlog
//!
//! [`TcpListener::bind`] asks for an accept backlog of 4096 (capped by the
//! kernel's `net.core.somaxconn`) instead of std's 128: when a thousand
//! clients connect at once, a short backlog fills up, the kernel drops SYNs,
//! and each dropped client retries only after a one-second timeout. (We
//! measured exactly that: waves of 1,000 connects took ~1 s each with 128.)
//!
//! # Out of descriptors with nobody waiting
//!
//! Linux's `accept(2)` looks for a free descriptor **before** it looks at
//! the queue, so a process at its descriptor limit gets `EMFILE` from every
//! `accept`, whether a client waits or not. That happens as a matter of
//! course: the listener accepts a connection with the last free descriptor,
//! then tries again (the queue may hold more) and fails. An `EMFILE` that
//! the caller answers by closing something (the HTTP server sheds its
//! longest-idle connection) must mean that a client is really waiting, so
//! [`TcpListener::accept`] reports it only then: it asks `poll(2)`, which
//! needs no descriptor, whether the queue holds a connection, and when it
//! does not, it treats the `EMFILE` as "would block" and waits for the next
//! connection to arrive.
//!
//! Read next: `combinators.rs`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};

use super::async_io::Async;

/// A TCP socket server, listening for connections on the current loop.
///
/// An echo server and its client, as two tasks on one loop:
///
/// ```
/// use homemade::event_loop::net::{TcpListener, TcpStream};
/// use homemade::event_loop::{spawn, EventLoop};
///
/// EventLoop::new().unwrap().block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = spawn(async move {
///         let (stream, _peer) = listener.accept().await.unwrap();
///         let mut buf = [0u8; 64];
///         loop {
///             let n = stream.read(&mut buf).await.unwrap();
///             if n == 0 {
///                 break; // the client closed its side
///             }
///             stream.write_all(&buf[..n]).await.unwrap();
///         }
///     });
///     let client = TcpStream::connect(addr).await.unwrap();
///     client.write_all(b"hello").await.unwrap();
///     client.shutdown(std::net::Shutdown::Write).unwrap();
///     let mut echoed = Vec::new();
///     let mut buf = [0u8; 64];
///     loop {
///         let n = client.read(&mut buf).await.unwrap();
///         if n == 0 {
///             break;
///         }
///         echoed.extend_from_slice(&buf[..n]);
///     }
///     assert_eq!(echoed, b"hello");
///     server.await.unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: Async<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (port 0 picks a free port) and starts listening.
    ///
    /// # Panics
    ///
    /// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        raise_backlog(&std_listener)?;
        std_listener.set_nonblocking(true)?;
        let listener = mio::net::TcpListener::from_std(std_listener);
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for the next incoming connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = self.io.read_with(accept_waiting).await?;
        Ok((TcpStream::from_mio(stream)?, peer))
    }

    /// Poll form of [`TcpListener::accept`].
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_read_with(cx, accept_waiting) {
            Poll::Ready(Ok((s, peer))) => Poll::Ready(TcpStream::from_mio(s).map(|s| (s, peer))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// `accept(2)`, except that running out of descriptors while the queue is
/// empty reads as "would block" (see "Out of descriptors with nobody
/// waiting" above): the error is reported only when a client is waiting.
fn accept_waiting(
    listener: &mio::net::TcpListener,
) -> io::Result<(mio::net::TcpStream, SocketAddr)> {
    match listener.accept() {
        Err(e)
            if crate::sys::is_out_of_descriptors(&e)
                && !crate::sys::has_input_waiting(listener)? =>
        {
            Err(io::ErrorKind::WouldBlock.into())
        }
        other => other,
    }
}

/// Asks for a listen backlog of `LISTEN_BACKLOG` (the kernel caps it at
/// `net.core.somaxconn`), through the crate's libc wrapper (`src/sys.rs`).
fn raise_backlog(listener: &std::net::TcpListener) -> io::Result<()> {
    crate::sys::set_listen_backlog(listener, LISTEN_BACKLOG)
}

/// The listen backlog we ask for (Linux's default `somaxconn` since 5.4).
const LISTEN_BACKLOG: i32 = 4096;

/// A TCP connection on the current loop.
#[derive(Debug)]
pub struct TcpStream {
    io: Async<mio::net::TcpStream>,
}

impl TcpStream {
    /// Wraps an already connected `mio` stream.
    fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new(stream)?,
        })
    }

    /// Opens a connection to `addr` without blocking the loop. A refused or
    /// unreachable peer gives the corresponding `io::Error`
    /// (`ConnectionRefused`, ...).
    ///
    /// # Panics
    ///
    /// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        stream
            .io
            .write_with(|s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    // Not connected yet: a spurious writable event. Waiting
                    // again is what `WouldBlock` means to `write_with`.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(stream)
    }

    /// Reads into `buf`, waiting for data; `Ok(0)` means the peer closed.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|mut s| s.read(buf)).await
    }

    /// Writes some of `buf`, waiting for room; returns how much was written.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|mut s| s.write(buf)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Poll form of [`TcpStream::read`].
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut s| s.read(buf))
    }

    /// Poll form of [`TcpStream::write`].
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |mut s| s.write(buf))
    }

    /// Runs `op` on the socket once it is readable, retrying on "would
    /// block": the hook a sans-io protocol (TLS) uses to read straight from
    /// the socket into its own buffer, with no copy in between.
    pub(crate) fn poll_read_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&mio::net::TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.io.poll_read_with(cx, op)
    }

    /// The socket itself, for a non-blocking write that must not wait
    /// (a TLS `close_notify` sent from `Drop`).
    pub(crate) fn socket(&self) -> &mio::net::TcpStream {
        self.io.get_ref()
    }

    /// The write-side twin of [`TcpStream::poll_read_io`].
    pub(crate) fn poll_write_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&mio::net::TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.io.poll_write_with(cx, op)
    }

    /// Shuts down the read half, the write half, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Enables or disables Nagle's algorithm (`TCP_NODELAY`).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}
