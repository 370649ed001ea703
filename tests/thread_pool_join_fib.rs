//! `join` recursion computes fib through the pool: under both schedulers the
//! result equals a plain sequential fib, every call of the recursion ran
//! exactly once and on one of the pool's own workers (never on the calling
//! thread), and the pool's counters account for every join's second half.
//! The same holds for `ThreadPool::join`, a one-thread pool, and `join`
//! outside any pool (on the global pool's workers).
use homemade::thread_pool::{current_thread_index, join, Scheduler, ThreadPool};
use std::sync::atomic::{AtomicU64, Ordering};

/// Calls of [`fib`] seen, and those of them that ran off any pool worker.
#[derive(Default)]
struct Seen {
    calls: AtomicU64,
    off_pool: AtomicU64,
}

/// fib through nested joins, counting each call and where it ran.
fn fib(n: u32, seen: &Seen) -> u64 {
    seen.calls.fetch_add(1, Ordering::Relaxed);
    if current_thread_index().is_none() {
        seen.off_pool.fetch_add(1, Ordering::Relaxed);
    }
    if n < 2 {
        return n as u64;
    }
    let (a, b) = join(|| fib(n - 1, seen), || fib(n - 2, seen));
    a + b
}

/// The reference: plain recursion, no pool, no join.
fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

/// How many calls the naive recursion makes for `n`: 2·fib(n+1) − 1, of
/// which fib(n+1) − 1 are joins (every call with n ≥ 2).
fn calls_and_joins(n: u32) -> (u64, u64) {
    let leaves = fib_seq(n + 1);
    (2 * leaves - 1, leaves - 1)
}

#[test]
fn fib_via_join_matches_sequential_and_runs_on_the_pool() {
    for scheduler in Scheduler::ALL {
        for n in [0, 1, 2, 7, 18, 25] {
            fib_under(scheduler, n);
        }
    }
}

fn fib_under(scheduler: Scheduler, n: u32) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let seen = Seen::default();
    assert_eq!(
        pool.install(|| fib(n, &seen)),
        fib_seq(n),
        "{scheduler:?} fib({n})"
    );
    let (calls, joins) = calls_and_joins(n);
    assert_eq!(
        seen.calls.into_inner(),
        calls,
        "{scheduler:?} fib({n}): calls"
    );
    assert_eq!(
        seen.off_pool.into_inner(),
        0,
        "{scheduler:?}: a call ran off the pool"
    );
    // Each join's second half ran either inline on its own worker or as a
    // job from a queue (under work stealing an inline second half is also
    // counted as executed), so the counters cover at least every join.
    let stats = pool.stats();
    let inline: u64 = stats.iter().map(|s| s.joins_inline).sum();
    let executed: u64 = stats.iter().map(|s| s.jobs_executed).sum();
    let accounted = match scheduler {
        Scheduler::WorkStealing => executed,
        Scheduler::Heartbeat { .. } => inline + executed,
    };
    assert!(
        accounted >= joins,
        "{scheduler:?} fib({n}): {accounted} second halves counted for {joins} joins"
    );
}

#[test]
fn pool_join_method_and_one_thread_pool() {
    for scheduler in Scheduler::ALL {
        let one = ThreadPool::with_scheduler(1, scheduler).unwrap();
        let seen = Seen::default();
        assert_eq!(one.install(|| fib(18, &seen)), fib_seq(18));
        assert_eq!(seen.off_pool.into_inner(), 0, "{scheduler:?}");
        let seen = Seen::default();
        let (a, b) = one.join(|| fib(10, &seen), current_thread_index);
        assert_eq!((a, b), (fib_seq(10), Some(0)), "{scheduler:?}");
        assert_eq!(seen.calls.into_inner(), calls_and_joins(10).0);
        assert_eq!(seen.off_pool.into_inner(), 0, "{scheduler:?}");
    }
}

#[test]
fn join_outside_any_pool_uses_the_global_pool() {
    assert_eq!(current_thread_index(), None, "the test thread is no worker");
    let seen = Seen::default();
    assert_eq!(fib(15, &seen), fib_seq(15));
    // The first call runs here; join moves everything below it to the
    // global pool's workers.
    assert_eq!(seen.calls.into_inner(), calls_and_joins(15).0);
    assert_eq!(
        seen.off_pool.into_inner(),
        1,
        "only the outermost call ran here"
    );
}
