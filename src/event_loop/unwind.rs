//! Running user code that may panic, at places where the loop cannot let a
//! panic through.
//!
//! The loop calls code it did not write in a few places besides a task's
//! poll: it **drops** user values (a finished or cancelled task's future, an
//! output nobody will read, a panic payload, wakers it stored) and it
//! **wakes** wakers that futures registered (reactor, timers, `yield_now`,
//! a `JoinHandle`'s waiter). Any of those may panic. If such a panic
//! unwound out of the loop's bookkeeping, the bookkeeping would stop half
//! way: a task left in the table with its future still there, the other
//! wakers of a turn never woken, the rest of the tasks never cancelled by
//! `EventLoop::drop`.
//!
//! So each of those calls goes through this file: the call runs under
//! `catch_unwind`, and a panic is *contained*: the standard panic hook has
//! already printed its message to stderr, and the loop carries on with the
//! next item. tokio does the same when it notifies a `JoinHandle` or drops a
//! finished task's future.
//!
//! One subtlety: the panic payload is itself a user value (`panic_any(x)`
//! can throw anything) and dropping it may panic again. [`drop_payload`]
//! drops it under `catch_unwind` once more, and *leaks* the payload of that
//! second panic rather than looping: a few bytes lost in a program that is
//! already misbehaving, against a loop that never hangs.
//!
//! Read next: `task.rs` (`finish` uses these), `runtime.rs` (the turn's wakes).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;

/// Drops a panic payload; a panic from its destructor is contained and
/// that second payload is leaked (see the module docs).
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// Runs `f`; a panic is contained (its payload dropped safely) and gives `None`.
pub(crate) fn contain<R>(f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(payload) => {
            drop_payload(payload);
            None
        }
    }
}

/// Drops `value`, containing a panic from its destructor.
pub(crate) fn drop_contained<T>(value: T) {
    contain(move || drop(value));
}

/// Wakes `waker`, containing a panic from its `wake` (or its drop).
pub(crate) fn wake_contained(waker: Waker) {
    contain(move || waker.wake());
}

/// Wakes every waker in `wakers` (leaving it empty), each one contained, so
/// one panicking waker cannot keep the others from being woken.
pub(crate) fn wake_all(wakers: &mut Vec<Waker>) {
    for w in wakers.drain(..) {
        wake_contained(w);
    }
}
