//! The report: one row per strategy, the lower bound, and the explainer's
//! own lines.
//!
//! ## The columns
//!
//! | column | meaning |
//! |---|---|
//! | `fetch` | time during which at least one request was in flight (the union of the fetch bars) |
//! | `compute` | time during which at least one cart was being priced (the union of the compute bars) |
//! | `cores` | CPU time the kernel consumed divided by `compute`: how many cores were busy pricing, on average, while any pricing happened. Two on two free cores; never above one under the GIL or on a single loop |
//! | `total` | wall time of the whole strategy |
//! | `speedup` | `sequential`'s total divided by this total |
//! | `/bound` | this total divided by the critical-path bound (1.00× would be a perfect schedule) |
//! | `grand total` | the sum the strategy computed, ✓ when it equals the data's oracle |
//!
//! Where `fetch + compute > total`, fetching and computing overlapped: that is
//! what the pipelined strategies are for. Where `fetch + compute ≈ total`,
//! one waited for the other.
//!
//! The figures come from the run's cart events only (the bars of `bars.rs`,
//! read back from the trace), so the table, the timeline and a `--trace`
//! file always agree.
//!
//! Read next: `timeline.rs`.

use super::bars::union_len_ns;
use super::bound::{CartCost, CriticalPath};
use super::pricing::Work;
use super::strategies::{RunResult, Strategy, Workload};
use crate::trace::CartPhase;
use serde::Serialize;

/// One line of the table, as printed and as written by `--json`.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The strategy's name.
    pub strategy: &'static str,
    /// Seconds during which at least one fetch was in flight.
    pub fetch_s: f64,
    /// Seconds during which at least one cart was being priced.
    pub compute_s: f64,
    /// CPU seconds the pricing kernel consumed, all carts together.
    pub cpu_s: f64,
    /// `cpu_s / compute_s`: how many cores were busy pricing, on average,
    /// while any pricing happened (at most 1 under the GIL or on one loop).
    pub cores_used: f64,
    /// Wall time of the strategy, in seconds.
    pub total_s: f64,
    /// `sequential`'s total over this total (if `sequential` ran).
    pub speedup: Option<f64>,
    /// This total over the critical-path bound (if known).
    pub vs_bound: Option<f64>,
    /// The grand total the strategy computed, in cents.
    pub total_cents: i64,
    /// The oracle's grand total, in cents (if every cart is in the data).
    pub expected_cents: Option<i64>,
    /// True when `total_cents` equals the oracle.
    pub correct: bool,
}

impl Row {
    /// Reduces a run to its row.
    pub fn new(
        run: &RunResult,
        expected_cents: Option<i64>,
        sequential_s: Option<f64>,
        bound: Option<&CriticalPath>,
    ) -> Row {
        let bars = run.bars();
        let union = |phase| {
            union_len_ns(
                bars.iter()
                    .filter(|b| b.phase == phase)
                    .map(|b| (b.start_ns, b.end_ns)),
            ) as f64
                / 1e9
        };
        let total_s = run.wall_ns as f64 / 1e9;
        let compute_s = union(CartPhase::Price);
        let cpu_s = run
            .priced
            .iter()
            .map(|p| p.cpu_ns as f64 / 1e9)
            .sum::<f64>();
        Row {
            strategy: run.strategy.name(),
            fetch_s: union(CartPhase::Fetch),
            compute_s,
            cpu_s,
            cores_used: if compute_s > 0.0 {
                cpu_s / compute_s
            } else {
                0.0
            },
            total_s,
            speedup: sequential_s.filter(|_| total_s > 0.0).map(|s| s / total_s),
            vs_bound: bound
                .filter(|b| b.seconds > 0.0)
                .map(|b| total_s / b.seconds),
            total_cents: run.total_cents,
            expected_cents,
            correct: expected_cents == Some(run.total_cents),
        }
    }
}

