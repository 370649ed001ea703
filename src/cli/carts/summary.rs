//! What `homemade carts` prints around its table: the lines before it, and
//! after it the lower bound, the explainer's own words, the ASCII
//! timelines, the `--timeline` picture and the `--json` document.
//!
//! Every figure comes from the [`Rows`] the strategies measured; nothing
//! here runs anything.
//!
//! Read next: `src/carts/report.rs` (the rows' figures) and
//! `src/carts/timeline.rs` (the pictures).

use super::args::{CartsArgs, Settings};
use super::{Fatal, Out, Rows};
use homemade::carts::bound::CriticalPath;
use homemade::carts::pricing::{Calibration, Work};
use homemade::carts::report::{self, Row};
use homemade::carts::routes::MAX_DELAY_MS;
use homemade::carts::strategies::{Outcome, RunResult, Strategy, Workload};
use homemade::carts::timeline;
use homemade::stdio::{self, Stream};
use serde::Serialize;

/// The lines printed before the table.
pub fn intro(out: &Out, wl: &Workload, settings: &Settings, embedded: bool) -> Result<(), Fatal> {
    out.line(&format!(
        "homemade carts: {} cart(s) from {}{}",
        wl.ids.len(),
        wl.base_url,
        if embedded { " (embedded server)" } else { "" }
    ))?;
    let unit = format_ms(settings.unit_ms);
    out.line(&format!(
        "  cart i waits i x {unit} on the server and {} i x {unit}; \
         {} workers; {} cores; kernel: {:.0} rounds/ms",
        match wl.work {
            Work::Compute => "computes for",
            Work::Sleep => "sleeps (--work sleep) for",
        },
        wl.workers,
        settings.cores,
        wl.calibration.rounds_per_ms
    ))?;
    if settings.unit_ms.fract() != 0.0 {
        out.line(
            "  note: the server's delays are whole milliseconds, so each cart's wait is i x unit rounded",
        )?;
    }
    let longest = wl.ids.iter().max().copied().unwrap_or(0);
    if (longest as f64 * settings.unit_ms).round() as u64 > MAX_DELAY_MS {
        out.line(&format!(
            "  note: server delays are capped at {MAX_DELAY_MS} ms, so the slowest carts wait less than i x unit"
        ))?;
    }
    out.line("")
}

/// Everything after the table: the bound, the explainer's lines, the
/// pictures, the wrong-total warning and `--json`.
pub fn after_rows(
    out: &Out,
    args: &CartsArgs,
    settings: &Settings,
    wl: &Workload,
    rows: &Rows,
) -> Result<(), Fatal> {
    out.line("")?;
    out.line(
        "fetch = time with a request in flight, compute = time with a cart being priced; \
         fetch + compute > total means they overlapped.",
    )?;
    if let Some(b) = &rows.bound {
        let unit_s = wl.unit.as_secs_f64();
        for line in report::bound_lines(b, rows.bound_measured, &wl.ids, unit_s, wl.work) {
            out.line(&line)?;
        }
    }
    let runs: Vec<&RunResult> = rows
        .outcomes
        .iter()
        .filter_map(|(_, o)| match o {
            Outcome::Ran(r) => Some(r),
            Outcome::Unavailable(_) => None,
        })
        .collect();
    explainer(out, wl, &runs)?;
    pictures(out, args, settings, wl, &runs)?;
    if !rows.all_correct {
        stdio::error_line(
            "carts",
            "ERROR: a strategy computed a wrong grand total (see ✗ above)",
        );
    }
    if args.json {
        json(wl, settings, rows)?;
    }
    Ok(())
}

