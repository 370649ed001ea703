//! The eight ways of running the cart workload, one row of the report each.
//!
//! Every strategy does the same job: fetch carts `ids` over HTTP (cart `i`
//! waits `i × unit` on the server), price each one with the kernel of
//! `pricing.rs` (`i × unit` of CPU time), and return the grand total. What
//! differs is *who* waits and *who* computes:
//!
//! | # | strategy | waits on the network | computes (pricer) | file |
//! |---|---|---|---|---|
//! | 1 | `sequential` | the main thread, one cart after another | the main thread, `Inline` | `strategies/threaded.rs` |
//! | 2 | `threads` | one OS thread per cart | the same thread, `Inline` | `strategies/threaded.rs` |
//! | 3 | `threads+gil` | one OS thread per cart, GIL released | the same thread, holding the simulated GIL, `Inline::under_gil` | `strategies/threaded.rs` |
//! | 4 | `event-loop` | one loop, all fetches concurrent | inline on the loop: the loop stalls, `Inline` | `strategies/looped.rs` |
//! | 5 | `event-loop+threads` | the loop | the work-stealing pool, `OnThreadPool` | `strategies/looped.rs` |
//! | 6 | `event-loop+processes` | the loop, `gather` of all fetches | then the process pool, `map` | `strategies/looped.rs` |
//! | 7 | `pipelined` | the loop | the process pool, each cart as soon as it arrives, `OnProcessPool` | `strategies/looped.rs` |
//! | 8 | `tokio+rayon` | tokio | rayon, each cart as soon as it arrives, `OnRayon` | `strategies/peers.rs` |
//!
//! Every row but 6 runs the one fetch-then-price driver of
//! `strategies/drive.rs` for each cart, with a fetch from one of the three
//! clients (`strategies/fetch.rs`, `peers.rs`) and a pricer from
//! `strategies/pricers.rs`; the rows differ only in where those drivers run
//! (in turn, one per thread, or all under `gather` on one loop).
//!
//! Row 6 is the explainer's own program; row 7 is the same ingredients
//! rearranged so that the fetching of slow carts overlaps the pricing of fast
//! ones; row 8 is what a Rust programmer would write with the usual crates.
//!
//! ## What every strategy records
//!
//! A [`RunResult`]: the priced carts, the wall time, and the cart events of
//! the trace (`bars.rs`: a fetch bar per cart, price bars per cart, each a
//! [`Kind::CartSpan`] on the lane of the
//! thread, worker process or loop that did it). They go into the `--trace`
//! recorder when one is installed and on (`trace::install_default`), and
//! into a recorder of the run's own otherwise. The report and the timeline
//! are computed from those events alone, so a reader can check every figure
//! against the picture, and against the trace file.
//!
//! ## Shared runtimes
//!
//! A process pool must be forked while the process is still single-threaded
//! (see chapter 3 of DESIGN.md), so it is made once, first, by the caller and
//! lent to every strategy through [`Runtimes`]. Thread pools, event loops and
//! tokio runtimes are made per run and torn down at its end.
//!
//! ## A worker process killed mid-run
//!
//! Pricing a cart is a pure function of the [`PriceJob`], so running it twice
//! is harmless: the pool is built with `retry_idempotent(PRICING_ATTEMPTS)`.
//! If a worker dies while pricing (a `kill -9` from outside, the
//! out-of-memory killer), its carts are priced again on a live worker and
//! the run still ends with the right grand total; the [`RunResult`] lists
//! each such cart in [`RunResult::retries`] (which cart, the lost worker's
//! pid, why), and the report prints a line for each.
//!
//! Read next: `strategies/drive.rs` and `strategies/pricers.rs`, then
//! `strategies/threaded.rs` and `strategies/looped.rs`.

mod drive;
mod fetch;
mod json;
mod looped;
#[cfg(feature = "peers")]
mod peers;
mod pricers;
mod threaded;

pub use drive::Progress;

pub(crate) use fetch::probe;

pub use fetch::cart_url;

use super::bars::{self, Bar};
use super::error::CartError;
use super::pricing::{Calibration, Effort, PriceJob, Priced, Work};
use super::routes::MAX_DELAY_MS;
use crate::process_pool::{ProcessPool, Retry};
use crate::trace::{self, Event, Kind, Recorder, Timestamp};
use drive::Driver;
use serde::Serialize;
use std::time::Duration;