/// The cost of every cart, from a run where nothing competes (`sequential`).
///
/// * **Latency**: the server's delay for the cart plus the *median* overhead
///   of a request in that run (measured fetch time minus delay). Taking the
///   median keeps one request that another program happened to slow down
///   from raising the bound: a lower bound must stay low.
/// * **Compute**: with `--work compute`, the CPU time the kernel consumed
///   (another program's load does not inflate it); with `--work sleep`, the
///   length of the sleep (the price bars).
pub fn cart_costs(run: &RunResult, wl: &Workload) -> Vec<CartCost> {
    let bars = run.bars();
    let of = |id: u64, phase| -> f64 {
        bars.iter()
            .filter(|b| b.cart == id && b.phase == phase)
            .map(|b| b.len_ns() as f64 / 1e9)
            .sum()
    };
    let delay = |id: u64| wl.delay_ms(id) as f64 / 1e3;
    let mut overheads: Vec<f64> = run
        .priced
        .iter()
        .map(|p| of(p.id, CartPhase::Fetch) - delay(p.id))
        .collect();
    overheads.sort_by(f64::total_cmp);
    let overhead = overheads.get(overheads.len() / 2).copied().unwrap_or(0.0);
    run.priced
        .iter()
        .map(|p| CartCost {
            id: p.id,
            latency_s: (delay(p.id) + overhead).max(0.0),
            compute_s: match wl.work {
                Work::Compute => p.cpu_ns as f64 / 1e9,
                Work::Sleep => of(p.id, CartPhase::Price),
            },
        })
        .collect()
}

/// Width of the strategy column.
const NAME_W: usize = 21;

/// The table's header and rule.
pub fn header() -> String {
    format!(
        "{:<NAME_W$} {:>8} {:>8} {:>6} {:>8} {:>8} {:>7}  grand total\n{}",
        "strategy",
        "fetch",
        "compute",
        "cores",
        "total",
        "speedup",
        "/bound",
        "-".repeat(NAME_W + 1 + 9 * 4 + 7 + 8 + 2 + 14)
    )
}

/// One row of the table.
pub fn format_row(row: &Row) -> String {
    let ratio = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}x"));
    let check = match row.expected_cents {
        Some(_) if row.correct => format!("{} ✓", money(row.total_cents)),
        Some(expected) => format!(
            "{} ✗ WRONG (the data says {})",
            money(row.total_cents),
            money(expected)
        ),
        None => format!("{} (no oracle for these ids)", money(row.total_cents)),
    };
    format!(
        "{:<NAME_W$} {:>7.2}s {:>7.2}s {:>6.2} {:>7.2}s {:>8} {:>7}  {}",
        row.strategy,
        row.fetch_s,
        row.compute_s,
        row.cores_used,
        row.total_s,
        ratio(row.speedup),
        ratio(row.vs_bound),
        check
    )
}

/// The row of a strategy that cannot run here.
pub fn format_unavailable(strategy: Strategy, why: &str) -> String {
    format!("{:<NAME_W$} not available: {why}", strategy.name())
}

/// Cents as `17130.47`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// The lines that explain the bound, and, for the explainer's carts 1..5,
/// why its "5-6 seconds" cannot hold.
pub fn bound_lines(
    bound: &CriticalPath,
    measured: bool,
    ids: &[u64],
    unit_s: f64,
    work: Work,
) -> Vec<String> {
    let source = if measured {
        "from the latencies and CPU times measured by `sequential`"
    } else {
        "from the nominal id x unit costs (`sequential` did not run)"
    };
    let cores = match work {
        Work::Compute => format!("{} cores", bound.cores),
        Work::Sleep => "any number of cores (sleeps need none)".to_string(),
    };
    let mut lines = vec![
        format!("Lower bound: {:.2}s on {cores}, {source}:", bound.seconds),
        format!(
            "  cart {} alone waits and then computes for {:.2}s; the cores cannot do all the \
             pricing in less than {:.2}s.",
            bound.longest_cart, bound.longest_chain_s, bound.capacity_s
        ),
    ];
    if ids == [1, 2, 3, 4, 5] {
        let units = CriticalPath::ideal(ids, 1.0, 5).seconds;
        lines.push(format!(
            "A note on the explainer: it says its program takes \"roughly 5-6 seconds\" (1 s units).\n  \
             Respectfully, that cannot be: cart 5 alone waits 5 units for its response and then computes\n  \
             for 5 units, so no schedule on any number of cores finishes before {units:.0} units ({units:.0} s \
             there;\n  {:.2} s here with {:.0} ms units). Its own program, which gathers every cart before \
             computing any,\n  needs at least max wait + max compute = 10 units as well.",
            units * unit_s,
            unit_s * 1e3
        ));
    }
    lines
}

