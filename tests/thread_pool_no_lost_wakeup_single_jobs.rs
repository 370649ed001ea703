//! No lost wake-up, single jobs: one job at a time from outside the pool,
//! each waited for with a deadline, so a job stranded by a lost wake-up is
//! never rescued by a later push and the test fails (instead of hanging).
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Busy-waits `d` (finer than `thread::sleep`, whose granularity is ~50 µs).
fn spin_for(d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        std::hint::spin_loop();
    }
}

/// One job at a time, each waited for with a deadline, submitted after a
/// delay that sweeps through the worker's spin -> sleepy -> park window. A
/// job pushed in the middle of a worker's decision to park is exactly the
/// lost wake-up case; nothing later rescues it, so it would time out.
///
/// The delays sweep 0..150 µs because a worker parks about 20 µs after its
/// last job in a debug build. Checked against a mutant: with the JEC
/// comparison removed from `Sleep::park`, this test failed in 3 runs of 5
/// (the race window is a few hundred nanoseconds wide).
#[test]
fn single_jobs_at_every_phase_of_parking() {
    for scheduler in Scheduler::ALL {
        single_jobs_at_every_phase_of_parking_under(scheduler);
    }
}

fn single_jobs_at_every_phase_of_parking_under(scheduler: Scheduler) {
    for threads in [1, 2] {
        let pool = ThreadPool::with_scheduler(threads, scheduler).unwrap();
        for round in 0..20000u64 {
            let (tx, rx) = mpsc::channel();
            pool.spawn(move || tx.send(round).unwrap());
            let got = rx.recv_timeout(Duration::from_secs(2));
            if got != Ok(round) {
                // Dropping the pool would wait for the stranded job forever:
                // leak it so the test fails instead of hanging.
                std::mem::forget(pool);
                panic!("job {round} stranded ({threads} workers): a wake-up was lost");
            }
            spin_for(Duration::from_nanos((round * 137) % 150_000));
        }
    }
}
