//! # The shared-memory transport: one region per worker, two rings, two doorbells
//!
//! With [`Transport::SharedMemory`](super::Transport) a worker and the
//! parent exchange their frames through memory both have mapped, instead
//! of through a socket. The protocol in prose, with the reasons, is in
//! `SHM.md` beside this file; in short:
//!
//! ```text
//!   region (memfd, MAP_SHARED, created by the parent before the worker is forked)
//!   ┌ control block ────────────────────────────────────────────────┐
//!   │ task ring head/tail · reply ring head/tail (one cache line each)│
//!   │ worker_bell (futex word) · worker_parked · parent_parked · closed│
//!   ├ task ring data (RING_BYTES) ── parent writes, worker reads ─────┤
//!   └ reply ring data (RING_BYTES) ─ worker writes, parent reads ─────┘
//! ```
//!
//! - **The worker's doorbell** is a futex on `worker_bell`. A worker with
//!   nothing to read (or no room to write) spins (for an adaptive budget
//!   between [`SPIN_MIN`] and [`SPIN`]), then sets
//!   `worker_parked` and sleeps in `FUTEX_WAIT` on the bell, for at most
//!   [`PARK_TIMEOUT`]. The parent, after publishing a task or taking reply
//!   bytes, checks `worker_parked`; only if it is set does it bump the bell
//!   and `FUTEX_WAKE` (one system call). The futex is process-shared (no
//!   `FUTEX_PRIVATE_FLAG`): the two processes map the word at different
//!   addresses, and only the shared kind is matched by the page.
//! - **The parent's doorbell** is an eventfd per worker, because the parent
//!   waits in `poll` (a blocked `join`) or in the event loop's reactor (an
//!   `.await`), both of which wait on descriptors, not futexes, and both of
//!   which also watch the worker's socket and pidfd in the *same* wait: the
//!   parent never sleeps where only a possibly dead worker could wake it.
//!   Before sleeping the parent sets `parent_parked` ([`ShmLink::arm`]);
//!   the worker writes the eventfd only when it finds the flag set.
//! - **Death** is still seen through the socket pair, which stays open and
//!   silent (end of file when the worker dies), and the pidfd.
//!
//! ## The crash rule
//!
//! Everything a worker publishes is a byte stream of whole frames; a
//! worker killed in the middle of a write leaves either unpublished bytes
//! above the ring's tail (never read: see `ring.rs`) or a published prefix
//! of a frame, which sits in the parent's frame buffer incomplete, like a
//! frame cut by a closed socket. When the worker's death is seen, the
//! parent reads the ring one last time (whole frames that made it are
//! kept, exactly as with a socket), then drops the worker's region with
//! the partial frame in it: the replacement worker gets a fresh region, and
//! no other worker ever shared this one. Positions that make no sense are
//! [`Corrupt`](super::ring::Corrupt): a protocol error, the worker is
//! killed and replaced, the parent reads nothing outside the ring.
//!
//! The worker's end ([`WorkerLink`]) is in `shm/worker_link.rs`.
//!
//! Read next: `ring.rs`, then `SHM.md`.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::ring::{self, Consumer, Producer};
use super::sys;

mod worker_link;
pub use worker_link::WorkerLink;

/// Data bytes of each ring (a power of two). A frame larger than this
/// streams through in pieces.
pub const RING_BYTES: usize = 1 << 20;
/// The longest a side spins on the ring before it parks.
pub const SPIN: Duration = Duration::from_micros(50);
/// The shortest spin. Each side adapts its spin between the two: it
/// doubles after a spin that found the other side's bytes, and halves after
/// one that ended in a park. On a quiet machine with tiny tasks the spin
/// stays long (no system calls); when the other side is not running (more
/// busy processes than cores, or long tasks) it shrinks, and the transport
/// costs about what a socket wake-up costs instead of a wasted time slice.
pub const SPIN_MIN: Duration = Duration::from_micros(2);

/// An adaptive spin budget in nanoseconds (see [`SPIN_MIN`]).
struct Budget(AtomicU64);

