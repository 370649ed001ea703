//! Seeded schedule exploration: run a body under many seeds, stop at the
//! first that fails, print how it ran, and replay it at will.
//!
//! A race between tasks shows only in some interleavings. Under
//! [`Policy::Fifo`](super::Policy::Fifo) the loop always picks the same
//! one, so a test passes a thousand times and the bug ships. [`explore`]
//! runs the body once per seed; the body builds its loop with a seeded
//! policy (`Policy::Random { seed }` or `Policy::Pct { seed, .. }`), so
//! every run tries another interleaving, and the seed is all it takes to
//! get the same one back:
//!
//! ```
//! use homemade::event_loop::{explore, EventLoop, Policy};
//!
//! let failure = explore(20, |seed| {
//!     let lp = EventLoop::builder().policy(Policy::Random { seed }).build().unwrap();
//!     lp.block_on(async { Ok::<(), String>(()) })
//! });
//! assert!(failure.is_none());
//! ```
//!
//! # What a failure shows
//!
//! A run fails when the body returns `Err` or panics. Then `explore` prints,
//! on stderr, the seed, the error, and the **schedule**: the ids of the
//! tasks in the order the loop polled them (`main` is `block_on`'s future),
//! taken from the trace recorder, which `explore` switches on for every loop
//! built during a run. It returns the same as a [`Failure`], whose
//! [`trace`](Failure::trace) holds the whole recording (who ran, where it
//! yielded, what woke it) for a closer look.
//!
//! # Replaying
//!
//! With `HOMEMADE_SEED=N` in the environment, `explore` runs only seed `N`:
//! the same seed gives the same schedule, because task ids count from 1 in
//! each loop and every choice the loop makes among ready tasks comes from
//! the policy's RNG. Outside `explore`, building the loop with the same
//! policy and seed replays it too. [`record`] runs a closure with the
//! recorder on and hands back the trace, so a test can run a seed twice and
//! compare (the determinism check madsim is known for).
//!
//! # What the seed controls, and what it cannot
//!
//! The seed decides every choice the loop makes among tasks that are ready
//! at the same time. Tasks woken by the same turn (two timers with the same
//! deadline, several sockets reported by one `epoll_wait`, a batch of
//! yields) all land in the ready set before the next task is picked, so
//! under `Random` and `Pct` the order in which they were woken does not
//! matter: the seed picks. What the seed cannot control is the outside
//! world: *when* the kernel reports a real socket ready, how long a real
//! timer takes, and what other threads do. Those can change which tasks are
//! ready at a given step, and then the same seed leads elsewhere. Virtual
//! time (`clock.rs`) removes the timer part, and loopback peers that answer
//! at once come close for the rest.
//!
//! Read next: `examples/race.rs`, which finds a real race this way.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::trace::{Event, Kind, TaskId};

thread_local! {
    /// Are loops built on this thread recording for `explore`/`record`?
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    /// The trace of every recording loop dropped since recording began.
    static RECORDED: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
}

/// Are loops built now to switch their recorder on?
pub(crate) fn is_recording() -> bool {
    RECORDING.try_with(Cell::get).unwrap_or(false)
}

/// A recording loop is being dropped: keep what it recorded.
pub(crate) fn keep_schedule(events: &[Event]) {
    let _ = RECORDED.try_with(|r| r.borrow_mut().extend_from_slice(events));
}

/// Runs `f` with the trace recorder switched on in every [`EventLoop`]
/// built meanwhile on this thread, and returns `f`'s result with what those
/// loops recorded (in the order the loops were dropped). Events a body took
/// itself with `recorder().take()` are not included.
///
/// [`EventLoop`]: super::EventLoop
pub fn record<R>(f: impl FnOnce() -> R) -> (R, Vec<Event>) {
    let was = RECORDING.with(|r| r.replace(true));
    let before = RECORDED.with(|r| std::mem::take(&mut *r.borrow_mut()));
    let result = catch_unwind(AssertUnwindSafe(f));
    RECORDING.with(|r| r.set(was));
    let events = RECORDED.with(|r| std::mem::replace(&mut *r.borrow_mut(), before));
    match result {
        Ok(out) => (out, events),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// The task ids polled, in order, in a recorded trace.
pub fn schedule_of(events: &[Event]) -> Vec<TaskId> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Polled { task } => Some(task),
            _ => None,
        })
        .collect()
}

/// The first failing run [`explore`] found.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The seed that failed: replay it with `HOMEMADE_SEED=<seed>`.
    pub seed: u64,
    /// How many runs it took to find it (1 = the first seed).
    pub runs: u64,
    /// The error the body returned, or its panic message.
    pub message: String,
    /// The task ids in the order the loop polled them.
    pub schedule: Vec<TaskId>,
    /// Everything the recorder saw during the failing run.
    pub trace: Vec<Event>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seed {} failed (run {}): {}",
            self.seed, self.runs, self.message
        )?;
        write!(f, "  schedule (tasks in the order polled):")?;
        for id in &self.schedule {
            write!(f, " {}", short(*id))?;
        }
        write!(f, "\n  replay with HOMEMADE_SEED={}", self.seed)
    }
}

/// `main` or the bare number, to keep a schedule on a few lines.
fn short(id: TaskId) -> String {
    if id == TaskId::MAIN {
        "main".to_string()
    } else {
        id.0.to_string()
    }
}

/// Runs `body(seed)` for the seeds `0..runs` (or only for `HOMEMADE_SEED`,
/// if that is set) until one returns `Err` or panics; prints that seed, the
/// error and the schedule on stderr and returns them. `None`: every run
/// passed.
///
/// # Panics
///
/// If `HOMEMADE_SEED` is set but is not a number.
pub fn explore<E: fmt::Debug>(
    runs: u64,
    body: impl FnMut(u64) -> Result<(), E>,
) -> Option<Failure> {
    explore_from(0, runs, body)
}

/// [`explore`], starting at seed `first` (the seeds `first..first + runs`).
pub fn explore_from<E: fmt::Debug>(
    first: u64,
    runs: u64,
    mut body: impl FnMut(u64) -> Result<(), E>,
) -> Option<Failure> {
    let seeds: Box<dyn Iterator<Item = u64>> = match replay_seed() {
        Some(seed) => Box::new(std::iter::once(seed)),
        None => Box::new((0..runs).map(move |i| first.wrapping_add(i))),
    };
    for (i, seed) in seeds.enumerate() {
        let (outcome, trace) = record(|| catch_unwind(AssertUnwindSafe(|| body(seed))));
        let message = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => format!("{e:?}"),
            Err(payload) => panic_text(payload.as_ref()),
        };
        let failure = Failure {
            seed,
            runs: i as u64 + 1,
            message,
            schedule: schedule_of(&trace),
            trace,
        };
        eprintln!("explore: {failure}");
        return Some(failure);
    }
    None
}

/// `HOMEMADE_SEED`, if set.
fn replay_seed() -> Option<u64> {
    let text = std::env::var("HOMEMADE_SEED").ok()?;
    match text.trim().parse() {
        Ok(seed) => Some(seed),
        Err(_) => {
            panic!("HOMEMADE_SEED must be a number (a seed printed by `explore`), not {text:?}")
        }
    }
}

/// A panic payload as text.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    format!("panicked: {}", crate::panics::panic_message(payload))
}
