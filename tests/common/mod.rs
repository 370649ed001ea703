//! A tiny test runner for `harness = false` test binaries.
//!
//! Process-pool tests must create their pools while the process is
//! single-threaded, and libtest runs tests on threads. So these binaries have
//! a plain `fn main()` that runs each case in turn on the main thread,
//! prints `test NAME ... ok` per case and a final `N passed, M failed` line,
//! and exits non-zero on any failure. A watchdog alarm bounds the runtime.
#![allow(dead_code)]

use std::panic::{self, AssertUnwindSafe};

/// Runs the cases in order; exits the process with the summary.
pub fn run(cases: &[(&str, fn())]) -> ! {
    // SAFETY: alarm only arms a timer; if a case hangs, SIGALRM ends the
    // process (and the pool's children follow it via PR_SET_PDEATHSIG).
    unsafe { libc::alarm(120) };
    let (mut passed, mut failed) = (0, 0);
    for (name, case) in cases {
        match panic::catch_unwind(AssertUnwindSafe(case)) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("test {name} ... FAILED: {msg}");
                failed += 1;
            }
        }
    }
    if let Some(pid) = leftover_child() {
        println!("test no_children_left ... FAILED: child {pid} was left behind");
        failed += 1;
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 })
}

/// A child process of ours that is still around (running or zombie), if any.
pub fn leftover_child() -> Option<i32> {
    let mut status = 0;
    // SAFETY: waitpid with WNOHANG only writes the status int.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    // -1/ECHILD: no children at all. 0: a child is still running.
    match pid {
        -1 => None,
        0 => Some(0),
        pid => Some(pid),
    }
}

/// Whether process `pid` exists (and is not a zombie we could reap).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // Field 3 (after "pid (comm)") is the state; Z = zombie.
            let state = stat.rsplit(')').next().and_then(|r| r.split_whitespace().next());
            state != Some("Z")
        }
        Err(_) => false,
    }
}

/// Polls `cond` every 10 ms for up to `secs` seconds.
pub fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    cond()
}
