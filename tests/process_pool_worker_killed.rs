//! A worker SIGKILLed in the middle of a map: its task fails with
//! `WorkerDied { pid, signal: SIGKILL }`, a replacement is forked, every other
//! task completes, and nothing hangs (Python's `Pool.map` hangs here).

mod common;

use homemade::process_pool::{PoolError, ProcessPool, TaskError};

/// The item whose worker kills itself.
const VICTIM: u64 = 7;

fn sigkill_mid_map_fails_one_item_and_finishes_the_rest() {
    let pool = ProcessPool::new(2, |x: u64| {
        if x == VICTIM {
            // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
            unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        x * 10
    })
    .unwrap();
    let before = pool.worker_pids();
    // chunksize 1: exactly one item is lost.
    let results: Vec<_> = pool.imap_unordered(0..20u64).collect();
    assert_eq!(results.len(), 20);
    for (i, r) in &results {
        match r {
            Ok(v) => assert_eq!(*v, *i as u64 * 10),
            Err(TaskError::WorkerDied { pid, signal }) => {
                assert_eq!(*i as u64, VICTIM);
                assert_eq!(*signal, libc::SIGKILL);
                assert!(before.contains(pid), "{pid} not in {before:?}");
            }
            Err(e) => panic!("item {i}: unexpected {e}"),
        }
    }
    assert_eq!(results.iter().filter(|(_, r)| r.is_err()).count(), 1);
    let after = pool.worker_pids();
    assert_eq!(after.len(), 2, "a replacement was forked");
    assert_ne!(before, after);

    // map reports the lowest failing index, after running everything else.
    match pool.map_chunked(0..10u64, 1) {
        Err(PoolError::Task {
            index,
            error: TaskError::WorkerDied { .. },
        }) => {
            assert_eq!(index as u64, VICTIM)
        }
        other => panic!("expected WorkerDied at {VICTIM}, got {other:?}"),
    }
    // And the pool still serves afterwards.
    assert_eq!(pool.map(0..5u64).unwrap(), vec![0, 10, 20, 30, 40]);
    assert_eq!(pool.submit(3).join().unwrap(), 30);
}

fn external_sigkill_of_a_busy_worker_is_reported() {
    let pool = ProcessPool::new(2, |ms: u64| {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        ms
    })
    .unwrap();
    let slow = pool.submit(10_000);
    // Wait until the slow task is running somewhere, then kill that worker.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let victim = pool.worker_pids()[0];
    let others: Vec<_> = (0..6).map(|_| pool.submit(5)).collect();
    // SAFETY: kill takes plain integers; victim is our pool's worker.
    unsafe { libc::kill(victim, libc::SIGKILL) };
    match slow.join() {
        Err(TaskError::WorkerDied { pid, signal }) => {
            assert_eq!((pid, signal), (victim, libc::SIGKILL))
        }
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    for h in others {
        assert_eq!(h.join().unwrap(), 5);
    }
    assert!(!pool.worker_pids().contains(&victim));
}

fn main() {
    common::run_both(common::cases![
        sigkill_mid_map_fails_one_item_and_finishes_the_rest,
        external_sigkill_of_a_busy_worker_is_reported
    ])
}
