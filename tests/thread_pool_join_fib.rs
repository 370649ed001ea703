//! `join` recursion: fib(25) through nested joins gives the right answer,
//! inside a pool, through `ThreadPool::join`, and outside any pool.
use homemade::thread_pool::{join, Scheduler, ThreadPool};

fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

#[test]
fn fib_25_via_join() {
    for scheduler in Scheduler::ALL {
        fib_25_via_join_under(scheduler);
    }
}

fn fib_25_via_join_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    assert_eq!(pool.install(|| fib(25)), 75025);
    assert_eq!(fib_seq(25), 75025);
    // More than 75k joins happened; each one's second half ran either
    // inline on its own worker or as a job from a queue: the total must
    // match (under work stealing an inline second half counts in both).
    let stats = pool.stats();
    let inline: u64 = stats.iter().map(|s| s.joins_inline).sum();
    let executed: u64 = stats.iter().map(|s| s.jobs_executed).sum();
    let accounted = match scheduler {
        Scheduler::WorkStealing => executed,
        Scheduler::Heartbeat { .. } => inline + executed,
    };
    assert!(accounted >= 75025, "{scheduler:?}: accounted {accounted}");
}

#[test]
fn pool_join_method_and_one_thread_pool() {
    for scheduler in Scheduler::ALL {
        pool_join_method_and_one_thread_pool_under(scheduler);
    }
}

fn pool_join_method_and_one_thread_pool_under(scheduler: Scheduler) {
    let one = ThreadPool::with_scheduler(1, scheduler).unwrap();
    assert_eq!(one.install(|| fib(18)), 2584);
    let (a, b) = one.join(|| fib(10), || "right");
    assert_eq!((a, b), (55, "right"));
}

#[test]
fn join_outside_any_pool_uses_the_global_pool() {
    assert_eq!(fib(15), 610);
}
