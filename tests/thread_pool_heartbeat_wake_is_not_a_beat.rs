//! A worker waking from parking restarts the heartbeat timer; it must not
//! cut the timer's current period short and fire a beat early.
//!
//! The timer sleeps one tick between beats, and a worker that wakes up
//! "kicks" it (so that a timer asleep because every worker was parked
//! starts ticking again). The bug: a kick arriving *during* a tick ended
//! the tick at once and set a beat, so every wake-up after the first was a
//! beat, whatever the interval. Here the interval is one hour, so no frame
//! may ever be promoted; each round parks every worker, then wakes them
//! one after the other (two kicks, the second while the timer sleeps its
//! tick), and both jobs then run nested joins for a while, the points
//! where a beat would be seen and a frame promoted.
//!
//! On the old code: `frames promoted despite a one-hour interval: 10` (or
//! so) in every run.
use homemade::thread_pool::{join, Scheduler, ThreadPool};
use std::time::{Duration, Instant};

fn wait_all_parked(pool: &ThreadPool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.parked_workers() < pool.current_num_threads() {
        assert!(Instant::now() < deadline, "workers never all parked");
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// An outer join whose first half runs empty joins for `ms` milliseconds:
/// if a beat came, the outer frame would be promoted.
fn joins_for(ms: u64) {
    join(
        || {
            let end = Instant::now() + Duration::from_millis(ms);
            while Instant::now() < end {
                join(|| (), || ());
            }
        },
        || (),
    );
}

#[test]
fn waking_a_worker_does_not_fire_a_beat() {
    let scheduler = Scheduler::Heartbeat {
        interval: Duration::from_secs(3600),
    };
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    const ROUNDS: usize = 10;
    for _ in 0..ROUNDS {
        wait_all_parked(&pool);
        let first = pool.submit(|| joins_for(30));
        // Let the first wake-up's kick reach the timer, so that the second
        // one arrives while it sleeps its tick.
        std::thread::sleep(Duration::from_millis(5));
        let second = pool.submit(|| joins_for(30));
        first.join().unwrap();
        second.join().unwrap();
    }
    let promoted: u64 = pool.stats().iter().map(|s| s.frames_promoted).sum();
    assert_eq!(
        promoted, 0,
        "frames promoted despite a one-hour interval: {promoted}"
    );
}
