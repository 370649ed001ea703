//! The recorded intervals show overlap where the design promises it and none
//! where it must not:
//!
//! * `threads`, `event-loop+processes`: computations of different carts overlap;
//! * `pipelined`: computing starts while other carts are still being fetched;
//! * `event-loop+processes`: nothing is computed before every fetch is done;
//! * `threads+gil` and `event-loop`: computations of different carts never
//!   overlap (the GIL, the single loop thread), while their fetches do.
//!
//! Margins are generous: "overlap" means at least a millisecond of it, "no
//! overlap" allows a few microseconds of clock noise per switch. No absolute
//! time is asserted.
//!
//! `harness = false`: the process pool must be made first, single-threaded.

mod carts_support;

use carts_support::{ran, workload, Runner};
use homemade::carts::bars::{cross_cart_overlap_ns, union_len_ns, Bar};
use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{self, RunResult, Runtimes, Strategy};
use homemade::trace::CartPhase;

/// One millisecond in nanoseconds.
const MS: u64 = 1_000_000;

/// The run's bars of one phase, read back from its trace events.
fn of(run: &RunResult, phase: CartPhase) -> Vec<Bar> {
    run.bars()
        .into_iter()
        .filter(|b| b.phase == phase)
        .collect()
}

fn main() {
    carts_support::watchdog(240);
    let pool = strategies::pricing_pool(5).expect("process pool");
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into()).expect("server");
    let wl = workload(&server.base_url(), (1..=5).collect(), 30.0, Work::Compute);
    let rt = Runtimes {
        processes: Some(&pool),
    };
    let mut runner = Runner::default();

    runner.case("threads_compute_overlaps", || {
        let run = ran(Strategy::Threads, &wl, rt);
        assert!(cross_cart_overlap_ns(&run.bars(), CartPhase::Price) > MS);
        assert!(cross_cart_overlap_ns(&run.bars(), CartPhase::Fetch) > MS);
    });

    runner.case(
        "explainer_program_fetches_all_then_computes_in_parallel",
        || {
            let run = ran(Strategy::EventLoopProcesses, &wl, rt);
            assert!(cross_cart_overlap_ns(&run.bars(), CartPhase::Price) > MS);
            let last_fetch = of(&run, CartPhase::Fetch)
                .iter()
                .map(|s| s.end_ns)
                .max()
                .unwrap();
            let first_compute = of(&run, CartPhase::Price)
                .iter()
                .map(|s| s.start_ns)
                .min()
                .unwrap();
            assert!(first_compute >= last_fetch, "gather, then map");
            let lanes: std::collections::HashSet<_> =
                of(&run, CartPhase::Price).iter().map(|s| s.lane).collect();
            assert!(lanes.len() >= 2, "computed in several worker processes");
        },
    );

    runner.case("pipelined_computes_while_fetching", || {
        let run = ran(Strategy::Pipelined, &wl, rt);
        let last_fetch = of(&run, CartPhase::Fetch)
            .iter()
            .map(|s| s.end_ns)
            .max()
            .unwrap();
        let computing_meanwhile: u64 = of(&run, CartPhase::Price)
            .iter()
            .map(|s| s.end_ns.min(last_fetch).saturating_sub(s.start_ns))
            .sum();
        assert!(
            computing_meanwhile > MS,
            "some cart is priced before the last response arrives"
        );
    });

    runner.case("threads_gil_compute_never_overlaps", || {
        let run = ran(Strategy::ThreadsGil, &wl, rt);
        let computing = union_len_ns(
            of(&run, CartPhase::Price)
                .iter()
                .map(|s| (s.start_ns, s.end_ns)),
        );
        let overlap = cross_cart_overlap_ns(&run.bars(), CartPhase::Price);
        assert!(
            overlap * 100 <= computing,
            "GIL slices overlap for {overlap} ns of {computing} ns"
        );
        // The GIL is released while waiting on the network: fetches overlap.
        assert!(cross_cart_overlap_ns(&run.bars(), CartPhase::Fetch) > MS);
        // And the GIL was really handed over (several slices per cart).
        assert!(of(&run, CartPhase::Price).len() > 5);
        // Measured in CPU time too: never more than one core's worth of
        // pricing per second of pricing (10% + 5 ms of slack for the
        // spinning a waiting thread may do before it parks).
        let cpu: u64 = run.priced.iter().map(|p| p.cpu_ns).sum();
        assert!(
            cpu <= computing + computing / 10 + 5 * MS,
            "{cpu} ns of CPU in {computing} ns of GIL-held time"
        );
    });

    runner.case("event_loop_compute_never_overlaps", || {
        let run = ran(Strategy::EventLoop, &wl, rt);
        assert_eq!(cross_cart_overlap_ns(&run.bars(), CartPhase::Price), 0);
        assert!(cross_cart_overlap_ns(&run.bars(), CartPhase::Fetch) > MS);
        let lanes: std::collections::HashSet<_> = run.bars().iter().map(|s| s.lane).collect();
        assert_eq!(lanes.len(), 1, "everything on the loop's one lane");
    });

    drop(server);
    drop(pool);
    runner.finish();
}
