//! Panics: `join`, `scope`, `install`, `map` re-raise a job's panic in the
//! caller, only after every job that borrows the caller's stack is done;
//! `submit` turns it into `Err(TaskPanicked)`; a panicking `spawn` is
//! reported without killing its worker; the pool keeps working after all.
use homemade::thread_pool::{join, Scheduler, ThreadPool, NOTED_FRAMES_MAX};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn join_reraises_after_the_other_half_finished() {
    for scheduler in Scheduler::ALL {
        join_reraises_after_the_other_half_finished_under(scheduler);
    }
}

fn join_reraises_after_the_other_half_finished_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let b_done = AtomicBool::new(false);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| {
            join(
                || panic!("a failed"),
                || {
                    std::thread::sleep(Duration::from_millis(30));
                    b_done.store(true, Ordering::SeqCst);
                },
            )
        })
    }))
    .unwrap_err();
    assert_eq!(message(err), "a failed");
    // b either ran to the end (it was stolen) or was dropped unrun; it is
    // never still running when the panic arrives. It sleeps 30 ms, so a
    // thief that started it must have finished.
    let _ = b_done.load(Ordering::SeqCst);

    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| join(|| 1, || -> u32 { panic!("b failed") }))
    }))
    .unwrap_err();
    assert_eq!(message(err), "b failed");
    assert_eq!(pool.install(|| join(|| 1, || 2)), (1, 2));
}

#[test]
fn scope_reraises_only_after_all_jobs_are_done() {
    for scheduler in Scheduler::ALL {
        scope_reraises_only_after_all_jobs_are_done_under(scheduler);
    }
}

fn scope_reraises_only_after_all_jobs_are_done_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let finished = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            for i in 0..8 {
                let finished = &finished;
                s.spawn(move |_| {
                    if i == 3 {
                        panic!("job 3 failed");
                    }
                    std::thread::sleep(Duration::from_millis(5));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }))
    .unwrap_err();
    assert_eq!(message(err), "job 3 failed");
    assert_eq!(
        finished.load(Ordering::SeqCst),
        7,
        "siblings finished first"
    );
}

#[test]
fn map_and_install_reraise() {
    for scheduler in Scheduler::ALL {
        map_and_install_reraise_under(scheduler);
    }
}

fn map_and_install_reraise_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.map((0..1000).collect::<Vec<u32>>(), |x| {
            if x == 777 {
                panic!("item 777");
            }
            x.to_string()
        })
    }))
    .unwrap_err();
    assert_eq!(message(err), "item 777");
    let err = catch_unwind(AssertUnwindSafe(|| pool.install(|| panic!("in install")))).unwrap_err();
    assert_eq!(message(err), "in install");
    assert_eq!(pool.map(vec![1, 2, 3], |x| x + 1), vec![2, 3, 4]);
}

#[test]
fn submit_returns_task_panicked() {
    for scheduler in Scheduler::ALL {
        submit_returns_task_panicked_under(scheduler);
    }
}

fn submit_returns_task_panicked_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let handle = pool.submit(|| -> u8 { panic!("submitted job failed") });
    let err = handle.join().unwrap_err();
    assert_eq!(err.message(), "submitted job failed");
    assert!(err.to_string().contains("submitted job failed"));
    assert_eq!(message(err.into_panic()), "submitted job failed");
    assert_eq!(pool.submit(|| 5).join().unwrap(), 5);
}

#[test]
fn spawned_panic_is_reported_and_the_worker_survives() {
    for scheduler in Scheduler::ALL {
        spawned_panic_is_reported_and_the_worker_survives_under(scheduler);
    }
}

fn spawned_panic_is_reported_and_the_worker_survives_under(scheduler: Scheduler) {
    let reports = Arc::new(AtomicUsize::new(0));
    let seen = reports.clone();
    let pool = ThreadPool::builder()
        .scheduler(scheduler)
        .threads(1)
        .panic_handler(move |_payload| {
            seen.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    for _ in 0..3 {
        pool.spawn(|| panic!("fire-and-forget failed"));
    }
    // The single worker must still be alive to run this.
    let (tx, rx) = mpsc::channel();
    pool.spawn(move || tx.send(42).unwrap());
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 42);
    assert_eq!(reports.load(Ordering::SeqCst), 3);
    assert_eq!(pool.stats()[0].panics, 3);
}

/// Counts its drops: a half that is dropped twice, or never, shows here.
struct DropCounter<'a>(&'a AtomicUsize);

