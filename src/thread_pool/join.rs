//! `join`: run two closures, potentially in parallel, and return both results.
//!
//! # Work-first, inside a worker
//!
//! 1. Make a job of `b` on our own stack (a `StackJob` inside the join's
//!    `LazyJob`, job.rs) and push it onto our deque, where an idle worker
//!    may steal it.
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
//! # Under heartbeat scheduling
//!
//! The same `join_in_worker` makes no job and pushes nothing onto the
//! deque. It notes `b` (its `LazyJob`) in the worker's pending-frame list
//! (`frames.rs`: a fixed array, no atomics), looks at its heartbeat flag
//! (one relaxed load; on a beat it promotes the oldest pending frame, maybe
//! an outer join's: makes a job of that `b` where it lies, pushes it onto
//! the deque and wakes one sleeper), runs `a`, and pops its frame. Not promoted: nobody else
//! ever saw `b`, so it runs inline, exactly like sequential code.
//! Promoted: `b` is a deque job like under work stealing, and the join
//! finishes the same way as step 3 above (pop it back, or help with other
//! work until the thief sets its latch).
//!
//! Once `NOTED_FRAMES_MAX` noted frames of the worker are unshared, a join
//! notes nothing at all: it calls `a` then `b` (`plain_join`), and looks
//! at no flag; the beat is seen by the next join that has room again.
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

use super::job::{JobRef, LazyJob};
use super::latch::CoreLatch;
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

/// The join on the current worker, under either scheduler.
///
/// One function for both, on purpose: the two differ only in where `b` is
/// noted (the deque, or the pending-frame list) and in one extra exit (a
/// heartbeat frame that was never promoted), so each is a predictable
/// branch on a field of the worker. Two separate functions behind a branch
/// put two inlined copies of `a` and `b` in every caller, and the compiler
/// then stopped inlining recursive callers such as fib into `join`: the
/// work-stealing join measured 1.5 times slower (BENCHMARKS.md).
#[inline]
fn join_in_worker<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    // Heartbeat, with `NOTED_FRAMES_MAX` unshared frames already pending:
    // a plain call of both halves, no frame, no beat check (frames.rs).
    // The outer, bigger joins hold the frames a beat would promote anyway.
    if worker.uses_heartbeat() && !worker.frames().has_room() {
        worker.count_inline_join();
        return plain_join(a, b);
    }
    // `b`, and room for the job made of it if it is ever shared (job.rs).
    let job_b = LazyJob::new(b);
    // From here until `b` is back or done, another thread may hold a
    // pointer into this frame: nothing may unwind out of it (unwind.rs).
    let guard = AbortOnUnwind {
        what: "a join while its other half was shared",
    };
    // Work stealing: `b` becomes a job on our deque, where a thief may take
    // it. Heartbeat: `b` is only noted; a beat makes a job of it and shares
    // it (now, or during a nested join) only if it promotes this frame.
    let frame = if worker.uses_heartbeat() {
        // SAFETY: `job_b` stays in this frame until the frame is popped
        // (below, before any exit but an abort), and only this thread's
        // promotion uses the reference, while the frame is pending.
        let frame = worker.frames().push(unsafe { job_b.as_pending_ref() });
        worker.on_heartbeat();
        Some(frame)
    } else {
        // SAFETY: `b` is still in `job_b` and nothing references the job;
        // `job_b` stays here until the job is popped back or its latch is
        // set (`take_back_or_wait` below, before any exit but an abort).
        worker.push_join(unsafe { job_b.make_job(worker.registry(), worker.index()) });
        None
    };

    let result_a = panic::catch_unwind(AssertUnwindSafe(a));
    let how = match frame {
        // Never promoted: `b` was never visible to another thread.
        Some(frame) if !worker.frames().pop(frame) => SharedHalf::NeverShared,
        _ => {
            // SAFETY: a job was made: at once under work stealing, by the
            // promotion that `pop` just reported under heartbeat.
            let job = unsafe { job_b.job() };
            // SAFETY: the same job, alive in this frame (see above).
            take_back_or_wait(worker, job.latch.core(), unsafe { job.as_job_ref() })
        }
    };
    guard.disarm();
    match result_a {
        Ok(ra) => (ra, finish_b(worker, &job_b, how)),
        // `a` panicked: drop `b` (unrun, or its value or second panic,
        // discarded) and re-raise.
        Err(payload) => {
            match how {
                // SAFETY: never shared, so `b` is still in `job_b`.
                SharedHalf::NeverShared => drop_quietly(unsafe { job_b.take_func() }),
                // SAFETY: a job was made (as above) and no other thread
                // uses it now: taken back, or its latch is set.
                _ => drop_quietly(unsafe { job_b.take_job() }),
            }
            panic::resume_unwind(payload)
        }
    }
}

