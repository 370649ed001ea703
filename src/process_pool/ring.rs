//! # A single-producer, single-consumer byte ring in shared memory
//!
//! The shared-memory transport (`shm.rs`) moves the same length-prefixed
//! frames as the socket pair (`wire.rs`), but through two of these rings
//! instead of the kernel: one for task frames (parent → worker), one for
//! replies (worker → parent). A ring is `cap` bytes of a `MAP_SHARED`
//! region plus two 64-bit positions in the region's control block:
//!
//! ```text
//!   head: bytes the consumer has taken so far   (only the consumer stores it)
//!   tail: bytes the producer has published      (only the producer stores it)
//!   byte number p lives at data[p % cap]; tail - head is what is unread
//! ```
//!
//! The positions are *sequence numbers*: they only grow (a `u64` of bytes
//! never wraps in practice), so "empty" (`tail == head`) and "full"
//! (`tail - head == cap`) are never confused, and a message larger than the
//! ring simply streams through it in pieces: the producer writes what
//! fits, the consumer takes it, the producer writes the next piece.
//!
//! ## Publishing, and what a crash leaves behind
//!
//! The producer copies bytes into the free part of the ring first and
//! *then* stores the new `tail` (`Release`); the consumer loads `tail`
//! (`Acquire`) before it reads the bytes below it. So a byte below `tail`
//! is always completely written, and bytes a producer was copying when it
//! was killed lie *above* `tail`, where the consumer never looks. What a
//! dead producer can leave is a *published prefix* of a frame: that is the
//! same as a socket that closed halfway through a frame, and the parent
//! treats it the same way (the partial frame is dropped with the worker;
//! see "The crash rule" in `shm.rs`).
//!
//! Each side keeps its own position in a private field and only *reads*
//! the other side's from shared memory, checking it: a peer that stored a
//! position going backwards, or more than `cap` ahead, is reported as
//! [`Corrupt`] instead of being trusted. A worker cannot make the parent
//! read outside the ring, whatever it writes into the region.
//!
//! Read next: `shm.rs` (the region, the doorbells, and the two ends).

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::shm::Region;

/// The most bytes copied in or out before the position is stored. A large
/// write publishes every piece as soon as it is copied, and a large read
/// frees every piece as soon as it is taken, so on two cores the producer
/// and the consumer copy at the same time instead of taking turns over
/// the whole ring (64 KiB: large enough that a store per piece costs
/// nothing, small enough that the other side starts early).
pub const PIECE: usize = 64 * 1024;

/// The other side stored a position that cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("shared-memory ring positions are inconsistent")
    }
}

/// Where one ring lives inside a region.
#[derive(Clone)]
struct Place {
    /// Keeps the mapping alive as long as this end exists.
    _region: Arc<Region>,
    /// The consumer's position (read-only for the producer).
    head: *const AtomicU64,
    /// The producer's position (read-only for the consumer).
    tail: *const AtomicU64,
    /// First byte of the ring's data.
    data: *mut u8,
    /// Data bytes; a power of two.
    cap: u64,
}

// SAFETY: the pointers point into `region`, which `Place` keeps mapped;
// the positions are atomics, and each data byte is accessed by one side
// at a time (the producer only above `tail`, the consumer only below it).
unsafe impl Send for Place {}

impl Place {
    fn head(&self) -> &AtomicU64 {
        // SAFETY: points into the live mapping `self.region` (see `Place`).
        unsafe { &*self.head }
    }
    fn tail(&self) -> &AtomicU64 {
        // SAFETY: as for `head`.
        unsafe { &*self.tail }
    }
}

/// The writing end of a ring.
pub struct Producer {
    at: Place,
    /// Our `tail`: bytes published so far.
    pos: u64,
}

/// The reading end of a ring.
pub struct Consumer {
    at: Place,
    /// Our `head`: bytes taken so far.
    pos: u64,
}

