//! Row 8: the same pipeline on tokio and rayon, the reference a Rust
//! programmer would reach for.
//!
//! * **I/O on tokio.** A current-thread tokio runtime plays the part of our
//!   event loop (one thread, every socket). The HTTP exchange is a small client
//!   written here over `tokio::net::TcpStream` that reuses our sans-io pieces:
//!   `http::Request::encode` writes the request and `http::ResponseParser`
//!   reads the answer, so this row and ours parse the very same way and the
//!   comparison is about the runtimes, not about two HTTP stacks.
//! * **CPU on rayon.** Each cart's driver hands its cart to a rayon pool with
//!   as many threads as our pools have workers (`--workers`), and awaits a
//!   `tokio::sync::oneshot` that the rayon job completes: the idiomatic bridge
//!   between the two (`OnRayon` in `pricers.rs`).
//!
//! Like `pipelined`, pricing starts the moment a response is in. Like our
//! clients, every request runs under the workload's deadline (`--timeout`)
//! and at most `http::default_connections_per_host()` are in flight at once
//! (a semaphore), so a low `ulimit -n` is not exhausted.
//!
//! Built only with the `peers` feature (on by default).
//!
//! Read next: `report.rs`.

use super::drive::Driver;
use super::fetch;
use super::pricers::OnRayon;
use super::Workload;
use crate::carts::bars::now_ns;
use crate::carts::error::CartError;
use crate::carts::model::Cart;
use crate::carts::pricing::Priced;
use crate::event_loop::gather;
use crate::http::{self, Request, Response, ResponseParser};
use crate::trace::{Lane, LoopId, Recorder};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Row 8: fetch on tokio, price on rayon, pipelined.
pub(super) fn tokio_rayon(drive: Driver<'_>) -> Result<Vec<Priced>, CartError> {
    let wl = drive.wl;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CartError::Runtime(format!("cannot start tokio: {e}")))?;
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(wl.workers.max(1))
        .build()
        .map_err(|e| CartError::Runtime(format!("cannot start rayon: {e}")))?;
    let pricer = OnRayon(&rayon);
    // tokio's loop is not one of ours, but it is an event loop: it gets a
    // loop id of its own, so its lane is drawn as one.
    let lane = Lane::Loop(LoopId::next());
    // As many connections in flight as our client allows per host (sized
    // from the descriptor limit, see `http::default_connections_per_host`).
    let permits = http::default_connections_per_host().min(tokio::sync::Semaphore::MAX_PERMITS);
    let gate = tokio::sync::Semaphore::new(permits);
    // The drivers borrow the workload, so they cannot be `tokio::spawn`ed:
    // like our loop's rows, they all run inside the one task of `block_on`,
    // under `gather` (a plain future combinator, at home on any runtime).
    runtime.block_on(async {
        let carts = wl.ids.iter().map(|&id| {
            let fetch = fetch_tokio(wl, id, &gate, lane, drive.recorder);
            drive.cart(id, fetch, &pricer)
        });
        gather(carts).await.into_iter().collect()
    })
}

/// Fetches cart `id` over tokio's `TcpStream` and records its fetch bar.
/// The whole exchange runs under the workload's deadline, as on the other
/// clients: a server that accepts and never answers costs `wl.timeout`.
async fn fetch_tokio(
    wl: &Workload,
    id: u64,
    gate: &tokio::sync::Semaphore,
    lane: Lane,
    recorder: &Recorder,
) -> Result<Cart, CartError> {
    let url = wl.url(id);
    let start = now_ns();
    let exchange = async {
        // Waiting for a connection slot counts against the deadline too.
        let _permit = gate
            .acquire()
            .await
            .map_err(|_| http::Error::Internal("the connection gate was closed".into()))?;
        get(&url, wl.timeout).await
    };
    let response = tokio::time::timeout(wl.timeout, exchange)
        .await
        .unwrap_or(Err(http::Error::Timeout { after: wl.timeout }));
    fetch::finish(id, &url, response, start, lane, recorder)
}