/// A heartbeat join past `NOTED_FRAMES_MAX`: `a()` then `b()`, like
/// sequential code, with the same panic rules as a noted join (`b` dropped
/// unrun if `a` panics, quietly, then `a`'s panic re-raised).
///
/// No other thread can point into this frame: nothing of it was noted or
/// pushed, so nothing here can be promoted or stolen, and unwinding out of
/// it is as safe as out of any function (no `AbortOnUnwind` needed).
#[inline(always)]
fn plain_join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    match panic::catch_unwind(AssertUnwindSafe(a)) {
        Ok(ra) => (ra, b()),
        Err(payload) => {
            drop_quietly(b);
            panic::resume_unwind(payload)
        }
    }
}

/// How a join whose `b` was shared got it back.
enum SharedHalf {
    /// A heartbeat frame that was never promoted: nobody else ever saw it.
    NeverShared,
    /// Popped back from our own deque unrun: ours alone again.
    TakenBack,
    /// Its latch is set: someone ran it, the result is in the job.
    Done,
}

/// The end of a join whose `b` was pushed onto this worker's deque (always
/// under work stealing, after a promotion under heartbeat): take `b` back,
/// or help with other work until its thief sets the latch. The job itself
/// stays in the caller's frame (other threads may point at it), so this
/// only gets its latch and its reference.
#[inline(always)]
fn take_back_or_wait(worker: &WorkerThread, latch: &CoreLatch, job_b_ref: JobRef) -> SharedHalf {
    while !latch.probe() {
        match worker.pop() {
            // Nobody stole `b`: it is ours alone again.
            Some(job) if job == job_b_ref => return SharedHalf::TakenBack,
            Some(other) => worker.execute(other),
            None => {
                // `b` was stolen: help elsewhere until its thief is done.
                worker.wait_until(latch);
                break;
            }
        }
    }
    SharedHalf::Done
}

/// `a` returned and nobody else points at `job_b` any more: `b`'s result.
/// `b` runs where it lies: the job is borrowed, not moved (a move of the
/// whole job here cost seven instructions per join; BENCHMARKS.md §2.3).
///
/// `job_b` is left empty on every path, as `LazyJob` (no `Drop`) requires:
/// the closure was taken, or it went into the job and the job's run took
/// it, and the job's result, if any, is taken here; what remains is `None`s
/// that own nothing. The same holds if `b` panics while it runs inline.
#[inline(always)]
fn finish_b<B, RB>(worker: &WorkerThread, job_b: &LazyJob<B, RB>, how: SharedHalf) -> RB
where
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    match how {
        SharedHalf::NeverShared => {
            worker.count_inline_join();
            // SAFETY: never shared: `b` is still in `job_b`, taken once.
            let b = unsafe { job_b.take_func() };
            b()
        }
        SharedHalf::TakenBack => {
            worker.count_inline_job();
            worker.count_inline_join();
            // SAFETY: a job was made (it was shared) and popped back unrun,
            // so no other thread holds a JobRef to it.
            unsafe { job_b.job().run_inline_in_place() }
        }
        // SAFETY: a job was made, and its latch is set: it ran, and its
        // thief no longer touches it.
        SharedHalf::Done => unsafe { job_b.job().take_result() },
    }
}
