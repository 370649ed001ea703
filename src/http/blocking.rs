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
//! the process's default trust (`tls::default_client`), within the same
//! deadline (a handshake that runs out of it is `TlsError::HandshakeTimeout`).
//!
//! Each call opens a connection, sends the request with `Connection: close`
//! and reads until the response is complete.
//!
//! ## One deadline for the whole exchange
//!
//! A per-read timeout is not enough: a server that sends one byte every few
//! seconds never lets a single read time out, and would hold the thread
//! forever. So every request gets one [`Deadline`] (by default [`TIMEOUT`]
//! from the start) covering connect, send, head and body, as the event-loop
//! client's request timeout does. Before each connect, write and read the
//! socket timeout is set to what is left of it; once nothing is left the
//! request fails with [`Error::Timeout`].
//!
//! ## A bound on connections per host
//!
//! Threads that all fetch from one host at once would each hold a socket
//! (and, with the server in the same process, it would hold one more each):
//! 208 threads exhaust a low `ulimit -n`. So at most
//! [`default_connections_per_host`]
//! blocking requests per host are in flight at once, process-wide; the
//! others wait their turn, within their deadline (`budget.rs`).
//!
//! ## Every address of the host
//!
//! A name can have several addresses (`localhost` is `127.0.0.1` and `::1`).
//! They are tried in order, each attempt getting an equal share of the time
//! left (so an address that swallows SYNs cannot starve the next one), and
//! the error of the last one is reported if none answers. Host names are
//! resolved with the system resolver (blocking is fine here: this thread has
//! nothing else to do; the resolver itself is not bounded by the deadline).
//!
//! Read next: `client.rs`, the same job without blocking.

use super::budget::{default_connections_per_host, HostGate};
use super::conn::BlockingConnection;
use super::read_loop::{read_response, run_ready, Got, Transport, Until};
use super::{Error, Request, Response, ResponseParser, Url};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The default deadline of a blocking request, from start to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches `url` with a blocking GET and returns the complete response
/// (within [`TIMEOUT`]).
///
/// Here against a [`Server`](super::Server) on its own thread and loop,
/// stopped at the end through a one-shot channel:
///
/// ```
/// use homemade::event_loop::{spawn, EventLoop};
/// use homemade::http::{blocking, IncomingRequest, Server, ServerResponse};
///
/// let (stop, stopped) = futures_channel::oneshot::channel::<()>();
/// let (addr_tx, addr_rx) = std::sync::mpsc::channel();
/// let server = std::thread::spawn(move || {
///     EventLoop::new().unwrap().block_on(async move {
///         let server = Server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
///         addr_tx.send(server.local_addr().unwrap()).unwrap();
///         let serving = spawn(server.serve(|req: IncomingRequest| async move {
///             ServerResponse::json(200, format!("{{\"method\":\"{}\"}}", req.method))
///         }));
///         let _ = stopped.await;
///         serving.abort();
///     })
/// });
/// let addr = addr_rx.recv().unwrap();
/// let response = blocking::get(&format!("http://{addr}/anything")).unwrap();
/// assert_eq!(response.status, 200);
/// assert_eq!(response.text().unwrap(), r#"{"method":"GET"}"#);
/// stop.send(()).unwrap();
/// server.join().unwrap();
/// ```
pub fn get(url: &str) -> Result<Response, Error> {
    get_within(url, TIMEOUT)
}

/// Fetches `url` with a blocking GET that must be complete within `timeout`.
pub fn get_within(url: &str, timeout: Duration) -> Result<Response, Error> {
    let request = Request::get(url)?.header("Connection", "close");
    send_within(&request, timeout)
}

/// Sends any request over a fresh blocking connection (within [`TIMEOUT`]).
pub fn send(request: &Request) -> Result<Response, Error> {
    send_within(request, TIMEOUT)
}

