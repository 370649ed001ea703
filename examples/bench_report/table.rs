//! The ratio table: every case of the table file filled in with the
//! measurements found, each implementation put against the case's anchor
//! (and against the other references its goals name), then written as
//! markdown. `svg.rs` draws the same `Report`.
//!
//! A ratio is time(of) / time(to) of criterion's median estimates, so below
//! 1.0 means `of` is faster. A case whose measurement is missing keeps its
//! row, marked `missing`, and is listed at the end: a bench that failed or
//! was filtered out shows as a gap, never as a stale or invented figure.

use crate::measure::{Measurement, Measurements, Throughput};
use crate::spec::{Bound, Spec};
use std::fmt::Write;

/// The filled-in table.
#[derive(Debug)]
pub struct Report {
    pub benches: Vec<BenchReport>,
    /// `bench / case: id`, for each measurement the table wanted and lacked.
    pub missing: Vec<String>,
    pub not_ratios: Vec<String>,
}

impl Report {
    /// Every ratio of every case, in table order.
    pub fn ratios(&self) -> impl Iterator<Item = &Ratio> {
        self.benches
            .iter()
            .flat_map(|b| &b.cases)
            .flat_map(|c| &c.ratios)
    }
}

#[derive(Debug)]
pub struct BenchReport {
    pub bench: String,
    pub title: String,
    pub cases: Vec<CaseReport>,
}

#[derive(Debug)]
pub struct CaseReport {
    pub case: String,
    /// (label, measurement id, the measurement scaled) per implementation.
    pub medians: Vec<(String, String, Option<Measurement>)>,
    pub ratios: Vec<Ratio>,
}

#[derive(Debug)]
pub struct Ratio {
    pub of: String,
    pub to: String,
    /// `None` when either side is missing.
    pub value: Option<f64>,
    pub goals: Vec<Goal>,
}

#[derive(Debug, Clone)]
pub struct Goal {
    pub bound: Bound,
    pub source: String,
}

impl Ratio {
    /// Whether every goal is met: `None` without a value or without goals.
    pub fn met(&self) -> Option<bool> {
        let v = self.value?;
        if self.goals.is_empty() {
            return None;
        }
        Some(self.goals.iter().all(|g| g.bound.met_by(v)))
    }
}

/// Fills in `spec` from `found`; `threads` replaces `{threads}` in ids.
pub fn build(spec: &Spec, found: &Measurements, threads: usize) -> Report {
    let mut missing = Vec::new();
    let benches = spec
        .benches
        .iter()
        .map(|bench| BenchReport {
            bench: bench.bench.clone(),
            title: bench.title.clone(),
            cases: bench
                .cases
                .iter()
                .map(|case| {
                    let medians: Vec<(String, String, Option<Measurement>)> = case
                        .impls
                        .iter()
                        .map(|imp| {
                            let id = imp.measurement_id(&case.group, threads);
                            let m = found.by_id.get(&id).map(|m| scaled(m, imp.scale()));
                            if m.is_none() {
                                missing.push(format!("{} / {}: `{id}`", bench.bench, case.case));
                            }
                            (imp.label().to_string(), id, m)
                        })
                        .collect();
                    let time = |label: &str| {
                        medians
                            .iter()
                            .find(|(l, _, _)| l == label)
                            .and_then(|(_, _, m)| m.as_ref())
                            .map(|m| m.median_ns)
                    };
                    // Every implementation against the anchor, then the
                    // other pairs the goals name, in the file's order.
                    let mut pairs: Vec<(String, String)> = medians
                        .iter()
                        .filter(|(l, _, _)| *l != case.anchor)
                        .map(|(l, _, _)| (l.clone(), case.anchor.clone()))
                        .collect();
                    for g in &case.goals {
                        if !pairs.iter().any(|(o, t)| *o == g.of && *t == g.to) {
                            pairs.push((g.of.clone(), g.to.clone()));
                        }
                    }
                    let ratios = pairs
                        .into_iter()
                        .map(|(of, to)| {
                            let goals = case
                                .goals
                                .iter()
                                .filter(|g| g.of == of && g.to == to)
                                .map(|g| Goal {
                                    bound: g.bound(),
                                    source: g.source.clone(),
                                })
                                .collect();
                            let value = match (time(&of), time(&to)) {
                                (Some(a), Some(b)) => Some(a / b),
                                _ => None,
                            };
                            Ratio {
                                of,
                                to,
                                value,
                                goals,
                            }
                        })
                        .collect();
                    CaseReport {
                        case: case.case.clone(),
                        medians,
                        ratios,
                    }
                })
                .collect(),
        })
        .collect();
    Report {
        benches,
        missing,
        not_ratios: spec.not_ratios.clone(),
    }
}

