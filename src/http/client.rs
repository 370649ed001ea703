//! [`Client`]: HTTP/1.1 requests on our event loop, with a keep-alive pool.
//!
//! This is the `aiohttp.ClientSession` of the Python explainer: one object you
//! make once and ask for many URLs, concurrently, from many tasks on one
//! thread. Every wait (connect, write, read, DNS, timers) is an `.await`
//! that hands the thread back to the loop.
//!
//! ## One request, step by step
//!
//! 1. **URL.** [`Url::parse`]: `http://` or `https://`.
//! 2. **Connection.** The [pool](super::pool) hands out an idle connection to
//!    the same `host:port`, or budget for a new one. A new one needs an
//!    address: IP literals and `localhost` are answered at once; any other
//!    name is resolved on a short-lived helper thread, so the loop never
//!    blocks inside `getaddrinfo` (`connect.rs`). The addresses are tried in order (for
//!    `localhost`, `127.0.0.1` then `::1`) under the connect timeout (a loop
//!    timer), shared among them. For `https://`, the TLS handshake follows
//!    (`tls/stream.rs`), checking the certificate against the URL's host
//!    with the client's [`ClientTls`] (the process default unless
//!    [`ClientBuilder::tls`] gave one), within the connect timeout and the
//!    request's deadline: one that runs out is `TlsError::HandshakeTimeout`.
//! 3. **Exchange.** The encoded request is written, and bytes are read and
//!    pushed into a [`ResponseParser`] until it returns a complete response.
//! 4. **Back to the pool** if the parser says the connection is
//!    [`reusable`](ResponseParser::reusable), else it is closed.
//!
//! The whole of this runs under the request timeout, so a server that
//! accepts and never answers costs at most that long.
//!
//! ## The stale-connection retry (read this before relying on it)
//!
//! A parked connection can be closed by the server at any moment (servers
//! close idle connections after a while). We only find out when we use it:
//! the write fails, or the read sees end-of-file. Then, and only then, the
//! request is sent **once more on a fresh connection**, and only if:
//!
//! * the connection came from the pool (a fresh connection that fails is a
//!   real error, reported as is),
//! * the method is idempotent (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`,
//!   `TRACE`), because the server may have acted on the first copy, and
//! * **no byte of the response arrived**: once the server started answering,
//!   the failure is reported, never papered over.
//!
//! A `POST` on a stale connection therefore fails with the underlying error;
//! the caller decides whether repeating it is safe.
//!
//! Read next: `pool.rs` (the keep-alive rules), then `server.rs`.

use super::conn::Connection;
use super::connect::{connect_any, resolve};
use super::pool::{Checkout, HostKey, Lease, Pool};
use super::read_loop::{read_response, Until};
use super::streaming::{within, Deadline, StreamingResponse};
use super::tls::{ClientTls, TlsError, TlsStream};
use super::traced::RequestSpan;
use super::{Error, Limits, Request, Response, ResponseParser, Url};
use crate::event_loop::net::TcpStream;
use crate::event_loop::timeout;
use crate::trace::HttpPhase;
use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

/// Settings of a [`Client`].
#[derive(Clone, Debug)]
struct Config {
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    max_connections_per_host: Option<usize>,
    max_idle_per_host: usize,
    limits: Limits,
    /// Whom `https://` connections trust (`None`: the process default).
    tls: Option<ClientTls>,
}

/// Builds a [`Client`] with non-default settings.
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    config: Config,
}

impl ClientBuilder {
    /// How long a TCP connect may take (default 10 s; `None` for no limit).
    pub fn connect_timeout(mut self, d: impl Into<Option<Duration>>) -> Self {
        self.config.connect_timeout = d.into();
        self
    }

    /// How long a whole request may take, from checkout to the last body
    /// byte (default 30 s; `None` for no limit).
    pub fn request_timeout(mut self, d: impl Into<Option<Duration>>) -> Self {
        self.config.request_timeout = d.into();
        self
    }

