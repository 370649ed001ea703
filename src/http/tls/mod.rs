//! HTTPS: TLS sessions (rustls) driven by our own reactor, for the client on
//! the event loop, the blocking client and `homemade serve`.
//!
//! rustls is *sans-io*, like our HTTP parsers: it turns ciphertext into
//! plaintext and back, and leaves the socket to us. So TLS here is one more
//! layer of bytes-in, bytes-out between the socket and the HTTP parser,
//! moved by the same reactor as everything else (not by tokio-rustls):
//!
//! | file | what it does |
//! |---|---|
//! | `stream.rs` | [`TlsStream`]: a session over an event-loop socket, socket readiness vs session readiness |
//! | `blocking.rs` | [`BlockingTls`]: the same over a blocking `std::net` socket |
//! | `config.rs` | [`ClientTls`] (whom we trust: system store, bundled roots, `--cacert`) and [`ServerTls`] (what we present) |
//! | `error.rs` | [`TlsError`]: unknown CA, name mismatch, expired, not TLS, alerts, ... in words a user can act on |
//!
//! Start with `stream.rs`; DESIGN.md §4.6 follows a TLS record through the
//! reactor and says what it costs.

mod blocking;
mod config;
mod error;
mod stream;

pub use blocking::BlockingTls;
pub use config::{default_client, set_default_cacert, ClientTls, Roots, ServerTls};
pub use error::TlsError;
#[cfg_attr(not(feature = "peers"), allow(unused_imports))]
pub(crate) use error::{is_tls_record_start, name_io_error};
pub use stream::TlsStream;
