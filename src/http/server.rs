//! [`Server`]: a minimal HTTP/1.1 server on our event loop.
//!
//! ## How it works
//!
//! One task accepts connections; each accepted connection gets its own task
//! (`event_loop::spawn`). A connection task loops:
//!
//! 1. read bytes (under a timer) and push them into a [`RequestParser`];
//! 2. for each complete request, `await` the handler and write its response;
//! 3. stop after a response to a request that did not ask for keep-alive,
//!    after an error, or when the connection has been idle too long.
//!
//! Because every connection is a separate task and every wait is an
//! `.await`, a slow or stuck client only ever parks its own task: the loop
//! keeps serving everyone else. The handler itself may wait too (the cart
//! routes' `?delay=` is a loop timer), with the same effect.
//!
//! ## Limits and error answers
//!
//! Requests are parsed with [`Limits`]: a malformed request gets `400`, a
//! request line longer than the head limit `414`, an oversized head (over
//! 64 KiB or 100 headers) `431`, a body over the limit
//! (1 MiB by default) `413`. Each error answer is JSON (`{"message": ...}`),
//! says `Connection: close`, and the connection is closed after it: once the
//! framing is in doubt no later byte can be trusted. The close is a
//! "lingering" one (stop writing, drain what the client still sends for a
//! moment), so a client busy uploading a too-large body still reads its `413`
//! instead of a connection reset.
//!
//! ## `Expect: 100-continue`
//!
//! A client about to upload a large body may send only the head, with
//! `Expect: 100-continue`, and wait. Once the head is parsed (and its
//! `Content-Length` passed the body limit, else the answer is `413` at once)
//! the server sends `HTTP/1.1 100 Continue` and the client goes on.
//!
//! ## Out of file descriptors
//!
//! When `accept` fails with `EMFILE` (the process holds as many descriptors
//! as its limit allows), the server closes the keep-alive connection that
//! has been idle longest and accepts again, so idle clients cannot shut new
//! ones out until their timeout (`idle.rs` explains how; a connection in the
//! middle of a request is never closed this way).
//!
//! ## HTTPS
//!
//! With [`Server::with_tls`] (`homemade serve --tls-cert --tls-key`), each
//! accepted connection first runs the TLS handshake in its own task, under
//! the idle timeout, and is then served exactly as a plain one: the
//! connection task reads and writes a `Connection` (`conn.rs`) that is plain or TLS.
//! A handshake that fails (a client that does not trust our certificate, a
//! plain-HTTP request on the TLS port) ends that task only; rustls's alert
//! goes to the peer when the socket takes it, and the failure is counted in
//! [`ServerStats::tls_handshake_failures`].
//!
//! ## Timeouts
//!
//! A connection that sends nothing for [`ServerConfig::idle_timeout`]
//! (default 60 s) between requests is closed. Once the first byte of a
//! request arrived, the whole request must arrive within that same time: a
//! "slowloris" that trickles a byte every few seconds gains nothing. A
//! client that stops reading our response for as long is dropped too.
//!
//! To run a server beside a test or a benchmark, on a thread of its own,
//! with a handler of the caller's own: [`serve_on_thread`] (`on_thread.rs`).
//!
//! Read next: `src/carts/routes.rs`, the handler that serves the carts.

pub use super::on_thread::{serve_on_thread, ServerThread};

use super::conn::Connection;
use super::idle::{IdleConnections, Registration};
use super::tls::{ServerTls, TlsStream};
use super::{Error, Headers, IncomingRequest, Limits, RequestParser};
use crate::event_loop::net::TcpListener;
use crate::event_loop::{sleep, spawn, timeout};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A response the handler gives the server to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerResponse {
    /// The status code.
    pub status: u16,
    /// Header fields (`Content-Length` is the server's, and so is `Connection`
    /// when the connection is about to close).
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
}

