//! [`get`]: one blocking HTTP GET over `std::net`, with the same sans-io
//! parser as the event-loop client.
//!
//! This is what a Python programmer's `requests.get(url)` is: the calling
//! thread sleeps in `connect`, `write` and `read` until the server answers.
//! The cart workload's `sequential` and `threads` strategies use it, to show
//! what threads buy for I/O-bound work (many threads sleeping at once) next to
//! what the event loop buys (one thread, many sockets).
//!
//! An `https://` URL runs the TLS handshake first (`tls/blocking.rs`), with
//! the process's default trust (`tls::default_client`).
//!
//! Each call opens a connection, sends the request with `Connection: close`
//! and reads until the response is complete. Connect and each read or write
//! time out after [`TIMEOUT`]. Host names are resolved with the system
//! resolver (blocking is fine here: this thread has nothing else to do).
//!
//! Read next: `client.rs`, the same job without blocking.

use super::conn::{finish_at_eof, BlockingConnection};
use super::{Error, Request, Response, ResponseParser, Url};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The connect, read and write timeout of the blocking helpers.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches `url` with a blocking GET and returns the complete response.
pub fn get(url: &str) -> Result<Response, Error> {
    let request = Request::get(url)?.header("Connection", "close");
    send(&request)
}

/// Sends any request over a fresh blocking connection.
pub fn send(request: &Request) -> Result<Response, Error> {
    let addr = resolve(&request.url)?;
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| {
        if e.kind() == std::io::ErrorKind::TimedOut {
            Error::ConnectTimeout {
                addr,
                after: TIMEOUT,
            }
        } else {
            Error::Connect { addr, source: e }
        }
    })?;
    let _ = stream.set_nodelay(true);
    let mut stream = BlockingConnection::open(stream, &request.url, TIMEOUT)?;
    stream.tcp().set_read_timeout(Some(TIMEOUT))?;
    stream.tcp().set_write_timeout(Some(TIMEOUT))?;
    let mut out = Vec::new();
    request.encode(&mut out)?;
    stream.write_all(&out).map_err(timeout_or_io)?;
    let mut parser = ResponseParser::for_method(&request.method);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(timeout_or_io(e)),
        };
        if n == 0 {
            return finish_at_eof(&mut parser, stream.eof_is_clean());
        }
        if let Some(response) = parser.push(&buf[..n])? {
            return Ok(response);
        }
    }
}

/// The address of the URL's host: literals at once, other names through the system resolver.
pub(crate) fn resolve(url: &Url) -> Result<SocketAddr, Error> {
    if let Some(addr) = url.literal_addr() {
        return Ok(addr);
    }
    let host = url.host().to_string();
    (host.as_str(), url.port())
        .to_socket_addrs()
        .map_err(|source| Error::Resolve {
            host: host.clone(),
            source,
        })?
        .next()
        .ok_or_else(|| Error::Resolve {
            host,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no address found"),
        })
}

/// Maps a socket timeout to [`Error::Timeout`].
fn timeout_or_io(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            Error::Timeout { after: TIMEOUT }
        }
        _ => Error::Io(e),
    }
}
