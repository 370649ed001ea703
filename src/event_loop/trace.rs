//! The loop's side of the trace: what to record at each scheduling step.
//!
//! An event loop is invisible while it works: tasks run, stop at an `.await`,
//! and run again later, and nothing on the screen says why. The recorder writes
//! that story down. When it is switched on (see
//! [`EventLoop::recorder`](super::EventLoop::recorder)) every scheduling
//! decision becomes a [`trace::Event`](crate::trace::Event) on the loop's
//! lane, in the crate's one vocabulary (`src/trace/`):
//!
//! * a task was **spawned** (and by whom),
//! * a task was **polled**, and the poll returned **Pending** or **Ready**
//!   (or the task **panicked**),
//! * a task was **woken**, and by what: a timer, an I/O event, another task,
//!   a `yield_now` coming back, or another thread,
//! * the loop **polled the reactor** (how long it was willing to block and
//!   how many OS events came back), and how many **timers fired**.
//!
//! Programs can add their own [`note`]s ("A: about to yield") so that the
//! trace shows *where* in its code a task stopped.
//!
//! `lp.recorder().take()` hands the events over; `examples/yielding.rs`
//! turns them into a readable interleaving.
//!
//! # Cost when off
//!
//! Every recording site is written as `if trace.is_on() { ... }`: one
//! relaxed load of the recorder's flag and one predictable branch. Nothing is allocated, no clock
//! is read, and the bookkeeping that only the trace needs (which task is
//! running right now, so that a wake can be attributed to it) is skipped too.
//!
//! # Who woke whom
//!
//! A waker does not know who calls it. The recorder does not need it to: the
//! loop runs one thing at a time, so it remembers what it is doing right now
//! (its `Phase`: polling task 7, dispatching reactor events, firing
//! timers...) and any wake that happens on the loop thread is attributed to
//! that phase. A wake that arrives from another thread goes through the
//! injection queue and is recorded as [`WakeSource::Thread`] when the loop
//! picks it up.
//!
//! Read next: `executor.rs` and `runtime.rs`, which call the recorder at each step.

use std::cell::Cell;

pub(crate) use crate::trace::{Kind, TaskId, WakeSource};
use crate::trace::{Lane, LoopId, Recorder};

/// Adds a note to the trace of the loop running on this thread, attributed
/// to the running task. Costs one branch when tracing is off (the text is
/// copied only when it is on); does nothing outside a loop.
pub fn note(text: &str) {
    super::context::with_running_loop(|l| {
        let trace = &l.executor.trace;
        if trace.is_on() {
            let task = match trace.phase() {
                Phase::Polling(id) => Some(id),
                _ => None,
            };
            trace.record(Kind::Note {
                task,
                text: text.to_string(),
            });
        }
    });
}

/// What the loop is doing right now; used to attribute wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Between phases.
    Idle,
    /// Polling a task (or `main`).
    Polling(TaskId),
    /// Dispatching reactor events.
    Reactor,
    /// Firing expired timers.
    Timers,
    /// Giving yielded tasks their turn back.
    Yields,
}

/// The loop's handle on its recorder, its lane, and the phase it is in.
/// Lives in the loop's thread-local state.
pub(crate) struct Trace {
    recorder: Recorder,
    lane: Lane,
    phase: Cell<Phase>,
}

impl Trace {
    /// Records into `recorder`, on a lane of its own.
    pub(crate) fn new(recorder: Recorder) -> Trace {
        Trace {
            recorder,
            lane: Lane::Loop(LoopId::next()),
            phase: Cell::new(Phase::Idle),
        }
    }

    /// Is recording switched on? (The single branch every site pays.)
    #[inline(always)]
    pub(crate) fn is_on(&self) -> bool {
        self.recorder.is_on()
    }

    /// The recorder.
    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The loop's lane.
    pub(crate) fn lane(&self) -> Lane {
        self.lane
    }

    /// Records `kind` now on the loop's lane. Callers check
    /// [`Trace::is_on`] first (it is not checked again here).
    pub(crate) fn record(&self, kind: Kind) {
        self.recorder.record_checked(self.lane, kind);
    }

    /// Sets the current phase (only meaningful while recording).
    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.set(phase);
    }

    /// The current phase.
    pub(crate) fn phase(&self) -> Phase {
        self.phase.get()
    }

    /// The wake source implied by the current phase.
    pub(crate) fn wake_source(&self) -> WakeSource {
        match self.phase.get() {
            Phase::Idle => WakeSource::Loop,
            Phase::Polling(id) => WakeSource::Task(id),
            Phase::Reactor => WakeSource::Io,
            Phase::Timers => WakeSource::Timer,
            Phase::Yields => WakeSource::Yield,
        }
    }
}
