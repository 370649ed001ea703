//! The cart bars: what each strategy records in the trace, and the same
//! events read back as intervals for the table and the timelines.
//!
//! Every strategy writes down, for every cart, two kinds of bars, each one
//! [`Kind::CartSpan`] event of the crate's one trace (`src/trace/`):
//!
//! * a **fetch** bar ([`CartPhase::Fetch`]), from the moment the request is
//!   sent until the response body has been parsed (on the server side the
//!   cart waits `id × unit` on a timer, so most of this bar is "waiting on
//!   the network");
//! * one or more **price** bars ([`CartPhase::Price`]), while the pricing
//!   kernel runs. Under the simulated GIL a cart's computation is cut into
//!   slices, one per stretch during which its thread held the GIL, each an
//!   event of its own, so the bars show the GIL's serialisation exactly.
//!
//! Each bar is on a trace [`Lane`]: the event loop's (`Lane::Loop`), a
//! work-stealing pool thread's (`Lane::PoolThread`), a worker process's
//! (`Lane::Worker`), or a plain OS thread's (`Lane::Thread`, by kernel tid:
//! the thread-per-cart rows, rayon's threads). [`record`] is the one place
//! a bar is recorded. [`bars`] reads a run's events back as [`Bar`]s,
//! nanoseconds since the run began: the report (`report.rs`) reduces them
//! to the table's figures and the timeline (`timeline.rs`) draws them, so
//! the table, the pictures and a `--trace` file all show the same events.
//!
//! ## One clock for every process
//!
//! A worker process cannot send a `std::time::Instant` back through a pipe:
//! `Instant` is opaque. The kernel's start and end times are therefore read
//! from `CLOCK_MONOTONIC` with [`now_ns`] (in [`Priced`](super::pricing::Priced));
//! on Linux that clock is shared by every process of the machine, and
//! `trace::Timestamp::from_monotonic_ns` puts a reading taken in a forked
//! worker on the parent's trace clock.
//!
//! ## Cost
//!
//! A bar is recorded once per fetch and once per slice (a handful per cart),
//! never in an inner loop, so the strategies always record them: into the
//! `--trace` recorder when there is one, otherwise into a recorder of their
//! own that holds nothing else (the runtimes' per-poll events stay off).
//!
//! Read next: `pricing.rs` (what a price bar is doing), then `strategies.rs`.

use crate::trace::{CartId, CartPhase, Event, Kind, Lane, Recorder, Timestamp};
use std::time::Duration;

/// Nanoseconds on the system-wide monotonic clock (`CLOCK_MONOTONIC`).
///
/// Comparable between processes of the same machine, unlike `Instant`.
pub fn now_ns() -> u64 {
    crate::sys::monotonic_ns()
}

/// CPU time consumed so far by the calling thread, in nanoseconds
/// (`CLOCK_THREAD_CPUTIME_ID`): unlike wall time, it does not grow while the
/// thread waits for a core that another program is using.
pub fn thread_cpu_ns() -> u64 {
    crate::sys::thread_cpu_ns()
}

/// The lane of the calling OS thread, by its kernel id (what `top -H` shows).
pub fn this_thread() -> Lane {
    Lane::Thread(crate::sys::current_tid())
}

/// A lane's short label in the timelines: `loop 3`, `pool thread 0`,
/// `pid 812`, `thread 4711`.
pub fn label(lane: Lane) -> String {
    match lane {
        Lane::Loop(id) => format!("loop {}", id.0),
        Lane::PoolThread { worker, .. } => format!("pool thread {worker}"),
        Lane::Worker(pid) => format!("pid {}", pid.0),
        Lane::Thread(tid) => format!("thread {tid}"),
        Lane::Outside => "other threads".to_string(),
    }
}

/// The order lanes are drawn in: loops, then threads (of a pool or not),
/// then worker processes.
pub fn group(lane: Lane) -> u8 {
    match lane {
        Lane::Loop(_) => 0,
        Lane::PoolThread { .. } | Lane::Thread(_) | Lane::Outside => 1,
        Lane::Worker(_) => 2,
    }
}

/// Records one bar of cart `cart` on `lane`, from `start` to `end`
/// (readings of [`now_ns`], in this process or a worker process).
pub fn record(recorder: &Recorder, lane: Lane, cart: u64, phase: CartPhase, start: u64, end: u64) {
    let at = Timestamp::from_monotonic_ns(start);
    let dur = Duration::from_nanos(end.saturating_sub(start));
    let cart = CartId(cart);
    recorder.record_at(at, lane, Kind::CartSpan { cart, phase, dur });
}

