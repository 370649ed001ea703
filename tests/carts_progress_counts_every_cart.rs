//! Every strategy, run through the one fetch-then-price driver, counts each
//! cart once as fetched and once as priced (`strategies::run_counted`), and
//! records exactly one fetch bar and at least one compute bar per cart
//! (several only under the GIL, where each slice is a bar).
//!
//! `harness = false`: the process pool must be made first, single-threaded.

mod carts_support;

use carts_support::{built, workload, Runner};
use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{self, Outcome, Progress, Runtimes, Strategy};
use homemade::trace::CartPhase;

fn main() {
    carts_support::watchdog(120);
    let pool = strategies::pricing_pool(3).expect("process pool");
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into()).expect("server");
    let url = server.base_url();
    let rt = Runtimes {
        processes: Some(&pool),
    };
    let mut runner = Runner::default();

    runner.case("every_strategy_counts_each_cart_once", || {
        let ids: Vec<u64> = (1..=7).collect();
        let wl = workload(&url, ids.clone(), 1.0, Work::Compute);
        for s in Strategy::ALL.into_iter().filter(|s| built(*s)) {
            let progress = Progress::new();
            let run = match strategies::run_counted(s, &wl, rt, &progress) {
                Ok(Outcome::Ran(run)) => run,
                other => panic!("{}: {other:?}", s.name()),
            };
            assert_eq!(progress.fetched(), ids.len(), "{} fetched", s.name());
            assert_eq!(progress.priced(), ids.len(), "{} priced", s.name());
            let all = run.bars();
            for &id in &ids {
                let bars = |phase| {
                    all.iter()
                        .filter(|b| b.cart == id && b.phase == phase)
                        .count()
                };
                assert_eq!(bars(CartPhase::Fetch), 1, "{}: cart {id}", s.name());
                let compute = bars(CartPhase::Price);
                if s == Strategy::ThreadsGil {
                    assert!(compute >= 1, "{}: cart {id}", s.name());
                } else {
                    assert_eq!(compute, 1, "{}: cart {id}", s.name());
                }
            }
        }
    });

    drop(server);
    drop(pool);
    runner.finish();
}
