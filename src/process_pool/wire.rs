//! # `wire`: frames on a byte stream
//!
//! A socket is a stream of bytes with no message boundaries: one `send` of
//! 100 bytes may arrive as 60 + 40, and two sends may arrive glued together.
//! So every message travels as a **frame**: a 4-byte little-endian length,
//! then that many payload bytes. The reader keeps bytes in a [`FrameBuf`]
//! until a whole frame is there.
//!
//! ## Size limit
//!
//! The length is checked against a limit *before* any payload is read, so a
//! worker that writes garbage (which often decodes as a huge length) gives a
//! clear [`FrameError::TooLarge`] instead of an attempt to allocate gigabytes.
//!
//! ## Payloads
//!
//! Values are encoded with `postcard` (a compact serde format). One frame
//! carries one *task*: a batch of items (a single `submit` is a batch of one,
//! a `map` chunk a batch of many). Each item is encoded on its own, with its
//! own length, so one item that fails to decode fails only that item.
//!
//! ```text
//! task   (parent -> worker): task id u64 | count u32 | count x (len u32 | postcard In)
//! reply  (worker -> parent): task id u64 | count u32 | count x (tag u8 | len u32 | bytes)
//!        tag 0 = Ok(postcard Out), 1 = panic message (UTF-8),
//!            2 = input undecodable, 3 = output unencodable (both: message, UTF-8)
//! too large (worker -> parent): task id u64 | count u32 | tag 4 | len u32 = 16
//!                               | reply size u64 | limit u64
//! ```
//!
//! The last form replaces a reply that would have been over the limit: the
//! worker counts the reply's size as it encodes the results (and copies no
//! bytes past the limit, so an 8 GiB result does not cost 8 GiB more), then
//! sends this short frame instead, and every item of the task
//! fails with `TaskError::TooLarge`. The worker did nothing wrong, so it
//! keeps serving. Only a frame that *announces* more than the limit is a
//! broken worker, since a working one never sends it. The same check keeps
//! the 32-bit length prefix honest: every limit fits in a `u32`, so a frame
//! that passed the check cannot wrap its length.
//!
//! A reply whose task id is [`INIT_FAILED`] says the worker's initializer
//! panicked (one item, tag 1, the message).
//!
//! ## Short reads, short writes, EOF
//!
//! Reads take whatever the kernel has and loop; writes loop over short sends
//! (`sys::send_all`) or, in the parent, keep an offset and continue when the
//! socket is writable again. End of file and `EPIPE` both mean the other
//! side has gone.
//!
//! Read next: `child.rs` (the worker's loop) and `pool.rs` (the parent).

use std::fmt;
use std::io;
use std::os::fd::RawFd;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::sys;

/// Bytes in the length prefix.
pub const HEADER: usize = 4;
/// Bytes at the start of a task or reply payload: task id and item count.
pub const TASK_HEADER: usize = 12;
/// The task id of the reply a worker sends when its initializer panicked.
pub const INIT_FAILED: u64 = u64::MAX;
/// Default largest frame accepted (256 MiB).
pub const DEFAULT_MAX_FRAME: usize = 256 << 20;
/// Reply item tag: the function returned; postcard bytes follow.
pub const TAG_OK: u8 = 0;
/// Reply item tag: the function panicked; the message follows.
pub const TAG_PANIC: u8 = 1;
/// Reply item tag: the worker could not decode the input; a message follows.
pub const TAG_BAD_INPUT: u8 = 2;
/// Reply item tag: the worker could not encode the output; a message follows.
pub const TAG_BAD_OUTPUT: u8 = 3;
/// Reply tag, alone in its frame: the reply was over the frame limit; its
/// size and the limit follow (two u64).
pub const TAG_TOO_LARGE: u8 = 4;

/// Why bytes could not be turned into a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The length prefix announces more than the limit.
    TooLarge {
        /// Announced payload length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The payload does not have the expected layout.
    Malformed(String),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { len, limit } => {
                write!(f, "frame of {len} bytes exceeds the {limit}-byte limit")
            }
            FrameError::Malformed(why) => write!(f, "malformed frame: {why}"),
        }
    }
}

/// A growable buffer of received bytes, from which whole frames are cut.
#[derive(Debug, Default)]
pub struct FrameBuf {
    buf: Vec<u8>,
    /// First byte not yet consumed.
    start: usize,
    /// One past the last byte received.
    end: usize,
    /// The last fill got less than the room it offered.
    short: bool,
}