/// The explainer's "instead of ~N" lines for its own program, and what
/// pipelining changed.
fn explainer(out: &Out, wl: &Workload, runs: &[&RunResult]) -> Result<(), Fatal> {
    let Some(explainer) = runs
        .iter()
        .find(|r| r.strategy == Strategy::EventLoopProcesses)
    else {
        return Ok(());
    };
    out.line("")?;
    out.line("The explainer's program (event-loop+processes), in its own words:")?;
    for line in report::explainer_lines(explainer, &wl.ids, wl.unit.as_secs_f64()) {
        out.line(&format!("  {line}"))?;
    }
    if let Some(pipelined) = runs.iter().find(|r| r.strategy == Strategy::Pipelined) {
        out.line(&report::pipelining_line(explainer, pipelined))?;
    }
    Ok(())
}

/// The ASCII timelines, and the SVG picture when `--timeline` asks for it.
fn pictures(
    out: &Out,
    args: &CartsArgs,
    settings: &Settings,
    wl: &Workload,
    runs: &[&RunResult],
) -> Result<(), Fatal> {
    if !runs.is_empty() {
        let axis = timeline::axis_ns(runs);
        out.line("")?;
        out.line("Timelines (one lane per thread, worker process or event loop):")?;
        for run in runs {
            out.line(timeline::ascii(run, axis).trim_end())?;
        }
        out.line(&timeline::ascii_legend(axis))?;
    }
    if let Some(path) = &args.timeline {
        let title = format!(
            "homemade carts: {} carts, unit {}, --work {}",
            wl.ids.len(),
            format_ms(settings.unit_ms),
            work_name(wl.work)
        );
        std::fs::write(path, timeline::svg(runs, &title))
            .map_err(|e| Fatal::Io(format!("cannot write {}: {e}", path.display())))?;
        out.line(&format!("Timeline picture written to {}", path.display()))?;
    }
    Ok(())
}

/// Everything `--json` prints.
#[derive(Serialize)]
struct JsonReport<'a> {
    url: &'a str,
    ids: &'a [u64],
    unit_ms: f64,
    work: Work,
    workers: usize,
    cores: usize,
    calibration: Calibration,
    expected_cents: Option<i64>,
    bound: Option<&'a CriticalPath>,
    bound_measured: bool,
    rows: Vec<JsonRow<'a>>,
}

/// One strategy in `--json`.
#[derive(Serialize)]
struct JsonRow<'a> {
    strategy: &'static str,
    available: bool,
    reason: Option<&'a str>,
    row: Option<&'a Row>,
    run: Option<&'a RunResult>,
}

/// Prints the `--json` document on stdout.
fn json(wl: &Workload, settings: &Settings, rows: &Rows) -> Result<(), Fatal> {
    let json = JsonReport {
        url: &wl.base_url,
        ids: &wl.ids,
        unit_ms: settings.unit_ms,
        work: wl.work,
        workers: wl.workers,
        cores: settings.cores,
        calibration: wl.calibration,
        expected_cents: rows.expected,
        bound: rows.bound.as_ref(),
        bound_measured: rows.bound_measured,
        rows: rows
            .outcomes
            .iter()
            .zip(&rows.rows)
            .map(|((s, o), row)| JsonRow {
                strategy: s.name(),
                available: matches!(o, Outcome::Ran(_)),
                reason: match o {
                    Outcome::Unavailable(why) => Some(why.as_str()),
                    Outcome::Ran(_) => None,
                },
                row: row.as_ref(),
                run: match o {
                    Outcome::Ran(r) => Some(r),
                    Outcome::Unavailable(_) => None,
                },
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| Fatal::Io(format!("cannot encode the JSON report: {e}")))?;
    stdio::line(Stream::Stdout, &text).map_err(|e| Fatal::Output(Stream::Stdout, e))
}

/// A number of milliseconds with as many decimals as it needs (`100 ms`, `0.069 ms`).
fn format_ms(ms: f64) -> String {
    if ms >= 10.0 || ms == ms.round() {
        format!("{ms:.0} ms")
    } else if ms >= 0.1 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// `compute` or `sleep`.
fn work_name(work: Work) -> &'static str {
    match work {
        Work::Compute => "compute",
        Work::Sleep => "sleep",
    }
}
