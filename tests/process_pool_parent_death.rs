//! Workers die with their parent: a helper process (this same binary, run
//! with `PPOOL_HELPER=1`) creates a pool and prints its pids; we SIGKILL the
//! helper, so it cannot clean up, and check that the fork server and every
//! worker vanish (PR_SET_PDEATHSIG), within a bounded wait.
//!
//! The test process makes itself a *child subreaper*, so the orphaned fork
//! server and workers are re-parented to it rather than to PID 1 (which, in
//! a container, may never reap them), and it reaps them itself.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use homemade::process_pool::ProcessPool;

fn helper() -> ! {
    let pool = ProcessPool::new(3, |x: u64| x + 1).unwrap();
    assert_eq!(pool.map(0..10u64).unwrap().len(), 10);
    let mut pids = pool.worker_pids();
    pids.extend(pool.fork_server_pid());
    let line: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
    println!("{}", line.join(" "));
    // Wait to be killed (bounded, in case the test runner died).
    std::thread::sleep(std::time::Duration::from_secs(60));
    std::process::exit(1)
}

/// Reaps any re-parented orphan that has exited.
fn reap_orphans() {
    let mut status = 0;
    // SAFETY: waitpid with WNOHANG only writes the status int.
    while unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } > 0 {}
}

fn workers_die_when_the_parent_is_killed() {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes a plain integer.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) }, 0);
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .env("PPOOL_HELPER", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pids: Vec<i32> = line
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 4, "three workers and a fork server: {line:?}");
    assert!(pids.iter().all(|&p| common::alive(p)));
    child.kill().unwrap(); // SIGKILL: no destructor runs in the helper
    child.wait().unwrap();
    for pid in pids {
        assert!(
            common::eventually(10, || !common::alive(pid)),
            "pid {pid} outlived its parent"
        );
    }
    // Orphans re-parented to us are reaped here, so none is left behind.
    assert!(common::eventually(10, || {
        reap_orphans();
        common::leftover_child().is_none()
    }));
}

fn main() {
    if std::env::var_os("PPOOL_HELPER").is_some() {
        helper();
    }
    common::run_both(common::cases![workers_die_when_the_parent_is_killed])
}
