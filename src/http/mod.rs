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
//! | `blocking.rs` | [`blocking::get`]: one GET over `std::net`, for the thread strategies |
//!
//! Start with `response.rs`: its state machine is the heart of the module.
//! The parsers never touch a socket ("sans-io"), so the same code runs under
//! our event loop, under blocking sockets, under tokio and under proptest.

pub mod blocking;
pub mod body;
pub mod chunked;
pub mod cli;
mod error;
mod headers;
mod limits;
pub mod request;
pub mod response;
mod url;

pub use error::Error;
pub use headers::Headers;
pub use limits::Limits;
pub use request::{IncomingRequest, Request, RequestParser};
pub use response::{Response, ResponseParser};
pub use url::Url;
