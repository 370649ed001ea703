//! `join`: run two closures, potentially in parallel, and return both results.
//!
//! # Work-first, inside a worker
//!
//! 1. Wrap `b` in a [`StackJob`] on our own stack and push it onto our deque,
//!    where an idle worker may steal it.
//! 2. Run `a` right here, immediately (work-first: the current thread never
//!    waits before doing useful work).
//! 3. Get `b` back. Pop our deque: if the job on top is `b`, nobody stole
//!    it, and we run it inline like a plain function call (no latch, no
//!    synchronisation: the common, fast case). If something else is on top,
//!    it is older work of ours; run it and pop again. If the deque is empty,
//!    `b` was stolen: `wait_until` its latch, stealing other work meanwhile.
//!
//! Because a thief takes the *oldest* job of a deque, in a recursive
//! computation it takes the biggest remaining piece, and steals stay rare.
//!
//! # Outside the pool
//!
//! A thread that is not a worker has no deque. The free function `join`
//! then sends the whole call to the global pool through its injector
//! (`ThreadPool::join` does the same with a specific pool) and blocks until
//! it is done.
//!
//! # Panics
//!
//! If `a` panics we still may not return while `b` might be running on
//! another thread, because `b` may borrow our stack. So we first get `b`
//! back (if it was never stolen, it is dropped without running) or wait for
//! its thief to finish, and only then re-raise `a`'s panic. If only `b`
//! panics, its panic is re-raised once both are done.
//!
//! Read next: `scope.rs` (many jobs borrowing one stack frame).

use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

use super::job::StackJob;
use super::latch::SpinLatch;
use super::pool::ThreadPool;
use super::registry::Registry;
use super::unwind::{drop_quietly, AbortOnUnwind};
use super::worker::WorkerThread;

/// Runs `a` and `b`, potentially in parallel, and returns `(a(), b())`.
///
/// Inside a pool worker this is the work-first split described in the module
/// docs. Outside any pool it runs on a lazily created global pool (one
/// thread per core, living until the process exits); use
/// [`ThreadPool::join`] to pick the pool.
///
/// If either closure panics, the panic is re-raised here after both
/// closures are finished (or `b` was dropped unrun).
///
/// ```
/// fn fib(n: u64) -> u64 {
///     if n < 2 {
///         return n;
///     }
///     let (a, b) = homemade::thread_pool::join(|| fib(n - 1), || fib(n - 2));
///     a + b
/// }
/// let pool = homemade::thread_pool::ThreadPool::new(2).unwrap();
/// assert_eq!(pool.install(|| fib(20)), 6765);
/// ```
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    WorkerThread::with_current(|worker| match worker {
        Some(worker) => join_in_worker(worker, a, b),
        None => global_registry().in_worker(|| join(a, b)),
    })
}

/// The registry of the global pool used by `join` called outside any pool.
fn global_registry() -> &'static Registry {
    static GLOBAL: OnceLock<ThreadPool> = OnceLock::new();
    GLOBAL
        .get_or_init(|| {
            ThreadPool::builder()
                .thread_name_prefix("homemade-global")
                .build()
                .unwrap_or_else(|e| {
                    panic!("homemade::thread_pool: cannot start the global pool: {e}")
                })
        })
        .registry()
}

/// The work-first join on the current worker.
fn join_in_worker<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job_b = StackJob::new(SpinLatch::new(worker.registry(), worker.index()), b);
    // SAFETY: `job_b` stays in this frame until it has been popped back (and
    // run inline or dropped) or its latch is set: every path below does one
    // of the two before returning or unwinding.
    let job_b_ref = unsafe { job_b.as_job_ref() };
    worker.push_join(job_b_ref);
    // From the push until `b` is back or done, another thread may hold a
    // pointer into this frame: nothing may unwind out of it (unwind.rs).
    let guard = AbortOnUnwind {
        what: "a join while its other half was shared",
    };

    let result_a = panic::catch_unwind(AssertUnwindSafe(a));

    while !job_b.latch.core().probe() {
        match worker.pop() {
            Some(job) if job == job_b_ref => {
                // Nobody stole `b`: it is ours alone again.
                guard.disarm();
                return match result_a {
                    Ok(ra) => {
                        worker.count_inline_job();
                        (ra, job_b.run_inline())
                    }
                    // `a` panicked: drop `b` unrun and re-raise.
                    Err(payload) => {
                        drop_quietly(job_b);
                        panic::resume_unwind(payload)
                    }
                };
            }
            Some(other) => worker.execute(other),
            None => {
                // `b` was stolen: help elsewhere until its thief is done.
                worker.wait_until(job_b.latch.core());
                break;
            }
        }
    }
    guard.disarm();
    match result_a {
        Ok(ra) => (ra, job_b.into_result()),
        Err(payload) => {
            // `b`'s own outcome (a value, or a second panic) is discarded.
            drop_quietly(job_b);
            panic::resume_unwind(payload)
        }
    }
}
