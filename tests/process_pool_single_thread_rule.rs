//! The process-model rule: `ProcessPool::new` refuses to fork from a
//! multi-threaded process (clear `PoolError::NotSingleThreaded`), while a
//! pool created earlier keeps replacing crashed workers after the parent
//! started threads (its fork server is single-threaded). The pool can also
//! be shared by several threads at once. A thread that is already on its
//! way out (returned, or just joined: the kernel may still list it for a
//! moment) does not count: creation waits briefly for it to be gone.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use homemade::process_pool::{PoolError, ProcessPool, TaskError};

fn work(x: u64) -> u64 {
    if x == 666 {
        // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
        unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    }
    x * 2
}

fn threads_block_creation_but_not_replacement() {
    let pool = ProcessPool::new(2, work).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let t = std::thread::spawn(move || rx.recv().ok());
    match ProcessPool::new(1, work) {
        Err(e @ PoolError::NotSingleThreaded { threads }) => {
            assert!(threads >= 2);
            assert!(e.to_string().contains("single-threaded"), "{e}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a pool was forked from a multi-threaded process"),
    }
    let before = pool.worker_pids();
    assert!(matches!(
        pool.submit(666).join(),
        Err(TaskError::WorkerDied { .. })
    ));
    assert_eq!(pool.submit(21).join().unwrap(), 42, "replacement serves");
    assert_ne!(pool.worker_pids(), before);
    drop(tx);
    t.join().unwrap();
}

fn a_thread_on_its_way_out_does_not_block_creation() {
    // Alive when `new` first looks (it sleeps 20 ms), gone soon after.
    drop(std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(20))
    }));
    let pool = ProcessPool::new(1, work).expect("the exiting thread is waited for");
    assert_eq!(pool.submit(4).join().unwrap(), 8);
}

fn many_threads_share_one_pool() {
    let pool = ProcessPool::new(2, |x: u64| {
        std::thread::sleep(Duration::from_micros(200));
        x + 1
    })
    .unwrap();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let pool = &pool;
            s.spawn(move || {
                for i in 0..50u64 {
                    let x = t * 1000 + i;
                    assert_eq!(pool.submit(x).join().unwrap(), x + 1);
                }
                let xs: Vec<u64> = (0..30).map(|i| t * 100 + i).collect();
                let want: Vec<u64> = xs.iter().map(|x| x + 1).collect();
                assert_eq!(pool.map(xs).unwrap(), want);
            });
        }
    });
}

fn main() {
    common::run_both(common::cases![
        threads_block_creation_but_not_replacement,
        a_thread_on_its_way_out_does_not_block_creation,
        many_threads_share_one_pool
    ])
}
