//! The worker: one OS thread, one deque, and the loop that feeds it.
//!
//! # The deque
//!
//! Every worker owns a `crossbeam_deque::Worker` in LIFO mode. The owner
//! pushes and pops at the same end, like a call stack: the job it pushed
//! last is the one whose data is still in its cache, and for `join` it is
//! exactly the other half of the split it is working on. Thieves take from
//! the *other* end, the oldest job, which in a recursive split is the
//! biggest piece: one steal moves a lot of work, so steals stay rare.
//!
//! # Finding work: the order and why
//!
//! 1. **Own deque** (pop, LIFO). Cheapest (no contention with other
//!    workers in the common case) and cache-warm, and `join` depends on it:
//!    the job a worker pushed is usually popped back by that same worker.
//! 2. **The global injector** (a batch at a time). Work from outside the
//!    pool is a new top-level request whose caller is blocked waiting, so it
//!    must not starve behind the recursive work already in the deques. A
//!    batch steal moves up to half the injector into our deque, so a burst
//!    of 10,000 `spawn`s costs one injector access per batch, not per job.
//! 3. **The other workers' deques**, starting at a random victim and going
//!    round. A fixed start (say worker 0) would make every thief hammer the
//!    same deque; a random one spreads the contention.
//!
//! # Waiting without blocking: `wait_until`
//!
//! A worker that must wait for something (the stolen half of a `join`, the
//! end of a `scope`, or, in its main loop, the pool's termination) does not
//! block: it keeps finding and running jobs until the latch is set. Only
//! when there is no work at all does it go idle, spin a little, and park
//! (`sleep/README.md`). The main loop is nothing but `wait_until(terminate)`.
//!
//! Read next: `join.rs` (the work-first split built on this loop).

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_deque::{Steal, Worker};

use super::frames::PendingFrames;
use super::job::JobRef;
use super::latch::CoreLatch;
use super::registry::Registry;
use super::sleep::IdleStep;
use super::stats::{bump, WorkerCounters};
use super::unwind::AbortOnUnwind;
use crate::trace::{current, Kind};

thread_local! {
    /// The worker running on this thread, or null outside any pool.
    static CURRENT: Cell<*const WorkerThread> = const { Cell::new(ptr::null()) };
}

/// The beat flag of a work-stealing worker: never set (nothing sets it).
static NO_BEAT: AtomicBool = AtomicBool::new(false);

/// The per-thread state of one worker.
pub(crate) struct WorkerThread {
    deque: Worker<JobRef>,
    index: usize,
    registry: Arc<Registry>,
    rng: Cell<u64>,
    /// Under heartbeat scheduling: the joins running on this worker
    /// (`frames.rs`). Unused under work stealing.
    frames: PendingFrames,
    /// Whether this pool uses heartbeat scheduling (read by every `join`).
    heartbeat: bool,
    /// This worker's heartbeat flag in the registry, cached so that a
    /// `join` reads it with one load (`NO_BEAT` under work stealing).
    beat: *const AtomicBool,
    /// This worker's counters in the registry, cached likewise, so that a
    /// `join` bumps them without an index and a bounds check.
    counters: *const WorkerCounters,
}