/// How much room to offer the kernel per read.
const READ_CHUNK: usize = 64 * 1024;

impl FrameBuf {
    /// An empty buffer.
    pub fn new() -> FrameBuf {
        FrameBuf::default()
    }

    /// Bytes received but not yet consumed.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// Makes room for at least `want` more bytes after `end`.
    fn reserve(&mut self, want: usize) {
        if self.start > 0 && (self.start == self.end || self.buf.len() - self.end < want) {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < want {
            self.buf.resize(self.end + want, 0);
        }
    }

    /// One `recv` into the buffer: `Ok(0)` is end of file. On a
    /// non-blocking socket, `WouldBlock` means "nothing more for now".
    pub fn fill(&mut self, fd: RawFd) -> io::Result<usize> {
        self.fill_with(|room| sys::recv(fd, room))
    }

    /// Like [`fill`](FrameBuf::fill), reading with `read` (one call) instead
    /// of `recv`: the shared-memory transport reads its ring this way.
    pub fn fill_with(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        // When a large frame is announced, read straight up to its end.
        let want = match self.announced() {
            Some(len) if len + HEADER > self.pending() => {
                (len + HEADER - self.pending()).max(READ_CHUNK)
            }
            _ => READ_CHUNK,
        };
        self.reserve(want);
        let room = self.buf.len() - self.end;
        let n = read(&mut self.buf[self.end..])?;
        self.end += n;
        self.short = n < room;
        Ok(n)
    }

    /// Whether the last fill took less than the room it offered: on a
    /// stream socket, what was queued then is all read (a `recv` returns
    /// as much as is queued, up to the room).
    pub fn drained(&self) -> bool {
        self.short
    }

    /// The payload length the next frame announces, if its prefix is here.
    fn announced(&self) -> Option<usize> {
        if self.pending() < HEADER {
            return None;
        }
        let head = &self.buf[self.start..self.start + HEADER];
        Some(u32::from_le_bytes(head.try_into().unwrap()) as usize)
    }

    /// Cuts the next whole frame, if there is one, checking the size limit.
    /// The returned slice is valid until the next call on this buffer.
    pub fn next_frame(&mut self, limit: usize) -> Result<Option<&[u8]>, FrameError> {
        let Some(len) = self.announced() else {
            return Ok(None);
        };
        if len > limit {
            return Err(FrameError::TooLarge { len, limit });
        }
        if self.pending() < HEADER + len {
            return Ok(None);
        }
        let from = self.start + HEADER;
        self.start = from + len;
        Ok(Some(&self.buf[from..from + len]))
    }
}

/// Starts a frame in `out`: a length placeholder, patched by [`end_frame`].
pub fn begin_frame(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER]);
    at
}

/// Writes the payload length of the frame begun at `at`; a payload whose
/// length does not fit the 32-bit prefix is refused, never wrapped.
pub fn end_frame(out: &mut [u8], at: usize) -> Result<(), FrameError> {
    let len = out.len() - at - HEADER;
    let prefix = u32::try_from(len).map_err(|_| FrameError::TooLarge {
        len,
        limit: u32::MAX as usize,
    })?;
    out[at..at + HEADER].copy_from_slice(&prefix.to_le_bytes());
    Ok(())
}

/// Lets postcard append to a borrowed `Vec` (so a failed encoding can be
/// rolled back instead of losing the buffer), keeping it at most `cap`
/// bytes long: what would go past `cap` is only counted, in `dropped`
/// (the bytes kept are then useless, but their count plus `dropped` is the
/// true size of the encoding).
struct Appender<'a> {
    out: &'a mut Vec<u8>,
    cap: usize,
    dropped: usize,
}

impl Extend<u8> for Appender<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        let mut iter = iter.into_iter();
        let room = self.cap.saturating_sub(self.out.len());
        match iter.size_hint() {
            // The usual case: it all fits.
            (_, Some(most)) if most <= room => self.out.extend(iter),
            // A piece of known size that does not fit (postcard hands over
            // a string's or a byte slice's bytes in one piece): count it,
            // copy nothing, in O(1).
            (least, Some(most)) if least == most => self.dropped += least,
            // Unknown size: store what fits, count the rest.
            _ => {
                self.out.extend(iter.by_ref().take(room));
                self.dropped += iter.count();
            }
        }
    }
}

