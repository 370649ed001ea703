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
//! Read next: `explore.rs` (running a body under many seeds).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use super::task::Runnable;
use super::trace::TaskId;

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

/// A queued task with its PCT priority (higher runs first).
///
/// Only the priority is compared, and it sits in the entry itself, so a
/// comparison reads one integer and never reaches into the task. Two tasks
/// tie only if the 62-bit random draws collide (about n²/2^63 for n tasks;
/// the lowered priorities are distinct by construction); the ready set then
/// picks by the order of its calls, which is the same for the same seed, so
/// a replay stays exact.
struct Ranked {
    priority: u64,
    task: ReadyTask,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.priority == other.priority
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    #[inline]
    fn cmp(&self, other: &Ranked) -> Ordering {
        self.priority.cmp(&other.priority)
    }
}

/// The ready set of [`Policy::Pct`], highest priority first.
///
/// A binary heap alone does the job, but on random priorities every
/// sift-down step is a branch the CPU cannot predict, and that was most of
/// what PCT cost over `Fifo` (BENCHMARKS.md §1, "PCT's ready set"). The
/// loop pushes tasks in batches (a burst of spawns; the tasks that yielded
/// during a turn, woken together at its end) and then pops many, so this
/// set sorts each batch once instead:
///
/// * **push** appends to `fresh`, unsorted (O(1)).
/// * **pop** first files away what `fresh` holds, then takes the higher of
///   `run`'s top (its last entry: `run` is sorted lowest first, so taking
///   the top is a `Vec::pop`) and `heap`'s top. Filing a batch:
///   * small beside what is already queued (under 1/[`PCT_MERGE_RATIO`] of
///     it): into `heap`, so a trickle of single wakes into a long queue
///     costs O(log n) each, never a merge;
///   * otherwise sorted (O(n) when it is already in order, as a turn's
///     yielders are: they come back in the order they ran, highest first)
///     and appended on top of `run` when it lies wholly above it (the
///     yielders again: they ran first because they rank above those still
///     waiting), which is one copy of the batch, or merged into `run` (O(n)).
///
/// Every choice depends only on the priorities and the order of calls, so
/// a seed still replays exactly.
#[derive(Default)]
struct RankedSet {
    /// Sorted lowest priority first: the next to run is the last.
    run: Vec<Ranked>,
    heap: BinaryHeap<Ranked>,
    /// Pushed since the last pop, in push order.
    fresh: Vec<Ranked>,
    /// The merge's output buffer, kept to reuse its allocation.
    spare: Vec<Ranked>,
}

/// A batch of fresh tasks at least 1/`PCT_MERGE_RATIO` the size of what
/// [`Policy::Pct`] already holds is sorted into its run; a smaller one goes
/// into its heap.
pub const PCT_MERGE_RATIO: usize = 8;

impl RankedSet {
    fn push(&mut self, r: Ranked) {
        self.fresh.push(r);
    }

    fn pop(&mut self) -> Option<Ranked> {
        if !self.fresh.is_empty() {
            self.file_fresh();
        }
        let from_heap = match (self.run.last(), self.heap.peek()) {
            (Some(top_run), Some(top_heap)) => top_heap.priority > top_run.priority,
            (None, _) => true,
            (Some(_), None) => false,
        };
        if from_heap {
            self.heap.pop()
        } else {
            self.run.pop()
        }
    }

    /// Moves the batch in `fresh` into `heap` or `run` (see the type's docs).
    fn file_fresh(&mut self) {
        if self.fresh.len() * PCT_MERGE_RATIO < self.run.len() + self.heap.len() {
            self.heap.extend(self.fresh.drain(..));
            return;
        }
        self.fresh.sort_unstable_by_key(|r| r.priority);
        // `fresh` is not empty here (the caller checks), and now ascending.
        let lowest_fresh = self.fresh.first().map_or(0, |r| r.priority);
        if self
            .run
            .last()
            .is_none_or(|top| lowest_fresh > top.priority)
        {
            self.run.append(&mut self.fresh);
            return;
        }
        // Merge `run` and `fresh` (both ascending) into `spare`, lowest
        // first; on a tie the task that was queued first stays nearer the
        // top (it runs first).
        let mut out = std::mem::take(&mut self.spare);
        out.reserve(self.run.len() + self.fresh.len());
        let mut fresh = self.fresh.drain(..).peekable();
        for old in self.run.drain(..) {
            while let Some(new) = fresh.next_if(|n| n.priority <= old.priority) {
                out.push(new);
            }
            out.push(old);
        }
        out.extend(fresh);
        self.spare = std::mem::replace(&mut self.run, out);
    }

    fn len(&self) -> usize {
        self.run.len() + self.heap.len() + self.fresh.len()
    }
}

/// [`Policy::Pct`]: a priority queue with seeded priority drops.
///
/// A task's priority is assigned when it is first pushed and kept in its
/// header (the task's `rank` word), so a push costs no table lookup, and
/// nothing needs forgetting when the task completes.
pub struct Pct {
    ready: RankedSet,
    rng: SplitMix64,
    depth: u32,
    /// The steps (pop numbers, from 1) at which a drop happens, ascending.
    change_points: Vec<u64>,
    /// Drops done so far.
    changes_done: usize,
    /// Pops so far.
    step: u64,
}

impl Pct {
    /// PCT for bugs of depth `depth` in runs of about `steps` polls.
    pub fn new(seed: u64, depth: u32, steps: u32) -> Pct {
        let mut rng = SplitMix64::new(seed);
        let depth = depth.max(1);
        let steps = u64::from(steps.max(1));
        let wanted = (depth as usize - 1).min(steps as usize);
        let mut change_points: Vec<u64> = Vec::with_capacity(wanted);
        while change_points.len() < wanted {
            let p = 1 + rng.next_u64() % steps;
            if !change_points.contains(&p) {
                change_points.push(p);
            }
        }
        change_points.sort_unstable();
        Pct {
            ready: RankedSet::default(),
            rng,
            depth,
            change_points,
            changes_done: 0,
            step: 0,
        }
    }

    /// The steps at which this run lowers a priority.
    pub fn change_points(&self) -> &[u64] {
        &self.change_points
    }
}

impl fmt::Debug for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pct")
            .field("depth", &self.depth)
            .field("change_points", &self.change_points)
            .field("step", &self.step)
            .field("queued", &self.ready.len())
            .finish()
    }
}

impl RunQueue for Pct {
    fn push(&mut self, task: ReadyTask) {
        let (rng, depth) = (&mut self.rng, u64::from(self.depth));
        // Starting priorities lie above every value a drop assigns
        // (`depth - 1` down to 1).
        // Every priority is at least 1, so 0 means "none yet".
        let mut priority = task.rank();
        if priority == 0 {
            priority = depth + (rng.next_u64() >> 2);
            task.set_rank(priority);
        }
        self.ready.push(Ranked { priority, task });
    }

    fn pop(&mut self) -> Option<ReadyTask> {
        let top = self.ready.pop()?;
        self.step += 1;
        let Some(&at) = self.change_points.get(self.changes_done) else {
            return Some(top.task);
        };
        if at != self.step {
            return Some(top.task);
        }
        // A change point: the task about to run drops below every starting
        // priority, and the highest remaining ready task runs instead.
        let lowered = u64::from(self.depth) - 1 - self.changes_done as u64;
        self.changes_done += 1;
        top.task.set_rank(lowered);
        self.ready.push(Ranked {
            priority: lowered,
            task: top.task,
        });
        self.ready.pop().map(|r| r.task)
    }

    fn len(&self) -> usize {
        self.ready.len()
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
