//! `homemade carts`: the explainer's closing example through every mechanism.
//!
//! ## What happens, in order
//!
//! 1. **The process pool, first.** Workers may only be forked from a
//!    single-threaded process, so the pool (and its fork server) is created
//!    before anything else starts a thread: before the embedded server, before
//!    any thread pool or runtime.
//! 2. **Calibration.** The pricing kernel is timed for ~40 ms to learn how
//!    many rounds make a millisecond on this machine (`src/carts/pricing.rs`).
//! 3. **The server.** Unless `--url` names one, the dummyjson-compatible cart
//!    server starts on 127.0.0.1 with an ephemeral port, on its own event loop
//!    and thread (`src/carts/routes.rs`). Either way it is then asked for the first
//!    cart once (`src/carts/preflight.rs`), before anything is printed.
//! 4. **The strategies**, in the report's order; each row is printed as soon
//!    as its strategy finishes.
//! 5. **The lower bound** (`src/carts/bound.rs`), from what `sequential` measured, with
//!    a word on the explainer's "5-6 seconds"; the explainer's own "instead of
//!    ~N" lines for its program; the ASCII timelines; then `--timeline` and
//!    `--json` if asked.
//!
//! Any failure (an unreachable `--url`, a missing cart, a malformed
//! response, a pool that cannot start) prints one line on stderr and exits
//! with status 1. What can be checked before the run is checked before it
//! (`--timeline`'s file, the process pool, the server), so that line is all
//! the user sees. A wrong grand total is reported loudly in its row and also
//! makes the exit status 1. The report is written through `homemade::stdio`: a
//! write error (`> /dev/full`) is one more such failure, and a closed pipe
//! (`| head`) stops the command quietly with status 0.
//!
//! ## Where the code is
//!
//! [`run`] reads as the four steps: `args.rs` parses and checks the options
//! ([`Settings::parse`]); [`set_up`] makes the pool, calibrates and starts
//! the server (steps 1 to 3); [`run_rows`] runs the strategies (step 4),
//! with a live progress line on a terminal (`progress.rs`);
//! `summary.rs` prints everything before and after the table (step 5).
//!
//! Read next: `args.rs`, then `src/carts/strategies.rs`.

mod args;
mod progress;
mod summary;

pub use args::CartsArgs;

use args::Settings;
use homemade::carts::bound::CriticalPath;
use homemade::carts::error::CartError;
use homemade::carts::model::CartStore;
use homemade::carts::preflight;
use homemade::carts::pricing::Calibration;
use homemade::carts::report::{self, Row};
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{self, Outcome, PricingPool, Runtimes, Strategy, Workload};
use homemade::stdio::{self, Stream};
use homemade::trace::chrome::TraceFile;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// Runs `homemade carts`; prints the report, returns the exit status.
pub fn run(args: CartsArgs) -> ExitCode {
    match run_inner(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Fatal::Output(stream, e)) => stdio::write_failed("carts", stream, &e),
        Err(e) => stdio::fail("carts", &e.to_string()),
    }
}

/// The whole command; `Ok(false)` when a grand total was wrong.
fn run_inner(args: &CartsArgs) -> Result<bool, Fatal> {
    let settings = Settings::parse(args)?;
    let setup = set_up(args, &settings)?;
    let out = Out { json: args.json };
    summary::intro(&out, &setup.wl, &settings, setup.server.is_some())?;
    let rows = run_rows(&out, &settings, &setup)?;
    summary::after_rows(&out, args, &settings, &setup.wl, &rows)?;
    let SetUp { trace, .. } = setup;
    if let Some(trace) = trace {
        let path = trace.path().display().to_string();
        let events = trace
            .finish()
            .map_err(|e| Fatal::Io(format!("cannot write {path}: {e}")))?;
        out.line(&format!("Trace ({events} events) written to {path}"))?;
    }
    Ok(rows.all_correct)
}