    /// At most this many open connections per `host:port` (default:
    /// [`default_connections_per_host`](super::default_connections_per_host),
    /// sized from the descriptor limit). Requests beyond it wait for a
    /// connection to free up.
    pub fn max_connections_per_host(mut self, n: usize) -> Self {
        self.config.max_connections_per_host = Some(n.max(1));
        self
    }

    /// At most this many idle connections kept per `host:port` (default 64).
    pub fn max_idle_per_host(mut self, n: usize) -> Self {
        self.config.max_idle_per_host = n;
        self
    }

    /// The largest response body accepted (default 64 MiB).
    pub fn max_body_bytes(mut self, n: u64) -> Self {
        self.config.limits.max_body_bytes = n;
        self
    }

    /// Parser limits (head size, header count, chunk lines, body).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// The roots `https://` connections trust (default: the process
    /// default of [`tls::default_client`](super::tls::default_client), the
    /// system store unless `--cacert` said otherwise).
    pub fn tls(mut self, tls: ClientTls) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let pool = Pool::new(
            self.config.max_connections_per_host,
            self.config.max_idle_per_host,
        );
        Client {
            inner: Rc::new(Inner {
                config: self.config,
                pool,
                buffers: RefCell::new(Vec::new()),
            }),
        }
    }
}

/// An HTTP/1.1 client for our event loop. Cheap to clone (clones share the
/// pool). Use it on one loop at a time: one loop after another is fine,
/// two loops alive at once driving the same client are not (see `pool.rs`,
/// "Ownership").
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

/// What the clones of a client share.
struct Inner {
    config: Config,
    pool: Pool,
    /// Read buffers to reuse (zeroing 16 KiB per request is not free).
    buffers: RefCell<Vec<Vec<u8>>>,
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("connections_opened", &self.inner.pool.opened())
            .finish()
    }
}

impl Client {
    /// A client with the default settings.
    pub fn new() -> Client {
        Client::builder().build()
    }

