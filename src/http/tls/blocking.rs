//! [`BlockingTls`]: the client side of a rustls session over a blocking
//! `std::net::TcpStream`, for `http::blocking`.
//!
//! The loop is the one of `stream.rs` without the reactor: hand out
//! plaintext if rustls has some, else write what rustls queued, read
//! ciphertext from the socket (the thread sleeps in `read(2)`, under the
//! socket's read timeout) and let rustls process it. A socket timeout comes
//! out as the `io::Error` the socket gave (`WouldBlock`/`TimedOut`), so the
//! caller maps it to its timeout error as for plain TCP.
//!
//! Read next: `src/http/blocking.rs`, its user.

use super::error::{classify, TlsError};
use super::stream::Sniff;
use super::ClientTls;
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// A blocking TLS client connection.
pub struct BlockingTls {
    tcp: TcpStream,
    conn: rustls::ClientConnection,
    server: String,
    first_bytes: Vec<u8>,
    eof: bool,
    clean: bool,
}

impl std::fmt::Debug for BlockingTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingTls")
            .field("server", &self.server)
            .finish()
    }
}

impl BlockingTls {
    /// Runs the handshake with `server` over `tcp` (its timeouts apply to
    /// each read and write of the handshake).
    pub fn connect(tcp: TcpStream, tls: &ClientTls, server: &str) -> io::Result<BlockingTls> {
        let name = rustls::pki_types::ServerName::try_from(server.to_string())
            .map_err(|_| TlsError::Config(format!("{server:?} is not a valid TLS server name")))?;
        let conn = rustls::ClientConnection::new(tls.rustls_config(), name)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let mut stream = BlockingTls {
            tcp,
            conn,
            server: server.to_string(),
            first_bytes: Vec::new(),
            eof: false,
            clean: false,
        };
        while stream.conn.is_handshaking() {
            stream.flush_tls()?;
            if !stream.conn.is_handshaking() {
                break;
            }
            stream.fill()?;
            if stream.eof {
                return Err(TlsError::ClosedDuringHandshake.into());
            }
        }
        stream.flush_tls()?;
        Ok(stream)
    }

    /// True once the peer ended the session with `close_notify`.
    pub fn closed_cleanly(&self) -> bool {
        self.clean
    }

    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Writes everything rustls has queued.
    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.tcp)? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        Ok(())
    }

    /// Reads ciphertext once and processes it.
    fn fill(&mut self) -> io::Result<()> {
        let mut sniff = Sniff {
            socket: &mut self.tcp,
            first_bytes: &mut self.first_bytes,
        };
        let n = loop {
            match self.conn.read_tls(&mut sniff) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            self.eof = true;
        }
        if let Err(error) = self.conn.process_new_packets() {
            let _ = self.flush_tls(); // the alert rustls queued for the peer
            return Err(classify(error, &self.server, &self.first_bytes).into());
        }
        Ok(())
    }
}

impl Read for BlockingTls {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.conn.reader().read(buf) {
                Ok(0) if !buf.is_empty() => {
                    self.clean = true;
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(e),
            }
            if self.eof {
                return Ok(0);
            }
            self.flush_tls()?;
            self.fill()?;
        }
    }
}

impl Write for BlockingTls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.conn.writer().write(buf)?;
        self.flush_tls()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}

impl Drop for BlockingTls {
    fn drop(&mut self) {
        if !self.eof && !self.conn.is_handshaking() {
            self.conn.send_close_notify();
            let _ = self.tcp.set_nonblocking(true);
            let _ = self.flush_tls();
        }
    }
}
