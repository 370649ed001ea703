//! The thread-local context: "which loop is running on this thread?"
//!
//! `spawn(fut)` takes no loop argument, and neither does `sleep` or
//! `Async::new`; a waker that fires knows its task but not which thread it is
//! on. Both questions are answered by one thread-local pointer, `CURRENT`,
//! which [`EventLoop::block_on`](super::EventLoop::block_on) sets for as long
//! as it runs (through the `Enter` guard, which also resets it when a panic
//! unwinds out of `block_on`).
//!
//! * [`with_local`] runs a closure with the current loop, if any;
//!   [`expect_local`] panics with a message that names the function called
//!   outside a loop.
//! * [`enqueue`] is the heart of every task wake-up: if the task belongs to
//!   the loop running on *this* thread, it goes on the local run queue (no
//!   lock); otherwise it goes through that loop's injection queue (see
//!   `shared.rs`).
//!
//! `CURRENT` also prevents nesting: calling `block_on` while a loop is already
//! running on the thread would freeze the outer loop, so it panics instead.
//!
//! Read next: `shared.rs` (the cross-thread half of a loop).

use std::cell::Cell;
use std::sync::Arc;

use super::executor::Local;
use super::task::Runnable;

thread_local! {
    /// The loop running on this thread (null outside `block_on`).
    static CURRENT: Cell<*const Local> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` with the loop running on this thread, if any.
pub(crate) fn with_local<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    let ptr = CURRENT.try_with(|c| c.get()).unwrap_or(std::ptr::null());
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `CURRENT` is non-null only while `block_on` runs on this thread;
    // `block_on` borrows the `EventLoop` that owns the `Local`, so it is alive
    // and does not move, and the guard resets `CURRENT` before returning (also
    // on unwind).
    Some(f(unsafe { &*ptr }))
}

/// Like [`with_local`], but panics with a clear message outside a loop.
pub(crate) fn expect_local<R>(what: &str, f: impl FnOnce(&Local) -> R) -> R {
    match with_local(f) {
        Some(r) => r,
        None => panic!(
            "`{what}` must be called inside `EventLoop::block_on` \
             (no homemade event loop is running on this thread)"
        ),
    }
}

/// Enqueues a woken task: locally on its loop's thread, else through injection.
pub(crate) fn enqueue(task: Arc<dyn Runnable>) {
    // The task travels in an Option so the local path can move it into the
    // run queue (no extra reference-count traffic) and the other path can
    // still use it afterwards.
    let mut task = Some(task);
    with_local(|l| {
        if let Some(t) = task.take_if(|t| Arc::ptr_eq(&l.shared, &t.header().shared)) {
            l.push_local(t);
        }
    });
    if let Some(task) = task {
        let shared = task.header().shared.clone();
        shared.inject(task);
    }
}

/// Sets `CURRENT` for the duration of `block_on`.
pub(crate) struct Enter;

impl Enter {
    pub(crate) fn new(local: &Local) -> Enter {
        CURRENT.with(|c| {
            if !c.get().is_null() {
                panic!(
                    "EventLoop::block_on called while an event loop is already running on \
                     this thread; use `spawn` (or `.await`) instead of nesting block_on"
                );
            }
            c.set(local as *const Local);
        });
        Enter
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(std::ptr::null()));
    }
}
