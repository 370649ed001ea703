//! No lost wake-up when an idle worker leaves the idle loop because its
//! latch was set (not because it found a job).
//!
//! The scenario, made deterministic with the idle hook (`hooks.rs`):
//!
//! 1. Worker W0 runs `join(a, b)`; W1 steals `b`; W0 finishes `a`, finds
//!    nothing to do and goes idle waiting for `b`'s latch. The hook holds
//!    W0 there, counted as idle.
//! 2. `b` finishes (the latch is set) and W1 parks.
//! 3. The test thread spawns a job. The publisher sees one idle worker (W0)
//!    and one parked (W1), so it wakes nobody: W0 is expected to find it.
//! 4. W0 is released, sees its latch set and leaves the idle loop. It must
//!    pass the baton (wake W1), because W0's own continuation now waits for
//!    the spawned job: without the baton nobody ever runs it.
//!
//! The behaviour checked: the spawned job runs while W0 is still busy.
//! It runs under both schedulers; under heartbeat, step 1's steal needs a
//! promotion first, which `a` triggers by polling with empty joins.
use homemade::thread_pool::{current_thread_index, hooks, join, Scheduler, ThreadPool};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static TARGET: AtomicUsize = AtomicUsize::new(usize::MAX);
static FIRED: AtomicBool = AtomicBool::new(false);
static PAUSED: AtomicBool = AtomicBool::new(false);
static RELEASE: AtomicBool = AtomicBool::new(false);
static B_STARTED: AtomicBool = AtomicBool::new(false);
static JOB_RAN: AtomicBool = AtomicBool::new(false);

/// Waits (bounded) until `cond` holds; false if it never did.
fn wait_for(cond: impl Fn() -> bool, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while !cond() {
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    true
}

/// Holds the target worker, once, at the top of its idle loop.
fn hold_target_once(worker: usize) {
    if worker == TARGET.load(Ordering::SeqCst) && !FIRED.swap(true, Ordering::SeqCst) {
        PAUSED.store(true, Ordering::SeqCst);
        wait_for(|| RELEASE.load(Ordering::SeqCst), Duration::from_secs(10));
    }
}

#[test]
fn a_job_published_while_the_waiter_was_idle_gets_a_worker() {
    for scheduler in Scheduler::ALL {
        a_job_published_while_the_waiter_was_idle_gets_a_worker_under(scheduler);
    }
}

fn a_job_published_while_the_waiter_was_idle_gets_a_worker_under(scheduler: Scheduler) {
    // The scenario's flags are statics (the hook is a plain `fn`): reset
    // them for this scheduler's round.
    TARGET.store(usize::MAX, Ordering::SeqCst);
    for flag in [&FIRED, &PAUSED, &RELEASE, &B_STARTED, &JOB_RAN] {
        flag.store(false, Ordering::SeqCst);
    }
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    hooks::set_idle_hook(Some(hold_target_once));
    let ran = std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            pool.install(|| {
                join(
                    || {
                        TARGET.store(current_thread_index().unwrap(), Ordering::SeqCst);
                        // Under heartbeat `b` is only shared when a join
                        // sees a beat: poll with empty joins while waiting
                        // (the first beat promotes `b`, the oldest frame).
                        assert!(wait_for(
                            || {
                                join(|| (), || ());
                                B_STARTED.load(Ordering::SeqCst)
                            },
                            Duration::from_secs(10)
                        ));
                    },
                    || {
                        B_STARTED.store(true, Ordering::SeqCst);
                        assert!(wait_for(
                            || PAUSED.load(Ordering::SeqCst),
                            Duration::from_secs(10)
                        ));
                    },
                );
                // W0's continuation depends on the job spawned in step 3.
                wait_for(|| JOB_RAN.load(Ordering::SeqCst), Duration::from_secs(5))
            })
        });
        assert!(wait_for(
            || PAUSED.load(Ordering::SeqCst) && pool.parked_workers() == 1,
            Duration::from_secs(10)
        ));
        pool.spawn(|| JOB_RAN.store(true, Ordering::SeqCst));
        RELEASE.store(true, Ordering::SeqCst);
        waiter.join().unwrap()
    });
    hooks::set_idle_hook(None);
    assert!(
        ran,
        "the spawned job stayed queued while a worker was parked (lost wake-up)"
    );
}