impl ServerResponse {
    /// A response with this status, no headers and no body.
    pub fn new(status: u16) -> ServerResponse {
        ServerResponse {
            status,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response with `Content-Type: application/json; charset=utf-8`.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> ServerResponse {
        let mut headers = Headers::new();
        headers.append("Content-Type", "application/json; charset=utf-8");
        ServerResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// A JSON error in dummyjson's shape, `{"message":"..."}`.
    pub fn message(status: u16, message: &str) -> ServerResponse {
        ServerResponse::json(
            status,
            serde_json::json!({ "message": message }).to_string(),
        )
    }

    /// Writes status line, headers and body into `out`.
    pub fn encode(&self, keep_alive: bool, head_only: bool, out: &mut Vec<u8>) {
        use std::io::Write;
        let _ = write!(out, "HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in self.headers.iter() {
            let ours = ["content-length", "transfer-encoding"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n))
                || (!keep_alive && name.eq_ignore_ascii_case("connection"));
            if !ours {
                let _ = write!(out, "{name}: {value}\r\n");
            }
        }
        let _ = write!(out, "Content-Length: {}\r\n", self.body.len());
        if !keep_alive {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if !head_only {
            out.extend_from_slice(&self.body);
        }
    }
}

/// The reason phrase of the statuses this server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Settings of a [`Server`].
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Request parsing limits (default: 64 KiB head, 100 headers, 1 MiB body).
    pub limits: Limits,
    /// How long a connection may stay silent between requests, how long one
    /// request may take to arrive, and how long a client may leave our
    /// response unread (default 60 s).
    pub idle_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default().with_max_body(1024 * 1024),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Counters a server keeps; shareable across threads.
#[derive(Debug, Default)]
pub struct ServerStats {
    accepted: AtomicU64,
    requests: AtomicU64,
    errors: AtomicU64,
    shed: AtomicU64,
    tls_failures: AtomicU64,
}

impl ServerStats {
    /// Connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Requests answered by the handler so far.
    pub fn requests_served(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests refused with 400, 413, 414 or 431 so far.
    pub fn bad_requests(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Idle connections closed to make room for a new one when the process
    /// was out of file descriptors.
    pub fn connections_shed(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }

    /// TLS handshakes that failed or timed out (an HTTPS server only).
    pub fn tls_handshake_failures(&self) -> u64 {
        self.tls_failures.load(Ordering::Relaxed)
    }
}

/// An HTTP/1.1 server bound to a port on the current event loop.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    config: ServerConfig,
    stats: Arc<ServerStats>,
    tls: Option<ServerTls>,
}

impl Server {
    /// Binds `addr` (call inside `EventLoop::block_on`). Use `127.0.0.1` to
    /// serve this machine only, as `homemade serve` does by default.
    pub fn bind(addr: SocketAddr) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            config: ServerConfig::default(),
            stats: Arc::new(ServerStats::default()),
            tls: None,
        })
    }

    /// Serves HTTPS with this certificate and key (see "HTTPS" above).
    pub fn with_tls(mut self, tls: ServerTls) -> Server {
        self.tls = Some(tls);
        self
    }

    /// `https` with [`with_tls`](Self::with_tls), else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Replaces the settings.
    pub fn with_config(mut self, config: ServerConfig) -> Server {
        self.config = config;
        self
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The server's counters (readable from any thread).
    pub fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(&self.stats)
    }

    /// Serves connections forever with `handler`; drop the future to stop
    /// accepting. Connections already open are served by their own tasks.
    pub async fn serve<H, F>(self, handler: H)
    where
        H: Fn(IncomingRequest) -> F + 'static,
        F: Future<Output = ServerResponse> + 'static,
    {
        let handler = Rc::new(handler);
        let config = Rc::new(self.config);
        let connections = Rc::new(IdleConnections::default());
        loop {
            match self.listener.accept().await {
                Ok((stream, _peer)) => {
                    self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    let (handler, config) = (Rc::clone(&handler), Rc::clone(&config));
                    let (stats, connections) = (Arc::clone(&self.stats), Rc::clone(&connections));
                    let tls = self.tls.as_ref().map(ServerTls::rustls_config);
                    let task = async move {
                        let connection = match tls {
                            None => Connection::Plain(stream),
                            Some(tls) => {
                                let handshake = TlsStream::accept(stream, tls);
                                match timeout(config.idle_timeout, handshake).await {
                                    Ok(Ok(tls)) => Connection::Tls(Box::new(tls)),
                                    Ok(Err(_)) | Err(_) => {
                                        stats.tls_failures.fetch_add(1, Ordering::Relaxed);
                                        return;
                                    }
                                }
                            }
                        };
                        let registration = connections.register(connection);
                        serve_connection(registration, handler, config, stats).await;
                    };
                    drop(spawn(task)); // dropping the handle detaches: the task ends with its connection
                }
                // Out of descriptors: close the connection idle longest and
                // retry at once, so a new client is not shut out by idle ones.
                Err(e) if crate::sys::is_out_of_descriptors(&e) => {
                    match connections.shed_oldest() {
                        Some(shed) => {
                            self.stats.shed.fetch_add(1, Ordering::Relaxed);
                            // Its task closes the descriptor when it next runs.
                            for _ in 0..100 {
                                if shed.strong_count() == 0 {
                                    break;
                                }
                                sleep(Duration::from_millis(1)).await;
                            }
                        }
                        None => sleep(Duration::from_millis(10)).await, // all busy
                    }
                }
                // A connection reset before accept, or the like: breathe,
                // then go on; one bad moment must not end the server.
                Err(_) => sleep(Duration::from_millis(10)).await,
            }
        }
    }
}

/// One connection's task: read, parse, answer, until close or idle.
async fn serve_connection<H, F>(
    connection: Registration,
    handler: Rc<H>,
    config: Rc<ServerConfig>,
    stats: Arc<ServerStats>,
) where
    H: Fn(IncomingRequest) -> F,
    F: Future<Output = ServerResponse>,
{
    let stream = connection.stream();
    let mut parser = RequestParser::new(config.limits.clone());
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(4096);
    let mut request_started: Option<Instant> = None;
    loop {
        // Answer every request already buffered (pipelining), then read more.
        loop {
            match parser.next_request() {
                Ok(Some(request)) => {
                    request_started = None; // the next request gets its own deadline
                    let keep_alive = request.keep_alive;
                    let head_only = request.method.eq_ignore_ascii_case("HEAD");
                    let old_client = request.version == 0;
                    let mut response = handler(request).await;
                    if keep_alive && old_client {
                        // HTTP/1.0 keeps a connection only when told so explicitly.
                        response.headers.set("Connection", "keep-alive");
                    }
                    stats.requests.fetch_add(1, Ordering::Relaxed);
                    out.clear();
                    response.encode(keep_alive, head_only, &mut out);
                    if !write_within(stream, &out, config.idle_timeout).await || !keep_alive {
                        return;
                    }
                }
                Ok(None) => {
                    if parser.take_continue()
                        && !write_within(stream, CONTINUE, config.idle_timeout).await
                    {
                        return;
                    }
                    break;
                }
                Err(error) => {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    out.clear();
                    error_response(&error).encode(false, false, &mut out);
                    if write_within(stream, &out, config.idle_timeout).await {
                        linger(stream, &mut buf).await;
                    }
                    return;
                }
            }
        }
        // Between requests, the idle timeout; inside one, what is left of
        // the request deadline (so trickling a byte a minute does not help).
        let wait = if parser.is_idle() {
            request_started = None;
            connection.set_idle(); // may be shed while waiting (see idle.rs)
            config.idle_timeout
        } else {
            let started = *request_started.get_or_insert_with(Instant::now);
            config.idle_timeout.saturating_sub(started.elapsed())
        };
        let read = timeout(wait, stream.read(&mut buf)).await;
        connection.set_busy();
        match read {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return, // closed, reset, too slow, or shed
            Ok(Ok(n)) => {
                if parser.is_idle() {
                    request_started = Some(Instant::now());
                }
                parser.push(&buf[..n]);
            }
        }
    }
}

/// Closes gently after an error answer: stop sending, then read and discard
/// what the client is still sending (up to 1 MiB, for up to 2 s). Closing
/// with unread input would make the kernel send a reset, and the client
/// could lose the answer that explains why (a `413` while it is still
/// uploading, say).
async fn linger(stream: &Connection, buf: &mut [u8]) {
    let _ = timeout(Duration::from_secs(2), stream.close_write()).await;
    let mut drained = 0usize;
    let _ = timeout(Duration::from_secs(2), async {
        while drained < 1024 * 1024 {
            match stream.read(buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    })
    .await;
}

/// Writes all of `bytes` unless the client stops reading for `limit`.
async fn write_within(stream: &Connection, bytes: &[u8], limit: Duration) -> bool {
    matches!(timeout(limit, stream.write_all(bytes)).await, Ok(Ok(())))
}

/// The interim answer to `Expect: 100-continue`: "go on, send the body".
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// The answer to a request that could not be parsed.
fn error_response(error: &Error) -> ServerResponse {
    ServerResponse::message(error.server_status(), &error.to_string())
}
