//! Under heartbeat scheduling, a `map` called from outside the pool maps on
//! the calling thread for up to one heartbeat interval before it involves
//! the workers (`map.rs`, "A head start on the caller"); under work
//! stealing it never runs on the caller. The intervals are chosen so that
//! no timing can change the outcome: an hour (the caller always finishes
//! first) or the shortest one with items that each outlast it (the caller
//! hands off after its first item).
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};
use std::time::Duration;

use homemade::thread_pool::{Scheduler, ThreadPool, MIN_HEARTBEAT_INTERVAL};

fn heartbeat_pool(interval: Duration) -> ThreadPool {
    ThreadPool::with_scheduler(2, Scheduler::Heartbeat { interval }).expect("heartbeat pool")
}

fn runners(pool: &ThreadPool, items: usize, each: Duration) -> Vec<ThreadId> {
    pool.map((0..items).collect(), |_| {
        if !each.is_zero() {
            thread::sleep(each);
        }
        thread::current().id()
    })
}

#[test]
fn a_map_shorter_than_a_beat_runs_on_the_caller() {
    let pool = heartbeat_pool(Duration::from_secs(3600));
    let me = thread::current().id();
    let ran = runners(&pool, 10_000, Duration::ZERO);
    assert_eq!(ran.len(), 10_000);
    let elsewhere = ran.iter().filter(|id| **id != me).count();
    assert_eq!(elsewhere, 0, "{elsewhere} items ran on pool workers");
}

#[test]
fn a_map_longer_than_a_beat_hands_the_rest_to_the_workers() {
    let pool = heartbeat_pool(MIN_HEARTBEAT_INTERVAL);
    let me = thread::current().id();
    let ran = runners(&pool, 8, Duration::from_millis(2));
    assert_eq!(ran[0], me, "the caller maps the first item itself");
    assert!(
        ran[1..].iter().all(|id| *id != me),
        "after its first 2 ms item the caller should have handed the rest on: {ran:?}"
    );
}

#[test]
fn under_work_stealing_the_caller_only_waits() {
    let pool = ThreadPool::with_scheduler(2, Scheduler::WorkStealing).expect("pool");
    let me = thread::current().id();
    assert!(runners(&pool, 1000, Duration::ZERO)
        .iter()
        .all(|id| *id != me));
}

/// Counts drops, so a panic on the caller's part can be checked to drop
/// every input and result exactly once.
#[derive(Debug)]
struct Counted<'a>(&'a AtomicUsize);
impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_panic_on_the_caller_drops_everything_once_and_is_re_raised() {
    for interval in [Duration::from_secs(3600), MIN_HEARTBEAT_INTERVAL] {
        let pool = heartbeat_pool(interval);
        let inputs = AtomicUsize::new(0);
        let results = AtomicUsize::new(0);
        let made = AtomicUsize::new(0);
        let items: Vec<(usize, Counted)> = (0..64).map(|i| (i, Counted(&inputs))).collect();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.map(items, |(i, c)| {
                drop(c);
                if interval == MIN_HEARTBEAT_INTERVAL {
                    // Outlast the beat so the rest goes to the workers.
                    thread::sleep(Duration::from_millis(1));
                }
                assert!(i != 40, "item 40 fails");
                made.fetch_add(1, Ordering::Relaxed);
                Counted(&results)
            })
        }));
        let payload = outcome.expect_err("the panic of item 40 is re-raised");
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("");
        assert!(message.contains("item 40 fails"), "payload: {message:?}");
        assert_eq!(
            inputs.load(Ordering::Relaxed),
            64,
            "inputs dropped once each"
        );
        let made = made.load(Ordering::Relaxed);
        assert!(made < 64, "{made} results made although item 40 failed");
        assert_eq!(
            results.load(Ordering::Relaxed),
            made,
            "every result made is dropped exactly once"
        );
    }
}
