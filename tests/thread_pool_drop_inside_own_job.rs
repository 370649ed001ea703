//! Dropping a pool from inside one of its own jobs returns, and the
//! workers then finish on their own.
//!
//! The hard case: the job that drops the last handle is the stolen half
//! `b` of a `join` whose other worker waits for `b`. The drop cannot join
//! that worker (it waits for us); it must not hang. Afterwards every job
//! has run and no worker thread is left.
use homemade::thread_pool::{join, Scheduler, ThreadPool};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PREFIX: &str = "dropinside";

fn wait_for(cond: impl Fn() -> bool, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while !cond() {
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Threads of this process whose name starts with `PREFIX` (Linux).
fn pool_threads_alive() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(PREFIX))
        .count()
}

#[test]
fn the_stolen_half_of_a_join_drops_the_last_handle() {
    for scheduler in Scheduler::ALL {
        the_stolen_half_of_a_join_drops_the_last_handle_under(scheduler);
    }
}

fn the_stolen_half_of_a_join_drops_the_last_handle_under(scheduler: Scheduler) {
    let pool = Arc::new(
        ThreadPool::builder()
            .scheduler(scheduler)
            .threads(2)
            .thread_name_prefix(PREFIX)
            .build()
            .unwrap(),
    );
    let last_handle = Arc::new(Mutex::new(Some(pool.clone())));
    let b_started = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicUsize::new(0));
    {
        let (last_handle, b_started, dropped, finished) = (
            last_handle.clone(),
            b_started.clone(),
            dropped.clone(),
            finished.clone(),
        );
        pool.spawn(move || {
            join(
                || {
                    // Make sure `b` is stolen, so this worker will wait
                    // for it while `b` drops the pool. (Under heartbeat `b`
                    // is only shared when a join sees a beat: poll with
                    // empty joins meanwhile.)
                    wait_for(
                        || {
                            join(|| (), || ());
                            b_started.load(Ordering::SeqCst)
                        },
                        Duration::from_secs(10),
                    );
                },
                || {
                    b_started.store(true, Ordering::SeqCst);
                    // Let the other worker reach its wait for us.
                    std::thread::sleep(Duration::from_millis(20));
                    let pool = last_handle.lock().unwrap().take().unwrap();
                    drop(pool);
                    dropped.store(true, Ordering::SeqCst);
                },
            );
            finished.fetch_add(1, Ordering::SeqCst);
        });
    }
    drop(pool); // `last_handle` now holds the only handle
    assert!(
        wait_for(|| dropped.load(Ordering::SeqCst), Duration::from_secs(10)),
        "dropping the pool from inside its own job hung"
    );
    assert!(wait_for(
        || finished.load(Ordering::SeqCst) == 1,
        Duration::from_secs(10)
    ));
    assert!(
        wait_for(|| pool_threads_alive() == 0, Duration::from_secs(10)),
        "{} worker threads still alive",
        pool_threads_alive()
    );
}
