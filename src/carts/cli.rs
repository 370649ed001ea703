//! `homemade carts`: the explainer's closing example through every mechanism.
//!
//! ## What happens, in order
//!
//! 1. **The process pool, first.** Workers may only be forked from a
//!    single-threaded process, so the pool (and its fork server) is created
//!    before anything else starts a thread: before the embedded server, before
//!    any thread pool or runtime.
//! 2. **Calibration.** The pricing kernel is timed for ~40 ms to learn how
//!    many rounds make a millisecond on this machine (`pricing.rs`).
//! 3. **The server.** Unless `--url` names one, the dummyjson-compatible cart
//!    server starts on 127.0.0.1 with an ephemeral port, on its own event loop
//!    and thread (`routes.rs`). Either way it is then asked for the first
//!    cart once (`preflight.rs`), before anything is printed.
//! 4. **The strategies**, in the report's order; each row is printed as soon
//!    as its strategy finishes.
//! 5. **The lower bound** (`bound.rs`), from what `sequential` measured, with
//!    a word on the explainer's "5-6 seconds"; the explainer's own "instead of
//!    ~N" lines for its program; the ASCII timelines; then `--timeline` and
//!    `--json` if asked.
//!
//! Any failure (an unreachable `--url`, a missing cart, a malformed
//! response, a pool that cannot start) prints one line on stderr and exits
//! with status 1. What can be checked before the run is checked before it
//! (`--timeline`'s file, the process pool, the server), so that line is all
//! the user sees. A wrong grand total is reported loudly in its row and also
//! makes the exit status 1. The report is written through `crate::stdio`: a
//! write error (`> /dev/full`) is one more such failure, and a closed pipe
//! (`| head`) stops the command quietly with status 0.
//!
//! Read next: `strategies.rs`.

use super::bound::CriticalPath;
use super::error::CartError;
use super::model::CartStore;
use super::preflight;
use super::pricing::{Calibration, Work};
use super::report::{self, Row};
use super::routes::EmbeddedServer;
use super::strategies::{self, Outcome, RunResult, Runtimes, Strategy, Workload, MAX_DELAY_MS};
use super::timeline;
use crate::stdio::{self, Stream};
use serde::Serialize;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `homemade carts`.
#[derive(Debug, Clone, clap::Args)]
pub struct CartsArgs {
    /// A dummyjson-compatible server (e.g. one started with `homemade serve`);
    /// by default an embedded server is started on 127.0.0.1.
    #[arg(long, value_name = "http[s]://HOST:PORT")]
    pub url: Option<String>,
    /// Trust exactly the CA certificates in this PEM file for an https://
    /// --url (a private CA, a test server); default: the system's store.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// Which carts: `1-5`, `1,3,7-9`, `1-208`.
    #[arg(
        long,
        value_name = "IDS",
        default_value = "1-5",
        conflicts_with = "all"
    )]
    pub carts: String,
    /// All 208 carts of the data.
    #[arg(long)]
    pub all: bool,
    /// The unit in milliseconds: cart `i` waits `i × unit` on the server and
    /// computes `i × unit`. Default: 100 for the explainer's carts 1..5;
    /// for larger selections, a unit that keeps `sequential` near 3 s.
    #[arg(long, value_name = "MS")]
    pub unit_ms: Option<f64>,
    /// Real computation (`compute`) or a sleep as in the explainer (`sleep`).
    #[arg(long, value_enum, default_value_t = Work::Compute)]
    pub work: Work,
    /// Worker threads and processes of the pooled strategies (default: 5,
    /// the explainer's `processes=5`, or the core count if larger).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Run only these strategies (comma-separated names), in report order.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "NAMES")]
    pub only: Vec<Strategy>,
    /// Also write the timelines as one SVG picture to this file.
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<std::path::PathBuf>,
    /// Also record every runtime's scheduling events and write them as one
    /// Chrome trace (open it in ui.perfetto.dev or chrome://tracing).
    #[arg(long, value_name = "FILE.json")]
    pub trace: Option<std::path::PathBuf>,
    /// Print every figure as JSON on stdout (the human report goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Give up on a request after this many seconds (connect, send and the
    /// whole response), on every client.
    #[arg(long, value_name = "SECONDS", default_value_t = strategies::REQUEST_TIMEOUT.as_secs_f64())]
    pub timeout: f64,
}

