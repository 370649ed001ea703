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
//! carries one *job*: a batch of items (a single `submit` is a batch of one,
//! a `map` chunk a batch of many). Each item is encoded on its own, with its
//! own length, so one item that fails to decode fails only that item.
//!
//! ```text
//! task   (parent -> worker): job id u64 | count u32 | count x (len u32 | postcard In)
//! reply  (worker -> parent): job id u64 | count u32 | count x (tag u8 | len u32 | bytes)
//!        tag 0 = Ok(postcard Out), 1 = panic message (UTF-8),
//!            2 = input undecodable, 3 = output unencodable (both: message, UTF-8)
//! ```
//!
//! A reply whose job id is [`INIT_FAILED`] says the worker's initializer
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
/// Bytes at the start of a task or reply payload: job id and item count.
pub const JOB_HEADER: usize = 12;
/// The job id of the reply a worker sends when its initializer panicked.
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
        // When a large frame is announced, read straight up to its end.
        let want = match self.announced() {
            Some(len) if len + HEADER > self.pending() => {
                (len + HEADER - self.pending()).max(READ_CHUNK)
            }
            _ => READ_CHUNK,
        };
        self.reserve(want);
        let n = sys::recv(fd, &mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
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

/// Writes the payload length of the frame begun at `at`.
pub fn end_frame(out: &mut [u8], at: usize) {
    let len = (out.len() - at - HEADER) as u32;
    out[at..at + HEADER].copy_from_slice(&len.to_le_bytes());
}

/// Lets postcard append to a borrowed `Vec` (so a failed encoding can be
/// rolled back instead of losing the buffer).
struct Appender<'a>(&'a mut Vec<u8>);

impl Extend<u8> for Appender<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

/// Appends `value`'s postcard encoding prefixed by its length. On failure
/// `out` is left as it was.
pub fn push_item<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), String> {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    match postcard::to_extend(value, Appender(out)) {
        Ok(_) => {
            let len = (out.len() - at - 4) as u32;
            out[at..at + 4].copy_from_slice(&len.to_le_bytes());
            Ok(())
        }
        Err(e) => {
            out.truncate(at);
            Err(format!("cannot encode value: {e}"))
        }
    }
}

/// Encodes a task frame for `items`, or says which item could not be encoded.
pub fn encode_task<In: Serialize>(id: u64, items: &[In]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(HEADER + JOB_HEADER + 8 * items.len());
    let at = begin_frame(&mut out);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for item in items {
        push_item(&mut out, item)?;
    }
    end_frame(&mut out, at);
    Ok(out)
}

/// [`encode_task`], refusing frames over `limit` payload bytes (the worker
/// would refuse them too, but only after the bytes crossed the socket).
pub fn encode_task_limited<In: Serialize>(
    id: u64,
    items: &[In],
    limit: usize,
) -> Result<Vec<u8>, String> {
    let frame = encode_task(id, items)?;
    if frame.len() - HEADER > limit {
        return Err(FrameError::TooLarge {
            len: frame.len() - HEADER,
            limit,
        }
        .to_string());
    }
    Ok(frame)
}

/// Reads the job id and item count at the start of a payload.
pub fn job_header(payload: &[u8]) -> Result<(u64, u32, &[u8]), FrameError> {
    if payload.len() < JOB_HEADER {
        return Err(FrameError::Malformed(format!(
            "payload of {} bytes is shorter than the {JOB_HEADER}-byte job header",
            payload.len()
        )));
    }
    let id = u64::from_le_bytes(payload[..8].try_into().unwrap());
    let count = u32::from_le_bytes(payload[8..12].try_into().unwrap());
    Ok((id, count, &payload[JOB_HEADER..]))
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

/// Appends a tagged reply item.
pub fn push_reply_item(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
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
        let (id, count, mut rest) = job_header(&payload).unwrap();
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
    fn truncated_items_are_malformed() {
        let mut rest: &[u8] = &[10, 0, 0, 0, 1, 2];
        assert!(matches!(next_item(&mut rest), Err(FrameError::Malformed(_))));
    }
}
