//! Heartbeat scheduling's promotion rule: no join is shared without a
//! beat, and on a beat the *oldest* pending frame is the one shared.
//!
//! The second test nests two joins, `join(a1, b1)` around `join(a2, b2)`,
//! and lets `a2` poll (with empty joins, the points where a beat is seen)
//! until `b1` or `b2` has started somewhere. With the oldest frame
//! promoted first, `b1` is always the first second half another worker
//! gets: it is promoted on the first beat, and a thief takes the oldest job
//! of a deque. Checked against a mutant that never promotes: the test
//! fails on its 10 s deadline ("no half was ever shared"). (A mutant that
//! promotes the newest frame breaks the list's prefix invariant and hangs
//! the pool instead; it was stopped by `timeout`.)
use homemade::thread_pool::{current_thread_index, join, Scheduler, ThreadPool};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

#[test]
fn without_a_beat_every_join_runs_inline() {
    // A period far longer than the test: no beat ever comes.
    let scheduler = Scheduler::Heartbeat {
        interval: Duration::from_secs(3600),
    };
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    assert_eq!(pool.install(|| fib(20)), 6765);
    let stats = pool.stats();
    let inline: u64 = stats.iter().map(|s| s.joins_inline).sum();
    let promoted: u64 = stats.iter().map(|s| s.frames_promoted).sum();
    let stolen: u64 = stats.iter().map(|s| s.jobs_stolen).sum();
    // fib(20) makes fib(21) - 1 = 10945 joins.
    assert_eq!((inline, promoted, stolen), (10945, 0, 0));
}

#[test]
fn a_beat_shares_the_oldest_pending_frame_first() {
    let pool = ThreadPool::with_scheduler(2, Scheduler::heartbeat()).unwrap();
    let b1_started = AtomicBool::new(false);
    let b2_started = AtomicBool::new(false);
    let b1_worker = AtomicUsize::new(usize::MAX);
    // Which half started first: each takes a ticket when it starts.
    let tickets = AtomicUsize::new(0);
    let b1_ticket = AtomicUsize::new(usize::MAX);
    let owner = pool.install(|| {
        let owner = current_thread_index().unwrap();
        join(
            || {
                join(
                    || {
                        let deadline = Instant::now() + Duration::from_secs(10);
                        while !b1_started.load(Ordering::SeqCst)
                            && !b2_started.load(Ordering::SeqCst)
                        {
                            assert!(Instant::now() < deadline, "no half was ever shared");
                            join(|| (), || ());
                        }
                    },
                    || {
                        tickets.fetch_add(1, Ordering::SeqCst);
                        b2_started.store(true, Ordering::SeqCst);
                    },
                )
            },
            || {
                b1_ticket.store(tickets.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
                b1_worker.store(current_thread_index().unwrap(), Ordering::SeqCst);
                b1_started.store(true, Ordering::SeqCst);
            },
        );
        owner
    });
    // `b2` runs on its owner only after `a2` saw a half start, and a thief
    // takes the oldest job of a deque: `b1` is first, whatever the timing.
    assert_eq!(
        b1_ticket.load(Ordering::SeqCst),
        0,
        "the inner frame was shared before the outer one"
    );
    assert_ne!(
        b1_worker.load(Ordering::SeqCst),
        owner,
        "b1 ran on its owner"
    );
    assert!(pool.stats()[owner].frames_promoted >= 1);
}
