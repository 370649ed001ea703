//! A task running past the pool's task timeout fails with
//! `TaskError::TimedOut`; its worker is killed (SIGKILL) and replaced, and
//! the other tasks complete.

mod common;

use std::time::Duration;

use homemade::process_pool::{ProcessPool, TaskError};
use homemade::trace::{Kind, Recorder};

fn overdue_task_times_out_and_its_worker_is_replaced() {
    let pool = ProcessPool::builder(2)
        .task_timeout(Duration::from_millis(300))
        .recorder(Recorder::enabled())
        .build(|ms: u64| {
            std::thread::sleep(Duration::from_millis(ms));
            ms
        })
        .unwrap();
    let stuck = pool.submit(60_000);
    let quick: Vec<_> = (0..10).map(|_| pool.submit(1)).collect();
    assert_eq!(stuck.join(), Err(TaskError::TimedOut));
    for h in quick {
        assert_eq!(h.join().unwrap(), 1);
    }
    let events = pool.recorder().take();
    let crashed: Vec<_> = events
        .iter()
        .filter(|e| matches!(&e.kind, Kind::Crashed { reason } if reason.contains("timeout")))
        .collect();
    assert_eq!(crashed.len(), 1, "{events:?}");
    let forks = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Forked { .. }))
        .count();
    assert_eq!(forks, 3, "two at start, one replacement");
    let crashed_pid = crashed[0]
        .worker()
        .expect("a crash is on a worker's lane")
        .0;
    assert!(!pool.worker_pids().contains(&crashed_pid));
    // A timed-out map reports the item and still finishes the rest.
    let r = pool.map_chunked(vec![1, 60_000, 1, 1], 1);
    assert!(
        matches!(
            r,
            Err(homemade::process_pool::PoolError::Task {
                index: 1,
                error: TaskError::TimedOut
            })
        ),
        "{r:?}"
    );
}

fn main() {
    common::run_both(common::cases![
        overdue_task_times_out_and_its_worker_is_replaced
    ])
}
