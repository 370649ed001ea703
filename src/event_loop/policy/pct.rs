//! [`Policy::Pct`](super::Policy::Pct): priority-based probabilistic
//! concurrency testing (Burckhardt et al., ASPLOS 2010; `policy.rs` has the
//! idea in one paragraph, DESIGN.md §1.13 the figures).
//!
//! Two pieces: [`Pct`], the policy (a random priority per task, kept in the
//! task's header; `depth - 1` priority drops at seeded steps), and
//! `RankedSet`, its ready set, built so that the loop's usual pattern (a
//! batch of pushes, then many pops) costs about a sort per batch and a
//! `Vec::pop` per task.
//!
//! Read next: `../explore.rs` (running a body under many seeds).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;

use super::{ReadyTask, RunQueue, SplitMix64};

/// A queued task with its PCT priority (higher runs first).
///
/// Only the priority is compared, and it sits in the entry itself, so a
/// comparison reads one integer and never reaches into the task. Two tasks
/// tie only if the 62-bit random draws collide (about n²/2^63 for n tasks;
/// the lowered priorities are distinct by construction); the ready set then
/// picks by the order of its calls, which is the same for the same seed, so
/// a replay stays exact.
pub(super) struct Ranked {
    pub(super) priority: u64,
    pub(super) task: ReadyTask,
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

/// The ready set of [`Policy::Pct`](super::Policy::Pct), highest priority first.
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
pub(super) struct RankedSet {
    /// Sorted lowest priority first: the next to run is the last.
    run: Vec<Ranked>,
    heap: BinaryHeap<Ranked>,
    /// Pushed since the last pop, in push order.
    fresh: Vec<Ranked>,
    /// The merge's output buffer, kept to reuse its allocation.
    spare: Vec<Ranked>,
}

/// A batch of fresh tasks at least 1/`PCT_MERGE_RATIO` the size of what
/// [`Policy::Pct`](super::Policy::Pct) already holds is sorted into its run; a smaller one goes
/// into its heap.
pub const PCT_MERGE_RATIO: usize = 8;

impl RankedSet {
    pub(super) fn push(&mut self, r: Ranked) {
        self.fresh.push(r);
    }

    pub(super) fn pop(&mut self) -> Option<Ranked> {
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

    pub(super) fn len(&self) -> usize {
        self.run.len() + self.heap.len() + self.fresh.len()
    }
}

/// [`Policy::Pct`](super::Policy::Pct): a priority queue with seeded priority drops.
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
