//! Shared helpers of the `carts_*` integration tests.
//!
//! * [`workload`] builds a [`Workload`] for a server with tiny units.
//! * [`ran`] runs one strategy and insists that it ran.
//! * [`Runner`] (from `tests/common`, shared with the process-pool tests) is
//!   the runner of the `harness = false` binaries: tests that use the process
//!   pool must create it while the process is still single-threaded, and
//!   libtest runs tests on threads, so those binaries have a plain `main` that
//!   makes the pool first and then runs each case in turn on the main thread.
#![allow(dead_code)]

use homemade::carts::pricing::{Calibration, Work};
use homemade::carts::strategies::{self, Outcome, RunResult, Runtimes, Strategy, Workload};
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
        timeout: homemade::carts::strategies::REQUEST_TIMEOUT,
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

#[path = "../common/mod.rs"]
mod common;
#[allow(unused_imports)] // not every carts test binary runs cases through it
pub use common::{watchdog, Runner};