impl Budget {
    fn new() -> Budget {
        Budget(AtomicU64::new(SPIN.as_nanos() as u64))
    }
    fn get(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
    /// Doubles (the spin paid off) or halves (it did not), within bounds.
    fn adapt(&self, paid_off: bool) {
        let now = self.0.load(Ordering::Relaxed);
        let next = if paid_off {
            now.saturating_mul(2)
        } else {
            now / 2
        };
        let next = next.clamp(SPIN_MIN.as_nanos() as u64, SPIN.as_nanos() as u64);
        self.0.store(next, Ordering::Relaxed);
    }
}
/// Longest futex sleep of a worker; after it, the worker checks its socket
/// for the parent's end of file before sleeping again.
pub const PARK_TIMEOUT: Duration = Duration::from_secs(1);
/// Bytes reserved for the control block at the start of a region.
const CONTROL_BYTES: usize = 4096;

/// One value on its own cache line, so the two sides' stores do not fight
/// over one line.
#[repr(C, align(64))]
struct Line<T>(T);

/// The start of every region. All fields are atomics: both processes
/// access them concurrently.
#[repr(C)]
struct Control {
    task_head: Line<AtomicU64>,
    task_tail: Line<AtomicU64>,
    reply_head: Line<AtomicU64>,
    reply_tail: Line<AtomicU64>,
    /// The futex word the worker sleeps on; bumped by every wake.
    worker_bell: Line<AtomicU32>,
    /// 1 while the worker is (about to be) asleep on `worker_bell`.
    worker_parked: Line<AtomicU32>,
    /// 1 while the parent is (about to be) asleep on its eventfd.
    parent_parked: Line<AtomicU32>,
    /// 1 once the parent let the worker go: exit when the task ring is empty.
    closed: Line<AtomicU32>,
}

const _: () = assert!(std::mem::size_of::<Control>() <= CONTROL_BYTES);

/// A `MAP_SHARED` mapping, unmapped when dropped.
pub struct Region {
    base: *mut u8,
    len: usize,
    ring_bytes: usize,
}

// SAFETY: the mapping is plain memory; what is inside is only accessed
// through atomics and the ring protocol (`ring.rs`).
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` is our one mapping; this is its last owner.
        unsafe { sys::munmap(self.base, self.len) };
    }
}

impl Region {
    /// Maps `fd`, a region of two rings of `ring_bytes` each.
    fn map(fd: RawFd, ring_bytes: usize) -> io::Result<Arc<Region>> {
        let len = CONTROL_BYTES + 2 * ring_bytes;
        let base = sys::mmap_shared(fd, len)?;
        Ok(Arc::new(Region {
            base,
            len,
            ring_bytes,
        }))
    }

    fn control(&self) -> &Control {
        // SAFETY: the mapping starts with a page-aligned control block; a
        // fresh memfd is zero-filled, which is a valid `Control`.
        unsafe { &*self.base.cast::<Control>() }
    }

    /// The task ring's ends, then the reply ring's.
    fn rings(self: &Arc<Self>) -> ((Producer, Consumer), (Producer, Consumer)) {
        let c = self.control();
        // SAFETY: both data areas follow the control block inside the
        // mapping; each ring gets its own positions. Each process keeps only
        // the one end of each ring it plays (see `ShmLink`, `WorkerLink`).
        unsafe {
            let tasks = ring::ends(
                self,
                &c.task_head.0,
                &c.task_tail.0,
                self.base.add(CONTROL_BYTES),
                self.ring_bytes,
            );
            let replies = ring::ends(
                self,
                &c.reply_head.0,
                &c.reply_tail.0,
                self.base.add(CONTROL_BYTES + self.ring_bytes),
                self.ring_bytes,
            );
            (tasks, replies)
        }
    }
}

/// What the parent shares with whoever waits for a worker without the
/// pool's lock (the leader in `poll`, an event-loop future): the region
/// and the eventfd the worker rings.
pub struct Shared {
    region: Arc<Region>,
    /// The parent's spin budget for this worker (parent memory, not shared).
    spin: Budget,
    /// Readable when the worker rang (a reply, or room in the task ring).
    pub wake: OwnedFd,
}

impl Shared {
    /// Asks the worker to ring the eventfd on its next publish or take;
    /// returns whether there is something to read already (then do not
    /// sleep). Call it after the pump found nothing, before sleeping.
    pub fn arm(&self, want_room: bool) -> bool {
        let c = self.region.control();
        c.parent_parked.0.store(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.has_reply_bytes() || (want_room && self.has_task_room())
    }

    /// Whether the task ring has room (the worker took some bytes).
    fn has_task_room(&self) -> bool {
        let c = self.region.control();
        let used = c
            .task_tail
            .0
            .load(Ordering::SeqCst)
            .wrapping_sub(c.task_head.0.load(Ordering::SeqCst));
        used < self.region.ring_bytes as u64
    }

    /// Spins for up to [`SPIN`] while any of `links` (with whether the
    /// parent waits for room in it) has nothing, then arms them all;
    /// returns whether one is ready (then the caller must not sleep).
    pub fn spin_then_arm(links: &[(Arc<Shared>, bool)]) -> bool {
        if links.is_empty() {
            return false;
        }
        let start = Instant::now();
        let budget = links
            .iter()
            .map(|(l, _)| l.spin.get())
            .max()
            .unwrap_or(SPIN);
        let mut spins = 0u32;
        loop {
            if links
                .iter()
                .any(|(l, room)| l.has_reply_bytes() || (*room && l.has_task_room()))
            {
                links.iter().for_each(|(l, _)| l.spin.adapt(true));
                return true;
            }
            spins += 1;
            if spins % 64 == 0 && start.elapsed() >= budget {
                break;
            }
            std::hint::spin_loop();
        }
        links.iter().for_each(|(l, _)| l.spin.adapt(false));
        // `|` rather than `||`: every link must be armed before sleeping.
        links
            .iter()
            .fold(false, |ready, (l, room)| l.arm(*room) | ready)
    }

    /// Whether reply bytes are waiting (a cheap look, no system call).
    pub fn has_reply_bytes(&self) -> bool {
        let c = self.region.control();
        // Acquire: only a hint here; the ring's own reads re-check.
        c.reply_tail.0.load(Ordering::Acquire) != c.reply_head.0.load(Ordering::Acquire)
    }
}

/// The parent's end of one worker's region.
pub struct ShmLink {
    shared: Arc<Shared>,
    tasks: Producer,
    replies: Consumer,
    /// Reply bytes [`recv`](ShmLink::recv) may take before the next
    /// [`snapshot`](ShmLink::snapshot).
    allowed: usize,
}

impl std::fmt::Debug for ShmLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShmLink")
    }
}

/// The greeting that carries the region and the eventfd to the worker.
pub const GREETING: &[u8; 4] = b"shm1";

impl ShmLink {
    /// Creates a worker's region and eventfd; returns the link and the two
    /// descriptors to pass to the worker (region, eventfd).
    pub fn create() -> io::Result<(ShmLink, [OwnedFd; 2])> {
        Self::create_sized(RING_BYTES)
    }

    fn create_sized(ring_bytes: usize) -> io::Result<(ShmLink, [OwnedFd; 2])> {
        let memfd = sys::memfd(c"homemade-pool-ring", CONTROL_BYTES + 2 * ring_bytes)?;
        let region = Region::map(memfd.as_raw_fd(), ring_bytes)?;
        let wake = sys::eventfd()?;
        let theirs = sys::dup(wake.as_raw_fd())?;
        let ((tasks, _), (_, replies)) = region.rings();
        let shared = Arc::new(Shared {
            region,
            spin: Budget::new(),
            wake,
        });
        let link = ShmLink {
            shared,
            tasks,
            replies,
            allowed: 0,
        };
        Ok((link, [memfd, theirs]))
    }

    /// What lock-free waiters need (see [`Shared`]).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Publishes as much of `bufs` as fits in the task ring; `WouldBlock`
    /// when it is full (the worker rings the eventfd when it frees room,
    /// if the parent armed it).
    pub fn send_vectored<B: std::ops::Deref<Target = [u8]>>(
        &mut self,
        bufs: &[B],
    ) -> io::Result<usize> {
        let n = self.tasks.write(bufs).map_err(corrupt)?;
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.kick_worker();
        Ok(n)
    }

    /// Lets [`recv`](ShmLink::recv) take the reply bytes published so far,
    /// and no more. The parent takes a snapshot, *then* looks at the
    /// socket: if the socket is still silent, the worker wrote nothing
    /// there before publishing these bytes (it would have had to write it
    /// first), so they come first, as in one byte stream.
    pub fn snapshot(&mut self) -> bool {
        // Corrupt positions: let `recv` find and report them.
        self.allowed = self.replies.available().unwrap_or(usize::MAX);
        self.allowed > 0
    }

    /// Takes reply bytes into `out`, up to the last snapshot; `WouldBlock`
    /// when there are none (never `Ok(0)`: end of file is the socket's
    /// business).
    pub fn recv(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let want = out.len().min(self.allowed);
        let n = self.replies.read(&mut out[..want]).map_err(corrupt)?;
        self.allowed -= n;
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        // The worker may be parked waiting for room to finish a big reply.
        self.kick_worker();
        Ok(n)
    }

    /// Wakes the worker if it is parked on its bell.
    fn kick_worker(&self) {
        let c = self.shared.region.control();
        fence(Ordering::SeqCst);
        if c.worker_parked.0.load(Ordering::SeqCst) == 1
            && c.worker_parked.0.swap(0, Ordering::SeqCst) == 1
        {
            c.worker_bell.0.fetch_add(1, Ordering::SeqCst);
            sys::futex_wake(&c.worker_bell.0, 1);
        }
    }
}

impl Drop for ShmLink {
    /// Lets the worker go: it exits once it finds `closed`, without
    /// waiting for its futex timeout.
    fn drop(&mut self) {
        let c = self.shared.region.control();
        c.closed.0.store(1, Ordering::SeqCst);
        c.worker_bell.0.fetch_add(1, Ordering::SeqCst);
        sys::futex_wake(&c.worker_bell.0, 1);
    }
}

fn corrupt(e: ring::Corrupt) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// Both ends of a task ring of `ring_bytes` in a fresh region, for tests
/// of the ring alone (one process; threads may play the two sides).
#[cfg(test)]
pub fn test_ring(ring_bytes: usize) -> (Producer, Consumer) {
    let memfd = sys::memfd(c"ring-test", CONTROL_BYTES + 2 * ring_bytes).unwrap();
    let region = Region::map(memfd.as_raw_fd(), ring_bytes).unwrap();
    let (tasks, _) = region.rings();
    tasks
}

#[cfg(test)]
#[path = "shm_tests.rs"]
mod tests;
