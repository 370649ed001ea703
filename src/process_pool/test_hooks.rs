//! # Test hooks: widen race windows on purpose
//!
//! Some defects only show when two processes interleave in an unlucky
//! order. A regression test for such a defect must fail every time on the
//! old code, not once in a thousand runs, so these switches hold a process
//! at the exact point where the race is decided. They are off by default,
//! cost one atomic load when off, and are not part of the crate's API
//! (hidden from the docs). A switch set before the pool is built is copied
//! into the fork server and every worker by `fork`.
//!
//! Read next: `forkserver.rs`, where the hooks are consulted.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::builder::Transport;
use super::sys;

/// See [`hold_workers_until_fork_server_exits`].
static HOLD_WORKERS: AtomicBool = AtomicBool::new(false);

/// When on, every worker forked from now on waits, before it asks for its
/// death signal, until the fork server that forked it has exited (for at
/// most 10 s). That is the window in which a worker could be orphaned
/// without noticing.
#[doc(hidden)]
pub fn hold_workers_until_fork_server_exits(on: bool) {
    HOLD_WORKERS.store(on, Ordering::SeqCst);
}

/// Called by a freshly forked worker before it sets its death signal;
/// `parent` is the fork server's pid, read before the fork (reading it here
/// with `getppid` would name the adopter if the fork server had already
/// died, and the hold would then wait its whole 10 s: the test that uses it
/// failed now and then for that reason).
pub(crate) fn worker_forked(parent: sys::Pid) {
    if !HOLD_WORKERS.load(Ordering::SeqCst) {
        return;
    }
    let give_up = Instant::now() + Duration::from_secs(10);
    while sys::getppid() == parent && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// See [`kill_workers_mid_ring_write`].
static KILL_MID_RING_WRITE: AtomicUsize = AtomicUsize::new(0);

/// When `min_bytes > 0`, a worker on the shared-memory transport that is
/// about to write a reply frame of at least `min_bytes` bytes publishes
/// half of it, copies the rest into the ring *without* publishing it, and
/// SIGKILLs itself: a crash in the middle of a ring write, every time.
/// Smaller replies are written normally, so replacements keep serving.
/// Set it before the pool is built (`fork` copies it into the workers).
#[doc(hidden)]
pub fn kill_workers_mid_ring_write(min_bytes: usize) {
    KILL_MID_RING_WRITE.store(min_bytes, Ordering::SeqCst);
}

/// The threshold set by [`kill_workers_mid_ring_write`] (0 = off).
pub(crate) fn kill_mid_ring_write_at() -> usize {
    KILL_MID_RING_WRITE.load(Ordering::Relaxed)
}

/// See [`set_default_transport`]: 0 = socket pair, 1 = shared memory.
static DEFAULT_TRANSPORT: AtomicUsize = AtomicUsize::new(0);

/// Makes pools built from now on in this process use `transport` unless
/// their builder says otherwise: how the test harness (`tests/common`) runs
/// every process-pool test under both transports without editing each.
#[doc(hidden)]
pub fn set_default_transport(transport: Transport) {
    let code = match transport {
        Transport::Socketpair => 0,
        Transport::SharedMemory => 1,
    };
    DEFAULT_TRANSPORT.store(code, Ordering::SeqCst);
}

/// The transport a new builder starts with.
pub(crate) fn default_transport() -> Transport {
    match DEFAULT_TRANSPORT.load(Ordering::SeqCst) {
        1 => Transport::SharedMemory,
        _ => Transport::Socketpair,
    }
}

/// System calls this process has made through the pool's `sys` module so
/// far (the parent's side only; a worker counts its own). For the
/// shared-memory example's "where the time goes" table.
#[doc(hidden)]
pub fn pool_system_calls() -> u64 {
    sys::calls_made()
}

/// Queue entries looked at so far while choosing a queue watcher (see
/// `State::wake_next_queue_watcher`); a test checks that a blocking `map`
/// of many tasks looks at none (it has no futures to wake).
static QUEUE_SCANNED: AtomicUsize = AtomicUsize::new(0);

/// Counts `n` queue entries looked at (see [`queue_entries_scanned`]).
pub(crate) fn note_queue_scanned(n: usize) {
    QUEUE_SCANNED.fetch_add(n, Ordering::Relaxed);
}

/// How many queue entries this process looked at while choosing a queue
/// watcher (see [`note_queue_scanned`]).
#[doc(hidden)]
pub fn queue_entries_scanned() -> usize {
    QUEUE_SCANNED.load(Ordering::Relaxed)
}

/// How many `submit`s encoded into a recycled frame buffer (see
/// `State::take_spare_frame`).
static FRAMES_REUSED: AtomicUsize = AtomicUsize::new(0);

/// Counts one frame buffer handed out again (see [`frames_reused`]).
pub(crate) fn note_frame_reused() {
    FRAMES_REUSED.fetch_add(1, Ordering::Relaxed);
}

/// How many task frames this process encoded into the buffer of an
/// earlier large frame instead of fresh memory.
#[doc(hidden)]
pub fn frames_reused() -> usize {
    FRAMES_REUSED.load(Ordering::Relaxed)
}