fn scaled(m: &Measurement, scale: f64) -> Measurement {
    Measurement {
        median_ns: m.median_ns * scale,
        lower_ns: m.lower_ns * scale,
        upper_ns: m.upper_ns * scale,
        throughput: m.throughput,
    }
}

/// A time in the unit that keeps three significant digits readable.
pub fn format_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {unit}")
}

/// A ratio with two decimals, three below 0.1.
pub fn format_ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.3}")
    } else {
        format!("{r:.2}")
    }
}

/// `≤ 1.05` or `≥ 1.9`.
pub fn format_bound(b: Bound) -> String {
    match b {
        Bound::AtMost(v) => format!("≤ {v}"),
        Bound::AtLeast(v) => format!("≥ {v}"),
    }
}

/// "met", or by how much the goal was missed.
fn verdict(b: Bound, v: f64) -> String {
    if b.met_by(v) {
        return "met".into();
    }
    let off = match b {
        Bound::AtMost(g) => v / g - 1.0,
        Bound::AtLeast(g) => 1.0 - v / g,
    };
    // One decimal below 10%, so a near miss does not read "by 0%".
    let digits = if off < 0.1 { 1 } else { 0 };
    format!("**missed** by {:.digits$}%", off * 100.0)
}

fn per_unit(m: &Measurement) -> String {
    match m.throughput {
        Some(Throughput::Elements(n)) if n > 0 => {
            format!("{} each", format_ns(m.median_ns / n as f64))
        }
        Some(Throughput::Bytes(n)) if n > 0 => {
            format!(
                "{:.0} MiB/s",
                n as f64 / (m.median_ns / 1e9) / (1 << 20) as f64
            )
        }
        _ => String::new(),
    }
}