impl Drop for DropCounter<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Under heartbeat, `b` only becomes a job when a beat promotes its frame
/// (during `a`, at a nested join). `a` here waits until that has happened,
/// then panics: the promoted `b` (run by a thief, or taken back unrun) is
/// dropped exactly once, its closure's captures with it, and `a`'s panic
/// comes out. Then the same with `b` panicking after its promotion.
#[test]
fn join_reraises_after_a_promoted_half() {
    let pool = ThreadPool::with_scheduler(2, Scheduler::heartbeat()).unwrap();
    let promoted =
        |pool: &ThreadPool| -> u64 { pool.stats().iter().map(|s| s.frames_promoted).sum() };
    // `a`: nested joins (each may see the beat) until a promotion happened;
    // bounded, so a pool that never promotes fails instead of hanging.
    let wait_for_promotion = |pool: &ThreadPool, before: u64| {
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while promoted(pool) == before {
            assert!(std::time::Instant::now() < end, "no promotion in 10 s");
            join(|| (), || ());
            std::thread::sleep(Duration::from_micros(200));
        }
    };

    for round in 0..5 {
        let drops = AtomicUsize::new(0);
        let before = promoted(&pool);
        let counter = DropCounter(&drops);
        let err = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                join(
                    || {
                        wait_for_promotion(&pool, before);
                        panic!("a failed")
                    },
                    move || {
                        let _keep = counter;
                    },
                )
            })
        }))
        .unwrap_err();
        assert_eq!(message(err), "a failed", "round {round}");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "round {round}: b's captures"
        );

        let drops = AtomicUsize::new(0);
        let before = promoted(&pool);
        let counter = DropCounter(&drops);
        let err = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                join(
                    || wait_for_promotion(&pool, before),
                    move || {
                        let _keep = counter;
                        panic!("b failed")
                    },
                )
            })
        }))
        .unwrap_err();
        assert_eq!(message(err), "b failed", "round {round}");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "round {round}: b's captures"
        );
    }
    assert_eq!(pool.install(|| join(|| 1, || 2)), (1, 2));
}

/// Counts its drops; its drop panics when `loud`, like a bad destructor.
struct NestedDrop<'a> {
    drops: &'a AtomicUsize,
    loud: bool,
}

impl Drop for NestedDrop<'_> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.loud && !std::thread::panicking() {
            panic!("a loud drop");
        }
    }
}

/// Joins nested `levels` deep, the innermost `a` panicking; every `b` holds
/// a `NestedDrop` and counts itself in `ran` if it runs.
fn nested(levels: usize, ran: &AtomicUsize, drops: &AtomicUsize) {
    if levels == 0 {
        panic!("a failed");
    }
    let counter = NestedDrop {
        drops,
        loud: levels % 2 == 0,
    };
    join(
        || nested(levels - 1, ran, drops),
        move || {
            let _counter = &counter;
            ran.fetch_add(1, Ordering::SeqCst);
        },
    );
}

#[test]
fn a_panic_below_the_noted_frames_drops_every_b_unrun() {
    // No beat during the test: nothing is shared, so under heartbeat the
    // deep joins are plain calls (past NOTED_FRAMES_MAX), the outer ones
    // noted frames; both kinds must drop `b` unrun, quietly, and re-raise
    // `a`'s panic.
    let scheduler = Scheduler::Heartbeat {
        interval: Duration::from_secs(3600),
    };
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let levels = NOTED_FRAMES_MAX + 4;
    let (ran, drops) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| nested(levels, &ran, &drops))
    }))
    .unwrap_err();
    assert_eq!(message(err), "a failed");
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "a b ran after its a panicked"
    );
    assert_eq!(
        drops.load(Ordering::SeqCst),
        levels,
        "every b is dropped once"
    );
    assert_eq!(pool.install(|| join(|| 1, || 2)), (1, 2));
}
