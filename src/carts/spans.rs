//! The span recorder: who waited on the network, who computed, and when.
//!
//! Every strategy writes down, for every cart, two kinds of bars:
//!
//! * a **fetch** bar, from the moment the request is sent until the response
//!   body has been parsed (on the server side the cart waits `id × unit` on a
//!   timer, so most of this bar is "waiting on the network");
//! * one or more **compute** bars, while the pricing kernel runs. Under the
//!   simulated GIL a cart's computation is cut into slices, one per stretch
//!   during which its thread held the GIL, so the bars show the GIL's
//!   serialisation exactly.
//!
//! Each bar lives on a [`Lane`]: an OS thread, a worker process, or an event
//! loop. The report (`report.rs`) reduces the bars to the table's figures and
//! the timeline (`timeline.rs`) draws them.
//!
//! ## One clock for every process
//!
//! A worker process cannot send a `std::time::Instant` back through a pipe:
//! `Instant` is opaque. Every timestamp here is therefore read from
//! `CLOCK_MONOTONIC` with [`now_ns`]; on Linux that clock is shared by every
//! process of the machine, so a timestamp taken in a forked worker and one
//! taken in the parent sit on the same axis. Spans store nanoseconds since the
//! start of their run ([`Spans::origin_ns`]).
//!
//! ## Cost
//!
//! A span is pushed under a mutex once per bar (a handful per cart), never in
//! an inner loop, so recording is always on.
//!
//! Read next: `pricing.rs` (what a compute bar is doing), then `strategies.rs`.

use parking_lot::Mutex;
use serde::Serialize;
use std::sync::Arc;

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

/// The kernel's id for the calling thread (what `top -H` shows).
pub fn current_tid() -> u64 {
    crate::sys::current_tid()
}

/// What kind of worker a lane stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LaneKind {
    /// An event loop (one thread running many tasks).
    Loop,
    /// An OS thread (spawned by hand, or a pool worker).
    Thread,
    /// A worker process of the process pool.
    Process,
}

/// One horizontal row of a timeline: a thread, a worker process or a loop.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Lane {
    /// Thread, process or loop.
    pub kind: LaneKind,
    /// Kernel thread id or process id; a loop uses its thread's id.
    pub id: u64,
}

impl Lane {
    /// The lane of the calling thread, as a plain thread.
    pub fn this_thread() -> Lane {
        Lane {
            kind: LaneKind::Thread,
            id: current_tid(),
        }
    }

    /// The lane of the event loop running on the calling thread.
    pub fn this_loop() -> Lane {
        Lane {
            kind: LaneKind::Loop,
            id: current_tid(),
        }
    }

    /// The lane of a worker process.
    pub fn process(pid: u32) -> Lane {
        Lane {
            kind: LaneKind::Process,
            id: u64::from(pid),
        }
    }

    /// A short label: `thread 4711`, `pid 4712`, `loop 4700`.
    pub fn label(&self) -> String {
        match self.kind {
            LaneKind::Loop => format!("loop {}", self.id),
            LaneKind::Thread => format!("thread {}", self.id),
            LaneKind::Process => format!("pid {}", self.id),
        }
    }
}

/// What a bar stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpanKind {
    /// Request sent, response not yet parsed: waiting on the network.
    Fetch,
    /// The pricing kernel is running.
    Compute,
}

/// One bar: a cart, on a lane, doing one thing from `start_ns` to `end_ns`
/// (nanoseconds since the run's origin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Where it ran.
    pub lane: Lane,
    /// Fetching or computing.
    pub kind: SpanKind,
    /// Which cart.
    pub cart: u64,
    /// Start, in nanoseconds since the run's origin.
    pub start_ns: u64,
    /// End, in nanoseconds since the run's origin.
    pub end_ns: u64,
}

impl Span {
    /// Length of the bar in nanoseconds.
    pub fn len_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// A shared, append-only list of spans for one run of one strategy.
///
/// Cloning is cheap (an `Arc`); every thread of the run pushes into the same
/// list.
#[derive(Clone, Debug)]
pub struct Spans {
    origin_ns: u64,
    list: Arc<Mutex<Vec<Span>>>,
}

impl Spans {
    /// An empty recorder whose origin is now.
    pub fn start() -> Spans {
        Spans {
            origin_ns: now_ns(),
            list: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The absolute clock value (see [`now_ns`]) that counts as time zero.
    pub fn origin_ns(&self) -> u64 {
        self.origin_ns
    }

    /// Nanoseconds since the origin.
    pub fn elapsed_ns(&self) -> u64 {
        now_ns().saturating_sub(self.origin_ns)
    }

    /// Records a bar whose ends are absolute clock values from [`now_ns`].
    pub fn record_abs(&self, lane: Lane, kind: SpanKind, cart: u64, start_abs: u64, end_abs: u64) {
        let span = Span {
            lane,
            kind,
            cart,
            start_ns: start_abs.saturating_sub(self.origin_ns),
            end_ns: end_abs.saturating_sub(self.origin_ns),
        };
        self.list.lock().push(span);
    }

    /// A copy of every bar recorded so far, sorted by start time.
    pub fn snapshot(&self) -> Vec<Span> {
        let mut spans = self.list.lock().clone();
        spans.sort_by_key(|s| (s.start_ns, s.end_ns));
        spans
    }
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

/// Total pairwise overlap, in nanoseconds, between spans of *different
/// carts*: zero means no two carts ever ran that kind of bar at the same time.
pub fn cross_cart_overlap_ns(spans: &[Span], kind: SpanKind) -> u64 {
    let mut v: Vec<&Span> = spans.iter().filter(|s| s.kind == kind).collect();
    v.sort_by_key(|s| s.start_ns);
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

    #[test]
    fn union_merges_overlaps_and_skips_gaps() {
        assert_eq!(union_len_ns([(0, 10), (5, 15), (20, 25)]), 20);
        assert_eq!(union_len_ns([]), 0);
        assert_eq!(union_len_ns([(3, 3)]), 0);
    }

    #[test]
    fn overlap_counts_only_different_carts() {
        let lane = Lane::process(1);
        let span = |cart, s, e| Span {
            lane: lane.clone(),
            kind: SpanKind::Compute,
            cart,
            start_ns: s,
            end_ns: e,
        };
        let spans = vec![span(1, 0, 10), span(1, 5, 12), span(2, 8, 20)];
        assert_eq!(cross_cart_overlap_ns(&spans, SpanKind::Compute), 2 + 4);
        assert_eq!(cross_cart_overlap_ns(&spans, SpanKind::Fetch), 0);
    }

    #[test]
    fn the_clock_moves_forward() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
    }
}