/// Table cells must not hold a `|`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The markdown report: a header (`notes`, one line each), per bench a
/// table of ratios and one of medians, the missing measurements, the goals
/// that are not ratios, then `appendix` (sections already in markdown).
pub fn markdown(report: &Report, notes: &[String], appendix: &str) -> String {
    let mut out = String::new();
    out.push_str("# Benchmark report\n\n");
    for note in notes {
        let _ = writeln!(out, "{note}  ");
    }
    out.push_str(
        "\nGenerated by `scripts/bench-report` from criterion's own estimates \
         (`new/estimates.json`: the median time per iteration) and the goals in \
         `benches/goals.json`. A ratio is time(of) / time(to): below 1.0 the first \
         is faster. The chart of the same ratios is `bench-ratios.svg`.\n",
    );
    for bench in &report.benches {
        let _ = writeln!(out, "\n## {}: {}\n", bench.bench, cell(&bench.title));
        out.push_str("| case | ratio (time) | value | goals |\n|---|---|---|---|\n");
        for case in &bench.cases {
            for r in &case.ratios {
                let value = r.value.map_or("missing".to_string(), format_ratio);
                let goals: Vec<String> = r
                    .goals
                    .iter()
                    .map(|g| {
                        let v = r.value.map_or("no figure".into(), |v| verdict(g.bound, v));
                        format!("{} ({}): {v}", format_bound(g.bound), g.source)
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} / {} | {value} | {} |",
                    cell(&case.case),
                    cell(&r.of),
                    cell(&r.to),
                    cell(&goals.join("; "))
                );
            }
        }
        out.push_str(
            "\n| case | implementation | median (95% CI) | per unit |\n|---|---|---|---|\n",
        );
        for case in &bench.cases {
            for (label, id, m) in &case.medians {
                let (median, per) = match m {
                    Some(m) => (
                        format!(
                            "{} ({} to {})",
                            format_ns(m.median_ns),
                            format_ns(m.lower_ns),
                            format_ns(m.upper_ns)
                        ),
                        per_unit(m),
                    ),
                    None => (format!("missing (`{id}`)"), String::new()),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {per} |",
                    cell(&case.case),
                    cell(label),
                    cell(&median)
                );
            }
        }
    }
    out.push_str("\n## Missing measurements\n\n");
    if report.missing.is_empty() {
        out.push_str("None: every case of the table file was measured.\n");
    } else {
        for m in &report.missing {
            let _ = writeln!(out, "- {m}");
        }
    }
    if !report.not_ratios.is_empty() {
        out.push_str("\n## Goals that are not ratios\n\n");
        for n in &report.not_ratios {
            let _ = writeln!(out, "- {n}");
        }
    }
    if !appendix.is_empty() {
        out.push('\n');
        out.push_str(appendix);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture_report() -> Report {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench_report");
        let spec = Spec::load(&dir.join("goals.json")).unwrap();
        let mut found = Measurements::default();
        found.read_criterion(&dir.join("criterion")).unwrap();
        found.read_python_log(
            &std::fs::read_to_string(dir.join("logs/process_pool_py.log")).unwrap(),
        );
        build(&spec, &found, 2)
    }

    fn ratio<'a>(report: &'a Report, case: &str, of: &str, to: &str) -> &'a Ratio {
        report
            .benches
            .iter()
            .flat_map(|b| &b.cases)
            .filter(|c| c.case == case)
            .flat_map(|c| &c.ratios)
            .find(|r| r.of == of && r.to == to)
            .unwrap_or_else(|| panic!("no ratio {of} / {to} in {case}"))
    }

    #[test]
    fn ratios_are_medians_divided() {
        let report = fixture_report();
        // 20 ms / 5 ms and 20 ms / 25 ms in the fixture.
        assert_eq!(
            ratio(&report, "fib", "homemade", "sequential").value,
            Some(4.0)
        );
        assert_eq!(ratio(&report, "fib", "homemade", "rayon").value, Some(0.8));
        assert_eq!(
            ratio(&report, "fib", "rayon", "sequential").value,
            Some(5.0)
        );
        // A Python per-task figure scaled to the batch: 1.5 ms / (0.3 µs x 10,000).
        let r = ratio(&report, "map <tiny> & co", "homemade", "python")
            .value
            .unwrap();
        assert!((r - 0.5).abs() < 1e-12, "{r}");
    }

    #[test]
    fn goals_are_judged() {
        let report = fixture_report();
        let r = ratio(&report, "fib", "homemade", "rayon");
        assert_eq!(r.met(), Some(true));
        assert_eq!(
            ratio(&report, "fib", "homemade", "sequential").met(),
            Some(false)
        );
        assert_eq!(ratio(&report, "fib", "rayon", "sequential").met(), None);
        let md = markdown(&report, &[], "");
        assert!(
            md.contains(
                "| fib | homemade / sequential | 4.00 | ≤ 1 (issue 12): **missed** by 300% |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| fib | homemade / rayon | 0.80 | ≤ 1 (README): met |"),
            "{md}"
        );
    }

    #[test]
    fn missing_cases_are_reported_not_fatal() {
        let report = fixture_report();
        // chili has no estimate in the fixture, nor the whole `http` case.
        let r = ratio(&report, "fib", "chili", "sequential");
        assert_eq!(r.value, None);
        let r = ratio(&report, "keep-alive", "homemade", "hyper");
        assert_eq!((r.value, r.met()), (None, None));
        assert_eq!(
            report.missing,
            [
                "thread_pool / fib: `fib32/2threads/chili`",
                "http / keep-alive: `http/sequential_keepalive/homemade`",
                "http / keep-alive: `http/sequential_keepalive/hyper`",
            ]
        );
        let md = markdown(&report, &[], "");
        assert!(
            md.contains("| fib | chili / sequential | missing |"),
            "{md}"
        );
        assert!(
            md.contains("| keep-alive | homemade / hyper | missing | ≤ 1 (README): no figure |"),
            "{md}"
        );
        assert!(
            md.contains("- http / keep-alive: `http/sequential_keepalive/hyper`"),
            "{md}"
        );
    }

    #[test]
    fn an_at_least_goal_is_missed_below_it() {
        assert_eq!(verdict(Bound::AtLeast(1.9), 1.94), "met");
        assert_eq!(verdict(Bound::AtLeast(2.0), 1.5), "**missed** by 25%");
        assert_eq!(verdict(Bound::AtMost(1.05), 1.05), "met");
        assert_eq!(verdict(Bound::AtMost(0.8), 1.0), "**missed** by 25%");
        assert_eq!(verdict(Bound::AtMost(1.5), 1.503), "**missed** by 0.2%");
    }

    #[test]
    fn times_are_readable() {
        assert_eq!(format_ns(999.0), "999 ns");
        assert_eq!(format_ns(35_464_935.9), "35.5 ms");
        assert_eq!(format_ns(4_520.0), "4.52 µs");
        assert_eq!(format_ratio(0.0543), "0.054");
    }
}
