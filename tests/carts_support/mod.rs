//! Shared helpers of the `carts_*` integration tests.
//!
//! * [`workload`] builds a [`Workload`] for a server with tiny units.
//! * [`ran`] runs one strategy and insists that it ran.
//! * [`Runner`] is the runner of the `harness = false` binaries: tests that
//!   use the process pool must create it while the process is still
//!   single-threaded, and libtest runs tests on threads, so those binaries
//!   have a plain `main` that makes the pool first and then runs each case in
//!   turn on the main thread, printing `test NAME ... ok` per case and a last
//!   line `N passed, M failed`, and exiting non-zero on any failure.
#![allow(dead_code)]

use homemade::carts::pricing::{Calibration, Work};
use homemade::carts::strategies::{self, Outcome, RunResult, Runtimes, Strategy, Workload};
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

/// A workload of `ids` against `base_url` with `unit_ms` per id.
pub fn workload(base_url: &str, ids: Vec<u64>, unit_ms: f64, work: Work) -> Workload {
    Workload {
        base_url: base_url.to_string(),
        ids,
        unit: Duration::from_secs_f64(unit_ms / 1e3),
        work,
        calibration: Calibration::measure(),
        workers: 3,
    }
}

/// Runs `strategy` and returns its result; panics if it failed or could not run.
pub fn ran(strategy: Strategy, wl: &Workload, rt: Runtimes<'_>) -> RunResult {
    match strategies::run(strategy, wl, rt) {
        Ok(Outcome::Ran(run)) => run,
        Ok(Outcome::Unavailable(why)) => panic!("{} not available: {why}", strategy.name()),
        Err(e) => panic!("{} failed: {e}", strategy.name()),
    }
}

/// True when `strategy` can run in this build (tokio+rayon needs `peers`).
pub fn built(strategy: Strategy) -> bool {
    strategy != Strategy::TokioRayon || cfg!(feature = "peers")
}

/// Runs cases one after another on the main thread and counts the outcomes.
#[derive(Default)]
pub struct Runner {
    passed: usize,
    failed: usize,
}

impl Runner {
    /// Runs one case, catching its panic.
    pub fn case(&mut self, name: &str, case: impl FnOnce()) {
        match panic::catch_unwind(AssertUnwindSafe(case)) {
            Ok(()) => {
                println!("test {name} ... ok");
                self.passed += 1;
            }
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("test {name} ... FAILED: {msg}");
                self.failed += 1;
            }
        }
    }

    /// Prints the summary and exits; call it after dropping the pool and the
    /// server, so that a leftover child process counts as a failure.
    pub fn finish(mut self) -> ! {
        let mut status = 0;
        // SAFETY: waitpid with WNOHANG only writes the status integer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid >= 0 {
            println!("test no_child_process_left ... FAILED: child {pid} was left behind");
            self.failed += 1;
        } else {
            println!("test no_child_process_left ... ok");
            self.passed += 1;
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        std::process::exit(if self.failed == 0 { 0 } else { 1 })
    }
}

/// Arms a watchdog: if the binary is still running after `secs`, SIGALRM ends
/// it (and the pool's workers follow their parent).
pub fn watchdog(secs: u32) {
    // SAFETY: alarm only arms a timer for this process.
    unsafe { libc::alarm(secs) };
}
