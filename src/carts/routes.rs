//! The dummyjson-compatible cart API, served by our HTTP server, and
//! [`EmbeddedServer`], which runs it on its own thread for tests, benchmarks
//! and `homemade carts`.
//!
//! ## The routes (what `https://dummyjson.com` answers, on this machine)
//!
//! | request | answer |
//! |---|---|
//! | `GET /carts/{id}` | `200` and the cart's JSON; `404` `{"message":"Cart with id '{id}' not found"}` |
//! | `GET /carts?limit=&skip=` | `200` `{"carts":[...],"total":208,"skip":S,"limit":L}` (`limit` defaults to 30, `0` means all; the envelope's `limit` is the number of carts returned) |
//! | `?delay=ms` on any route | waits that long first, `0..=5000`; otherwise `400` with dummyjson's message |
//! | other paths | `404` `{"message":"Route '...' not found"}`; other methods on `/carts` `405` |
//!
//! The messages are dummyjson's own: `Delay should be a positive number in
//! milliseconds`, `Delay should be less than 5 seconds (5000 milliseconds)`,
//! `Invalid 'limit' - should be a positive number` (and the same for `skip`).
//! As there, the parameters are checked before the delay, so a bad request is
//! refused at once.
//!
//! ## The delay is a timer, not a sleeping thread
//!
//! `?delay=` awaits `event_loop::sleep`: the handler's task parks on the
//! loop's timer wheel and the thread goes on serving other connections. A
//! thousand requests with `?delay=1000` take about one second, not a
//! thousand (`tests/http_thousand_delayed_requests.rs` checks they all
//! complete).
//!
//! ## Speed
//!
//! Each cart's JSON is rendered once, on first use, and shared; a request
//! costs parsing, a lookup and a copy into the socket.
//!
//! Read next: `strategies.rs`, which fetches these carts in eight ways.

use super::model::CartStore;
use crate::event_loop::{sleep, EventLoop};
use crate::http::server::{Server, ServerConfig, ServerResponse, ServerStats};
use crate::http::IncomingRequest;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;
use std::time::Duration;

/// The longest `?delay=` accepted, in milliseconds (dummyjson's limit).
pub const MAX_DELAY_MS: u64 = 5000;

/// Answers one request of the cart API (a handler for [`Server::serve`]).
pub async fn handle(request: IncomingRequest) -> ServerResponse {
    let delay = match parse_delay(request.query("delay")) {
        Ok(d) => d,
        Err(message) => return ServerResponse::message(400, message),
    };
    let route = route(&request);
    let response = match route {
        Ok(response) => response,
        Err(response) => return response, // parameter errors are answered at once
    };
    if let Some(delay) = delay {
        sleep(delay).await;
    }
    response
}

/// Reads `?delay=` as dummyjson does: absent or empty means no delay.
fn parse_delay(value: Option<&str>) -> Result<Option<Duration>, &'static str> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let ms: f64 = value
        .parse()
        .ok()
        .filter(|ms: &f64| ms.is_finite() && *ms >= 0.0)
        .ok_or("Delay should be a positive number in milliseconds")?;
    if ms > MAX_DELAY_MS as f64 {
        return Err("Delay should be less than 5 seconds (5000 milliseconds)");
    }
    Ok(Some(Duration::from_millis(ms as u64)))
}

/// Reads a paging parameter (`limit`, `skip`): absent means `default`.
fn parse_count(value: Option<&str>, name: &str, default: usize) -> Result<usize, ServerResponse> {
    match value {
        None => Ok(default),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n.min(usize::MAX as f64) as usize)
            .ok_or_else(|| {
                ServerResponse::message(
                    400,
                    &format!("Invalid '{name}' - should be a positive number"),
                )
            }),
    }
}

