//! The loop's clock, which can be paused: virtual time.
//!
//! Every deadline the loop deals with (`sleep`, `timeout`, the timer table,
//! the reactor's blocking timeout) is read from this clock, never straight
//! from `Instant::now()`. Normally the clock *is* `Instant::now()`. Built
//! with [`Builder::paused_clock`](super::Builder::paused_clock), it adds an
//! offset that the loop moves forward itself:
//!
//! > when no task is runnable and a non-blocking poll of the reactor brings
//! > no event, the loop does not sleep until the next timer deadline: it
//! > moves the clock to that deadline at once and fires the timer.
//!
//! So an hour of `sleep`s takes as long as the work between them, and a
//! test of timeouts, retries or rate limits runs in microseconds and does
//! the same thing every time. tokio's `start_paused` and `time::pause` are
//! the model. Real time still passes too (the offset is added to the real
//! clock), so the loop's `now()` never goes backwards.
//!
//! # What it means for real sockets
//!
//! The jump happens only when the reactor has nothing to report *right
//! now*. A reply that is already in a socket's buffer is dispatched first
//! (the tests check it), but a reply that the kernel will deliver a
//! millisecond later is not waited for: the clock jumps past the timeout
//! that was guarding it. Virtual time is exact for programs whose only
//! waiting is on timers, and close for loopback peers that answer at once;
//! a program that waits on a slow real peer should not pause its clock.
//!
//! Read the loop's clock with [`now`]; `Instant`s from it are consistent
//! with the jumps (`now()` after a `sleep(d)` is at least `d` later).
//!
//! Read next: `timers.rs`.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::context::with_running_loop;

/// A loop's clock: real time plus the jumps made while paused.
#[derive(Debug)]
pub(crate) struct Clock {
    paused: bool,
    offset: Cell<Duration>,
}

impl Clock {
    /// A clock; `paused` makes the loop jump over idle waits.
    pub(crate) fn new(paused: bool) -> Clock {
        Clock {
            paused,
            offset: Cell::new(Duration::ZERO),
        }
    }

    /// Does the loop jump to the next deadline instead of sleeping?
    pub(crate) fn is_paused(&self) -> bool {
        self.paused
    }

    /// The loop's current time.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        let real = Instant::now();
        if self.paused {
            real.checked_add(self.offset.get()).unwrap_or(real)
        } else {
            real
        }
    }

    /// Moves the clock forward so that `now() >= deadline` (no-op if it is
    /// there already).
    pub(crate) fn advance_to(&self, deadline: Instant) {
        let now = self.now();
        if deadline > now {
            self.offset.set(self.offset.get() + (deadline - now));
        }
    }

    /// How far the clock has jumped ahead of real time in total.
    pub(crate) fn jumped(&self) -> Duration {
        self.offset.get()
    }
}

/// The time on the clock of the loop running on this thread (which is
/// ahead of `Instant::now()` if the loop's clock is paused and has jumped);
/// `Instant::now()` outside a loop.
pub fn now() -> Instant {
    with_running_loop(|c| c.clock.now()).unwrap_or_else(Instant::now)
}
