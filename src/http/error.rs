//! The one error type of the HTTP module, [`Error`]: every variant names what
//! went wrong in words a user can act on.
//!
//! ## Why one enum
//!
//! A failed request can fail in many places: the URL, name resolution, the
//! TCP connect, a timer, the bytes the server sent. The client, the blocking
//! helper and the sans-io parsers all return this same type, so a caller can
//! match on the cause (`Error::Timeout`, `Error::BodyTruncated`, ...) or just
//! print it: `Display` always gives one line, for example
//! `body truncated at 10 of 25 bytes` or `connect to 127.0.0.1:1 refused`.
//!
//! Read next: `response.rs`, where most of the parse errors come from.

use crate::sys::is_out_of_descriptors;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// Everything that can go wrong while making or parsing an HTTP exchange.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed; the string says why.
    InvalidUrl(String),
    /// The URL has a scheme other than `http` or `https`.
    UnsupportedScheme(String),
    /// Name resolution failed (or gave no address).
    Resolve {
        /// The host name we tried to resolve.
        host: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// The TCP connect failed (refused, unreachable, ...).
    Connect {
        /// The address we tried.
        addr: SocketAddr,
        /// The operating system's error.
        source: io::Error,
    },
    /// The TCP connect did not finish within the connect timeout.
    ConnectTimeout {
        /// The address we tried.
        addr: SocketAddr,
        /// The configured connect timeout.
        after: Duration,
    },
    /// The whole request did not finish within the request timeout.
    Timeout {
        /// The configured request timeout.
        after: Duration,
    },
    /// Reading or writing the connection failed.
    Io(io::Error),
    /// The process (or the system) has no file descriptor left for a new
    /// socket (`EMFILE`, `ENFILE`): raise `ulimit -n`, or open fewer
    /// connections at once.
    TooManyOpenFiles(io::Error),
    /// The server closed the connection before sending a single byte of the response.
    ConnectionClosed,
    /// The status line is not `HTTP/1.x NNN reason`.
    MalformedStatusLine(String),
    /// The request line is not `METHOD target HTTP/1.x`.
    MalformedRequestLine(String),
    /// A header line is malformed.
    MalformedHeader(String),
    /// The head (start line and headers) is longer than the limit.
    HeadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The head has more header lines than the limit.
    TooManyHeaders {
        /// The limit, in header lines.
        limit: usize,
    },
    /// A `Content-Length` value is not a decimal number.
    InvalidContentLength(String),
    /// Several `Content-Length` values disagree.
    ConflictingContentLength(String),
    /// A request used a `Transfer-Encoding` other than `chunked`.
    UnsupportedTransferEncoding(String),
    /// A chunk-size line is not hexadecimal, or overflows 64 bits.
    InvalidChunkSize(String),
    /// A chunk-size line (with its extensions) is longer than the limit.
    ChunkLineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The data of a chunk is not followed by CRLF.
    MissingChunkTerminator,
    /// The trailer section is longer than the limit.
    TrailersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is longer than the configured limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The connection ended before the body was complete.
    BodyTruncated {
        /// Body bytes received.
        received: u64,
        /// Body bytes announced (`None` for a chunked body, whose length is not known in advance).
        expected: Option<u64>,
    },
    /// The head was cut short by the end of the connection.
    HeadTruncated {
        /// Head bytes received before the end.
        received: usize,
    },
    /// The body is not valid UTF-8 (from [`Response::text`](crate::http::Response::text)).
    InvalidUtf8(std::str::Utf8Error),
    /// The body is not the expected JSON (from [`Response::json`](crate::http::Response::json)).
    Json(serde_json::Error),
    /// The request itself is invalid (a method or header we cannot send).
    InvalidRequest(String),
    /// The event loop or a helper thread failed on the way.
    Internal(String),
    /// A request line longer than the head limit (the server answers `414`).
    RequestLineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// TLS failed: an unknown CA, a name mismatch, a plain server on an
    /// `https://` URL, ... (see [`TlsError`](crate::http::tls::TlsError)).
    Tls(crate::http::tls::TlsError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            InvalidUrl(why) => write!(f, "invalid URL: {why}"),
            UnsupportedScheme(s) => write!(
                f,
                "unsupported URL scheme {s:?} (only http:// and https:// are)"
            ),
            Resolve { host, source } => write!(f, "could not resolve host {host:?}: {source}"),
            Connect { addr, source } if source.kind() == io::ErrorKind::ConnectionRefused => {
                write!(f, "connect to {addr} refused")
            }
            Connect { addr, source } => write!(f, "connect to {addr} failed: {source}"),
            ConnectTimeout { addr, after } => {
                write!(f, "connect to {addr} timed out after {after:?}")
            }
            Timeout { after } => write!(f, "request timed out after {after:?}"),
            Io(e) => write!(f, "connection error: {e}"),
            TooManyOpenFiles(e) => write!(
                f,
                "too many open files: no file descriptor left for a socket ({e}); raise `ulimit -n` or open fewer connections at once"
            ),
            ConnectionClosed => write!(
                f,
                "connection closed by the server before any byte of the response arrived"
            ),
            MalformedStatusLine(why) => write!(f, "malformed status line: {why}"),
            MalformedRequestLine(why) => write!(f, "malformed request line: {why}"),
            MalformedHeader(why) => write!(f, "malformed header: {why}"),
            HeadTooLarge { limit } => write!(f, "head larger than the limit of {limit} bytes"),
            TooManyHeaders { limit } => write!(f, "more than {limit} header lines"),
            InvalidContentLength(v) => write!(f, "invalid Content-Length {v:?}"),
            ConflictingContentLength(v) => write!(f, "conflicting Content-Length values {v:?}"),
            UnsupportedTransferEncoding(v) => {
                write!(f, "unsupported Transfer-Encoding {v:?} in a request")
            }
            InvalidChunkSize(line) => write!(f, "invalid chunk size {line:?}"),
            ChunkLineTooLong { limit } => {
                write!(f, "chunk-size line longer than the limit of {limit} bytes")
            }
            MissingChunkTerminator => write!(f, "chunk data not followed by CRLF"),
            TrailersTooLarge { limit } => {
                write!(f, "trailer section larger than the limit of {limit} bytes")
            }
            BodyTooLarge { limit } => write!(f, "body larger than the limit of {limit} bytes"),
            BodyTruncated {
                received,
                expected: Some(n),
            } => write!(f, "body truncated at {received} of {n} bytes"),
            BodyTruncated {
                received,
                expected: None,
            } => write!(
                f,
                "chunked body truncated after {received} bytes (connection closed before the last chunk)"
            ),
            HeadTruncated { received } => write!(
                f,
                "response head truncated: connection closed after {received} bytes of it"
            ),
            InvalidUtf8(e) => write!(f, "body is not valid UTF-8: {e}"),
            Json(e) => write!(f, "body is not the expected JSON: {e}"),
            InvalidRequest(why) => write!(f, "invalid request: {why}"),
            Internal(why) => write!(f, "internal error: {why}"),
            RequestLineTooLong { limit } => {
                write!(f, "request line longer than the limit of {limit} bytes")
            }
            Tls(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Resolve { source, .. } | Error::Connect { source, .. } => Some(source),
            Error::Io(e) | Error::TooManyOpenFiles(e) => Some(e),
            Error::InvalidUtf8(e) => Some(e),
            Error::Json(e) => Some(e),
            Error::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    /// An I/O error, or the TLS error a TLS stream carried inside one.
    fn from(e: io::Error) -> Self {
        if e.get_ref()
            .is_some_and(|inner| inner.is::<crate::http::tls::TlsError>())
        {
            if let Some(Ok(tls)) = e
                .into_inner()
                .map(|inner| inner.downcast::<crate::http::tls::TlsError>())
            {
                return Error::Tls(*tls);
            }
            return Error::Internal("a TLS error was lost on the way".into());
        }
        Error::connection(e)
    }
}

impl Error {
    /// The error of a failed TCP connect to `addr`. A reset or abort means
    /// the handshake had completed (a refused connect is
    /// `ConnectionRefused`): the server accepted and then dropped the
    /// connection, so that is reported as a connection error, not as a
    /// failure to connect.
    pub(crate) fn connect(addr: SocketAddr, source: io::Error) -> Error {
        match source.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                Error::connection(source)
            }
            _ if is_out_of_descriptors(&source) => Error::TooManyOpenFiles(source),
            _ => Error::Connect { addr, source },
        }
    }

    /// The error of a failed read or write: [`Error::Io`], or
    /// [`Error::TooManyOpenFiles`] when the process ran out of descriptors.
    pub(crate) fn connection(source: io::Error) -> Error {
        if is_out_of_descriptors(&source) {
            Error::TooManyOpenFiles(source)
        } else {
            Error::Io(source)
        }
    }

    /// True for the errors of the timers (connect timeout or request timeout).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::ConnectTimeout { .. })
    }
}
