//! A worker process killed while pricing a cart does not end the run: the
//! cart is priced again on a live worker (the pricing pool retries, pricing
//! being idempotent), the grand total is right, and the run names the cart,
//! the lost worker and the reason, which the report prints as a line.
//!
//! The pool's pricing function is the real one plus a test hook: the first
//! time any worker prices cart 4, it SIGKILLs itself (a marker file makes
//! "first time" hold across processes).
//!
//! `harness = false`: the process pool must be made first, single-threaded.

mod carts_support;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use carts_support::{ran, workload, Runner};
use homemade::carts::pricing::{price_job, PriceJob, Work};
use homemade::carts::report;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{self, Runtimes, Strategy};
use homemade::carts::CartStore;

/// The cart whose first pricing kills its worker.
const VICTIM: u64 = 4;

/// The marker file of this test process.
fn marker() -> PathBuf {
    std::env::temp_dir().join(format!("homemade-carts-kill-{}", std::process::id()))
}

/// Whether this is the first pricing of the victim anywhere (creates the marker).
fn first_time(path: &Path) -> bool {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .is_ok()
}

fn main() {
    carts_support::watchdog(240);
    let path = marker();
    let _ = std::fs::remove_file(&path);
    let hook = path.clone();
    // 1. The pool, while this process has one thread.
    let pool = strategies::pricing_pool_with(3, move |job: PriceJob| {
        if job.cart.id == VICTIM && first_time(&hook) {
            // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
            unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
        }
        price_job(job)
    })
    .expect("process pool");
    // 2. The server (a thread of its own).
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into()).expect("server");
    let url = server.base_url();
    let rt = Runtimes {
        processes: Some(&pool),
    };
    let mut runner = Runner::default();

    for strategy in [Strategy::EventLoopProcesses, Strategy::Pipelined] {
        runner.case(strategy.name(), || {
            let _ = std::fs::remove_file(&path);
            let wl = workload(&url, (1..=8).collect(), 1.0, Work::Compute);
            let before = pool.worker_pids();
            let run = ran(strategy, &wl, rt);
            let expected = CartStore::embedded().total_cents(1..=8).unwrap();
            assert_eq!(run.total_cents, expected, "the grand total of carts 1..=8");
            assert_eq!(run.priced.len(), 8);
            // The map's automatic chunks hold one cart each here (8 carts,
            // 3 workers), so exactly the victim was retried.
            assert_eq!(run.retries.len(), 1, "{:?}", run.retries);
            let r = &run.retries[0];
            assert_eq!((r.cart, r.attempt), (VICTIM, 1));
            assert!(
                before.contains(&r.lost_pid),
                "{} not in {before:?}",
                r.lost_pid
            );
            assert!(r.reason.contains("signal 9"), "{}", r.reason);
            let victim = run.priced.iter().find(|p| p.id == VICTIM).unwrap();
            assert_ne!(victim.pid as i32, r.lost_pid, "priced again elsewhere");
            let lines = report::retry_lines(&run);
            assert_eq!(lines.len(), 1);
            let expected = format!(
                "retried cart {VICTIM} (attempt 1 lost on pid {}",
                r.lost_pid
            );
            assert!(lines[0].contains(&expected), "{}", lines[0]);
            assert!(lines[0].contains(&format!("priced again on pid {}", victim.pid)));
        });
    }

    let _ = std::fs::remove_file(&path);
    drop(server);
    drop(pool);
    runner.finish();
}
