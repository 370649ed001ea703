//! # Test hooks: hold name resolution at a gate
//!
//! The client resolves host names (other than IP literals and `localhost`)
//! on a helper thread so that the event loop keeps running meanwhile. On a
//! machine whose resolver answers from `/etc/hosts` in microseconds, a test
//! cannot tell that apart from resolving on the loop itself. This switch
//! makes resolution slow on purpose: while the gate is closed, every
//! resolution waits at it (for at most [`GATE_LIMIT`]), so a test can check
//! that other tasks on the loop keep making progress and then open it.
//!
//! Off by default, one atomic load when off, hidden from the docs and not
//! part of the crate's API.
//!
//! Read next: `blocking.rs` (`resolve_all`, which passes the gate) and
//! `connect.rs` (`resolve`, which runs it on the helper thread).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The longest a resolution waits at a closed gate.
pub const GATE_LIMIT: Duration = Duration::from_secs(5);

/// Whether the gate is closed (the fast path reads only this).
static CLOSED: AtomicBool = AtomicBool::new(false);
/// The same state under a lock, for the condition variable.
static GATE: Mutex<bool> = Mutex::new(false);
static OPENED: Condvar = Condvar::new();
/// Resolutions that waited at the gate, and those that gave up waiting.
static HELD: AtomicUsize = AtomicUsize::new(0);
static GAVE_UP: AtomicUsize = AtomicUsize::new(0);

/// Closes (`true`) or opens (`false`) the gate; opening wakes every
/// resolution waiting at it.
#[doc(hidden)]
pub fn hold_resolution(closed: bool) {
    let mut gate = GATE.lock().unwrap_or_else(|p| p.into_inner());
    *gate = closed;
    CLOSED.store(closed, Ordering::SeqCst);
    if !closed {
        OPENED.notify_all();
    }
}

/// How many resolutions waited at the gate, and how many of them gave up
/// after [`GATE_LIMIT`] instead of being let through.
#[doc(hidden)]
pub fn resolutions_held() -> (usize, usize) {
    (HELD.load(Ordering::SeqCst), GAVE_UP.load(Ordering::SeqCst))
}

/// Called before each system-resolver lookup: waits while the gate is closed.
pub(crate) fn before_resolve() {
    if !CLOSED.load(Ordering::SeqCst) {
        return;
    }
    HELD.fetch_add(1, Ordering::SeqCst);
    let gate = GATE.lock().unwrap_or_else(|p| p.into_inner());
    let (_gate, waited) = OPENED
        .wait_timeout_while(gate, GATE_LIMIT, |closed| *closed)
        .unwrap_or_else(|p| p.into_inner());
    if waited.timed_out() {
        GAVE_UP.fetch_add(1, Ordering::SeqCst);
    }
}