/// One GET over a fresh tokio connection, parsed by our sans-io parser;
/// for `https://`, through tokio-rustls (what a tokio user would pick),
/// with the same trust as our clients (`http::tls::default_client`).
async fn get(url: &str, deadline: Duration) -> Result<Response, http::Error> {
    let request = Request::get(url)?.header("Connection", "close");
    let addrs = resolve(&request).await?;
    let stream = connect_any(&addrs, deadline).await?;
    let _ = stream.set_nodelay(true);
    if !request.url.is_https() {
        return exchange(stream, &request, false).await;
    }
    let host = request.url.host().to_string();
    let tls = http::tls::default_client().map_err(http::Error::Tls)?;
    let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|_| {
        http::Error::Tls(http::tls::TlsError::Config(format!(
            "{host:?} is not a valid TLS server name"
        )))
    })?;
    let connector = tokio_rustls::TlsConnector::from(tls.rustls_config());
    let stream = connector
        .connect(name, stream)
        .await
        .map_err(|e| http::tls::name_io_error(e, &host))?;
    exchange(stream, &request, true).await
}

/// Writes the request and reads the response from a plain or TLS stream.
async fn exchange<S>(mut stream: S, request: &Request, tls: bool) -> Result<Response, http::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut out = Vec::new();
    request.encode(&mut out)?;
    stream.write_all(&out).await?;
    stream.flush().await?; // tokio-rustls sends what it buffered
    let mut parser = ResponseParser::for_method(&request.method);
    let mut buf = vec![0u8; 16 * 1024];
    let mut reads = TokioReads { stream, tls };
    http::read_response(&mut reads, &mut parser, &mut buf, http::Until::Whole)
        .await?
        .ok_or_else(|| http::Error::Internal("no response after reading a whole one".into()))
}

/// A tokio stream as a transport of our one read loop (`http/read_loop.rs`).
struct TokioReads<S> {
    stream: S,
    tls: bool,
}

impl<S: tokio::io::AsyncRead + Unpin> http::Transport for TokioReads<S> {
    async fn read_some(&mut self, buf: &mut [u8]) -> Result<http::Got, http::Error> {
        match self.stream.read(buf).await {
            Ok(0) => Ok(http::Got::Eof { clean: true }),
            Ok(n) => Ok(http::Got::Bytes(n)),
            // tokio-rustls: the peer closed without close_notify.
            Err(e) if self.tls && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                Ok(http::Got::Eof { clean: false })
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Connects to the first of `addrs` that accepts, each attempt getting an
/// equal share of what is left of `limit` (the same walk as our client's).
async fn connect_any(
    addrs: &[SocketAddr],
    limit: Duration,
) -> Result<tokio::net::TcpStream, http::Error> {
    let started = std::time::Instant::now();
    let mut last = None;
    for (i, &addr) in addrs.iter().enumerate() {
        let share = limit.saturating_sub(started.elapsed()) / (addrs.len() - i) as u32;
        let timed_out = http::Error::ConnectTimeout { addr, after: limit };
        let result = match tokio::time::timeout(share, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(source)) => http::Error::connect(addr, source),
            Err(_) => timed_out,
        };
        last = Some(result);
    }
    Err(last.unwrap_or_else(|| http::Error::Internal("no address to connect to".into())))
}

/// The server's addresses: IP literals at once, names through tokio's resolver.
async fn resolve(request: &Request) -> Result<Vec<SocketAddr>, http::Error> {
    if let Some(addrs) = request.url.literal_addrs() {
        return Ok(addrs);
    }
    let host = request.url.host().to_string();
    let found = tokio::net::lookup_host((host.as_str(), request.url.port()))
        .await
        .map(|addrs| addrs.collect::<Vec<SocketAddr>>());
    match found {
        Ok(addrs) => {
            if addrs.is_empty() {
                Err(http::blocking::no_address(&host))
            } else {
                Ok(addrs)
            }
        }
        Err(source) => Err(http::Error::Resolve { host, source }),
    }
}