/// Both ends of the ring whose positions are at `head`/`tail` and whose
/// `cap` data bytes start at `data`, all inside `region`.
///
/// # Safety
/// The three pointers must point into `region`'s mapping, the atomics
/// aligned, `data .. data + cap` in bounds, `cap` a power of two; only one
/// `Producer` and one `Consumer` may exist for the ring across all
/// processes sharing it.
pub unsafe fn ends(
    region: &Arc<Region>,
    head: *const AtomicU64,
    tail: *const AtomicU64,
    data: *mut u8,
    cap: usize,
) -> (Producer, Consumer) {
    debug_assert!(cap.is_power_of_two());
    let at = Place {
        _region: Arc::clone(region),
        head,
        tail,
        data,
        cap: cap as u64,
    };
    let start_tail = at.tail().load(Ordering::Acquire);
    let start_head = at.head().load(Ordering::Acquire);
    (
        Producer {
            at: at.clone(),
            pos: start_tail,
        },
        Consumer {
            at,
            pos: start_head,
        },
    )
}

impl Producer {
    /// Bytes that can be written right now.
    pub fn room(&self) -> Result<usize, Corrupt> {
        let head = self.at.head().load(Ordering::Acquire);
        let used = self.pos.wrapping_sub(head);
        if used > self.at.cap {
            return Err(Corrupt);
        }
        Ok((self.at.cap - used) as usize)
    }

    /// Copies as much of `bufs` (in order) as fits and publishes it, a
    /// [`PIECE`] at a time; returns the bytes taken (0 when full).
    pub fn write<B: Deref<Target = [u8]>>(&mut self, bufs: &[B]) -> Result<usize, Corrupt> {
        self.copy_in(bufs, true)
    }

    /// Copies bytes into the free part of the ring *without* publishing
    /// them: what a producer killed halfway through a write leaves behind
    /// (test hooks only).
    pub fn write_unpublished(&mut self, bytes: &[u8]) -> Result<usize, Corrupt> {
        let pos = self.pos;
        let n = self.copy_in(&[bytes], false)?;
        self.pos = pos;
        Ok(n)
    }

    /// Copies what fits of `bufs` after our tail, a piece at a time; with
    /// `publish`, stores the new tail after every piece (so the consumer
    /// can copy one piece out while we copy the next in).
    fn copy_in<B: Deref<Target = [u8]>>(
        &mut self,
        bufs: &[B],
        publish: bool,
    ) -> Result<usize, Corrupt> {
        let start = self.pos;
        let mut free = self.room()?;
        for b in bufs {
            let mut rest = &b[..free.min(b.len())];
            free -= rest.len();
            while !rest.is_empty() {
                let k = rest.len().min(PIECE);
                self.copy_at(self.pos, &rest[..k]);
                self.pos += k as u64;
                rest = &rest[k..];
                if publish {
                    self.at.tail().store(self.pos, Ordering::Release);
                }
            }
            if free == 0 {
                break;
            }
        }
        Ok((self.pos - start) as usize)
    }

    /// Copies `bytes` to ring position `pos` (which must be free), wrapping.
    fn copy_at(&self, pos: u64, bytes: &[u8]) {
        let cap = self.at.cap as usize;
        let off = (pos % self.at.cap) as usize;
        let first = bytes.len().min(cap - off);
        // SAFETY: `off + first <= cap` and `bytes.len() - first <= off`, so
        // both copies stay inside the ring's data; the bytes are free (above
        // our published tail and below head + cap), so the consumer is not
        // reading them.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.at.data.add(off), first);
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr().add(first),
                self.at.data,
                bytes.len() - first,
            );
        }
    }
}

impl Consumer {
    /// Bytes published and not yet taken.
    pub fn available(&self) -> Result<usize, Corrupt> {
        let tail = self.at.tail().load(Ordering::Acquire);
        let ready = tail.wrapping_sub(self.pos);
        if ready > self.at.cap {
            return Err(Corrupt);
        }
        Ok(ready as usize)
    }

