//! The panic rule: a worker never unwinds.
//!
//! # Why unwinding out of a job is not allowed
//!
//! A worker's stack holds frames that other threads point into: `join`
//! pushes its second half as a `JobRef` to a [`StackJob`](super::job) in
//! its own frame, and a thief may be running that job right now. If a panic
//! unwound through that frame, the frame would be gone while the job (or
//! the deque slot naming it) still points at it: a dangling pointer, i.e.
//! undefined behaviour. And a worker thread that unwinds to its end dies
//! silently, so `install` and `Drop` would wait for it forever.
//!
//! # The rule, in three parts
//!
//! 1. **Every panic of user code is caught** where it happens and handed to
//!    whoever waits for it: `join`, `install`, `scope`, `map` re-raise it in
//!    their caller once no job borrows their frame any more; `submit` turns
//!    it into [`TaskPanicked`](super::TaskPanicked); a `spawn`ed job's panic
//!    is reported (stderr, or the builder's panic handler).
//! 2. **Handling a panic does not panic.** The report is written with
//!    `write!` and its error ignored (a closed stderr makes `eprintln!`
//!    panic). A payload the pool throws away (a `spawn`ed job's after the
//!    report, a scope's second panic, the other side of a `join` that
//!    panicked too) is dropped through [`drop_quietly`]: if its `Drop`
//!    panics, that new payload is dropped the same way, and after a few
//!    rounds leaked. A payload whose `Drop` panics costs a few bytes, never
//!    soundness.
//! 3. **Anything that still unwinds out of a job aborts the process.**
//!    Such a panic could only come from a bug in the pool itself. The
//!    [`AbortOnUnwind`] guard around every job a worker runs, around a
//!    worker's main loop, and around each frame that other threads point
//!    into while it waits (`join`, `scope`, `install` from outside), prints
//!    one line and calls `std::process::abort`, exactly what rayon does.
//!    The guard costs nothing when nothing unwinds: it is forgotten on the
//!    normal path and only its landing pad exists.
//!
//! `tests/thread_pool_worker_never_unwinds.rs` checks each part in a child
//! process (closed stderr, payloads whose `Drop` panics, and a panic in the
//! pool's own code through the idle hook, which must abort).
//!
//! Read next: `job.rs` (the jobs these guards protect).

use std::any::Any;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};

/// Aborts the process if dropped during unwinding, i.e. if a panic passes
/// through the frame that holds it. Call [`AbortOnUnwind::disarm`] on the
/// normal path.
pub(crate) struct AbortOnUnwind {
    /// What was going on, for the message.
    pub(crate) what: &'static str,
}

impl AbortOnUnwind {
    /// The normal path: the guarded code returned, nothing to do.
    #[inline]
    pub(crate) fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for AbortOnUnwind {
    // Inlined, so that the landing pad passes the message as a constant:
    // the guard then never has to be written to the stack on the normal
    // path (an out-of-line `drop(&mut self)` needs it in memory, which cost
    // `join` three stores per call).
    #[inline(always)]
    fn drop(&mut self) {
        // Only reached while unwinding: `disarm` forgets the guard otherwise.
        abort_escaped(self.what)
    }
}

/// Prints the one line of the panic rule and aborts the process.
#[cold]
#[inline(never)]
fn abort_escaped(what: &'static str) -> ! {
    let _ = writeln!(
        std::io::stderr(),
        "homemade::thread_pool: a panic escaped {what} on a pool worker; aborting \
         the process, since unwinding here would leave jobs pointing at freed \
         stack frames (DESIGN.md, section 2.4, the panic rule)"
    );
    std::process::abort();
}

/// How many nested panicking `Drop`s `drop_quietly` follows before leaking.
const DROP_ROUNDS: usize = 4;

/// Drops `value` without letting a panic in its `Drop` escape.
///
/// If the `Drop` panics, the new payload is dropped the same way; after
/// `DROP_ROUNDS` rounds of payloads that panic when dropped, the last one
/// is leaked (`mem::forget`), which is safe.
pub(crate) fn drop_quietly<T>(value: T) {
    let mut pending = match panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        Ok(()) => return,
        Err(payload) => payload,
    };
    for _ in 0..DROP_ROUNDS {
        pending = match panic::catch_unwind(AssertUnwindSafe(move || drop(pending))) {
            Ok(()) => return,
            Err(payload) => payload,
        };
    }
    std::mem::forget::<Box<dyn Any + Send>>(pending);
}
