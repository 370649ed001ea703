//! The report: one row per strategy, the lower bound, and the explainer's
//! own lines.
//!
//! ## The columns
//!
//! | column | meaning |
//! |---|---|
//! | `fetch` | time during which at least one request was in flight (the union of the fetch bars) |
//! | `compute` | time during which at least one cart was being priced (the union of the compute bars) |
//! | `total` | wall time of the whole strategy |
//! | `speedup` | `sequential`'s total divided by this total |
//! | `/bound` | this total divided by the critical-path bound (1.00× would be a perfect schedule) |
//! | `grand total` | the sum the strategy computed, ✓ when it equals the data's oracle |
//!
//! Where `fetch + compute > total`, fetching and computing overlapped: that is
//! what the pipelined strategies are for. Where `fetch + compute ≈ total`,
//! one waited for the other.
//!
//! The figures come from the recorded spans only (`spans.rs`), so the table and
//! the timeline always agree.
//!
//! Read next: `timeline.rs`.

use super::bound::{CartCost, CriticalPath};
use super::spans::{union_len_ns, SpanKind};
use super::strategies::{RunResult, Strategy};
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
        let union = |kind| {
            union_len_ns(
                run.spans
                    .iter()
                    .filter(|s| s.kind == kind)
                    .map(|s| (s.start_ns, s.end_ns)),
            ) as f64
                / 1e9
        };
        let total_s = run.wall_ns as f64 / 1e9;
        Row {
            strategy: run.strategy.name(),
            fetch_s: union(SpanKind::Fetch),
            compute_s: union(SpanKind::Compute),
            total_s,
            speedup: sequential_s.map(|s| s / total_s),
            vs_bound: bound.map(|b| total_s / b.seconds),
            total_cents: run.total_cents,
            expected_cents,
            correct: expected_cents == Some(run.total_cents),
        }
    }
}

/// The measured cost of every cart in a run: its fetch bar and the sum of its
/// compute bars. Meaningful for `sequential`, where nothing competes.
pub fn cart_costs(run: &RunResult) -> Vec<CartCost> {
    run.priced
        .iter()
        .map(|p| {
            let of = |kind| -> f64 {
                run.spans
                    .iter()
                    .filter(|s| s.cart == p.id && s.kind == kind)
                    .map(|s| s.len_ns() as f64 / 1e9)
                    .sum()
            };
            CartCost {
                id: p.id,
                latency_s: of(SpanKind::Fetch),
                compute_s: of(SpanKind::Compute),
            }
        })
        .collect()
}

/// Width of the strategy column.
const NAME_W: usize = 21;

/// The table's header and rule.
pub fn header() -> String {
    format!(
        "{:<NAME_W$} {:>8} {:>8} {:>8} {:>8} {:>7}  grand total\n{}",
        "strategy",
        "fetch",
        "compute",
        "total",
        "speedup",
        "/bound",
        "-".repeat(NAME_W + 1 + 9 * 4 + 8 + 2 + 14)
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
        "{:<NAME_W$} {:>7.2}s {:>7.2}s {:>7.2}s {:>8} {:>7}  {}",
        row.strategy,
        row.fetch_s,
        row.compute_s,
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
    cores: usize,
) -> Vec<String> {
    let mut lines = vec![format!(
        "Lower bound: {:.2}s on {} cores ({}; longest chain: cart {} waits and computes {:.2}s; \
         core capacity: {:.2}s).",
        bound.seconds,
        cores,
        if measured {
            "from the latencies and CPU times `sequential` measured"
        } else {
            "from the nominal id x unit costs"
        },
        bound.longest_cart,
        bound.longest_chain_s,
        bound.capacity_s,
    )];
    if ids == [1, 2, 3, 4, 5] {
        let ideal = CriticalPath::ideal(ids, 1.0, cores.max(2));
        lines.push(format!(
            "A note on the explainer: it expects its program to take \"roughly 5-6 seconds\" \
             (1 s units). With these carts that cannot hold: cart 5 alone waits 5 units for \
             its response and then computes for 5 units, so no schedule on any number of cores \
             finishes before {:.0} units ({:.0} s there, {:.2} s here with {:.0} ms units). \
             Its own program (gather, then map) also needs max wait + max compute = 10 units.",
            ideal.seconds,
            ideal.seconds,
            ideal.seconds * unit_s,
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
        .spans
        .iter()
        .filter(|s| s.kind == SpanKind::Fetch)
        .map(|s| s.end_ns)
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