/// Appends `value`'s postcard encoding prefixed by its length, but never
/// lets `out` grow past `cap` bytes: returns how many bytes of the encoding
/// did not fit (0 when it all did). When that is not 0, the item in `out`
/// is cut short and only good for measuring: the caller replaces the frame
/// (see the module docs, "too large"). On failure `out` is left as it was.
pub fn push_item_capped<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    cap: usize,
) -> Result<usize, String> {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    let sink = Appender {
        out: &mut *out,
        cap,
        dropped: 0,
    };
    match postcard::to_extend(value, sink) {
        Ok(sink) => {
            let dropped = sink.dropped;
            // Only written when whole: a cut item is never read.
            if let Ok(len) = u32::try_from(out.len() - at - 4) {
                out[at..at + 4].copy_from_slice(&len.to_le_bytes());
            }
            Ok(dropped)
        }
        Err(e) => {
            out.truncate(at);
            Err(format!("cannot encode value: {e}"))
        }
    }
}

/// Appends the "too large" reply item (see the module docs) saying the
/// reply would have been `len` bytes against a limit of `limit`.
pub fn push_too_large(out: &mut Vec<u8>, len: usize, limit: usize) {
    let mut sizes = [0u8; 16];
    sizes[..8].copy_from_slice(&(len as u64).to_le_bytes());
    sizes[8..].copy_from_slice(&(limit as u64).to_le_bytes());
    push_reply_item(out, TAG_TOO_LARGE, &sizes);
}

/// If the reply items in `rest` are the "too large" form, consumes it and
/// returns `(reply size, limit)`; otherwise leaves `rest` alone.
pub fn too_large_reply(rest: &mut &[u8]) -> Result<Option<(usize, usize)>, FrameError> {
    if rest.first() != Some(&TAG_TOO_LARGE) {
        return Ok(None);
    }
    *rest = &rest[1..];
    let sizes = next_item(rest)?;
    if sizes.len() != 16 {
        return Err(FrameError::Malformed(format!(
            "a too-large reply carries 16 bytes, not {}",
            sizes.len()
        )));
    }
    let len = u64::from_le_bytes(sizes[..8].try_into().unwrap());
    let limit = u64::from_le_bytes(sizes[8..].try_into().unwrap());
    Ok(Some((
        usize::try_from(len).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(usize::MAX),
    )))
}

/// Encodes a task frame for `items`, or says which item could not be encoded.
#[cfg(test)]
pub fn encode_task<In: Serialize>(id: u64, items: &[In]) -> Result<Vec<u8>, String> {
    encode_task_limited(id, items, u32::MAX as usize)
}

/// Encodes a task frame for `items`, refusing frames over `limit` payload
/// bytes (the worker would refuse them too, but only after the bytes
/// crossed the socket). The encoding stops growing once past the limit, so
/// refusing a huge input costs no more memory than the limit.
pub fn encode_task_limited<In: Serialize>(
    id: u64,
    items: &[In],
    limit: usize,
) -> Result<Vec<u8>, String> {
    encode_task_into(Vec::new(), id, items, limit)
}

