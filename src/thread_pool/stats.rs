//! Per-worker counters behind [`ThreadPool::stats`](super::ThreadPool::stats).
//!
//! Each worker owns one [`WorkerCounters`] and is its only writer, so an
//! increment is a relaxed load plus a relaxed store (no locked instruction);
//! readers on other threads may see a slightly stale value, which is fine
//! for statistics. The counters sit on their own cache line ([`Padded`]) so
//! that one worker's increments never slow down another's (false sharing).

use std::sync::atomic::{AtomicU64, Ordering};

/// Aligns its content to 128 bytes: two cache lines, enough to keep
/// neighbours apart even with adjacent-line prefetching.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// A snapshot of one worker's counters, as returned by `ThreadPool::stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// The worker's index, `0..threads`.
    pub index: usize,
    /// Jobs this worker ran (taken from a deque, the injector or a steal;
    /// the second half of a `join` that it took back and ran inline counts
    /// too).
    pub jobs_executed: u64,
    /// Jobs this worker stole from another worker's deque.
    pub jobs_stolen: u64,
    /// Times this worker tried to steal from another worker's deque
    /// (successful or not).
    pub steal_attempts: u64,
    /// Times this worker parked (blocked on its condition variable).
    pub parked: u64,
    /// Times this worker was woken from parking.
    pub woken: u64,
    /// `spawn`ed jobs that panicked on this worker (reported, not fatal).
    pub panics: u64,
    /// Joins on this worker whose second half ran inline, on the same
    /// worker, right after the first (popped back unstolen under work
    /// stealing; never promoted under heartbeat).
    pub joins_inline: u64,
    /// Pending join frames this worker promoted into stealable jobs on a
    /// heartbeat (always 0 under work stealing).
    pub frames_promoted: u64,
}

/// The live counters of one worker; written only by that worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerCounters {
    pub(crate) jobs_executed: AtomicU64,
    pub(crate) jobs_stolen: AtomicU64,
    pub(crate) steal_attempts: AtomicU64,
    pub(crate) parked: AtomicU64,
    pub(crate) woken: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) joins_inline: AtomicU64,
    pub(crate) frames_promoted: AtomicU64,
}

/// Adds one to a counter that only the calling worker writes.
#[inline]
pub(crate) fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

impl WorkerCounters {
    /// A snapshot for worker `index`.
    pub(crate) fn snapshot(&self, index: usize) -> WorkerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        WorkerStats {
            index,
            jobs_executed: get(&self.jobs_executed),
            jobs_stolen: get(&self.jobs_stolen),
            steal_attempts: get(&self.steal_attempts),
            parked: get(&self.parked),
            woken: get(&self.woken),
            panics: get(&self.panics),
            joins_inline: get(&self.joins_inline),
            frames_promoted: get(&self.frames_promoted),
        }
    }
}
