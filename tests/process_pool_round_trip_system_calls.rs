//! A socket-pair round trip (`submit(x).join()`) costs the parent at most
//! three system calls, however many workers the pool has: the task's
//! `sendmsg`, one `poll`, and the reply's `recv`. Right after its own
//! `sendmsg` the waiter does not read the socket first: the reply cannot
//! be there yet in nearly every trip, and when it is, the `poll` returns
//! at once and says so. (It did read first, one call that found nothing
//! per trip, until 2 December 2026.) The parent used to
//! read every worker's socket until `EAGAIN` in `submit` and in every pump
//! of `join` (the idle worker's too, and once more after each reply), and
//! asked the busy worker's pidfd too: six calls at the very least on two
//! workers (BENCHMARKS.md §3.1).
//!
//! Each task sleeps for a millisecond, so the reply is never back when
//! `join` starts and every trip takes the path that waits: the path where
//! a read before the `poll` would find nothing, so the test fails if that
//! read comes back.
//!
//! The count is the pool's own (`test_hooks::pool_system_calls`: every
//! call the parent makes through `src/process_pool/sys.rs`), so it does not
//! depend on timing: whether the reply is there at once or after a sleep,
//! the bound holds.

mod common;

use homemade::process_pool::{test_hooks, ProcessPool, Transport};

/// Round trips counted.
const TRIPS: u64 = 300;

fn at_most_three_parent_system_calls_per_round_trip() {
    for workers in [1, 2, 4] {
        let pool = ProcessPool::builder(workers)
            .transport(Transport::Socketpair)
            // The task takes a millisecond, so the reply is never back by
            // the time `join` starts: the count is the slow path's, every
            // trip, on any machine.
            .build(|x: u64| {
                std::thread::sleep(std::time::Duration::from_millis(1));
                x * 2
            })
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
            calls <= 3 * TRIPS,
            "{workers} workers: {per_trip:.2} parent system calls per round trip (at most 3)"
        );
    }
}

fn main() {
    common::run(common::cases![
        at_most_three_parent_system_calls_per_round_trip
    ])
}
