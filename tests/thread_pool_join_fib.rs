//! `join` recursion: fib(25) through nested joins gives the right answer,
//! inside a pool, through `ThreadPool::join`, and outside any pool.
use homemade::thread_pool::{join, ThreadPool};

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
    let pool = ThreadPool::new(2).unwrap();
    assert_eq!(pool.install(|| fib(25)), 75025);
    assert_eq!(fib_seq(25), 75025);
    // More than 100k joins happened; with 2 workers at least one job moved
    // between them or every one was popped back: the total must match.
    let executed: u64 = pool.stats().iter().map(|s| s.jobs_executed).sum();
    assert!(executed >= 75025, "executed {executed}");
}

#[test]
fn pool_join_method_and_one_thread_pool() {
    let one = ThreadPool::new(1).unwrap();
    assert_eq!(one.install(|| fib(18)), 2584);
    let (a, b) = one.join(|| fib(10), || "right");
    assert_eq!((a, b), (55, "right"));
}

#[test]
fn join_outside_any_pool_uses_the_global_pool() {
    assert_eq!(fib(15), 610);
}
