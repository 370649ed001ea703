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

    /// The error for a head that has grown past `max_head_bytes`.
    pub(crate) fn head_too_large(&self) -> super::Error {
        super::Error::HeadTooLarge {
            limit: self.max_head_bytes,
        }
    }

    /// The answer while `buffered` bytes hold no complete head yet: wait for
    /// more (`Ok(None)`), or refuse once the head is already past the limit.
    pub(crate) fn incomplete_head<T>(&self, buffered: usize) -> Result<Option<T>, super::Error> {
        if buffered > self.max_head_bytes {
            Err(self.head_too_large())
        } else {
            Ok(None)
        }
    }
}

/// Decides when a buffered head is worth handing to `httparse`.
///
/// `httparse` parses a head from its first byte every time, so calling it on
/// each tiny read of a slow sender would cost time proportional to the square
/// of the head's size. The scanner remembers how far it has looked and says
/// "parse now" only when the first line has just become complete (so a
/// garbage status line is refused early) or an empty line may end the head.
#[derive(Debug, Default)]
pub(crate) struct HeadScanner {
    scanned: usize,
    first_line_seen: bool,
}

impl HeadScanner {
    /// True when `buf` may now hold a complete first line or a complete head.
    pub(crate) fn worth_parsing(&mut self, buf: &[u8]) -> bool {
        let from = self.scanned.saturating_sub(3);
        let new = &buf[from.min(buf.len())..];
        self.scanned = buf.len();
        let mut ready = false;
        if !self.first_line_seen && new.contains(&b'\n') {
            self.first_line_seen = true;
            ready = true;
        }
        ready || new.windows(2).any(|w| w == b"\n\n") || new.windows(3).any(|w| w == b"\n\r\n")
    }

    /// Starts over for the next head (after the buffer was drained).
    pub(crate) fn reset(&mut self) {
        *self = HeadScanner::default();
    }
}

/// Header lines a response may carry by default ([`Limits::for_responses`]):
/// well past what real servers send (a page setting 120 cookies works), while
/// `max_head_bytes` keeps the head's memory bounded.
pub const RESPONSE_MAX_HEADERS: usize = 1000;

/// Header slots that fit on the stack (the default limit); more go on the heap.
pub(crate) const STACK_HEADERS: usize = 100;

/// The `httparse` header slots for `max` headers, on the stack when they fit
/// (parsing a head then allocates nothing).
pub(crate) fn header_slots<'a, 'h>(
    max: usize,
    on_stack: &'a mut [httparse::Header<'h>; STACK_HEADERS],
    on_heap: &'a mut Vec<httparse::Header<'h>>,
) -> &'a mut [httparse::Header<'h>] {
    if max <= STACK_HEADERS {
        &mut on_stack[..max]
    } else {
        on_heap.resize(max, httparse::EMPTY_HEADER);
        on_heap
    }
}
