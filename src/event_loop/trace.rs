//! The trace recorder: a per-loop diary of scheduling decisions.
//!
//! An event loop is invisible while it works: tasks run, stop at an `.await`,
//! and run again later, and nothing on the screen says why. The recorder writes
//! that story down. When it is switched on (see
//! [`EventLoop::set_tracing`](super::EventLoop::set_tracing)) every scheduling
//! decision becomes a [`TraceEvent`] with a monotonic timestamp:
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
//! [`EventLoop::take_trace`](super::EventLoop::take_trace) hands the events
//! over; `examples/yielding.rs` turns them into a readable interleaving.
//!
//! # Cost when off
//!
//! Every recording site is written as `if trace.is_on() { ... }`: one load of
//! a `Cell<bool>` and one predictable branch. Nothing is allocated, no clock
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

use std::cell::{Cell, RefCell};
use std::fmt;
use std::time::{Duration, Instant};

/// Identifies a task within its loop: ids count 1, 2, 3... in the order
/// tasks are spawned on that loop and are never reused, so two runs of the
/// same program give the same ids (which replaying a seed relies on; see
/// `explore`). Tasks of different loops may share an id.
///
/// Id 0 is the future passed to [`EventLoop::block_on`](super::EventLoop::block_on),
/// which the trace calls `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

impl TaskId {
    /// The id the trace uses for `block_on`'s own future.
    pub const MAIN: TaskId = TaskId(0);
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == TaskId::MAIN {
            f.write_str("main")
        } else {
            write!(f, "task {}", self.0)
        }
    }
}

/// What caused a wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeSource {
    /// A timer (a `sleep` or a `timeout`) reached its deadline.
    Timer,
    /// The reactor reported readiness on a registered source.
    Io,
    /// Code running in this task (or `main`) called the waker.
    Task(TaskId),
    /// The task had called `yield_now` and the loop gave it its turn back.
    Yield,
    /// A waker was called from another thread (through the injection queue).
    Thread,
    /// Something else on the loop thread (for example a `JoinHandle::abort`
    /// issued while the loop was between phases).
    Loop,
}

impl fmt::Display for WakeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeSource::Timer => f.write_str("a timer"),
            WakeSource::Io => f.write_str("I/O readiness"),
            WakeSource::Task(id) => write!(f, "{id}"),
            WakeSource::Yield => f.write_str("its yield_now"),
            WakeSource::Thread => f.write_str("another thread"),
            WakeSource::Loop => f.write_str("the loop"),
        }
    }
}

/// One recorded scheduling event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceKind {
    /// `task` was spawned by `by` (`None`: from outside the loop, through a `Handle`).
    Spawned {
        /// The new task.
        task: TaskId,
        /// Who spawned it.
        by: Option<TaskId>,
    },
    /// The loop started polling `task`.
    Polled {
        /// The polled task.
        task: TaskId,
    },
    /// The poll of `task` returned `Poll::Pending`: it is waiting for a wake.
    Pending {
        /// The task that is now waiting.
        task: TaskId,
    },
    /// The poll of `task` returned `Poll::Ready`: it has completed.
    Ready {
        /// The completed task.
        task: TaskId,
    },
    /// The poll of `task` panicked; the panic was caught and stored in its `JoinHandle`.
    Panicked {
        /// The task that panicked.
        task: TaskId,
    },
    /// `task` was woken by `by` and put on the run queue.
    Woken {
        /// The woken task.
        task: TaskId,
        /// The cause.
        by: WakeSource,
    },
    /// The loop asked the OS for I/O events, willing to block for `timeout`
    /// (`None`: indefinitely), and got `events` back.
    ReactorPoll {
        /// How long the loop was willing to block.
        timeout: Option<Duration>,
        /// How many events the OS returned.
        events: usize,
    },
    /// `count` timers reached their deadline and were fired.
    TimersFired {
        /// Number of fired timers.
        count: usize,
    },
    /// A note written by the program with [`note`] (for example "about to
    /// yield"), attributed to the task that was running.
    Note {
        /// The running task (`None` between tasks).
        task: Option<TaskId>,
        /// The note.
        text: String,
    },
}

/// A [`TraceKind`] with the time it happened, measured from when tracing was
/// switched on (monotonic clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// Time since tracing was switched on.
    pub at: Duration,
    /// What happened.
    pub kind: TraceKind,
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.at.as_secs_f64() * 1e3;
        write!(f, "{ms:9.3} ms  ")?;
        match &self.kind {
            TraceKind::Spawned { task, by: Some(by) } => write!(f, "{task} spawned by {by}"),
            TraceKind::Spawned { task, by: None } => write!(f, "{task} spawned from outside"),
            TraceKind::Polled { task } => write!(f, "{task} polled"),
            TraceKind::Pending { task } => write!(f, "{task} returned Pending"),
            TraceKind::Ready { task } => write!(f, "{task} returned Ready"),
            TraceKind::Panicked { task } => write!(f, "{task} panicked"),
            TraceKind::Woken { task, by } => write!(f, "{task} woken by {by}"),
            TraceKind::ReactorPoll { timeout, events } => match timeout {
                Some(t) => write!(f, "reactor poll (timeout {t:?}): {events} events"),
                None => write!(f, "reactor poll (no timeout): {events} events"),
            },
            TraceKind::TimersFired { count } => write!(f, "{count} timer(s) fired"),
            TraceKind::Note {
                task: Some(t),
                text,
            } => write!(f, "{t}: {text}"),
            TraceKind::Note { task: None, text } => write!(f, "note: {text}"),
        }
    }
}

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
            trace.record(TraceKind::Note {
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

/// The per-loop recorder. Lives in the loop's thread-local state.
pub(crate) struct Trace {
    on: Cell<bool>,
    start: Cell<Instant>,
    phase: Cell<Phase>,
    events: RefCell<Vec<TraceEvent>>,
}

impl Trace {
    /// A recorder that is off.
    pub(crate) fn new() -> Trace {
        Trace {
            on: Cell::new(false),
            start: Cell::new(Instant::now()),
            phase: Cell::new(Phase::Idle),
            events: RefCell::new(Vec::new()),
        }
    }

    /// Is recording switched on? (The single branch every site pays.)
    #[inline(always)]
    pub(crate) fn is_on(&self) -> bool {
        self.on.get()
    }

    /// Switches recording on (resetting the time origin) or off.
    pub(crate) fn set(&self, on: bool) {
        if on && !self.on.get() {
            self.start.set(Instant::now());
        }
        self.on.set(on);
    }

    /// Hands over the recorded events, leaving the recorder empty.
    pub(crate) fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }

    /// Records `kind` now. Callers check [`Trace::is_on`] first.
    pub(crate) fn record(&self, kind: TraceKind) {
        let at = self.start.get().elapsed();
        self.events.borrow_mut().push(TraceEvent { at, kind });
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