/// Picks the answer; `Err` for answers that must not wait for the delay.
fn route(request: &IncomingRequest) -> Result<ServerResponse, ServerResponse> {
    let path = request.path();
    let is_get = request.method == "GET" || request.method == "HEAD";
    let store = CartStore::embedded();
    if (path == "/carts" || path.starts_with("/carts/")) && !is_get {
        return Ok(ServerResponse::message(
            405,
            &format!(
                "Method {} is not allowed on {path} (this server is read-only)",
                request.method
            ),
        ));
    }
    if path == "/carts" {
        let limit = parse_count(request.query("limit"), "limit", 30)?;
        let skip = parse_count(request.query("skip"), "skip", 0)?;
        let limit = if limit == 0 { usize::MAX } else { limit };
        let page = store.page(skip, limit);
        let envelope = Envelope {
            carts: page,
            total: store.len(),
            skip,
            limit: page.len(),
        };
        let body = serde_json::to_vec(&envelope).expect("carts serialize");
        return Ok(ServerResponse::json(200, body));
    }
    if let Some(id) = path.strip_prefix("/carts/") {
        // dummyjson compares the id as text: "01" is not cart 1.
        let found = id
            .parse::<u64>()
            .ok()
            .filter(|n| n.to_string() == id)
            .and_then(|n| cart_json(n));
        return Ok(match found {
            Some(json) => ServerResponse::json(200, json.clone()),
            None => ServerResponse::message(404, &format!("Cart with id '{id}' not found")),
        });
    }
    Ok(ServerResponse::message(
        404,
        &format!("Route '{} {path}' not found (try /carts/1)", request.method),
    ))
}

/// dummyjson's paging envelope, fields in its order.
#[derive(serde::Serialize)]
struct Envelope<'a> {
    carts: &'a [super::model::Cart],
    total: usize,
    skip: usize,
    limit: usize,
}

/// The JSON of cart `id`, rendered once and shared.
fn cart_json(id: u64) -> Option<&'static Vec<u8>> {
    static RENDERED: OnceLock<Vec<(u64, Vec<u8>)>> = OnceLock::new();
    let rendered = RENDERED.get_or_init(|| {
        CartStore::embedded()
            .all()
            .iter()
            .map(|c| (c.id, serde_json::to_vec(c).expect("a cart serializes")))
            .collect()
    });
    rendered
        .binary_search_by_key(&id, |(i, _)| *i)
        .ok()
        .map(|i| &rendered[i].1)
}

/// A one-shot "stop now" signal from any thread to the server's loop.
#[derive(Default)]
struct StopSignal {
    state: Mutex<(bool, Option<Waker>)>,
}

impl StopSignal {
    /// Raises the signal and wakes the waiting loop.
    fn raise(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Resolves once the signal is raised.
    async fn raised(&self) {
        poll_fn(|cx| {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// Runs `main` until `stop` resolves (whichever finishes first).
async fn until<A: Future<Output = ()>, B: Future<Output = ()>>(main: A, stop: B) {
    let mut main = pin!(main);
    let mut stop = pin!(stop);
    poll_fn(|cx| {
        if stop.as_mut().poll(cx).is_ready() || main.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// The cart server on its own event loop, on its own thread. Dropping it (or
/// [`shutdown`](Self::shutdown)) stops the loop and joins the thread.
pub struct EmbeddedServer {
    addr: SocketAddr,
    stats: Arc<ServerStats>,
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl EmbeddedServer {
    /// Starts the cart server on `addr` (port 0 picks a free port).
    pub fn start(addr: SocketAddr) -> io::Result<EmbeddedServer> {
        EmbeddedServer::start_with(addr, ServerConfig::default())
    }

    /// Starts the cart server with explicit server settings.
    pub fn start_with(addr: SocketAddr, config: ServerConfig) -> io::Result<EmbeddedServer> {
        let stop = Arc::new(StopSignal::default());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stop_for_thread = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("homemade-cart-server".into())
            .spawn(move || {
                let event_loop = match EventLoop::new() {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                event_loop.block_on(async move {
                    let server = match Server::bind(addr) {
                        Ok(server) => server.with_config(config),
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let ready = server.local_addr().map(|a| (a, server.stats()));
                    let ok = ready.is_ok();
                    let _ = ready_tx.send(ready);
                    if ok {
                        until(server.serve(handle), stop_for_thread.raised()).await;
                    }
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok((addr, stats))) => Ok(EmbeddedServer {
                addr,
                stats,
                stop,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(io::Error::other(
                    "the cart server thread died while starting",
                ))
            }
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, to which `/carts/1` can be appended.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's counters (connections accepted, requests served, ...).
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Stops the loop and joins its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    /// Raises the stop signal and waits for the thread.
    fn stop_and_join(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.raise();
            let _ = thread.join();
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
