//! A worker whose fork server dies before the worker has asked for its
//! death signal notices and exits, instead of serving on as an orphan with
//! nothing tied to the pool's life.
//!
//! The race is widened with a test hook: each worker is held, right after
//! `fork`, until its fork server has exited, and only then runs its
//! "die with the parent" step. The test kills the fork server meanwhile.
//! This process is a child subreaper, so an orphan is re-parented to it
//! (and can be reaped here), not to PID 1.

mod common;

use homemade::process_pool::{test_hooks, ProcessPool};

fn kill(pid: i32) {
    // SAFETY: kill takes plain integers.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

fn reap_orphans() {
    let mut status = 0;
    // SAFETY: waitpid with WNOHANG only writes the status int.
    while unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } > 0 {}
}

fn worker_exits_when_its_fork_server_died_first() {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes a plain integer.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) }, 0);
    test_hooks::hold_workers_until_fork_server_exits(true);
    let pool = ProcessPool::new(2, |x: u64| x + 1).unwrap();
    test_hooks::hold_workers_until_fork_server_exits(false);
    let workers = pool.worker_pids();
    let server = pool.fork_server_pid().unwrap();
    assert_eq!(workers.len(), 2);
    kill(server);
    let exited: Vec<bool> = workers
        .iter()
        .map(|&pid| common::eventually(10, || !common::alive(pid)))
        .collect();
    // Clean up whatever outlived the check before asserting, so a failure
    // leaves no process behind.
    for &pid in &workers {
        kill(pid);
    }
    drop(pool);
    assert!(common::eventually(10, || {
        reap_orphans();
        common::leftover_child().is_none()
    }));
    assert_eq!(
        exited,
        vec![true, true],
        "workers {workers:?} kept serving after their fork server died"
    );
}

fn main() {
    common::run_both(common::cases![worker_exits_when_its_fork_server_died_first])
}
