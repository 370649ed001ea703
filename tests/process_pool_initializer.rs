//! The initializer runs once in each worker (and each replacement), in the
//! child, not in the parent; an initializer that panics makes the pool's
//! tasks fail with `InitializerFailed` instead of forking forever or hanging.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use homemade::process_pool::{PoolError, ProcessPool, TaskError};

static SETTING: AtomicU64 = AtomicU64::new(0);
static INIT_RUNS: AtomicU64 = AtomicU64::new(0);

fn initializer_runs_in_each_child() {
    let pool = ProcessPool::builder(2)
        .max_tasks_per_child(2)
        .initializer(|| {
            SETTING.store(42, Ordering::SeqCst);
            INIT_RUNS.fetch_add(1, Ordering::SeqCst);
        })
        .build(|x: u64| {
            (
                x + SETTING.load(Ordering::SeqCst),
                INIT_RUNS.load(Ordering::SeqCst),
            )
        })
        .unwrap();
    for x in 0..10 {
        // Every worker ran the initializer exactly once before serving.
        assert_eq!(pool.submit(x).join().unwrap(), (x + 42, 1));
    }
    assert_eq!(SETTING.load(Ordering::SeqCst), 0, "not run in the parent");
}

fn panicking_initializer_fails_tasks_clearly() {
    let pool = ProcessPool::builder(2)
        .initializer(|| panic!("no config file"))
        .build(|x: u64| x)
        .unwrap();
    match pool.map(0..10u64) {
        Err(PoolError::Task {
            error: TaskError::InitializerFailed { message },
            ..
        }) => {
            assert!(message.contains("no config file"))
        }
        other => panic!("expected InitializerFailed, got {other:?}"),
    }
    assert!(matches!(
        pool.submit(1).join(),
        Err(TaskError::InitializerFailed { .. })
    ));
}

fn main() {
    common::run_both(common::cases![
        initializer_runs_in_each_child,
        panicking_initializer_fails_tasks_clearly
    ])
}
