//! The one clock every trace event is stamped with.
//!
//! Each runtime used to keep its own time origin (the loop from when tracing
//! was switched on, the thread pool from when the pool was built, the
//! process pool an `Instant`). Events from different runtimes could not be
//! laid side by side. Now every event carries a [`Timestamp`]: nanoseconds
//! on the monotonic clock (`Instant`), counted from one origin per process,
//! fixed the first time anything asks for the time.
//!
//! A loop with a paused (virtual) clock still stamps its events with real
//! time: the trace shows what the machine did, not what the program's
//! clock said.
//!
//! A worker process cannot send an `Instant` back through a pipe (it is
//! opaque), so the cart workload stamps its bars with `CLOCK_MONOTONIC`
//! nanoseconds (`crate::sys::monotonic_ns`), a clock every process of the
//! machine shares. [`Timestamp::from_monotonic_ns`] puts such a reading on
//! this clock: the origin notes its `CLOCK_MONOTONIC` value too, the
//! midpoint of two readings around the `Instant` (`Instant` is that same
//! clock on Linux, so the two agree to the few nanoseconds between reads).
//!
//! Read next: `ids.rs`, the names of the things events are about.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The process-wide origin, fixed on first use: as an `Instant`, and as
/// nanoseconds on `CLOCK_MONOTONIC`.
static ORIGIN: OnceLock<(Instant, u64)> = OnceLock::new();

/// The origin, fixed on first use.
fn origin() -> (Instant, u64) {
    *ORIGIN.get_or_init(read_origin)
}

/// Reads the `Instant` between two `CLOCK_MONOTONIC` readings and takes
/// their midpoint as its value, keeping the closest of a few tries: a
/// thread preempted between two reads would otherwise shift every
/// converted reading by as long as it waited.
fn read_origin() -> (Instant, u64) {
    let mut best: Option<(u64, Instant, u64)> = None;
    for _ in 0..16 {
        let before = crate::sys::monotonic_ns();
        let instant = Instant::now();
        let after = crate::sys::monotonic_ns();
        let gap = after.saturating_sub(before);
        if best.is_none_or(|(g, _, _)| gap < g) {
            best = Some((gap, instant, before + gap / 2));
        }
    }
    match best {
        Some((_, instant, mono)) => (instant, mono),
        None => (Instant::now(), crate::sys::monotonic_ns()),
    }
}

/// A moment on the trace clock: nanoseconds since this process's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The time since the origin.
    pub fn since_origin(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// Microseconds since the origin, as the Chrome trace format wants them.
    pub fn as_micros_f64(self) -> f64 {
        self.0 as f64 / 1e3
    }

    /// A reading of `CLOCK_MONOTONIC` (`crate::sys::monotonic_ns`, taken in
    /// this process or in any other of the machine, such as a worker
    /// process) as a moment on the trace clock; one from before the origin
    /// is the origin.
    pub fn from_monotonic_ns(ns: u64) -> Timestamp {
        Timestamp(ns.saturating_sub(origin().1))
    }

    /// How long after `earlier` this is (zero if it is not after it).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// Reads the trace clock.
pub fn now() -> Timestamp {
    let nanos = origin().0.elapsed().as_nanos();
    Timestamp(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_does_not_go_back() {
        let a = now();
        let b = now();
        assert!(b >= a);
        assert_eq!(a.since(b), Duration::ZERO);
    }

    #[test]
    fn a_monotonic_reading_lands_between_its_neighbours() {
        let before = now();
        let mid = Timestamp::from_monotonic_ns(crate::sys::monotonic_ns());
        let after = now();
        // A few microseconds of slack for the two reads of the origin.
        assert!(mid.0 + 10_000 >= before.0, "{mid:?} before {before:?}");
        assert!(mid.0 <= after.0 + 10_000, "{mid:?} after {after:?}");
        assert_eq!(Timestamp::from_monotonic_ns(0), Timestamp(0));
    }
}
