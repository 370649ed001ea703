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
//! Read next: `ids.rs`, the names of the things events are about.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The process-wide origin, fixed on first use.
static ORIGIN: OnceLock<Instant> = OnceLock::new();

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

    /// How long after `earlier` this is (zero if it is not after it).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// Reads the trace clock.
pub fn now() -> Timestamp {
    let origin = *ORIGIN.get_or_init(Instant::now);
    let nanos = origin.elapsed().as_nanos();
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
}