/// Attempts a cart's pricing gets on the process pool before its worker's
/// death fails the run (see "A worker process killed mid-run").
pub const PRICING_ATTEMPTS: u32 = 3;

/// The process pool the strategies share: a [`PriceJob`] in, a [`Priced`] out.
pub type PricingPool = ProcessPool<PriceJob, Priced>;

/// Makes the shared process pool with `workers` worker processes, each running
/// [`super::pricing::price_job`]. Call it first, while single-threaded.
///
/// Each worker holds one task at a time (`prefetch(1)`): carts arrive one by
/// one and grow with their id, so a large cart queued behind another on a
/// busy worker while a peer sits idle would stretch the end of the run; with
/// one task per worker, the next cart goes to whichever worker frees up
/// first, as a work-stealing pool would do.
///
/// Pricing is idempotent, so a cart whose worker dies is priced again on a
/// live worker, up to [`PRICING_ATTEMPTS`] attempts.
pub fn pricing_pool(workers: usize) -> Result<PricingPool, CartError> {
    pricing_pool_with(workers, super::pricing::price_job)
}

/// [`pricing_pool`] with another pricing function in the workers: a test's
/// that, say, kills its worker on one cart, to watch the retry.
pub fn pricing_pool_with(
    workers: usize,
    price: impl Fn(PriceJob) -> Priced,
) -> Result<PricingPool, CartError> {
    ProcessPool::builder(workers.max(1))
        .prefetch(1)
        .retry_idempotent(PRICING_ATTEMPTS)
        .build(price)
        .map_err(|e| CartError::Runtime(format!("cannot start the process pool: {e}")))
}

/// A cart whose pricing was lost with its worker process and run again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CartRetry {
    /// The cart's id.
    pub cart: u64,
    /// The worker that died while pricing it.
    pub lost_pid: i32,
    /// Which attempt was lost (1 = the first).
    pub attempt: u32,
    /// Why, in words (e.g. "worker 812 was killed by signal 9 (SIGKILL) ...").
    pub reason: String,
}

impl CartRetry {
    /// One entry per cart of a retried pool task; `carts_of` names them.
    fn from_retry(r: &Retry, carts_of: impl Fn(&Retry) -> Vec<u64>) -> Vec<CartRetry> {
        carts_of(r)
            .into_iter()
            .map(|cart| CartRetry {
                cart,
                lost_pid: r.pid,
                attempt: r.attempt,
                reason: r.error.to_string(),
            })
            .collect()
    }
}

/// The eight strategies, in the report's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
pub enum Strategy {
    /// A blocking client, one cart after another, computing inline.
    #[value(name = "sequential")]
    #[serde(rename = "sequential")]
    Sequential,
    /// One OS thread per cart: blocking fetch, then compute.
    #[value(name = "threads")]
    #[serde(rename = "threads")]
    Threads,
    /// The same under the simulated GIL: CPU work no longer overlaps.
    #[value(name = "threads+gil")]
    #[serde(rename = "threads+gil")]
    ThreadsGil,
    /// All fetches concurrent on our loop, compute inline: the loop stalls.
    #[value(name = "event-loop")]
    #[serde(rename = "event-loop")]
    EventLoop,
    /// Fetch on the loop, compute on the work-stealing pool.
    #[value(name = "event-loop+threads")]
    #[serde(rename = "event-loop+threads")]
    EventLoopThreads,
    /// The explainer's program: gather every fetch, then `map` on processes.
    #[value(name = "event-loop+processes")]
    #[serde(rename = "event-loop+processes")]
    EventLoopProcesses,
    /// Each cart goes to the process pool the moment its response arrives.
    #[value(name = "pipelined")]
    #[serde(rename = "pipelined")]
    Pipelined,
    /// The same pipeline on tokio and rayon.
    #[value(name = "tokio+rayon")]
    #[serde(rename = "tokio+rayon")]
    TokioRayon,
}

