//! The cart workload at scale: all 208 carts with small units, `pipelined`
//! (our event loop + our process pool) against `tokio+rayon`, and both against
//! the critical-path lower bound.
//!
//! Cart `i` waits `i × UNIT` on the server and computes `i × UNIT` of CPU time,
//! so one iteration holds Σ i × UNIT = 21736 × 0.05 ms ≈ 1.09 s of CPU work
//! and as much network waiting; on 2 cores the bound is about half the CPU
//! work. The goal (a benchmark, not a test): `pipelined` within 1.05× of
//! `tokio+rayon` and within 1.15× of the bound.
//!
//! Criterion times both rows; the same samples are kept (`iter_custom`) to
//! print, at the end, the median ratios pipelined/tokio+rayon and each/bound.
//! The bound comes from one `sequential` run measured here, with the core
//! count of this machine. A second ratio uses each sample's *own-work bound*:
//! the same critical path with the kernel CPU times of that very sample, since
//! on a shared virtual machine a unit of work does not always cost the same
//! CPU time. The `cores` figure (kernel CPU time / wall time) shows how much
//! of the machine each row really got.
//!
//! `harness = false`, and the process pool is made first thing in `main`,
//! while the process is single-threaded. Run: `cargo bench --bench carts`.

use criterion::Criterion;
use homemade::carts::bound::{CartCost, CriticalPath};
use homemade::carts::pricing::{Calibration, Work};
use homemade::carts::report::cart_costs;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{self, Outcome, RunResult, Runtimes, Strategy, Workload};
use std::cell::RefCell;
use std::time::Duration;

/// The unit of the benchmark, in milliseconds.
const UNIT_MS: f64 = 0.05;

/// Back-to-back pairs (pipelined, tokio+rayon) run after criterion.
const PAIRS: usize = 10;

/// Runs one strategy, insisting on the right grand total.
fn run(strategy: Strategy, wl: &Workload, rt: Runtimes<'_>) -> RunResult {
    match strategies::run(strategy, wl, rt) {
        Ok(Outcome::Ran(run)) => {
            assert_eq!(run.total_cents, 383_427_863, "{}", strategy.name());
            run
        }
        Ok(Outcome::Unavailable(why)) => panic!("{}: not available: {why}", strategy.name()),
        Err(e) => panic!("{}: {e}", strategy.name()),
    }
}

/// The median of some durations, in seconds.
fn median(samples: &[f64]) -> f64 {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.max(5);
    // The pool first, while this process has a single thread.
    let pool = strategies::pricing_pool(workers).expect("process pool");
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into()).expect("server");
    let wl = Workload {
        base_url: server.base_url(),
        ids: (1..=208).collect(),
        unit: Duration::from_secs_f64(UNIT_MS / 1e3),
        work: Work::Compute,
        calibration: Calibration::measure(),
        workers,
        timeout: strategies::REQUEST_TIMEOUT,
    };
    let rt = Runtimes {
        processes: Some(&pool),
    };

    // The bound, from one sequential run.
    let sequential = run(Strategy::Sequential, &wl, rt);
    let bound = CriticalPath::compute(&cart_costs(&sequential, &wl), cores);

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .configure_from_args();
    let mut group = criterion.benchmark_group("carts_208");
    // (strategy, wall seconds, kernel CPU seconds, own-work bound) of every
    // sample. The own-work bound is the same critical path with this
    // sample's own kernel CPU times: on a shared virtual machine a unit of
    // work does not always cost the same CPU time, and this bound removes
    // that variation, leaving only the schedule (and stolen cores).
    let samples: RefCell<Vec<(Strategy, f64, f64, f64)>> = RefCell::new(Vec::new());
    let latencies = cart_costs(&sequential, &wl);
    let own_bound = |r: &RunResult| -> f64 {
        let costs: Vec<CartCost> = latencies
            .iter()
            .zip(&r.priced)
            .map(|(l, p)| CartCost {
                id: p.id,
                latency_s: l.latency_s,
                compute_s: p.cpu_ns as f64 / 1e9,
            })
            .collect();
        CriticalPath::compute(&costs, cores).seconds
    };
    for strategy in [Strategy::Pipelined, Strategy::TokioRayon] {
        group.bench_function(strategy.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let r = run(strategy, &wl, rt);
                    let wall = Duration::from_nanos(r.wall_ns);
                    let cpu = r.priced.iter().map(|p| p.cpu_ns as f64 / 1e9).sum();
                    let own = own_bound(&r);
                    samples
                        .borrow_mut()
                        .push((strategy, wall.as_secs_f64(), cpu, own));
                    total += wall;
                }
                total
            })
        });
    }
    group.finish();
    criterion.final_summary();

    let of = |s: Strategy| -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for (_, wall, cpu, own) in samples.borrow().iter().filter(|x| x.0 == s) {
            out.0.push(*wall);
            out.1.push(cpu / wall);
            out.2.push(wall / own);
        }
        out
    };
    let ((pipelined, p_cores, p_own), (tokio_rayon, t_cores, t_own)) =
        (of(Strategy::Pipelined), of(Strategy::TokioRayon));
    if pipelined.is_empty() || tokio_rayon.is_empty() {
        return; // filtered out on the command line
    }
    let (p, t) = (median(&pipelined), median(&tokio_rayon));
    println!();
    println!(
        "carts_208 (unit {UNIT_MS} ms, {workers} workers, {cores} cores; medians of every sample):"
    );
    println!(
        "  sequential {:.3} s (one run); critical-path bound {:.3} s (chain {:.3} s, capacity {:.3} s)",
        sequential.wall_ns as f64 / 1e9,
        bound.seconds,
        bound.longest_chain_s,
        bound.capacity_s
    );
    // "cores": kernel CPU time over wall time. Below the core count means
    // the cores were idle or, on a shared machine, busy with someone else.
    println!(
        "  pipelined   {p:.3} s  = {:.3}x bound, {:.3}x own-work bound  ({:.2} cores busy pricing)",
        p / bound.seconds,
        median(&p_own),
        median(&p_cores)
    );
    println!(
        "  tokio+rayon {t:.3} s  = {:.3}x bound, {:.3}x own-work bound  ({:.2} cores busy pricing)",
        t / bound.seconds,
        median(&t_own),
        median(&t_cores)
    );
    println!("  pipelined / tokio+rayon = {:.3}x (goal <= 1.05x)", p / t);

    // Criterion measures one row, then the other: if another program starts
    // in between, the ratio shows the machine, not the rows. Pairs run back
    // to back see the same machine; their median ratio is the robust figure.
    let ratios: Vec<f64> = (0..PAIRS)
        .map(|i| {
            let (a, b) = if i % 2 == 0 {
                (Strategy::Pipelined, Strategy::TokioRayon)
            } else {
                (Strategy::TokioRayon, Strategy::Pipelined)
            };
            let (ra, rb) = (run(a, &wl, rt), run(b, &wl, rt));
            let (p, t) = if a == Strategy::Pipelined {
                (ra.wall_ns, rb.wall_ns)
            } else {
                (rb.wall_ns, ra.wall_ns)
            };
            p as f64 / t as f64
        })
        .collect();
    println!(
        "  paired runs ({PAIRS}, alternating order): median pipelined / tokio+rayon = {:.3}x (min {:.3}, max {:.3})",
        median(&ratios),
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max)
    );
    drop(server);
    drop(pool);
}
