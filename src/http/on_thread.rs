//! [`ServerThread`]: a [`Server`] on its own event loop, on its own thread,
//! for tests, benchmarks and examples that need a real server beside them.
//!
//! ## How it works
//!
//! [`ServerThread::start`] spawns a thread that creates an [`EventLoop`],
//! binds the listener inside it and sends the bound address back over a
//! channel; `start` returns only once the server listens (or with the error
//! that stopped it: a port in use, no IPv6 loopback). The loop then runs
//! `server.serve(handler)` *raced against* a stop signal. Dropping the
//! [`ServerThread`] (or [`ServerThread::shutdown`]) raises the signal, which
//! wakes the loop through its waker, the race ends, `block_on` returns, the
//! loop is dropped with every connection task still on it, and the thread is
//! joined. So a test that drops its server leaks no thread and no socket.
//!
//! ## The handler
//!
//! Any `Fn(IncomingRequest) -> impl Future<Output = ServerResponse>`: a
//! closure of the caller's own, moved to the server thread (hence `Send`);
//! the futures it returns stay on that thread, so they need not be `Send`
//! and may await the loop's timers (`event_loop::sleep`) to answer slowly.
//! The cart API (`carts::routes::EmbeddedServer`) is one such handler; the
//! HTTP tests use tiny ones (echo, a fixed body, a slow answer).
//!
//! ```
//! use homemade::event_loop::EventLoop;
//! use homemade::http::server::{serve_on_thread, ServerResponse};
//! use homemade::http::Client;
//!
//! // A handler of our own: echo the path back.
//! let server = serve_on_thread(|request| async move {
//!     ServerResponse::json(200, format!("{{\"path\":\"{}\"}}", request.path()))
//! })
//! .unwrap();
//! let answer = EventLoop::new()
//!     .unwrap()
//!     .block_on(Client::new().get(&server.url("/hello")))
//!     .unwrap();
//! assert_eq!(answer.status, 200);
//! assert_eq!(answer.body, br#"{"path":"/hello"}"#);
//! assert_eq!(server.stats().requests_served(), 1);
//! drop(server); // stops the loop and joins the thread
//! ```
//!
//! Read next: `server.rs`, what runs on that thread.

use super::server::{Server, ServerConfig, ServerResponse, ServerStats};
use super::tls::ServerTls;
use super::IncomingRequest;
use crate::event_loop::EventLoop;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;

/// Starts `handler` on a plain-HTTP server at `127.0.0.1`, on a free port,
/// with the default [`ServerConfig`], on its own thread. The short form of
/// [`ServerThread::start`].
pub fn serve_on_thread<H, F>(handler: H) -> io::Result<ServerThread>
where
    H: Fn(IncomingRequest) -> F + Send + 'static,
    F: Future<Output = ServerResponse> + 'static,
{
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    ServerThread::start(loopback, ServerConfig::default(), None, handler)
}

/// A [`Server`] running `handler` on its own event loop and thread. Dropping
/// it (or [`shutdown`](Self::shutdown)) stops the loop and joins the thread.
pub struct ServerThread {
    addr: SocketAddr,
    scheme: &'static str,
    stats: Arc<ServerStats>,
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ServerThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerThread")
            .field("addr", &self.addr)
            .field("scheme", &self.scheme)
            .finish()
    }
}

impl ServerThread {
    /// Binds `addr` (port 0 picks a free port) with these settings, over
    /// HTTPS when `tls` is given, and serves `handler` until dropped.
    /// Returns once the server listens, or with the error that stopped it.
    pub fn start<H, F>(
        addr: SocketAddr,
        config: ServerConfig,
        tls: Option<ServerTls>,
        handler: H,
    ) -> io::Result<ServerThread>
    where
        H: Fn(IncomingRequest) -> F + Send + 'static,
        F: Future<Output = ServerResponse> + 'static,
    {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let stop = Arc::new(StopSignal::default());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stop_for_thread = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("homemade-http-server".into())
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
                        Ok(server) => match tls {
                            Some(tls) => server.with_config(config).with_tls(tls),
                            None => server.with_config(config),
                        },
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let ready = server.local_addr().map(|a| (a, server.stats()));
                    let ok = ready.is_ok();
                    let _ = ready_tx.send(ready);
                    if ok {
                        until(server.serve(handler), stop_for_thread.raised()).await;
                    }
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok((addr, stats))) => Ok(ServerThread {
                addr,
                scheme,
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
                Err(io::Error::other("the server thread died while starting"))
            }
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT` (`https://` with TLS), to which a path can be appended.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// [`base_url`](Self::base_url) followed by `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
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

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop_and_join();
    }
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
