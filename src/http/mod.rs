//! A minimal HTTP/1.1 client and server on our own event loop: the
//! `aiohttp.ClientSession().get(url)` of the Python explainer, built from the
//! bytes up.
//!
//! ## Map of the module
//!
//! | file | what it does |
//! |---|---|
//! | `response.rs` | [`ResponseParser`]: sans-io response parsing, any split of the input gives the same result |
//! | `body.rs` | body framing (RFC 9112 §6.3): which rule decides where a body ends |
//! | `chunked.rs` | the chunked coding, encoder and incremental decoder |
//! | `request.rs` | [`Request`] (what the client writes) and [`RequestParser`] (what the server reads) |
//! | `headers.rs`, `url.rs`, `limits.rs`, `error.rs` | the small types everything shares |
//! | `client.rs` | [`Client`]: requests on our event loop, timeouts, the stale-connection retry |
//! | `pool.rs` | the keep-alive pool per `host:port` and the per-host connection cap |
//! | `budget.rs` | the default per-host cap, from the descriptor limit (`ulimit -n`) |
//! | `streaming.rs` | [`StreamingResponse`]: a body read piece by piece as it arrives |
//! | `server.rs` | [`Server`]: keep-alive, limits (400/414/431/413), idle timeout, one task per connection |
//! | `idle.rs` | the server's open connections, to shed the one idle longest when out of descriptors |
//! | `cli.rs` | `homemade serve` and `homemade fetch` |
//! | `blocking.rs` | [`blocking::get`]: one GET over `std::net`, for the thread strategies |
//! | `conn.rs` | a connection that is plain TCP or TLS, one enum, no indirection on plain TCP |
//! | `test_hooks.rs` | a gate that holds name resolution, for tests (hidden, not API) |
//! | `tls/` | HTTPS: rustls sessions driven by our reactor, trust (`--cacert`), [`tls::TlsError`] |
//!
//! Start with `response.rs`: its state machine is the heart of the module.
//! The parsers never touch a socket ("sans-io"), so the same code runs under
//! our event loop, under blocking sockets, under tokio and under proptest.
//! Then `client.rs` and `pool.rs` (a request's life on the loop), then
//! `server.rs` and `src/carts/routes.rs` (the other end of the wire).
//! DESIGN.md chapter 4 has the invariants, the comparison with hyper and
//! aiohttp, and the measured figures.
//!
//! ## A first taste
//!
//! ```
//! use homemade::carts::{routes::EmbeddedServer, Cart};
//! use homemade::event_loop::{gather, EventLoop};
//! use homemade::http::Client;
//!
//! let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
//! let client = Client::new();
//! let urls: Vec<String> = (1..=5).map(|id| format!("{}/carts/{id}", server.base_url())).collect();
//! let carts = EventLoop::new().unwrap().block_on(gather(urls.iter().map(|url| {
//!     let client = client.clone();
//!     async move { client.get(url).await?.json::<Cart>() }
//! })));
//! for cart in carts {
//!     let cart = cart.unwrap();
//!     println!("cart {} costs {}", cart.id, cart.total);
//! }
//! ```

pub mod blocking;
pub mod body;
mod budget;
pub mod chunked;
pub mod cli;
mod client;
mod conn;
mod error;
mod headers;
mod idle;
mod limits;
mod pool;
pub mod request;
pub mod response;
pub mod server;
mod streaming;
#[doc(hidden)]
pub mod test_hooks;
pub mod tls;
mod url;

pub use budget::{default_connections_per_host, RESERVED_DESCRIPTORS};
pub use client::{Client, ClientBuilder};
#[cfg_attr(not(feature = "peers"), allow(unused_imports))]
pub(crate) use conn::finish_at_eof;
pub use error::Error;
pub use headers::Headers;
pub use limits::{Limits, RESPONSE_MAX_HEADERS};
pub use request::{IncomingRequest, Request, RequestParser};
pub use response::{Response, ResponseParser};
pub use server::{Server, ServerConfig, ServerResponse, ServerStats};
pub use streaming::StreamingResponse;
pub use url::Url;