/// A fatal problem: a bad argument or a failed strategy.
#[derive(Debug)]
pub enum Fatal {
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

/// The report's lines go to stdout, or to stderr under `--json`.
pub struct Out {
    json: bool,
}

impl Out {
    /// Prints a line and flushes, so rows appear as they finish; a write
    /// error stops the command (`homemade::stdio` says how).
    pub fn line(&self, text: &str) -> Result<(), Fatal> {
        let stream = if self.json {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        stdio::line(stream, text).map_err(|e| Fatal::Output(stream, e))
    }
}

/// What the rows run on: the shared process pool, the server, the workload.
struct SetUp {
    /// The process pool of rows 6 and 7, if one of them was selected.
    pool: Option<PricingPool>,
    /// The embedded server, unless `--url` named one.
    server: Option<EmbeddedServer>,
    /// The job every row does.
    wl: Workload,
    /// `--trace`'s recorder and file, written after the rows.
    trace: Option<TraceFile>,
}

/// Steps 1 to 3: the checks that need no thread, the process pool (while
/// this process has one thread), the calibration, the server and its
/// first answer. Whatever fails here fails before the report begins.
fn set_up(args: &CartsArgs, settings: &Settings) -> Result<SetUp, Fatal> {
    if let Some(path) = &args.cacert {
        // Set before the process pool forks, so every strategy trusts the same.
        homemade::http::tls::set_default_cacert(Some(path))
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
    let trace = args.trace.clone().map(TraceFile::start);
    // 1. The process pool, while this process still has one thread. A pool
    // that cannot start (fork refused) ends the command here.
    let pool = if settings.selected.iter().any(|s| s.needs_process_pool()) {
        let pool =
            strategies::pricing_pool(settings.workers).map_err(|e| Fatal::Io(e.to_string()))?;
        Some(pool)
    } else {
        None
    };
    // 2. Calibration.
    let calibration = Calibration::measure();
    // 3. The server.
    let (server, base_url) = match &args.url {
        Some(url) => (None, url.trim_end_matches('/').to_string()),
        None => {
            let server = EmbeddedServer::start(SocketAddr::from(([127, 0, 0, 1], 0)))
                .map_err(|e| Fatal::Io(format!("cannot start the embedded cart server: {e}")))?;
            let url = server.base_url();
            (Some(server), url)
        }
    };
    if let Some(&first) = settings.ids.first() {
        preflight::server(&base_url, first, settings.timeout)
            .map_err(|e| Fatal::Io(e.to_string()))?;
    }
    let wl = Workload {
        base_url,
        ids: settings.ids.clone(),
        unit: Duration::from_secs_f64(settings.unit_ms / 1e3),
        work: args.work,
        calibration,
        workers: settings.workers,
        timeout: settings.timeout,
    };
    Ok(SetUp {
        pool,
        server,
        wl,
        trace,
    })
}

/// What the rows measured, for the lines after the table.
pub struct Rows {
    /// Each selected strategy and how it went, in report order.
    pub outcomes: Vec<(Strategy, Outcome)>,
    /// The table's row of each outcome (`None` where it did not run).
    pub rows: Vec<Option<Row>>,
    /// The grand total the data says, when every cart is in the data.
    pub expected: Option<i64>,
    /// The critical-path lower bound, measured or ideal.
    pub bound: Option<CriticalPath>,
    /// True when the bound comes from what `sequential` measured.
    pub bound_measured: bool,
    /// False when a strategy computed a wrong grand total.
    pub all_correct: bool,
}

/// Step 4: the strategies, one row each, printed as they finish.
fn run_rows(out: &Out, settings: &Settings, setup: &SetUp) -> Result<Rows, Fatal> {
    let wl = &setup.wl;
    let rt = Runtimes {
        processes: setup.pool.as_ref(),
    };
    let cores = bound_cores(wl, settings.cores);
    let mut acc = Rows {
        outcomes: Vec::new(),
        rows: Vec::new(),
        expected: CartStore::embedded().total_cents(wl.ids.iter().copied()),
        bound: None,
        bound_measured: false,
        all_correct: true,
    };
    out.line(&report::header())?;
    let draw = progress::wanted(out.json);
    let estimate = progress::Estimate::new(&wl.ids);
    let mut sequential_s = None;
    for &strategy in &settings.selected {
        let outcome = progress::watch(draw, strategy.name(), &estimate, |counts| {
            strategies::run_counted(strategy, wl, rt, counts)
        });
        let outcome = outcome.map_err(|e| Fatal::Cart(strategy, e))?;
        match &outcome {
            Outcome::Ran(run) => {
                if strategy == Strategy::Sequential {
                    sequential_s = Some(run.wall_ns as f64 / 1e9);
                    let costs = report::cart_costs(run, wl);
                    acc.bound = Some(CriticalPath::compute(&costs, cores));
                    acc.bound_measured = true;
                }
                let bound = acc.bound.get_or_insert_with(|| {
                    CriticalPath::ideal(&wl.ids, wl.unit.as_secs_f64(), cores)
                });
                let row = Row::new(run, acc.expected, sequential_s, Some(bound));
                out.line(&report::format_row(&row))?;
                for line in report::retry_lines(run) {
                    out.line(&line)?;
                }
                acc.all_correct &= row.correct || acc.expected.is_none();
                acc.rows.push(Some(row));
            }
            Outcome::Unavailable(why) => {
                out.line(&report::format_unavailable(strategy, why))?;
                acc.rows.push(None);
            }
        }
        acc.outcomes.push((strategy, outcome));
    }
    Ok(acc)
}

/// The cores the bound may assume: the machine's, except that sleeps (the
/// `--work sleep` stand-in) need no core at all, so any number can overlap.
fn bound_cores(wl: &Workload, cores: usize) -> usize {
    match wl.work {
        homemade::carts::pricing::Work::Compute => cores,
        homemade::carts::pricing::Work::Sleep => wl.ids.len().max(1),
    }
}
