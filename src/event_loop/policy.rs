//! Run-queue policies: *which* ready task the loop polls next.
//!
//! Everything else about the loop (wakers, the reactor, timers, fairness)
//! stays the same whatever the policy; the policy only sees tasks that are
//! ready and answers "which one now?". That makes it the one piece a reader
//! can swap to watch a program behave differently, or to hunt for bugs
//! that only some interleavings show (`explore.rs`).
//!
//! ```
//! use homemade::event_loop::{EventLoop, Policy};
//!
//! let lp = EventLoop::builder().policy(Policy::Random { seed: 7 }).build().unwrap();
//! assert_eq!(lp.block_on(async { 1 + 1 }), 2);
//! ```
//!
//! | policy | next task | for |
//! |---|---|---|
//! | [`Policy::Fifo`] (default) | the one woken longest ago | fairness, throughput |
//! | [`Policy::LifoSlot`] | the one woken last, at most [`LIFO_SLOT_RUNS`] times in a row | cache locality (tokio's multi-thread slot) |
//! | [`Policy::Random`] | one drawn from the ready set by a seeded RNG | finding races |
//! | [`Policy::Pct`] | the highest priority, with `depth - 1` seeded priority drops | finding races with a guarantee |
//! | [`Policy::Custom`] | whatever your [`RunQueue`] says | experiments (`examples/custom_policy.rs`) |
//!
//! # What a policy cannot break
//!
//! The fairness rules live outside the run queue: the loop polls at most
//! `BUDGET` tasks between two turns of the reactor and timers, a task that
//! calls `yield_now` comes back only at the end of a turn, and an I/O-bound
//! task is parked after `COOP_BUDGET` operations. So a policy that always
//! picks the same always-ready task still cannot starve timers or I/O (the
//! fairness tests run under every policy). It *can* starve other ready
//! tasks if it wants to: `LifoSlot` bounds its slot for exactly that reason.
//!
//! # PCT in one paragraph
//!
//! Burckhardt, Kothari, Musuvathi and Nagarakatte, "A Randomized Scheduler
//! with Probabilistic Guarantees of Finding Bugs" (ASPLOS 2010). Give every
//! task a random priority (all above `depth`), always run the ready task
//! with the highest priority, and at `depth - 1` steps chosen at random
//! among the first `steps` (`k` in the paper) lower the priority of the task
//! that is about to run to `depth - 1`, `depth - 2`, ... A bug of *depth* d
//! is one that needs d ordering constraints to show (an unprotected
//! check-then-act between two tasks is depth 1 or 2). With n tasks, one run
//! finds it with probability at least 1/(n·k^(d-1)): 1/n that the right task
//! got the highest starting priority, and 1/k for each of the d-1 priority
//! drops to land on the right step. DESIGN.md §1.13 has the figures.
//!
//! PCT itself (the policy and its ready set) is in `policy/pct.rs`.
//!
//! Read next: `explore.rs` (running a body under many seeds).

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use super::task::Runnable;
use super::trace::TaskId;

mod pct;
pub use pct::{Pct, PCT_MERGE_RATIO};
#[cfg(test)]
use pct::{Ranked, RankedSet};

/// How many times in a row [`Policy::LifoSlot`] may run the task in its slot
/// before it takes one from the queue (tokio's `MAX_LIFO_POLLS_PER_TICK`).
pub const LIFO_SLOT_RUNS: u32 = 3;

/// A task that is ready to be polled, as a policy sees it: it can only be
/// stored, handed back, and asked its id.
pub struct ReadyTask {
    pub(crate) task: Arc<dyn Runnable>,
}

impl ReadyTask {
    /// The task's id (as the trace shows it).
    pub fn id(&self) -> TaskId {
        self.task.header().id
    }
}

impl ReadyTask {
    /// The policy's word about this task, kept in its header (0 until a
    /// policy sets it): `Pct` stores the task's priority there.
    fn rank(&self) -> u64 {
        self.task.header().rank.load(Relaxed)
    }

    fn set_rank(&self, rank: u64) {
        self.task.header().rank.store(rank, Relaxed);
    }
}

impl fmt::Debug for ReadyTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReadyTask").field(&self.id()).finish()
    }
}

/// A run queue: the set of ready tasks and the rule that picks the next one.
///
/// Every task handed to [`push`](RunQueue::push) must come back from
/// [`pop`](RunQueue::pop) eventually (or the loop waits for it forever);
/// the loop never pushes a task that is already queued.
pub trait RunQueue {
    /// A task became ready (spawned, woken, or back from `yield_now`).
    fn push(&mut self, task: ReadyTask);
    /// The task to poll next; `None` when there is none.
    fn pop(&mut self) -> Option<ReadyTask>;
    /// How many tasks are queued.
    fn len(&self) -> usize;
    /// True when no task is queued.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The task completed; forget anything remembered about it.
    fn forget(&mut self, _task: TaskId) {}
}

