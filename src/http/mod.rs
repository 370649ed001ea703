//! A minimal HTTP/1.1 client and server on our own event loop: the
//! `aiohttp.ClientSession().get(url)` of the Python explainer, built from the
//! bytes up.
//!
//! ## Map of the module
//!
//! | file | what it does |
//! |---|---|
//! | `response.rs` | [`ResponseParser`]: sans-io response parsing, any split of the input gives the same result |
//! | `head.rs` | sans-io head parsing (status and request lines, headers) with `httparse`, the head limits, the RFC 9112 checks of a request head |
//! | `body.rs` | body framing (RFC 9112 §6.3): which rule decides where a body ends |
//! | `chunked.rs` | the chunked coding, encoder and incremental decoder |
//! | `request.rs` | [`Request`] (what the client writes) and [`RequestParser`] (what the server reads) |
//! | `headers.rs`, `url.rs`, `limits.rs`, `error.rs` | the small types everything shares |
//! | `read_loop.rs` | the one loop that reads a response (read, push, until complete), for every transport |
//! | `client.rs` | [`Client`]: requests on our event loop, timeouts, the stale-connection retry |
//! | `pool.rs` | the keep-alive pool per `host:port` and the per-host connection cap |
//! | `budget.rs` | the default per-host cap, from the descriptor limit (`ulimit -n`) |
//! | `streaming.rs` | [`StreamingResponse`]: a body read piece by piece as it arrives |
//! | `server.rs` | [`Server`]: keep-alive, limits (400/414/431/413), idle timeout, one task per connection |
//! | `on_thread.rs` | [`server::ServerThread`]: a server with a handler of your own on its own thread (tests, benchmarks) |
//! | `idle.rs` | the server's open connections, to shed the one idle longest when out of descriptors |
//! | `blocking.rs` | [`blocking::get`]: one GET over `std::net`, for the thread strategies |
//! | `conn.rs` | a connection that is plain TCP or TLS, one enum, no indirection on plain TCP |
//! | `test_hooks.rs` | a gate that holds name resolution, for tests (hidden, not API) |
//! | `tls/` | HTTPS: rustls sessions driven by our reactor, trust (`--cacert`), [`tls::TlsError`] |
//!
//! Start with `response.rs`: its state machine is the heart of the module.
//! The parsers never touch a socket ("sans-io"), so the same code runs under
//! our event loop, under blocking sockets, under tokio and under proptest.
//! Then `client.rs` and `pool.rs` (a request's life on the loop), then
//! `server.rs` and `on_thread.rs` (the other end of the wire; the cart API
//! is one handler for it, `src/carts/routes.rs`).
//! DESIGN.md chapter 4 has the invariants, the comparison with hyper and
//! aiohttp, and the measured figures.
//!
//! ## A first taste
//!
//! ```
//! use homemade::event_loop::{gather, EventLoop};
//! use homemade::http::server::{serve_on_thread, ServerResponse};
//! use homemade::http::Client;
//!
//! #[derive(serde::Deserialize)]
//! struct Item {
//!     id: u64,
//! }
//!
//! // A server on its own thread, with a handler of our own: `/items/N`
//! // answers `{"id":N}`.
//! let server = serve_on_thread(|request| async move {
//!     let id = request.path().trim_start_matches("/items/").to_string();
//!     ServerResponse::json(200, format!("{{\"id\":{id}}}"))
//! })
//! .unwrap();
//! let client = Client::new();
//! let urls: Vec<String> = (1..=5).map(|id| server.url(&format!("/items/{id}"))).collect();
//! let items = EventLoop::new().unwrap().block_on(gather(urls.iter().map(|url| {
//!     let client = client.clone();
//!     async move { client.get(url).await?.json::<Item>() }
//! })));
//! let ids: Vec<u64> = items.into_iter().map(|item| item.unwrap().id).collect();
//! assert_eq!(ids, [1, 2, 3, 4, 5]); // in the order asked, whatever order they came in
//! ```
//!
//! `carts::routes::EmbeddedServer` is the same thing with the cart API as
//! the handler: what `homemade carts` fetches from.

pub mod blocking;
pub mod body;
mod budget;
pub mod chunked;
mod client;
mod conn;
mod connect;
mod error;
mod head;
mod headers;
mod idle;
mod limits;
mod on_thread;
mod pool;
mod read_loop;
pub mod request;
pub mod response;
pub mod server;
mod streaming;
#[doc(hidden)]
pub mod test_hooks;
pub mod tls;
mod traced;
mod url;

pub use self::url::Url;
pub use budget::{default_connections_per_host, RESERVED_DESCRIPTORS};
pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use headers::Headers;
pub use limits::{Limits, RESPONSE_MAX_HEADERS};
#[cfg_attr(not(feature = "peers"), allow(unused_imports))]
pub(crate) use read_loop::{read_response, Got, Transport, Until};
pub use request::{IncomingRequest, Request, RequestParser};
pub use response::{Response, ResponseParser};
pub use server::{Server, ServerConfig, ServerResponse, ServerStats};
pub use streaming::StreamingResponse;
