//! A shared-memory worker SIGKILLed in the middle of writing a reply into
//! its ring (a test hook makes it publish half of the frame, copy more
//! bytes without publishing them, and kill itself, every time): the task
//! fails with `WorkerDied { signal: SIGKILL }`, the half-written frame is
//! discarded with the dead worker's region, a replacement is forked, and
//! the other worker and every later task are unaffected (same results as
//! sequential, no hang, no zombie).

mod common;

use homemade::process_pool::{test_hooks, ProcessPool, TaskError, Transport};

/// Replies at least this big trigger the hook's crash.
const CRASH_AT: usize = 64 * 1024;

/// Item 7 asks for a big reply (the crash); the others for small ones.
fn work(x: u64) -> Vec<u64> {
    let n = if x == 7 { 100_000 } else { 4 };
    (0..n).map(|i| x * 1000 + i).collect()
}

fn killed_mid_ring_write_fails_one_task_only() {
    test_hooks::kill_workers_mid_ring_write(CRASH_AT);
    let pool = ProcessPool::builder(2)
        .transport(Transport::SharedMemory)
        .build(work)
        .unwrap();
    test_hooks::kill_workers_mid_ring_write(0);
    let before = pool.worker_pids();
    // Several rounds: every replacement is born with the hook on too.
    for round in 0..3 {
        let results: Vec<_> = pool.imap_unordered(0..16u64).collect();
        assert_eq!(results.len(), 16, "round {round}");
        for (i, r) in &results {
            match r {
                Ok(v) => assert_eq!(v, &work(*i as u64), "round {round} item {i}"),
                Err(TaskError::WorkerDied { signal, .. }) => {
                    assert_eq!(*i, 7, "round {round}: only the big reply crashes");
                    assert_eq!(*signal, libc::SIGKILL);
                }
                Err(e) => panic!("round {round} item {i}: unexpected {e}"),
            }
        }
        assert_eq!(
            results.iter().filter(|(_, r)| r.is_err()).count(),
            1,
            "round {round}"
        );
        assert_eq!(pool.worker_pids().len(), 2, "a replacement was forked");
    }
    assert_ne!(pool.worker_pids(), before);
    // Small tasks on whatever workers are there now are untouched.
    let small: Vec<u64> = vec![1, 2, 3, 4, 5, 6, 8, 9];
    let want: Vec<Vec<u64>> = small.iter().map(|&x| work(x)).collect();
    assert_eq!(pool.map(small).unwrap(), want);
}

fn main() {
    common::run(common::cases![killed_mid_ring_write_fails_one_task_only])
}