    /// A builder for other settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            config: Config {
                connect_timeout: Some(Duration::from_secs(10)),
                request_timeout: Some(Duration::from_secs(30)),
                max_connections_per_host: Some(super::budget::default_connections_per_host()),
                max_idle_per_host: 64,
                limits: Limits::for_responses(),
                tls: None,
            },
        }
    }

    /// `GET url`.
    ///
    /// Against a tiny [`Server`](super::Server) of our own, on the same loop:
    ///
    /// ```
    /// use homemade::event_loop::{spawn, EventLoop};
    /// use homemade::http::{Client, IncomingRequest, Server, ServerResponse};
    ///
    /// EventLoop::new().unwrap().block_on(async {
    ///     let server = Server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ///     let base = format!("http://{}", server.local_addr().unwrap());
    ///     let _serving = spawn(server.serve(|req: IncomingRequest| async move {
    ///         ServerResponse::json(200, format!("{{\"path\":\"{}\"}}", req.path()))
    ///     }));
    ///     let client = Client::new();
    ///     for _ in 0..2 {
    ///         // The second request reuses the kept-alive connection.
    ///         let response = client.get(&format!("{base}/hello?x=1")).await.unwrap();
    ///         assert_eq!(response.status, 200);
    ///         assert_eq!(response.text().unwrap(), r#"{"path":"/hello"}"#);
    ///     }
    /// });
    /// ```
    pub async fn get(&self, url: &str) -> Result<Response, Error> {
        self.request(Request::get(url)?).await
    }

    /// `HEAD url` (the response has no body).
    pub async fn head(&self, url: &str) -> Result<Response, Error> {
        self.request(Request::new("HEAD", url)?).await
    }

    /// `POST url` with this body.
    pub async fn post(&self, url: &str, body: impl Into<Vec<u8>>) -> Result<Response, Error> {
        self.request(Request::new("POST", url)?.body(body)).await
    }

    /// Sends any request and returns the complete response (its body held
    /// in memory, up to the body limit: 64 MiB unless
    /// [`max_body_bytes`](ClientBuilder::max_body_bytes) says otherwise).
    pub async fn request(&self, request: Request) -> Result<Response, Error> {
        let deadline = self.deadline();
        match within(deadline, self.send(&request, false, deadline)).await? {
            Sent::Whole(response) => Ok(response),
            Sent::Head(_) => Err(Error::Internal(
                "a buffered request stopped at the head".into(),
            )),
        }
    }

    /// `GET url`, with the body to be read piece by piece as it arrives
    /// (see [`StreamingResponse`]).
    pub async fn get_streaming(&self, url: &str) -> Result<StreamingResponse, Error> {
        self.request_streaming(Request::get(url)?).await
    }

    /// Sends any request and returns as soon as the head of the response is
    /// in; the body is then read with [`StreamingResponse::chunk`], so memory
    /// stays bounded by one read buffer whatever the body's size (there is no
    /// body limit here: the caller decides what to keep). The request
    /// timeout still covers the whole exchange, the last chunk included.
    pub async fn request_streaming(&self, request: Request) -> Result<StreamingResponse, Error> {
        let deadline = self.deadline();
        let sent = within(deadline, self.send(&request, true, deadline)).await?;
        Ok(match sent {
            Sent::Whole(response) => StreamingResponse::complete(response, deadline),
            Sent::Head(parts) => {
                let HeadOnly {
                    head,
                    lease,
                    parser,
                    buf,
                } = *parts;
                StreamingResponse::streaming(head, lease, parser, buf, deadline)
            }
        })
    }

    /// When the request that starts now must be over, if there is a limit.
    fn deadline(&self) -> Option<Deadline> {
        self.inner.config.request_timeout.map(Deadline::after)
    }

    /// TCP connections this client has opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.inner.pool.opened()
    }

    /// Idle connections parked for the host and port of `url`.
    pub fn idle_connections(&self, url: &str) -> usize {
        Url::parse(url).map_or(0, |u| self.inner.pool.idle_count(&key_of(&u)))
    }

    /// Checkout, exchange, park; with the one stale-connection retry. With
    /// `streaming`, stops as soon as the head is in (unless the whole
    /// response came at once) and hands over the connection with it.
    async fn send(
        &self,
        request: &Request,
        streaming: bool,
        deadline: Option<Deadline>,
    ) -> Result<Sent, Error> {
        let mut wire = Vec::with_capacity(256 + request.body.len());
        request.encode(&mut wire)?;
        let key = key_of(&request.url);
        let mut fresh = false;
        let mut span = RequestSpan::start(request);
        loop {
            let (mut lease, reused) = match self.inner.pool.checkout(&key, fresh).await {
                Checkout::Reuse(lease) => (lease, true),
                Checkout::Open(mut lease) => {
                    span.phase(HttpPhase::Connect);
                    lease.stream = Some(self.open(&request.url, deadline).await?);
                    self.inner.pool.note_opened();
                    span.opened();
                    (lease, false)
                }
            };
            let limits = if streaming {
                self.inner.config.limits.clone().with_max_body(u64::MAX)
            } else {
                self.inner.config.limits.clone()
            };
            let mut parser = ResponseParser::with_limits(request.is_head(), limits);
            let mut buf = self
                .inner
                .buffers
                .borrow_mut()
                .pop()
                .unwrap_or_else(|| vec![0u8; READ_BUFFER]);
            span.phase(HttpPhase::Head);
            let outcome = exchange(&lease, &wire, &mut parser, &mut buf, streaming, &span).await;
            if let Ok(None) = outcome {
                // Streaming, and the head is in: the body is the caller's to read.
                let head = parser
                    .head_so_far()
                    .ok_or_else(|| Error::Internal("no head after the head".into()))?;
                span.finish(head.status);
                return Ok(Sent::Head(Box::new(HeadOnly {
                    head,
                    lease,
                    parser,
                    buf,
                })));
            }
            let mut spare = self.inner.buffers.borrow_mut();
            if spare.len() < SPARE_BUFFERS {
                spare.push(buf);
            }
            drop(spare);
            match outcome {
                Ok(Some(response)) => {
                    span.finish(response.status);
                    if parser.reusable() {
                        lease.park();
                    }
                    return Ok(Sent::Whole(response));
                }
                Ok(None) => unreachable!("handled above"),
                Err(error)
                    if reused
                        && !fresh
                        && request.is_idempotent()
                        && parser.bytes_received() == 0
                        && is_stale(&error) =>
                {
                    // The server closed the parked connection: once more, fresh.
                    lease.stream = None;
                    drop(lease);
                    fresh = true;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// A new connection for `url`: TCP, then TLS for `https://`, the
    /// handshake within the connect timeout and what is left of `deadline`.
    async fn open(&self, url: &Url, deadline: Option<Deadline>) -> Result<Connection, Error> {
        let tcp = self.connect(url).await?;
        if !url.is_https() {
            return Ok(Connection::Plain(tcp));
        }
        let tls = match &self.inner.config.tls {
            Some(tls) => tls.clone(),
            None => super::tls::default_client().map_err(Error::Tls)?,
        };
        let handshake = TlsStream::connect(tcp, tls.rustls_config(), url.host());
        // The tighter of the two limits, named as the user set it.
        let limit = match (self.inner.config.connect_timeout, deadline) {
            (Some(c), Some(d)) if c <= d.left() => Some((c, c)),
            (_, Some(d)) => Some((d.left(), d.total())),
            (Some(c), None) => Some((c, c)),
            (None, None) => None,
        };
        let tls = match limit {
            Some((left, after)) => timeout(left, handshake)
                .await
                .unwrap_or(Err(TlsError::HandshakeTimeout { after }.into()))?,
            None => handshake.await?,
        };
        Ok(Connection::Tls(Box::new(tls)))
    }

    /// Resolves the URL's host without blocking the loop, then connects to
    /// its addresses in turn (see [`connect_any`]) under the connect timeout.
    async fn connect(&self, url: &Url) -> Result<TcpStream, Error> {
        let addrs = resolve(url).await?;
        let stream = connect_any(&addrs, self.inner.config.connect_timeout).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// Bytes read from a connection at a time.
const READ_BUFFER: usize = 16 * 1024;

/// Read buffers kept for reuse at most (a burst of 1,000 requests must not
/// leave 16 MiB behind).
const SPARE_BUFFERS: usize = 64;

/// The pool key of a URL (TLS and plain connections never share a slot).
fn key_of(url: &Url) -> HostKey {
    let host = url.host().to_ascii_lowercase();
    let host = if url.is_https() {
        format!("https://{host}")
    } else {
        host
    };
    (host, url.port())
}

/// What [`Client::send`] got to.
enum Sent {
    /// The complete response.
    Whole(Response),
    /// Streaming: the head, and what is needed to read the body (boxed: it
    /// is much larger than a response, and only streaming requests make one).
    Head(Box<HeadOnly>),
}

/// A streaming request's state once its head is in.
struct HeadOnly {
    head: Response,
    lease: Lease,
    parser: ResponseParser,
    buf: Vec<u8>,
}

/// Writes the request and reads until the parser has the whole response
/// (`Some`), or, with `head_is_enough`, at least its head (`None`).
async fn exchange(
    lease: &Lease,
    wire: &[u8],
    parser: &mut ResponseParser,
    buf: &mut [u8],
    head_is_enough: bool,
    span: &RequestSpan,
) -> Result<Option<Response>, Error> {
    let mut stream = lease.stream.as_ref().expect("a leased connection");
    stream.write_all(wire).await?;
    // The head first, so that the trace marks where the body begins.
    let response = read_response(&mut stream, parser, buf, Until::Head).await?;
    span.phase(HttpPhase::Body);
    if response.is_some() || head_is_enough {
        return Ok(response);
    }
    read_response(&mut stream, parser, buf, Until::Whole).await
}

/// True for the ways a connection the server already closed shows itself.
fn is_stale(error: &Error) -> bool {
    match error {
        Error::ConnectionClosed => true,
        Error::Io(e) => matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}