impl WorkerThread {
    /// Calls `f` with the worker running on the calling thread, if any.
    ///
    /// The worker lives on its thread's stack for the whole main loop, the
    /// only time any job (hence any caller) runs on it, so a reference is
    /// valid for as long as the caller's frame runs on this thread. A
    /// closure expresses exactly that: the reference cannot escape `f`,
    /// and it cannot leave the thread (`WorkerThread` is not `Sync`).
    /// (rayon hands out a raw pointer instead; a `&'a` with a lifetime the
    /// caller chooses, as this function had before, would be unsound.)
    #[inline]
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&WorkerThread>) -> R) -> R {
        let ptr = CURRENT.with(Cell::get);
        // SAFETY: CURRENT is either null or points to the WorkerThread on
        // this thread's stack, for the whole main loop, and is reset to null
        // before that is dropped; we are inside the main loop if it is not
        // null, and the borrow ends before `f` returns.
        f(unsafe { ptr.as_ref() })
    }

    /// `with_current`, with the worker only if it belongs to `registry`.
    #[inline]
    pub(crate) fn with_current_in<R>(
        registry: &Registry,
        f: impl FnOnce(Option<&WorkerThread>) -> R,
    ) -> R {
        WorkerThread::with_current(|w| f(w.filter(|w| ptr::eq(Arc::as_ptr(&w.registry), registry))))
    }

    /// Whether the calling thread is a worker of `registry`.
    #[inline]
    pub(crate) fn is_current_in(registry: &Registry) -> bool {
        WorkerThread::with_current_in(registry, |w| w.is_some())
    }

    /// This worker's index in its pool.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The registry of this worker's pool.
    #[inline]
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Whether `join` on this worker uses heartbeat scheduling.
    #[inline(always)]
    pub(crate) fn uses_heartbeat(&self) -> bool {
        self.heartbeat
    }

    /// This worker's heartbeat flag, under heartbeat scheduling (peeked by
    /// `map`'s leaves, which have no join of their own to promote).
    #[inline]
    pub(crate) fn beat_flag(&self) -> Option<&AtomicBool> {
        self.registry
            .heartbeat
            .as_ref()
            .map(|h| h.beat_flag(self.index))
    }

    /// The pending-frame list of heartbeat scheduling.
    #[inline(always)]
    pub(crate) fn frames(&self) -> &PendingFrames {
        &self.frames
    }

    /// If this worker's heartbeat flag is set: clears it and promotes the
    /// oldest pending join frame into a job in our deque, waking one
    /// sleeper for it (the promotion rule, `frames.rs`).
    #[inline(always)]
    pub(crate) fn on_heartbeat(&self) {
        // SAFETY: the flag lives in the registry, which this worker's `Arc`
        // keeps alive for as long as `self` exists (or it is `NO_BEAT`).
        let beat = unsafe { &*self.beat };
        if beat.load(Ordering::Relaxed) {
            beat.store(false, Ordering::Relaxed);
            self.promote_oldest_frame();
        }
    }

    #[cold]
    #[inline(never)]
    fn promote_oldest_frame(&self) {
        if let Some(pending) = self.frames.promote_oldest() {
            // SAFETY: the frame is pending, so its join is still running its
            // first half below us on this thread and keeps its `LazyJob` in
            // place until the frame is popped and the job is back or done
            // (join.rs); a frame is promoted once, so `b` is still there.
            let job = unsafe { pending.make_job(&self.registry, self.index) };
            bump(&self.registry.counters[self.index].0.frames_promoted);
            self.deque.push(job);
            self.registry.record(Some(self.index), Kind::Promoted);
            // The owner is busy with the first half: the job must be found
            // by someone else, so it is announced like a shared job.
            self.registry.sleep.new_shared_jobs(1);
        }
    }

    /// This worker's counters (written only by this worker).
    #[inline(always)]
    fn counters(&self) -> &WorkerCounters {
        // SAFETY: the counters live in the registry, which this worker's
        // `Arc` keeps alive for as long as `self` exists.
        unsafe { &*self.counters }
    }

    /// Counts a join whose second half ran inline after its first.
    #[inline(always)]
    pub(crate) fn count_inline_join(&self) {
        // SAFETY: the counter lives in the registry, kept alive by `self`.
        bump(&self.counters().joins_inline);
    }

    /// Pushes the second half of a `join` (cheap wake check, see sleep).
    #[inline]
    pub(crate) fn push_join(&self, job: JobRef) {
        self.deque.push(job);
        self.registry.sleep.new_local_job();
    }

    /// Pushes a job any worker should be able to find (spawn, scope).
    pub(crate) fn push_shared(&self, job: JobRef) {
        self.deque.push(job);
        self.registry.record(Some(self.index), Kind::JobSpawned);
        self.registry.sleep.new_shared_jobs(1);
    }

    /// Pops the most recently pushed job of our own deque.
    #[inline]
    pub(crate) fn pop(&self) -> Option<JobRef> {
        self.deque.pop()
    }

    /// Counts a job that `join` ran inline after popping it back.
    #[inline]
    pub(crate) fn count_inline_job(&self) {
        bump(&self.counters().jobs_executed);
    }

    /// The find-task order: own deque, injector, then the other workers.
    pub(crate) fn find_work(&self) -> Option<JobRef> {
        self.pop()
            .or_else(|| self.take_injected())
            .or_else(|| self.steal_from_others())
    }

    /// Whether any queue this worker can take from looks non-empty (a hint:
    /// it may change right after).
    pub(crate) fn peek_has_work(&self) -> bool {
        !self.deque.is_empty()
            || !self.registry.injector.is_empty()
            || self.registry.stealers.iter().any(|s| !s.is_empty())
    }

    /// Takes a batch from the injector into our deque and returns one job.
    fn take_injected(&self) -> Option<JobRef> {
        loop {
            match self.registry.injector.steal_batch_and_pop(&self.deque) {
                Steal::Success(job) => {
                    self.registry
                        .record(Some(self.index), Kind::JobTookInjected);
                    return Some(job);
                }
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// Tries every other worker once, from a random starting victim.
    fn steal_from_others(&self) -> Option<JobRef> {
        let n = self.registry.stealers.len();
        if n <= 1 {
            return None;
        }
        let counters = &self.registry.counters[self.index].0;
        let start = self.next_random() as usize % n;
        for k in 0..n {
            let victim = (start + k) % n;
            if victim == self.index {
                continue;
            }
            bump(&counters.steal_attempts);
            loop {
                match self.registry.stealers[victim].steal() {
                    Steal::Success(job) => {
                        bump(&counters.jobs_stolen);
                        self.registry
                            .record(Some(self.index), Kind::JobStolen { victim });
                        return Some(job);
                    }
                    Steal::Empty => break,
                    Steal::Retry => std::hint::spin_loop(),
                }
            }
        }
        None
    }

    /// xorshift64: a cheap per-worker random number for victim selection.
    fn next_random(&self) -> u64 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x
    }

    /// Runs a job found in a queue, counting and tracing it.
    pub(crate) fn execute(&self, job: JobRef) {
        bump(&self.registry.counters[self.index].0.jobs_executed);
        self.registry.record(Some(self.index), Kind::JobStarted);
        // Every job catches its user code's panics (unwind.rs); a panic that
        // still gets out would unwind through frames other threads point
        // into, so it aborts instead.
        let guard = AbortOnUnwind { what: "a job" };
        // SAFETY: every JobRef in our queues is live and runs once: whoever
        // created it keeps it alive until it has run (job.rs).
        unsafe { job.execute() };
        guard.disarm();
        self.registry.record(Some(self.index), Kind::JobFinished);
    }

    /// Runs other jobs until `latch` is set, parking when there are none.
    #[inline]
    pub(crate) fn wait_until(&self, latch: &CoreLatch) {
        if !latch.probe() {
            self.wait_until_cold(latch);
        }
    }

    #[cold]
    fn wait_until_cold(&self, latch: &CoreLatch) {
        let sleep = &self.registry.sleep;
        let counters = &self.registry.counters[self.index].0;
        'busy: while !latch.probe() {
            if let Some(job) = self.find_work() {
                self.execute(job);
                continue;
            }
            // Nothing anywhere: become idle and work towards parking.
            let mut idle = sleep.start_looking(self.index);
            loop {
                super::hooks::idle(self.index);
                // Leaving the idle state either way, we may be the idle
                // worker a publisher counted on to take its job: if work is
                // still queued anywhere, pass the baton (sleep/README.md,
                // "Passing the baton").
                if latch.probe() {
                    sleep.work_found(|| self.peek_has_work());
                    break 'busy;
                }
                if let Some(job) = self.find_work() {
                    sleep.work_found(|| self.peek_has_work());
                    self.execute(job);
                    continue 'busy;
                }
                let step = sleep.no_work_found(&mut idle, latch, || {
                    bump(&counters.parked);
                    self.registry.record(Some(self.index), Kind::Parked);
                });
                if step == IdleStep::ParkedAndWoken {
                    if let Some(heartbeat) = &self.registry.heartbeat {
                        // The heartbeat timer may be asleep (all parked).
                        heartbeat.kick();
                    }
                    bump(&counters.woken);
                    self.registry.record(Some(self.index), Kind::Unparked);
                }
            }
        }
    }
}

/// The body of every worker thread.
pub(crate) fn main_loop(deque: Worker<JobRef>, index: usize, registry: Arc<Registry>) {
    let worker = WorkerThread {
        deque,
        index,
        rng: Cell::new((index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        frames: PendingFrames::new(),
        heartbeat: registry.heartbeat.is_some(),
        beat: registry
            .heartbeat
            .as_ref()
            .map_or(&NO_BEAT, |h| h.beat_flag(index)),
        counters: &registry.counters[index].0,
        registry,
    };
    CURRENT.with(|c| c.set(&worker));
    // Code below the pool (`ProcessPool::submit`, the HTTP client) records
    // on this worker's lane.
    let _lane = current::enter(&worker.registry.trace, worker.registry.lane(index));
    // A worker never unwinds (unwind.rs): not even its own loop.
    let guard = AbortOnUnwind {
        what: "the worker loop",
    };
    worker.wait_until(&worker.registry.terminate[index]);
    // Termination comes after `Drop` saw no outstanding job, so this finds
    // nothing in normal use; it is a last sweep so no queued job is dropped.
    while let Some(job) = worker.find_work() {
        worker.execute(job);
    }
    guard.disarm();
    CURRENT.with(|c| c.set(ptr::null()));
}
