//! A panic inside the function fails that item with `TaskError::Panicked`
//! (carrying the message); the worker catches it and keeps serving (same
//! pid), and the other items of the same chunk still succeed.

mod common;

use homemade::process_pool::{PoolError, ProcessPool, TaskError};

fn f(x: u32) -> (u32, i32) {
    if x % 5 == 3 {
        panic!("item {x} is cursed");
    }
    (x * 2, std::process::id() as i32)
}

fn panic_fails_one_task_and_the_worker_keeps_serving() {
    let pool = ProcessPool::new(1, f).unwrap();
    let pid = pool.worker_pids()[0];
    match pool.submit(3).join() {
        Err(TaskError::Panicked { message }) => assert_eq!(message, "item 3 is cursed"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    assert_eq!(pool.submit(4).join().unwrap(), (8, pid));
    assert_eq!(pool.worker_pids(), vec![pid]);
}

fn panics_inside_a_chunk_fail_only_their_items() {
    let pool = ProcessPool::new(2, f).unwrap();
    let pids = pool.worker_pids();
    let mut results: Vec<_> = pool.imap_unordered(0..20).collect();
    results.sort_by_key(|(i, _)| *i);
    for (i, r) in results {
        if i % 5 == 3 {
            assert!(matches!(r, Err(TaskError::Panicked { .. })));
        } else {
            assert_eq!(r.unwrap().0, i as u32 * 2);
        }
    }
    match pool.map_chunked(0..20, 7) {
        Err(PoolError::Task {
            index: 3,
            error: TaskError::Panicked { message },
        }) => {
            assert!(message.contains("cursed"))
        }
        other => panic!("expected item 3 to fail, got {other:?}"),
    }
    assert_eq!(pool.worker_pids(), pids, "no worker was replaced");
}

fn main() {
    common::run_both(common::cases![
        panic_fails_one_task_and_the_worker_keeps_serving,
        panics_inside_a_chunk_fail_only_their_items
    ])
}
