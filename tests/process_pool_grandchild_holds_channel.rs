//! A task forks a grandchild, which inherits the worker's channel and keeps
//! it open. When the worker is killed, the channel does not reach end of
//! file, so the pool must notice the death from the process itself (a
//! pidfd): the loss is reported while the grandchild still runs.

mod common;

use std::time::Duration;

use homemade::process_pool::{ProcessPool, TaskError};

fn a_killed_worker_is_reported_while_its_grandchild_lives() {
    let path = std::env::temp_dir().join(format!("homemade-grandchild-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let note = path.clone();
    let pool = ProcessPool::new(1, move |secs: u64| {
        // SAFETY: the worker is single-threaded; the grandchild only sleeps
        // and leaves with _exit, touching no lock or Rust state.
        let grandchild = unsafe { libc::fork() };
        if grandchild == 0 {
            // SAFETY: sleep and _exit take plain integers.
            unsafe {
                libc::sleep(secs as u32);
                libc::_exit(0)
            }
        }
        let line = format!("{} {}", std::process::id(), grandchild);
        std::fs::write(&note, line).unwrap();
        std::thread::sleep(Duration::from_secs(secs));
        0u64
    })
    .unwrap();
    let handle = pool.submit(20);
    let mut pids = None;
    assert!(common::eventually(10, || {
        pids = std::fs::read_to_string(&path).ok().and_then(|s| {
            let mut it = s.split_whitespace().map(|p| p.parse::<i32>().ok());
            Some((it.next()??, it.next()??))
        });
        pids.is_some()
    }));
    let _ = std::fs::remove_file(&path);
    let (worker, grandchild) = pids.unwrap();
    // SAFETY: kill takes plain integers; `worker` is our pool's worker.
    unsafe { libc::kill(worker, libc::SIGKILL) };
    let result = handle.join();
    let grandchild_alive = common::alive(grandchild);
    // SAFETY: as above; the grandchild is an orphan now, init reaps it.
    unsafe { libc::kill(grandchild, libc::SIGKILL) };
    assert!(
        grandchild_alive,
        "the loss was reported only after the grandchild exited"
    );
    match result {
        Err(TaskError::WorkerDied { pid, signal }) => {
            assert_eq!((pid, signal), (worker, libc::SIGKILL))
        }
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    // The replacement serves (a short task: its grandchild leaves in 1 s).
    assert_eq!(pool.submit(1).join().unwrap(), 0);
}

fn main() {
    common::run_both(common::cases![
        a_killed_worker_is_reported_while_its_grandchild_lives
    ])
}
