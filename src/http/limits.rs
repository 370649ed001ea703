//! [`Limits`]: how much a parser buffers before it gives up.
//!
//! A parser that trusts the peer can be made to buffer without end: a head
//! that never ends, a chunk-size line of a million hex digits, a body of a
//! terabyte. Every buffer in this module is bounded by one of these numbers,
//! and crossing one is a clear error (and, on the server, a `431` or `413`).

/// Bounds for parsing one HTTP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The start line plus all header lines, in bytes (default 64 KiB).
    pub max_head_bytes: usize,
    /// Header lines in the head (default 100, the server's bound;
    /// [`Limits::for_responses`] allows [`RESPONSE_MAX_HEADERS`]).
    pub max_headers: usize,
    /// One chunk-size line including extensions (default 4 KiB).
    pub max_chunk_line: usize,
    /// The whole trailer section of a chunked body (default 16 KiB).
    pub max_trailer_bytes: usize,
    /// The decoded body (default 64 MiB for responses).
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_chunk_line: 4096,
            max_trailer_bytes: 16 * 1024,
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The limits of a client reading responses: the defaults, but up to
    /// [`RESPONSE_MAX_HEADERS`] header lines (servers send many `Set-Cookie`
    /// lines, and curl accepts them; `max_head_bytes` still bounds memory).
    pub fn for_responses() -> Limits {
        Limits {
            max_headers: RESPONSE_MAX_HEADERS,
            ..Limits::default()
        }
    }

    /// The same limits with another body limit.
    pub fn with_max_body(mut self, bytes: u64) -> Limits {
        self.max_body_bytes = bytes;
        self
    }
}

/// Header lines a response may carry by default ([`Limits::for_responses`]):
/// well past what real servers send (a page setting 120 cookies works), while
/// `max_head_bytes` keeps the head's memory bounded.
pub const RESPONSE_MAX_HEADERS: usize = 1000;