/// Runs `homemade carts`; prints the report, returns the exit status.
pub fn run(args: CartsArgs) -> ExitCode {
    match run_inner(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Fatal::Output(stream, e)) => stdio::write_failed("carts", stream, &e),
        Err(e) => stdio::fail("carts", &e.to_string()),
    }
}

/// A fatal problem: a bad argument or a failed strategy.
#[derive(Debug)]
enum Fatal {
    /// A bad argument.
    Usage(String),
    /// A strategy failed.
    Cart(Strategy, CartError),
    /// Something around the run failed: a file, the server, the process pool.
    Io(String),
    /// The report could not be written to this stream.
    Output(Stream, std::io::Error),
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fatal::Usage(why) | Fatal::Io(why) => write!(f, "{why}"),
            Fatal::Cart(s, e) => write!(f, "{} failed: {e}", s.name()),
            Fatal::Output(stream, e) => write!(f, "cannot write to {}: {e}", stream.name()),
        }
    }
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

/// The report's lines go to stdout, or to stderr under `--json`.
struct Out {
    json: bool,
}

impl Out {
    /// Prints a line and flushes, so rows appear as they finish; a write
    /// error stops the command (`crate::stdio` says how).
    fn line(&self, text: &str) -> Result<(), Fatal> {
        let stream = if self.json {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        stdio::line(stream, text).map_err(|e| Fatal::Output(stream, e))
    }
}

/// The whole command; `Ok(false)` when a grand total was wrong.
fn run_inner(args: &CartsArgs) -> Result<bool, Fatal> {
    let ids = if args.all {
        (1..=208).collect()
    } else {
        parse_ids(&args.carts).map_err(Fatal::Usage)?
    };
    let unit_ms = match args.unit_ms {
        Some(ms) if ms.is_finite() && (0.0..=10_000.0).contains(&ms) => ms,
        Some(ms) => return Err(Fatal::Usage(format!("--unit-ms {ms}: expected 0..=10000"))),
        None => default_unit_ms(&ids),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.unwrap_or(cores.max(5));
    if workers == 0 || workers > 256 {
        return Err(Fatal::Usage(format!(
            "--workers {workers}: expected 1..=256"
        )));
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 1e6) {
        return Err(Fatal::Usage(format!(
            "--timeout {}: expected a positive number of seconds",
            args.timeout
        )));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    if let Some(url) = &args.url {
        crate::http::Url::parse(url).map_err(|e| Fatal::Usage(format!("--url {url}: {e}")))?;
    }
    if let Some(path) = &args.cacert {
        // Set before the process pool forks, so every strategy trusts the same.
        crate::http::tls::set_default_cacert(Some(path))
            .map_err(|e| Fatal::Usage(format!("--cacert: {e}")))?;
    }
    if let Some(path) = &args.timeline {
        preflight::timeline_file(path).map_err(Fatal::Usage)?;
    }
    if let Some(path) = &args.trace {
        preflight::timeline_file(path)
            .map_err(|e| Fatal::Usage(e.replacen("--timeline", "--trace", 1)))?;
    }
    // Before any runtime is built: they all record into this one.
    let trace = args
        .trace
        .clone()
        .map(crate::trace::chrome::TraceFile::start);
    let selected: Vec<Strategy> = Strategy::ALL
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.contains(s))
        .collect();

    // 1. The process pool, while this process still has one thread. A pool
    // that cannot start (fork refused) ends the command here.
    let pool = if selected.iter().any(|s| s.needs_process_pool()) {
        Some(strategies::pricing_pool(workers).map_err(|e| Fatal::Io(e.to_string()))?)
    } else {
        None
    };
    // 2. Calibration.
    let calibration = Calibration::measure();
    // 3. The server.
    let server = match &args.url {
        Some(_) => None,
        None => Some(
            EmbeddedServer::start(SocketAddr::from(([127, 0, 0, 1], 0)))
                .map_err(|e| Fatal::Io(format!("cannot start the embedded cart server: {e}")))?,
        ),
    };
    let base_url = match (&args.url, &server) {
        (Some(url), _) => url.trim_end_matches('/').to_string(),
        (None, Some(server)) => server.base_url(),
        (None, None) => unreachable!("a server was started when no --url was given"),
    };
    if let Some(&first) = ids.first() {
        preflight::server(&base_url, first, timeout).map_err(|e| Fatal::Io(e.to_string()))?;
    }
    let wl = Workload {
        base_url,
        ids,
        unit: Duration::from_secs_f64(unit_ms / 1e3),
        work: args.work,
        calibration,
        workers,
        timeout,
    };
    let out = Out { json: args.json };
    intro(&out, &wl, unit_ms, cores, server.is_some())?;

    // 4. The strategies, one row each, printed as they finish.
    let expected = CartStore::embedded().total_cents(wl.ids.iter().copied());
    let rt = Runtimes {
        processes: pool.as_ref(),
    };
    out.line(&report::header())?;
    let mut outcomes: Vec<(Strategy, Outcome)> = Vec::new();
    let mut rows: Vec<Option<Row>> = Vec::new();
    let mut bound: Option<CriticalPath> = None;
    let mut bound_measured = false;
    let mut sequential_s = None;
    let mut all_correct = true;
    for &strategy in &selected {
        let outcome = strategies::run(strategy, &wl, rt).map_err(|e| Fatal::Cart(strategy, e))?;
        match &outcome {
            Outcome::Ran(run) => {
                if strategy == Strategy::Sequential {
                    sequential_s = Some(run.wall_ns as f64 / 1e9);
                    let costs = report::cart_costs(run, &wl);
                    bound = Some(CriticalPath::compute(&costs, bound_cores(&wl, cores)));
                    bound_measured = true;
                }
                let bound_now = bound.get_or_insert_with(|| {
                    CriticalPath::ideal(&wl.ids, wl.unit.as_secs_f64(), bound_cores(&wl, cores))
                });
                let row = Row::new(run, expected, sequential_s, Some(bound_now));
                out.line(&report::format_row(&row))?;
                for line in report::retry_lines(run) {
                    out.line(&line)?;
                }
                all_correct &= row.correct || expected.is_none();
                rows.push(Some(row));
            }
            Outcome::Unavailable(why) => {
                out.line(&report::format_unavailable(strategy, why))?;
                rows.push(None);
            }
        }
        outcomes.push((strategy, outcome));
    }
    out.line("")?;
    out.line(
        "fetch = time with a request in flight, compute = time with a cart being priced; \
         fetch + compute > total means they overlapped.",
    )?;

    // 5. The bound, the explainer's lines, the pictures.
    if let Some(b) = &bound {
        let unit_s = wl.unit.as_secs_f64();
        for line in report::bound_lines(b, bound_measured, &wl.ids, unit_s, wl.work) {
            out.line(&line)?;
        }
    }
    let runs: Vec<&RunResult> = outcomes
        .iter()
        .filter_map(|(_, o)| match o {
            Outcome::Ran(r) => Some(r),
            Outcome::Unavailable(_) => None,
        })
        .collect();
    if let Some(explainer) = runs
        .iter()
        .find(|r| r.strategy == Strategy::EventLoopProcesses)
    {
        out.line("")?;
        out.line("The explainer's program (event-loop+processes), in its own words:")?;
        for line in report::explainer_lines(explainer, &wl.ids, wl.unit.as_secs_f64()) {
            out.line(&format!("  {line}"))?;
        }
        if let Some(pipelined) = runs.iter().find(|r| r.strategy == Strategy::Pipelined) {
            out.line(&report::pipelining_line(explainer, pipelined))?;
        }
    }
    if !runs.is_empty() {
        let axis = timeline::axis_ns(&runs);
        out.line("")?;
        out.line("Timelines (one lane per thread, worker process or event loop):")?;
        for run in &runs {
            out.line(timeline::ascii(run, axis).trim_end())?;
        }
        out.line(&timeline::ascii_legend(axis))?;
    }
    if let Some(path) = &args.timeline {
        let title = format!(
            "homemade carts: {} carts, unit {}, --work {}",
            wl.ids.len(),
            format_ms(unit_ms),
            work_name(wl.work)
        );
        std::fs::write(path, timeline::svg(&runs, &title))
            .map_err(|e| Fatal::Io(format!("cannot write {}: {e}", path.display())))?;
        out.line(&format!("Timeline picture written to {}", path.display()))?;
    }
    if let Some(trace) = trace {
        let path = trace.path().display().to_string();
        let events = trace
            .finish()
            .map_err(|e| Fatal::Io(format!("cannot write {path}: {e}")))?;
        out.line(&format!("Trace ({events} events) written to {path}"))?;
    }
    if !all_correct {
        stdio::error_line(
            "carts",
            "ERROR: a strategy computed a wrong grand total (see ✗ above)",
        );
    }
    if args.json {
        let json = JsonReport {
            url: &wl.base_url,
            ids: &wl.ids,
            unit_ms,
            work: wl.work,
            workers,
            cores,
            calibration,
            expected_cents: expected,
            bound: bound.as_ref(),
            bound_measured,
            rows: outcomes
                .iter()
                .zip(&rows)
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
        stdio::line(Stream::Stdout, &text).map_err(|e| Fatal::Output(Stream::Stdout, e))?;
    }
    drop(server);
    Ok(all_correct)
}

/// The lines printed before the table.
fn intro(
    out: &Out,
    wl: &Workload,
    unit_ms: f64,
    cores: usize,
    embedded: bool,
) -> Result<(), Fatal> {
    out.line(&format!(
        "homemade carts: {} cart(s) from {}{}",
        wl.ids.len(),
        wl.base_url,
        if embedded { " (embedded server)" } else { "" }
    ))?;
    let unit = format_ms(unit_ms);
    out.line(&format!(
        "  cart i waits i x {unit} on the server and {} i x {unit}; \
         {} workers; {cores} cores; kernel: {:.0} rounds/ms",
        match wl.work {
            Work::Compute => "computes for",
            Work::Sleep => "sleeps (--work sleep) for",
        },
        wl.workers,
        wl.calibration.rounds_per_ms
    ))?;
    if unit_ms.fract() != 0.0 {
        out.line(
            "  note: the server's delays are whole milliseconds, so each cart's wait is i x unit rounded",
        )?;
    }
    let longest = wl.ids.iter().max().copied().unwrap_or(0);
    if (longest as f64 * unit_ms).round() as u64 > MAX_DELAY_MS {
        out.line(&format!(
            "  note: server delays are capped at {MAX_DELAY_MS} ms, so the slowest carts wait less than i x unit"
        ))?;
    }
    out.line("")
}

/// The cores the bound may assume: the machine's, except that sleeps (the
/// `--work sleep` stand-in) need no core at all, so any number can overlap.
fn bound_cores(wl: &Workload, cores: usize) -> usize {
    match wl.work {
        Work::Compute => cores,
        Work::Sleep => wl.ids.len().max(1),
    }
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

/// The default unit: 100 ms for the explainer's carts (Σ ids ≤ 15); for more
/// carts, a unit that keeps `sequential` near 3 s (1.5 s of waits and 1.5 s
/// of computing).
pub fn default_unit_ms(ids: &[u64]) -> f64 {
    let sum: u64 = ids.iter().sum();
    if sum <= 15 {
        100.0
    } else {
        1500.0 / sum as f64
    }
}

/// Parses `1-5`, `1,3,7-9`, `208` into ids (in the order given, duplicates
/// rejected).
pub fn parse_ids(spec: &str) -> Result<Vec<u64>, String> {
    let mut ids = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let bad = || format!("--carts {spec:?}: expected ids like 1-5 or 1,3,7-9");
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<u64>().map_err(|_| bad())?,
                b.trim().parse::<u64>().map_err(|_| bad())?,
            ),
            None => {
                let v = part.parse::<u64>().map_err(|_| bad())?;
                (v, v)
            }
        };
        if lo == 0 || lo > hi {
            return Err(format!(
                "--carts {spec:?}: {part:?} is not a range of ids from 1 upwards"
            ));
        }
        if hi - lo >= 10_000 || ids.len() as u64 + (hi - lo) >= 10_000 {
            return Err(format!("--carts {spec:?}: at most 10000 carts"));
        }
        for id in lo..=hi {
            if ids.contains(&id) {
                return Err(format!("--carts {spec:?}: cart {id} is listed twice"));
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_ranges_and_lists() {
        assert_eq!(parse_ids("1-5").unwrap(), vec![1, 2, 3, 4, 5]);
        assert_eq!(parse_ids("1,3,7-9").unwrap(), vec![1, 3, 7, 8, 9]);
        assert_eq!(parse_ids("208").unwrap(), vec![208]);
        assert!(parse_ids("0-3").is_err());
        assert!(parse_ids("5-1").is_err());
        assert!(parse_ids("a").is_err());
        assert!(parse_ids("1,1").is_err());
        assert!(parse_ids("").is_err());
    }

    #[test]
    fn the_default_unit_keeps_the_explainers_100_ms() {
        assert_eq!(default_unit_ms(&[1, 2, 3, 4, 5]), 100.0);
        let all: Vec<u64> = (1..=208).collect();
        assert!((default_unit_ms(&all) - 1500.0 / 21736.0).abs() < 1e-12);
    }
}