/// Which run queue a loop uses; see the module docs.
#[derive(Default)]
pub enum Policy {
    /// First woken, first polled (the default).
    #[default]
    Fifo,
    /// The most recently woken task runs next, at most [`LIFO_SLOT_RUNS`]
    /// times in a row; then the oldest queued task gets its turn.
    LifoSlot,
    /// The next task is drawn uniformly from the ready set.
    Random {
        /// The RNG's seed: the same seed gives the same choices.
        seed: u64,
    },
    /// Priority-based probabilistic concurrency testing (PCT).
    Pct {
        /// The RNG's seed.
        seed: u64,
        /// The bug depth to target (1 = no priority drops).
        depth: u32,
        /// About how many polls one run makes (`k` in the paper); priority
        /// drops are placed among the first `steps` polls.
        steps: u32,
    },
    /// A run queue of your own.
    Custom(Box<dyn RunQueue>),
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Fifo => f.write_str("Fifo"),
            Policy::LifoSlot => f.write_str("LifoSlot"),
            Policy::Random { seed } => f.debug_struct("Random").field("seed", seed).finish(),
            Policy::Pct { seed, depth, steps } => f
                .debug_struct("Pct")
                .field("seed", seed)
                .field("depth", depth)
                .field("steps", steps)
                .finish(),
            Policy::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// The loop's run queue: `Fifo` inline (the common case pays no virtual
/// call), every other policy behind the trait.
pub(crate) enum Queue {
    Fifo(VecDeque<ReadyTask>),
    Other(Box<dyn RunQueue>),
}

impl Queue {
    /// The queue for `policy`.
    pub(crate) fn new(policy: Policy) -> Queue {
        match policy {
            Policy::Fifo => Queue::Fifo(VecDeque::new()),
            Policy::LifoSlot => Queue::Other(Box::new(LifoSlot::default())),
            Policy::Random { seed } => Queue::Other(Box::new(Random::new(seed))),
            Policy::Pct { seed, depth, steps } => {
                Queue::Other(Box::new(Pct::new(seed, depth, steps)))
            }
            Policy::Custom(q) => Queue::Other(q),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, task: Arc<dyn Runnable>) {
        match self {
            Queue::Fifo(q) => q.push_back(ReadyTask { task }),
            Queue::Other(q) => q.push(ReadyTask { task }),
        }
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Arc<dyn Runnable>> {
        match self {
            Queue::Fifo(q) => q.pop_front(),
            Queue::Other(q) => q.pop(),
        }
        .map(|r| r.task)
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Queue::Fifo(q) => q.is_empty(),
            Queue::Other(q) => q.is_empty(),
        }
    }

    #[inline]
    pub(crate) fn forget(&mut self, id: TaskId) {
        if let Queue::Other(q) = self {
            q.forget(id);
        }
    }
}

/// A small seeded random number generator (SplitMix64, Steele, Lea and
/// Flood 2014): good enough to pick tasks, and the same on every platform.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the slight bias of the modulo does not
    /// matter for picking tasks.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// [`Policy::LifoSlot`]: one slot for the task woken last, in front of a
/// FIFO queue.
#[derive(Debug, Default)]
pub struct LifoSlot {
    slot: Option<ReadyTask>,
    queue: VecDeque<ReadyTask>,
    /// Pops served from the slot since the queue was last served.
    slot_runs: u32,
}

impl RunQueue for LifoSlot {
    fn push(&mut self, task: ReadyTask) {
        // The newcomer takes the slot; the task it displaces keeps its
        // place in line at the back of the queue.
        if let Some(old) = self.slot.replace(task) {
            self.queue.push_back(old);
        }
    }

    fn pop(&mut self) -> Option<ReadyTask> {
        if self.slot_runs < LIFO_SLOT_RUNS || self.queue.is_empty() {
            if let Some(t) = self.slot.take() {
                self.slot_runs += 1;
                return Some(t);
            }
        }
        self.slot_runs = 0;
        self.queue.pop_front().or_else(|| self.slot.take())
    }

    fn len(&self) -> usize {
        self.queue.len() + usize::from(self.slot.is_some())
    }
}

/// [`Policy::Random`]: the ready set in a `Vec`, the next task drawn from it.
#[derive(Debug)]
pub struct Random {
    ready: Vec<ReadyTask>,
    rng: SplitMix64,
}

impl Random {
    /// An empty ready set drawing with `seed`.
    pub fn new(seed: u64) -> Random {
        Random {
            ready: Vec::new(),
            rng: SplitMix64::new(seed),
        }
    }
}

impl RunQueue for Random {
    fn push(&mut self, task: ReadyTask) {
        self.ready.push(task);
    }

    fn pop(&mut self) -> Option<ReadyTask> {
        if self.ready.is_empty() {
            return None;
        }
        let i = self.rng.below(self.ready.len());
        Some(self.ready.swap_remove(i))
    }

    fn len(&self) -> usize {
        self.ready.len()
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