/// One bar, read back from a [`Kind::CartSpan`] event: a cart, on a lane,
/// doing one thing from `start_ns` to `end_ns` (nanoseconds since the run
/// began).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// Where it ran.
    pub lane: Lane,
    /// Fetching or pricing.
    pub phase: CartPhase,
    /// Which cart.
    pub cart: u64,
    /// Start, in nanoseconds since the run began.
    pub start_ns: u64,
    /// End, in nanoseconds since the run began.
    pub end_ns: u64,
}

impl Bar {
    /// Length of the bar in nanoseconds.
    pub fn len_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// The bars among `events` (every [`Kind::CartSpan`]; other kinds are
/// skipped), with times counted from `origin`, sorted by start and end.
pub fn bars(events: &[Event], origin: Timestamp) -> Vec<Bar> {
    let mut out: Vec<Bar> = events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::CartSpan { cart, phase, dur } => {
                let start_ns = e.at.0.saturating_sub(origin.0);
                let len = u64::try_from(dur.as_nanos()).unwrap_or(u64::MAX);
                Some(Bar {
                    lane: e.lane,
                    phase,
                    cart: cart.0,
                    start_ns,
                    end_ns: start_ns.saturating_add(len),
                })
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|b| (b.start_ns, b.end_ns));
    out
}

/// Length of the union of a set of intervals `(start, end)`: the time during
/// which at least one of them was open.
pub fn union_len_ns(intervals: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut v: Vec<(u64, u64)> = intervals.into_iter().filter(|(s, e)| e > s).collect();
    v.sort_unstable();
    let mut total = 0;
    let mut current: Option<(u64, u64)> = None;
    for (s, e) in v {
        match current {
            Some((cs, ce)) if s <= ce => current = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                current = Some((s, e));
            }
            None => current = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total
}

/// Total pairwise overlap, in nanoseconds, between bars of *different
/// carts*: zero means no two carts ever ran that phase at the same time.
pub fn cross_cart_overlap_ns(bars: &[Bar], phase: CartPhase) -> u64 {
    let mut v: Vec<&Bar> = bars.iter().filter(|b| b.phase == phase).collect();
    v.sort_by_key(|b| b.start_ns);
    let mut overlap = 0;
    for (i, a) in v.iter().enumerate() {
        for b in &v[i + 1..] {
            if b.start_ns >= a.end_ns {
                break;
            }
            if a.cart != b.cart {
                overlap += a.end_ns.min(b.end_ns) - b.start_ns;
            }
        }
    }
    overlap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::WorkerPid;

    #[test]
    fn union_merges_overlaps_and_skips_gaps() {
        assert_eq!(union_len_ns([(0, 10), (5, 15), (20, 25)]), 20);
        assert_eq!(union_len_ns([]), 0);
        assert_eq!(union_len_ns([(3, 3)]), 0);
    }

    #[test]
    fn overlap_counts_only_different_carts() {
        let lane = Lane::Worker(WorkerPid(1));
        let bar = |cart, s, e| Bar {
            lane,
            phase: CartPhase::Price,
            cart,
            start_ns: s,
            end_ns: e,
        };
        let bars = vec![bar(1, 0, 10), bar(1, 5, 12), bar(2, 8, 20)];
        assert_eq!(cross_cart_overlap_ns(&bars, CartPhase::Price), 2 + 4);
        assert_eq!(cross_cart_overlap_ns(&bars, CartPhase::Fetch), 0);
    }

    #[test]
    fn a_recorded_bar_reads_back_from_its_run_origin() {
        let rec = Recorder::enabled();
        let origin = crate::trace::now();
        let start = now_ns();
        record(
            &rec,
            this_thread(),
            4,
            CartPhase::Fetch,
            start,
            start + 1_000,
        );
        rec.record(Lane::Outside, Kind::JobStarted);
        let read = bars(&rec.take(), origin);
        assert_eq!(read.len(), 1, "only the cart's event is a bar");
        assert_eq!((read[0].cart, read[0].phase), (4, CartPhase::Fetch));
        assert_eq!(read[0].len_ns(), 1_000);
        assert_eq!(read[0].lane, this_thread());
    }
}
