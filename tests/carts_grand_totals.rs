//! Every strategy returns the data's grand total: 17130.47 for carts 1..5 and
//! 3834278.63 for all 208 carts (with tiny units), for real computation and
//! for `--work sleep`.
//!
//! `harness = false`: the process pool must be made first, single-threaded.

mod carts_support;

use carts_support::{built, ran, workload, Runner};
use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{self, Outcome, Runtimes, Strategy};
use homemade::carts::CartStore;

fn main() {
    carts_support::watchdog(240);
    // 1. The pool, while this process has one thread.
    let pool = strategies::pricing_pool(3).expect("process pool");
    // 2. The server (a thread of its own).
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into()).expect("server");
    let url = server.base_url();
    let rt = Runtimes {
        processes: Some(&pool),
    };
    let mut runner = Runner::default();

    runner.case("every_strategy_totals_carts_1_to_5", || {
        let wl = workload(&url, (1..=5).collect(), 2.0, Work::Compute);
        assert_eq!(CartStore::embedded().total_cents(1..=5), Some(1_713_047));
        for s in Strategy::ALL.into_iter().filter(|s| built(*s)) {
            let run = ran(s, &wl, rt);
            assert_eq!(run.total_cents, 1_713_047, "{}", s.name());
            let ids: Vec<u64> = run.priced.iter().map(|p| p.id).collect();
            assert_eq!(ids, vec![1, 2, 3, 4, 5], "{}", s.name());
        }
    });

    runner.case("every_strategy_totals_all_208_carts", || {
        let wl = workload(&url, (1..=208).collect(), 0.01, Work::Compute);
        for s in Strategy::ALL.into_iter().filter(|s| built(*s)) {
            let run = ran(s, &wl, rt);
            assert_eq!(run.total_cents, 383_427_863, "{}", s.name());
            assert_eq!(run.priced.len(), 208, "{}", s.name());
        }
    });

    runner.case("sleep_work_gives_the_same_totals", || {
        let wl = workload(&url, (1..=5).collect(), 1.0, Work::Sleep);
        for s in Strategy::ALL.into_iter().filter(|s| built(*s)) {
            assert_eq!(ran(s, &wl, rt).total_cents, 1_713_047, "{}", s.name());
        }
    });

    runner.case("process_strategies_without_a_pool_say_why", || {
        let wl = workload(&url, vec![1], 0.1, Work::Compute);
        for s in [Strategy::EventLoopProcesses, Strategy::Pipelined] {
            match strategies::run(s, &wl, Runtimes::default()) {
                Ok(Outcome::Unavailable(why)) => assert!(why.contains("process pool"), "{why}"),
                other => panic!("{}: expected Unavailable, got {other:?}", s.name()),
            }
        }
    });

    drop(server);
    drop(pool);
    runner.finish();
}
