//! A socket-pair round trip (`submit(x).join()`) costs the parent at most
//! four system calls, however many workers the pool has: the task's
//! `sendmsg`, and then either the reply's `recv` at once, or a `recv` that
//! finds nothing, one `poll`, and the reply's `recv`. The parent used to
//! read every worker's socket until `EAGAIN` in `submit` and in every pump
//! of `join` (the idle worker's too, and once more after each reply), and
//! asked the busy worker's pidfd too: six calls at the very least on two
//! workers (BENCHMARKS.md §3.1).
//!
//! The count is the pool's own (`test_hooks::pool_system_calls`: every
//! call the parent makes through `src/process_pool/sys.rs`), so it does not
//! depend on timing: whether the reply is there at once or after a sleep,
//! the bound holds.

mod common;

use homemade::process_pool::{test_hooks, ProcessPool, Transport};

/// Round trips counted.
const TRIPS: u64 = 300;

fn at_most_four_parent_system_calls_per_round_trip() {
    for workers in [1, 2, 4] {
        let pool = ProcessPool::builder(workers)
            .transport(Transport::Socketpair)
            .build(|x: u64| x * 2)
            .unwrap();
        // Warm up: the first tasks settle the adaptive prefetch.
        for x in 0..20 {
            assert_eq!(pool.submit(x).join().unwrap(), x * 2);
        }
        let before = test_hooks::pool_system_calls();
        for x in 0..TRIPS {
            assert_eq!(pool.submit(x).join().unwrap(), x * 2);
        }
        let calls = test_hooks::pool_system_calls() - before;
        let per_trip = calls as f64 / TRIPS as f64;
        assert!(
            calls <= 4 * TRIPS,
            "{workers} workers: {per_trip:.2} parent system calls per round trip (at most 4)"
        );
    }
}

fn main() {
    common::run(common::cases![
        at_most_four_parent_system_calls_per_round_trip
    ])
}