impl Strategy {
    /// All strategies, in the report's order.
    pub const ALL: [Strategy; 8] = [
        Strategy::Sequential,
        Strategy::Threads,
        Strategy::ThreadsGil,
        Strategy::EventLoop,
        Strategy::EventLoopThreads,
        Strategy::EventLoopProcesses,
        Strategy::Pipelined,
        Strategy::TokioRayon,
    ];

    /// The name shown in the report, e.g. `event-loop+threads`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Sequential => "sequential",
            Strategy::Threads => "threads",
            Strategy::ThreadsGil => "threads+gil",
            Strategy::EventLoop => "event-loop",
            Strategy::EventLoopThreads => "event-loop+threads",
            Strategy::EventLoopProcesses => "event-loop+processes",
            Strategy::Pipelined => "pipelined",
            Strategy::TokioRayon => "tokio+rayon",
        }
    }

    /// What a reader should see in this strategy's timeline, in one line.
    pub fn lesson(self) -> &'static str {
        match self {
            Strategy::Sequential => "every wait and every computation adds up",
            Strategy::Threads => "the waits overlap, and so does computing, up to the cores",
            Strategy::ThreadsGil => {
                "the waits still overlap (the GIL is released on I/O); computing is sliced, one thread at a time"
            }
            Strategy::EventLoop => {
                "one thread waits on every socket, but while it prices a cart nothing else moves"
            }
            Strategy::EventLoopThreads => "the loop keeps waiting while pool threads compute",
            Strategy::EventLoopProcesses => {
                "the explainer's program: no cart is priced before the slowest one has arrived"
            }
            Strategy::Pipelined => "each cart is priced while the slower ones are still on the wire",
            Strategy::TokioRayon => "the same pipeline with the crates a Rust programmer would use",
        }
    }

    /// True for the strategies that need the shared process pool.
    pub fn needs_process_pool(self) -> bool {
        matches!(self, Strategy::EventLoopProcesses | Strategy::Pipelined)
    }
}

/// What to run: which carts, from where, with how much work per cart.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Base URL of a dummyjson-compatible server, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// Cart ids, in request order.
    pub ids: Vec<u64>,
    /// The unit: cart `i` waits `i × unit` and computes `i × unit`.
    pub unit: Duration,
    /// Real computation, or a sleep as in the explainer.
    pub work: Work,
    /// Kernel rounds per millisecond on this machine.
    pub calibration: Calibration,
    /// Worker threads or processes of the pooled strategies.
    pub workers: usize,
    /// The deadline of each request, from connect to the last body byte, on
    /// every client (blocking, event loop, tokio); [`REQUEST_TIMEOUT`] unless
    /// `carts --timeout` says otherwise.
    pub timeout: Duration,
}

/// The default deadline of one cart request (`carts --timeout`).
pub const REQUEST_TIMEOUT: Duration = crate::http::blocking::TIMEOUT;

impl Workload {
    /// The URL of cart `id`, with its server-side delay.
    pub fn url(&self, id: u64) -> String {
        cart_url(&self.base_url, id, self.delay_ms(id))
    }

    /// The server-side delay of cart `id` in whole milliseconds (`id × unit`,
    /// rounded; the server accepts 0..=[`MAX_DELAY_MS`]).
    pub fn delay_ms(&self, id: u64) -> u64 {
        ((id as f64 * self.unit.as_secs_f64() * 1e3).round() as u64).min(MAX_DELAY_MS)
    }

    /// The CPU work of cart `id`.
    pub fn effort(&self, id: u64) -> Effort {
        Effort::for_cart(id, self.unit, self.work, &self.calibration)
    }
}

/// The shared runtimes lent to the strategies.
#[derive(Clone, Copy, Debug, Default)]
pub struct Runtimes<'a> {
    /// The process pool of rows 6 and 7 (made first, while single-threaded).
    pub processes: Option<&'a PricingPool>,
}

/// What one strategy measured.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Which strategy.
    pub strategy: Strategy,
    /// Every priced cart, in id order.
    pub priced: Vec<Priced>,
    /// The grand total the strategy computed, in cents.
    pub total_cents: i64,
    /// When the run began, on the trace clock: time zero of its bars.
    pub origin: Timestamp,
    /// Wall time of the whole run, in nanoseconds.
    pub wall_ns: u64,
    /// The run's cart events (every [`Kind::CartSpan`] it recorded), oldest
    /// first: the fetch and price bars ([`RunResult::bars`]).
    pub events: Vec<Event>,
    /// Carts priced again because their worker process died (empty unless
    /// a worker was killed during the run).
    pub retries: Vec<CartRetry>,
}