/// The explainer's three "instead of ~N" lines, for its own program
/// (`event-loop+processes`), with our measured times.
pub fn explainer_lines(run: &RunResult, ids: &[u64], unit_s: f64) -> Vec<String> {
    let sum_units: u64 = ids.iter().sum();
    let naive = sum_units as f64 * unit_s;
    let fetched_s = run
        .bars()
        .iter()
        .filter(|b| b.phase == CartPhase::Fetch)
        .map(|b| b.end_ns)
        .max()
        .unwrap_or(0) as f64
        / 1e9;
    let total_s = run.wall_ns as f64 / 1e9;
    vec![
        format!("All carts fetched in {fetched_s:.2} seconds, instead of ~{naive:.2}"),
        format!("Total price of all carts: {}", money(run.total_cents)),
        format!(
            "Calculation done in {:.2} seconds instead of ~{naive:.2}",
            total_s - fetched_s
        ),
        format!(
            "Total elapsed time: {total_s:.2} seconds, instead of ~{:.2}",
            2.0 * naive
        ),
    ]
}

/// One line comparing the explainer's program with `pipelined`, which uses
/// the same loop and the same pool but hands each cart over on arrival.
pub fn pipelining_line(explainer: &RunResult, pipelined: &RunResult) -> String {
    let (e, p) = (
        explainer.wall_ns as f64 / 1e9,
        pipelined.wall_ns as f64 / 1e9,
    );
    if p < e {
        format!(
            "  pipelined (same loop, same pool, each cart handed over on arrival): {p:.2} seconds, \
             {:.2} s ({:.0}%) sooner.",
            e - p,
            100.0 * (e - p) / e
        )
    } else {
        format!(
            "  pipelined (same loop, same pool, each cart handed over on arrival): {p:.2} seconds, \
             no faster this time (see the cores column: was the machine busy?)."
        )
    }
}

/// One line per cart that was priced again because its worker process
/// died during the run (see `strategies.rs`, "A worker process killed
/// mid-run"): which cart, which worker was lost and why, and which process
/// priced it in the end. Printed under the strategy's row.
pub fn retry_lines(run: &RunResult) -> Vec<String> {
    run.retries
        .iter()
        .map(|r| {
            let priced_on = run
                .priced
                .iter()
                .find(|p| p.id == r.cart)
                .map_or_else(|| "nowhere".to_string(), |p| format!("pid {}", p.pid));
            format!(
                "  retried cart {} (attempt {} lost on pid {}: {}); priced again on {priced_on}",
                r.cart, r.attempt, r.lost_pid, r.reason
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_prints_two_decimals() {
        assert_eq!(money(1_713_047), "17130.47");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-150), "-1.50");
    }

    #[test]
    fn a_wrong_total_is_loud() {
        let row = Row {
            strategy: "x",
            fetch_s: 1.0,
            compute_s: 1.0,
            cpu_s: 1.0,
            cores_used: 1.0,
            total_s: 2.0,
            speedup: Some(1.0),
            vs_bound: None,
            total_cents: 1,
            expected_cents: Some(2),
            correct: false,
        };
        assert!(format_row(&row).contains("WRONG"));
    }
}
