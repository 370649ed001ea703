//! The ordering property of each run-queue policy, checked on the queues
//! themselves with real (never polled) tasks.

use std::sync::Arc;

use proptest::prelude::*;

use super::super::task::{Runnable, Schedule, Task};
use super::*;

/// A schedule hook that drops wakes: these tasks are never woken.
struct Nowhere;
impl Schedule for Nowhere {
    fn schedule_here(&self, task: Arc<dyn Runnable>) -> Option<Arc<dyn Runnable>> {
        Some(task)
    }
    fn schedule_from_afar(&self, _task: Arc<dyn Runnable>) {}
}

fn task(id: u64) -> Arc<dyn Runnable> {
    Task::new(TaskId(id), Arc::new(Nowhere), async {})
}

/// Pushes and pops as `ops` says (true: push a new task, false: pop), then
/// pops the rest; returns, per task, (pushed at op, queue length then,
/// popped at op), plus the pop order.
fn drive(queue: &mut Queue, ops: &[bool]) -> (Vec<(usize, usize, usize)>, Vec<u64>) {
    let mut pushed: Vec<(usize, usize)> = Vec::new();
    let mut popped_at = Vec::new();
    let mut order = Vec::new();
    let mut len = 0;
    let mut step = 0;
    let mut pop = |queue: &mut Queue, step: usize, len: &mut usize| {
        let t = queue.pop().expect("a task for every push");
        *len -= 1;
        order.push(t.header().id.0);
        popped_at.push((t.header().id.0, step));
    };
    for &push in ops {
        step += 1;
        if push {
            let id = pushed.len() as u64 + 1;
            pushed.push((step, len));
            queue.push(task(id));
            len += 1;
        } else if len > 0 {
            pop(queue, step, &mut len);
        }
    }
    while len > 0 {
        step += 1;
        pop(queue, step, &mut len);
    }
    assert!(queue.pop().is_none(), "nothing is popped twice");
    popped_at.sort_unstable();
    let lives = pushed
        .iter()
        .zip(&popped_at)
        .map(|(&(at, len), &(_, out))| (at, len, out))
        .collect();
    (lives, order)
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

proptest! {
    /// PCT's ready set (a sorted run beside a heap) always pops a task of
    /// the highest priority present, whatever order pushes and pops come
    /// in: ties, batches in descending order (what yielding tasks make),
    /// and bursts above and inside the run's range.
    #[test]
    fn pct_ready_set_pops_the_highest_priority(
        ops in proptest::collection::vec(proptest::option::weighted(0.6, 0u64..50), 0..300),
    ) {
        let mut set = RankedSet::default();
        let mut present: Vec<u64> = Vec::new();
        let mut next_id = 1;
        let pop_one = |set: &mut RankedSet, present: &mut Vec<u64>| {
            let got = set.pop().map(|r| r.priority);
            let want = present.iter().copied().max();
            prop_assert_eq!(got, want);
            if let Some(p) = got {
                let at = present.iter().position(|&x| x == p).unwrap();
                present.swap_remove(at);
            }
            prop_assert_eq!(set.len(), present.len());
            Ok(())
        };
        for op in ops {
            match op {
                Some(priority) => {
                    set.push(Ranked { priority, task: ReadyTask { task: task(next_id) } });
                    next_id += 1;
                    present.push(priority);
                }
                None => pop_one(&mut set, &mut present)?,
            }
        }
        while !present.is_empty() {
            pop_one(&mut set, &mut present)?;
        }
        prop_assert!(set.pop().is_none());
    }

    #[test]
    fn fifo_pops_in_push_order(ops in proptest::collection::vec(any::<bool>(), 0..200)) {
        let (_, order) = drive(&mut Queue::new(Policy::Fifo), &ops);
        let n = order.len() as u64;
        prop_assert_eq!(order, (1..=n).collect::<Vec<_>>());
    }

    #[test]
    fn lifo_slot_runs_the_newest_but_starves_nobody(
        ops in proptest::collection::vec(any::<bool>(), 0..200),
    ) {
        let (lives, order) = drive(&mut Queue::new(Policy::LifoSlot), &ops);
        let n = order.len() as u64;
        prop_assert_eq!(sorted(order), (1..=n).collect::<Vec<_>>());
        // A task with `len` tasks queued before it waits at most `len + 1`
        // rounds of (LIFO_SLOT_RUNS slot pops + 1 queue pop). Pops only
        // happen on `false` ops or at the end, so count pops, not ops.
        let pops_between = |from: usize, to: usize| {
            ops.iter().take(to).skip(from).filter(|p| !**p).count() + to.saturating_sub(ops.len())
        };
        for (at, len, out) in lives {
            let waited = pops_between(at, out);
            prop_assert!(waited <= (len + 1) * (LIFO_SLOT_RUNS as usize + 1));
        }
    }

    #[test]
    fn lifo_slot_gives_the_newest_task_the_next_turn(k in 2u64..20) {
        let mut q = Queue::new(Policy::LifoSlot);
        for id in 1..=k {
            q.push(task(id));
        }
        prop_assert_eq!(q.pop().map(|t| t.header().id.0), Some(k));
    }

    #[test]
    fn random_is_a_permutation_that_the_seed_repeats(
        seed in any::<u64>(),
        ops in proptest::collection::vec(any::<bool>(), 0..200),
    ) {
        let (_, a) = drive(&mut Queue::new(Policy::Random { seed }), &ops);
        let (_, b) = drive(&mut Queue::new(Policy::Random { seed }), &ops);
        let n = a.len() as u64;
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(sorted(a), (1..=n).collect::<Vec<_>>());
    }

    #[test]
    fn pct_without_drops_keeps_one_priority_order(seed in any::<u64>(), n in 1u64..40) {
        // Depth 1: no priority drops, so the highest-priority ready task
        // always runs: the same tasks come out in the same order however
        // they went in.
        let mut q = Queue::new(Policy::Pct { seed, depth: 1, steps: 100 });
        let tasks: Vec<_> = (1..=n).map(task).collect();
        for t in &tasks {
            q.push(t.clone());
        }
        let first: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|t| t.header().id.0).collect();
        for t in tasks.iter().rev() {
            q.push(t.clone());
        }
        let second: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|t| t.header().id.0).collect();
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(sorted(first), (1..=n).collect::<Vec<_>>());
    }

    #[test]
    fn pct_places_depth_minus_one_drops_among_the_steps(
        seed in any::<u64>(),
        depth in 1u32..6,
        steps in 1u32..50,
    ) {
        let pct = Pct::new(seed, depth, steps);
        let points = pct.change_points();
        prop_assert_eq!(points.len(), (depth as usize - 1).min(steps as usize));
        prop_assert!(points.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(points.iter().all(|&p| (1..=u64::from(steps)).contains(&p)));
    }
}

#[test]
fn a_pct_drop_lets_the_next_task_run_first() {
    // Two tasks, depth 2, one step: the drop happens on the first pop, so
    // the task with the lower starting priority runs first, and the other
    // one ends below it (priority `depth - 1`).
    for seed in 0..50 {
        let mut pct = Pct::new(seed, 2, 1);
        let tasks: Vec<_> = (1..=2).map(task).collect();
        for t in &tasks {
            pct.push(ReadyTask { task: t.clone() });
        }
        // Pct keeps each task's priority in its header's `rank` word.
        let rank = |i: usize| {
            tasks[i]
                .header()
                .rank
                .load(std::sync::atomic::Ordering::Relaxed)
        };
        let start: Vec<u64> = (0..2).map(rank).collect();
        let lower = if start[0] < start[1] { 1 } else { 2 };
        let first = pct.pop().unwrap().id();
        assert_eq!(first, TaskId(lower), "seed {seed}");
        let other = TaskId(3 - lower);
        assert_eq!(rank(other.0 as usize - 1), 1, "seed {seed}");
        assert_eq!(pct.pop().unwrap().id(), other);
    }
}