/// As [`encode_task_limited`], encoding into `out` (emptied first) so that
/// a buffer whose pages are already mapped can be used again: the pool
/// hands a large task frame's buffer back for the next `submit`
/// (`State::take_spare_frame`), and encoding a large item into memory that
/// is already faulted in skips a page fault per 4 KiB.
pub fn encode_task_into<In: Serialize>(
    mut out: Vec<u8>,
    id: u64,
    items: &[In],
    limit: usize,
) -> Result<Vec<u8>, String> {
    let count = u32::try_from(items.len()).map_err(|_| format!("{} items", items.len()))?;
    let limit = limit.min(u32::MAX as usize);
    let cap = HEADER + limit + 1;
    out.clear();
    out.reserve((HEADER + TASK_HEADER + 8 * items.len()).min(cap));
    let at = begin_frame(&mut out);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    let mut dropped = 0;
    for item in items {
        dropped += push_item_capped(&mut out, item, cap)?;
    }
    let len = out.len() - HEADER + dropped;
    if len > limit {
        return Err(FrameError::TooLarge { len, limit }.to_string());
    }
    end_frame(&mut out, at).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Reads the task id and item count at the start of a payload.
pub fn task_header(payload: &[u8]) -> Result<(u64, u32, &[u8]), FrameError> {
    if payload.len() < TASK_HEADER {
        return Err(FrameError::Malformed(format!(
            "payload of {} bytes is shorter than the {TASK_HEADER}-byte entry header",
            payload.len()
        )));
    }
    let id = u64::from_le_bytes(payload[..8].try_into().unwrap());
    let count = u32::from_le_bytes(payload[8..12].try_into().unwrap());
    Ok((id, count, &payload[TASK_HEADER..]))
}

/// Cuts `n` bytes off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], FrameError> {
    if rest.len() < n {
        return Err(FrameError::Malformed(format!(
            "{what} needs {n} bytes, {} left",
            rest.len()
        )));
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

/// Cuts a length-prefixed item off the front of `rest`.
pub fn next_item<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], FrameError> {
    let len = u32::from_le_bytes(take(rest, 4, "item length")?.try_into().unwrap()) as usize;
    take(rest, len, "item")
}

/// Cuts a tagged reply item off the front of `rest`.
pub fn next_reply_item<'a>(rest: &mut &'a [u8]) -> Result<(u8, &'a [u8]), FrameError> {
    let tag = take(rest, 1, "item tag")?[0];
    if tag > TAG_BAD_OUTPUT {
        return Err(FrameError::Malformed(format!("unknown item tag {tag}")));
    }
    Ok((tag, next_item(rest)?))
}

/// Appends a tagged reply item. Only for short messages (panic texts,
/// error texts), whose length fits a `u32`; longer ones are cut there.
pub fn push_reply_item(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    let bytes = &bytes[..bytes.len().min(u32::MAX as usize)];
    out.push(tag);
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Decodes one postcard value, turning a failure into a message.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("cannot decode value: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_arbitrary_splits() {
        let (a, b) = sys::stream_pair().unwrap();
        use std::os::fd::AsRawFd;
        let frame = encode_task(7, &[1u32, 2, 3]).unwrap();
        // Send the frame one byte at a time.
        for byte in &frame {
            sys::send_all(a.as_raw_fd(), std::slice::from_ref(byte)).unwrap();
        }
        let mut buf = FrameBuf::new();
        let mut got = None;
        while got.is_none() {
            assert!(buf.fill(b.as_raw_fd()).unwrap() > 0);
            got = buf.next_frame(1024).unwrap().map(|p| p.to_vec());
        }
        let payload = got.unwrap();
        let (id, count, mut rest) = task_header(&payload).unwrap();
        assert_eq!((id, count), (7, 3));
        let items: Vec<u32> = (0..count)
            .map(|_| decode(next_item(&mut rest).unwrap()).unwrap())
            .collect();
        assert_eq!(items, [1, 2, 3]);
    }

    #[test]
    fn oversized_frames_are_refused_before_reading() {
        let mut buf = FrameBuf::new();
        buf.buf = vec![0xff, 0xff, 0xff, 0x7f];
        buf.end = 4;
        assert!(matches!(
            buf.next_frame(1 << 20),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_frame_over_4_gib_is_refused_not_wrapped() {
        // Zeroed memory is mapped lazily: this does not touch 4 GiB.
        let mut out = vec![0u8; HEADER + (4 << 30) + 7];
        assert_eq!(
            end_frame(&mut out, 0),
            Err(FrameError::TooLarge {
                len: (4 << 30) + 7,
                limit: u32::MAX as usize
            })
        );
        assert_eq!(&out[..HEADER], &[0; HEADER], "no wrapped length written");
    }

    #[test]
    fn a_capped_item_counts_what_it_did_not_store() {
        let mut out = Vec::new();
        let dropped = push_item_capped(&mut out, &"x".repeat(1000), 100).unwrap();
        assert!(out.len() <= 100, "{} bytes kept", out.len());
        // 4-byte length prefix, 2-byte varint string length, 1000 bytes.
        assert_eq!(out.len() + dropped, 4 + 2 + 1000);
    }

    #[test]
    fn truncated_items_are_malformed() {
        let mut rest: &[u8] = &[10, 0, 0, 0, 1, 2];
        assert!(matches!(
            next_item(&mut rest),
            Err(FrameError::Malformed(_))
        ));
    }
}
