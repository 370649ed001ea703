//! [`CartError`]: why a run of the cart workload could not finish.
//!
//! Every failure a user can cause or meet (an unreachable `--url`, a cart the
//! server does not have, a response that is not a cart, a pool that could not
//! start) becomes one of these, and `Display` prints it as one line that names
//! the cart and the URL. `homemade carts` prints that line and exits with a
//! non-zero status; nothing panics.
//!
//! Read next: `strategies.rs`.

use crate::http;
use std::fmt;

/// Why a strategy could not price the carts.
#[derive(Debug)]
pub enum CartError {
    /// The request failed before a response arrived (refused, reset, timed
    /// out, or the bytes were not HTTP).
    Http {
        /// The cart being fetched.
        id: u64,
        /// The URL requested.
        url: String,
        /// What the HTTP client said.
        source: http::Error,
    },
    /// The server answered, but not with `200`: a missing cart gives 404.
    Status {
        /// The cart being fetched.
        id: u64,
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
    },
    /// The server answered 200 with something that is not the cart asked for.
    Malformed {
        /// The cart being fetched.
        id: u64,
        /// The URL requested.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A runtime (event loop, thread pool, process pool, tokio) failed.
    Runtime(String),
}

impl CartError {
    /// True when the server could not be reached at all (refused, unresolvable,
    /// timed out while connecting).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            CartError::Http {
                source: http::Error::Connect { .. }
                    | http::Error::ConnectTimeout { .. }
                    | http::Error::Resolve { .. },
                ..
            }
        )
    }
}

impl fmt::Display for CartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CartError::Http { id, url, source } if self.is_unreachable() => {
                write!(
                    f,
                    "cannot reach the cart server for cart {id} ({url}): {source}"
                )
            }
            CartError::Http { id, url, source } => {
                write!(f, "cart {id}: GET {url} failed: {source}")
            }
            CartError::Status {
                id,
                url,
                status,
                reason,
            } if *status == 404 => write!(
                f,
                "cart {id} is missing: the server answered {status} {reason} to GET {url}"
            ),
            CartError::Status {
                id,
                url,
                status,
                reason,
            } => write!(
                f,
                "cart {id}: the server answered {status} {reason} to GET {url}"
            ),
            CartError::Malformed { id, url, detail } => {
                write!(f, "cart {id}: malformed response from GET {url}: {detail}")
            }
            CartError::Runtime(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for CartError {}