impl RunResult {
    /// The run's bars, in nanoseconds since [`origin`](RunResult::origin).
    pub fn bars(&self) -> Vec<Bar> {
        bars::bars(&self.events, self.origin)
    }
}

/// The recorder a run's cart events go to: the installed default when it
/// is on (`--trace`), or a fresh one of the run's own, on, that only the
/// cart events reach (the runtimes built meanwhile keep their own, off).
fn cart_recorder() -> Recorder {
    let shared = trace::default_recorder();
    if shared.is_on() {
        shared
    } else {
        Recorder::enabled()
    }
}

/// A row of the report: a result, or the reason the strategy cannot run here.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The strategy ran.
    Ran(RunResult),
    /// The strategy is not available in this build or run; the string says why.
    Unavailable(String),
}

/// Runs one strategy to completion.
///
/// Returns `Ok(Outcome::Unavailable(..))` when the strategy cannot run here
/// (no process pool was lent, or the `peers` feature is off), and `Err` when
/// it ran and failed (a fetch failed, a worker died).
pub fn run(strategy: Strategy, wl: &Workload, rt: Runtimes<'_>) -> Result<Outcome, CartError> {
    run_counted(strategy, wl, rt, &Progress::new())
}

/// [`run`], counting the carts fetched and priced in `progress` as it goes
/// (another thread may watch the counters: the command line's progress line).
pub fn run_counted(
    strategy: Strategy,
    wl: &Workload,
    rt: Runtimes<'_>,
    progress: &Progress,
) -> Result<Outcome, CartError> {
    let recorder = cart_recorder();
    // On the bars' own clock (see `bars.rs`), so none of them starts before.
    let origin_ns = bars::now_ns();
    let origin = Timestamp::from_monotonic_ns(origin_ns);
    let drive = Driver {
        wl,
        recorder: &recorder,
        progress,
    };
    let mut retries = Vec::new();
    let priced = match strategy {
        Strategy::Sequential => threaded::sequential(drive)?,
        Strategy::Threads => threaded::threads(drive)?,
        Strategy::ThreadsGil => threaded::threads_gil(drive)?,
        Strategy::EventLoop => looped::event_loop(drive)?,
        Strategy::EventLoopThreads => looped::event_loop_threads(drive)?,
        Strategy::EventLoopProcesses | Strategy::Pipelined => {
            let Some(pool) = rt.processes else {
                return Ok(Outcome::Unavailable(
                    "no process pool (it must be created first, while single-threaded)".into(),
                ));
            };
            drop(pool.take_retries()); // an earlier run's, if any
            let (priced, lost) = if strategy == Strategy::Pipelined {
                looped::pipelined(drive, pool)?
            } else {
                looped::event_loop_processes(drive, pool)?
            };
            retries = lost;
            priced
        }
        Strategy::TokioRayon => {
            #[cfg(feature = "peers")]
            {
                peers::tokio_rayon(drive)?
            }
            #[cfg(not(feature = "peers"))]
            {
                return Ok(Outcome::Unavailable(
                    "built without the `peers` feature (tokio and rayon)".into(),
                ));
            }
        }
    };
    let wall_ns = bars::now_ns().saturating_sub(origin_ns);
    // This run's bars: the cart events recorded since it began.
    let events = recorder.copy_where(|e| e.at >= origin && matches!(e.kind, Kind::CartSpan { .. }));
    let mut run = finish(strategy, priced, origin, wall_ns, events);
    run.retries = retries;
    Ok(Outcome::Ran(run))
}

/// Sorts the priced carts and sums them up.
fn finish(
    strategy: Strategy,
    mut priced: Vec<Priced>,
    origin: Timestamp,
    wall_ns: u64,
    events: Vec<Event>,
) -> RunResult {
    priced.sort_by_key(|p| p.id);
    RunResult {
        strategy,
        total_cents: priced.iter().map(|p| p.total_cents).sum(),
        priced,
        origin,
        wall_ns,
        events,
        retries: Vec::new(),
    }
}
