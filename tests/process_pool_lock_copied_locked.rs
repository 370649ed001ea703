//! The lock rule: `fork` copies every lock in the state it is in, so a lock
//! held by the thread that builds the pool is held forever in every worker
//! (replacements included: they are forked from the fork server, a copy
//! made at the same moment). A task that takes such a lock fails with a
//! clear `TaskError::Deadlocked` instead of hanging, its worker is
//! replaced, and tasks that do not take it run normally. The same goes for
//! a pool built inside a `OnceLock::get_or_init` initializer: using the
//! pool works, but a task that touches that `OnceLock` is stuck on its
//! "being initialized" state and fails the same way.
//!
//! The pools have a 30 s task timeout only so that a regression ends in a
//! `TimedOut` failure rather than a hang.

mod common;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use homemade::process_pool::{ProcessPool, TaskError};

const BACKSTOP: Duration = Duration::from_secs(30);

static COUNTER: Mutex<u64> = Mutex::new(0);

fn add_to_counter(x: u64) -> u64 {
    if x == 0 {
        return 0; // does not touch the lock
    }
    let mut c = COUNTER.lock().unwrap();
    *c += x;
    *c
}

fn expect_deadlocked(result: Result<u64, TaskError>, pids: &[i32]) {
    match result {
        Err(TaskError::Deadlocked { pid }) => {
            assert!(pids.contains(&pid), "pid {pid} is not one of {pids:?}")
        }
        other => panic!("expected Deadlocked, got {other:?}"),
    }
}

fn a_mutex_held_while_building_fails_the_tasks_that_take_it() {
    let guard = COUNTER.lock().unwrap();
    let pool = ProcessPool::builder(1)
        .task_timeout(BACKSTOP)
        .build(add_to_counter)
        .unwrap();
    drop(guard);
    assert_eq!(pool.submit(0).join().unwrap(), 0, "lock-free tasks run");
    let first = pool.worker_pids();
    expect_deadlocked(pool.submit(5).join(), &first);
    let second = pool.worker_pids();
    assert_ne!(first, second, "the stuck worker was replaced");
    // The replacement holds the same locked copy.
    expect_deadlocked(pool.submit(6).join(), &second);
    assert_eq!(pool.submit(0).join().unwrap(), 0);
    let err = pool.submit(7).join().unwrap_err().to_string();
    assert!(
        err.contains("lock that was held when the pool was built"),
        "{err}"
    );
    // In the parent the lock is free again and untouched by the workers.
    assert_eq!(*COUNTER.lock().unwrap(), 0);
}

fn a_pool_built_in_a_once_lock_initializer() {
    let cell: OnceLock<ProcessPool<u64, u64>> = OnceLock::new();
    let pool = cell.get_or_init(|| {
        ProcessPool::builder(2)
            .task_timeout(BACKSTOP)
            .build(|x: u64| {
                if x == 99 {
                    // Waits for the initializer that built this pool, which
                    // in this process will never finish.
                    return cell.get_or_init(|| unreachable!()).workers() as u64;
                }
                x + 1
            })
            .unwrap()
    });
    assert_eq!(pool.map(0..10u64).unwrap(), (1..=10).collect::<Vec<_>>());
    let pids = pool.worker_pids();
    expect_deadlocked(pool.submit(99).join(), &pids);
    assert_eq!(pool.map(0..10u64).unwrap(), (1..=10).collect::<Vec<_>>());
}

fn main() {
    common::run_both(common::cases![
        a_mutex_held_while_building_fails_the_tasks_that_take_it,
        a_pool_built_in_a_once_lock_initializer
    ])
}