/// Sends any request over a fresh blocking connection; the whole exchange
/// must be complete within `timeout`.
pub fn send_within(request: &Request, timeout: Duration) -> Result<Response, Error> {
    let deadline = Deadline::after(timeout);
    // At most `default_connections_per_host()` of these open at once per host
    // (across all threads): the pass is held until the response is read.
    let key = (request.url.host().to_ascii_lowercase(), request.url.port());
    let _pass = HostGate::global().enter(key, default_connections_per_host(), &deadline)?;
    let stream = connect(&request.url, &deadline)?;
    let _ = stream.set_nodelay(true);
    let mut stream =
        BlockingConnection::open(stream, &request.url, deadline.left()?, deadline.after)?;
    let mut out = Vec::new();
    request.encode(&mut out)?;
    stream.tcp().set_write_timeout(Some(deadline.left()?))?;
    stream
        .write_all(&out)
        .map_err(|e| deadline.timeout_or_io(e))?;
    let mut parser = ResponseParser::for_method(&request.method);
    let mut buf = vec![0u8; 16 * 1024];
    let mut reads = DeadlineReads {
        stream: &mut stream,
        deadline: &deadline,
    };
    let response = run_ready(read_response(
        &mut reads,
        &mut parser,
        &mut buf,
        Until::Whole,
    ))?;
    response.ok_or_else(|| Error::Internal("no response after reading a whole one".into()))
}

/// Blocking reads, each bounded by what is left of the deadline: the
/// transport of the one read loop (`read_loop.rs`). Its reads have already
/// waited when their future is made, so the loop never waits on a future.
struct DeadlineReads<'s> {
    stream: &'s mut BlockingConnection,
    deadline: &'s Deadline,
}

impl DeadlineReads<'_> {
    /// One read, retried if a signal interrupted it.
    fn read_now(&mut self, buf: &mut [u8]) -> Result<Got, Error> {
        loop {
            let left = self.deadline.left()?;
            self.stream.tcp().set_read_timeout(Some(left))?;
            match self.stream.read(buf) {
                Ok(0) => {
                    return Ok(Got::Eof {
                        clean: self.stream.eof_is_clean(),
                    })
                }
                Ok(n) => return Ok(Got::Bytes(n)),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.deadline.timeout_or_io(e)),
            }
        }
    }
}

impl Transport for DeadlineReads<'_> {
    async fn read_some(&mut self, buf: &mut [u8]) -> Result<Got, Error> {
        self.read_now(buf) // no await: ready at the first poll
    }
}

/// The moment a whole exchange must be over by.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    after: Duration,
}

impl Deadline {
    /// A deadline `after` from now.
    pub fn after(after: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + after,
            after,
        }
    }

    /// The time left, or [`Error::Timeout`] once there is none (never
    /// `Duration::ZERO`, which the socket calls would take as "no timeout").
    pub fn left(&self) -> Result<Duration, Error> {
        match self.at.checked_duration_since(Instant::now()) {
            Some(left) if left >= Duration::from_millis(1) => Ok(left),
            _ => Err(Error::Timeout { after: self.after }),
        }
    }

    /// A socket timeout becomes [`Error::Timeout`] (naming the whole
    /// deadline); any other error is [`Error::Io`].
    fn timeout_or_io(&self, e: std::io::Error) -> Error {
        match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                Error::Timeout { after: self.after }
            }
            _ => Error::connection(e),
        }
    }
}

/// Connects to the first of the URL's addresses that answers, before the deadline.
fn connect(url: &Url, deadline: &Deadline) -> Result<TcpStream, Error> {
    let addrs = resolve_all(url)?;
    let mut last = None;
    for (i, &addr) in addrs.iter().enumerate() {
        let left = deadline.left().map_err(|_| Error::ConnectTimeout {
            addr,
            after: deadline.after,
        })?;
        let share = (left / (addrs.len() - i) as u32).max(Duration::from_millis(1));
        match TcpStream::connect_timeout(&addr, share) {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = Some(Error::ConnectTimeout {
                    addr,
                    after: deadline.after,
                })
            }
            Err(source) => last = Some(Error::connect(addr, source)),
        }
    }
    Err(last.unwrap_or_else(|| no_address(url.host())))
}

/// Every address of the URL's host, in the resolver's order: literals (and
/// `localhost`) at once, other names through the system resolver.
pub(crate) fn resolve_all(url: &Url) -> Result<Vec<SocketAddr>, Error> {
    if let Some(addrs) = url.literal_addrs() {
        return Ok(addrs);
    }
    let host = url.host().to_string();
    super::test_hooks::before_resolve();
    let mut addrs: Vec<SocketAddr> = Vec::new();
    let found = (host.as_str(), url.port())
        .to_socket_addrs()
        .map_err(|source| Error::Resolve {
            host: host.clone(),
            source,
        })?;
    for addr in found {
        if !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    if addrs.is_empty() {
        return Err(no_address(&host));
    }
    Ok(addrs)
}

/// The error for a name that resolved to nothing.
pub(crate) fn no_address(host: &str) -> Error {
    Error::Resolve {
        host: host.to_string(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no address found"),
    }
}
