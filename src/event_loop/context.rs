//! The thread-local context: "which loop is running on this thread?"
//!
//! `spawn(fut)` takes no loop argument, and neither does `sleep` or
//! `Async::new`; a waker that fires knows its task but not which thread it is
//! on. Both questions are answered by one thread-local pointer, `CURRENT`,
//! which [`EventLoop::block_on`](super::EventLoop::block_on) sets for as long
//! as it runs (through the `Enter` guard, which also resets it when a panic
//! unwinds out of `block_on`). It points at the loop's `Core`: its executor,
//! its reactor and its clock (`runtime.rs`).
//!
//! * [`with_running_loop`] runs a closure with the current loop, if any;
//!   [`expect_running_loop`] panics with a message that names the function
//!   called outside a loop.
//!
//! `CURRENT` also prevents nesting: calling `block_on` while a loop is already
//! running on the thread would freeze the outer loop, so it panics instead.
//!
//! Read next: `shared.rs` (the cross-thread half of a loop, and where a wake
//! goes).

use std::cell::Cell;

use super::runtime::Core;

thread_local! {
    /// The loop running on this thread (null outside `block_on`).
    static CURRENT: Cell<*const Core> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the loop running on this thread, if any.
pub(crate) fn with_running_loop<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let ptr = CURRENT.try_with(|c| c.get()).unwrap_or(std::ptr::null());
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `CURRENT` is non-null only while `block_on` runs on this thread;
    // `block_on` borrows the `EventLoop` that owns the `Core`, so it is alive
    // and does not move, and the guard resets `CURRENT` before returning (also
    // on unwind).
    Some(f(unsafe { &*ptr }))
}

/// Like [`with_running_loop`], but panics with a clear message outside a loop.
pub(crate) fn expect_running_loop<R>(what: &str, f: impl FnOnce(&Core) -> R) -> R {
    match with_running_loop(f) {
        Some(r) => r,
        None => panic!(
            "`{what}` must be called inside `EventLoop::block_on` \
             (no homemade event loop is running on this thread)"
        ),
    }
}

/// Sets `CURRENT` for the duration of `block_on`.
pub(crate) struct Enter;

impl Enter {
    pub(crate) fn new(core: &Core) -> Enter {
        CURRENT.with(|c| {
            if !c.get().is_null() {
                panic!(
                    "EventLoop::block_on called while an event loop is already running on \
                     this thread; use `spawn` (or `.await`) instead of nesting block_on"
                );
            }
            c.set(core as *const Core);
        });
        Enter
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(std::ptr::null()));
    }
}
