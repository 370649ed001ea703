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

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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

/// Called by a freshly forked worker before it sets its death signal.
pub(crate) fn worker_forked() {
    if !HOLD_WORKERS.load(Ordering::SeqCst) {
        return;
    }
    let parent = sys::getppid();
    let give_up = Instant::now() + Duration::from_secs(10);
    while sys::getppid() == parent && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(1));
    }
}