    /// Moves up to `out.len()` published bytes into `out` and hands their
    /// space back to the producer, a [`PIECE`] at a time (so the producer
    /// can refill one piece while we copy out the next); returns how many
    /// (0 when empty).
    pub fn read(&mut self, out: &mut [u8]) -> Result<usize, Corrupt> {
        let n = self.available()?.min(out.len());
        let mut done = 0;
        while done < n {
            let k = (n - done).min(PIECE);
            self.copy_out(&mut out[done..done + k]);
            done += k;
            self.pos += k as u64;
            self.at.head().store(self.pos, Ordering::Release);
        }
        Ok(n)
    }

    /// Copies `out.len()` published bytes from our head into `out`, wrapping.
    fn copy_out(&self, out: &mut [u8]) {
        let cap = self.at.cap as usize;
        let off = (self.pos % self.at.cap) as usize;
        let n = out.len();
        let first = n.min(cap - off);
        // SAFETY: both ranges are inside the ring's data (as in `copy_at`)
        // and below the tail we loaded with Acquire (`read` asks for no
        // more than `available`), so fully written; the producer does not
        // touch them until we store a larger head.
        unsafe {
            std::ptr::copy_nonoverlapping(self.at.data.add(off), out.as_mut_ptr(), first);
            std::ptr::copy_nonoverlapping(self.at.data, out.as_mut_ptr().add(first), n - first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::shm::test_ring;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Messages of random sizes (many larger than the ring) go through
        /// a 64-byte ring in arbitrary read sizes and come out unchanged,
        /// wrapping the ring many times.
        #[test]
        fn ring_wraps_many_times_without_loss(
            sizes in proptest::collection::vec(0usize..300, 1..60),
            reads in proptest::collection::vec(1usize..100, 1..20),
        ) {
            let (mut tx, mut rx) = test_ring(64);
            let sent: Vec<u8> = sizes
                .iter()
                .enumerate()
                .flat_map(|(i, &n)| (0..n).map(move |j| (i * 31 + j) as u8))
                .collect();
            let mut got = Vec::new();
            let mut next = 0;
            let mut r = 0;
            let mut buf = [0u8; 128];
            while got.len() < sent.len() {
                next += tx.write(&[&sent[next..]]).unwrap();
                let want = reads[r % reads.len()];
                r += 1;
                let n = rx.read(&mut buf[..want]).unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            prop_assert_eq!(tx.room().unwrap(), 64);
            prop_assert_eq!(got, sent);
        }
    }

    /// Writes and reads of several pieces, starting anywhere in the ring
    /// (so pieces wrap), move every byte once and in order.
    #[test]
    fn multi_piece_transfers_wrap_intact() {
        use super::PIECE;
        let cap = 4 * PIECE;
        let (mut tx, mut rx) = test_ring(cap);
        let sizes = [PIECE - 1, 3 * PIECE + 5, 1, 2 * PIECE, 4 * PIECE, 7];
        let sent: Vec<u8> = (0..sizes.iter().sum::<usize>())
            .map(|i| (i * 13 + i / 251) as u8)
            .collect();
        let (mut w, mut got) = (0, Vec::new());
        let mut buf = vec![0u8; 3 * PIECE + 17];
        for (i, &n) in sizes.iter().cycle().take(40).enumerate() {
            let end = (w + n).min(sent.len());
            w += tx.write(&[&sent[w..end]]).unwrap();
            let want = [PIECE + 3, 2 * PIECE, buf.len()][i % 3];
            let k = rx.read(&mut buf[..want]).unwrap();
            got.extend_from_slice(&buf[..k]);
        }
        while got.len() < w {
            let k = rx.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..k]);
        }
        assert_eq!(w, sent.len(), "everything written");
        assert!(got == sent, "bytes lost or reordered");
    }

    /// Unpublished bytes (a writer killed mid-copy) are never read.
    #[test]
    fn unpublished_bytes_stay_invisible() {
        let (mut tx, mut rx) = test_ring(64);
        tx.write(&[&b"abc"[..]]).unwrap();
        tx.write_unpublished(b"garbage").unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(rx.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(rx.read(&mut buf).unwrap(), 0);
    }
}
