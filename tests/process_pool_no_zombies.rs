//! Every process the pool creates is reaped: after drop, `close` or
//! `terminate` (even after workers crashed and were replaced), `waitpid`
//! finds no child at all, and the worker and fork-server pids are gone.
//! `close` (and Drop) first finishes the queued work; `terminate` does not.

mod common;

use std::time::{Duration, Instant};

use homemade::process_pool::{ProcessPool, TaskError};

fn work(ms: u64) -> u64 {
    if ms == 999 {
        // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
        unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    }
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

fn pids_of(pool: &ProcessPool<u64, u64>) -> Vec<i32> {
    let mut pids = pool.worker_pids();
    pids.extend(pool.fork_server_pid());
    pids
}

fn assert_all_gone(pids: &[i32]) {
    assert_eq!(
        common::leftover_child(),
        None,
        "a child is left for waitpid"
    );
    for &pid in pids {
        assert!(
            common::eventually(5, || !common::alive(pid)),
            "pid {pid} still alive"
        );
    }
}

fn drop_reaps_everything_even_after_crashes() {
    let pool = ProcessPool::new(2, work).unwrap();
    let mut seen = pids_of(&pool);
    let r = pool.map_chunked(vec![1, 999, 1, 999, 1], 1);
    assert!(matches!(
        r,
        Err(homemade::process_pool::PoolError::Task { index: 1, .. })
    ));
    seen.extend(pids_of(&pool));
    drop(pool);
    assert_all_gone(&seen);
}

fn close_finishes_queued_work_then_reaps() {
    let pool = ProcessPool::new(2, work).unwrap();
    let seen = pids_of(&pool);
    let handles: Vec<_> = (0..8).map(|_| pool.submit(20)).collect();
    pool.close();
    assert_all_gone(&seen);
    for h in handles {
        assert_eq!(h.join().unwrap(), 20, "close ran the queued tasks");
    }
}

fn terminate_kills_at_once_and_reaps() {
    let pool = ProcessPool::new(2, work).unwrap();
    let seen = pids_of(&pool);
    let handles: Vec<_> = (0..4).map(|_| pool.submit(30_000)).collect();
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    pool.terminate();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "terminate did not wait for the tasks"
    );
    assert_all_gone(&seen);
    for h in handles {
        assert!(matches!(h.join(), Err(TaskError::PoolShutDown { .. })));
    }
}

fn main() {
    common::run_both(common::cases![
        drop_reaps_everything_even_after_crashes,
        close_finishes_queued_work_then_reaps,
        terminate_kills_at_once_and_reaps
    ])
}
