//! Heartbeat scheduling: the [`Scheduler`] choice and the heartbeat timer.
//!
//! # The idea, in four sentences
//!
//! Under work stealing every `join` pushes its second half onto a deque, so
//! that an idle worker *could* take it; most of those pushes are popped back
//! unstolen, and on tiny joins the push is most of the cost. Under heartbeat
//! scheduling (Acar, Charguéraud and Rainey, PLDI 2018) a `join` only notes
//! its pending second half in a plain per-worker list (`frames.rs`) and runs
//! both halves in order, like sequential code. A timer sets each worker's
//! *heartbeat flag* every `interval`; the next `join` on that worker sees the
//! flag and *promotes* the oldest pending second half into a real job that
//! other workers may steal (and wakes one sleeper for it). So the pool pays
//! for parallelism once per heartbeat, not once per join.
//!
//! # The timer
//!
//! One extra thread, `homemade-heartbeat`, sets the flags round-robin: with
//! `n` workers it sets one flag every `interval / n` (but at most one flag
//! per 10 µs, `MIN_TICK`), so each worker gets a beat every `interval` (or
//! every `n * 10 µs` on a pool too big for that). Setting a flag is a relaxed store; the worker reads
//! it with a relaxed load (a plain `mov` on x86), so the fast path of `join`
//! has no atomic read-modify-write and no fence.
//!
//! An idle pool must not burn a core, so the timer sleeps too: when it sees
//! every worker parked it blocks on its condition variable, and a worker
//! that wakes up from parking rings it ([`Heartbeat::kick`]). The kick sets
//! `kicked` under the timer's mutex and the timer only blocks if `kicked`
//! is unset under that same mutex, so a kick is never lost (the same
//! check-under-the-lock argument as a worker's bed in `sleep/README.md`).
//! A kick only restarts a sleeping timer: one that is ticking sleeps out
//! its tick whatever kicks arrive, or every wake-up would be a beat out of
//! time (`tests/thread_pool_heartbeat_wake_is_not_a_beat.rs`).
//!
//! # Why a thread and not a clock check every K joins
//!
//! A worker could instead read a cheap clock every K joins. That needs no
//! thread, but the beat then depends on how long K joins take: with coarse
//! joins (1 ms each), K = 256 delays the first promotion by a quarter of a
//! second while the other workers sit idle. The thread keeps the period
//! fixed whatever the grain, at the cost of one wake-up per `interval / n`
//! while the pool is busy (DESIGN.md §2.12 has the figures).
//!
//! Read next: `frames.rs` (the pending-frame list and the promotion rule),
//! then `join.rs` (`join_in_worker`, its heartbeat branch).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::stats::Padded;

/// The heartbeat period when none is given: the paper's and chili's 100 µs.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_micros(100);

/// The shortest period the timer accepts: below this the timer's own
/// wake-ups cost more than the promotions they allow.
pub const MIN_HEARTBEAT_INTERVAL: Duration = Duration::from_micros(10);

/// The shortest sleep of the timer between two flags it sets.
const MIN_TICK: Duration = Duration::from_micros(10);

/// How a pool's `join` shares work (`ThreadPool::builder().scheduler(..)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheduler {
    /// Every `join` pushes its second half onto the worker's deque, where an
    /// idle worker may steal it (`join.rs`). The default.
    #[default]
    WorkStealing,
    /// A `join` runs both halves in order and keeps its second half in a
    /// local list; every `interval` a worker promotes its oldest pending
    /// second half into a job others may steal (this module's docs).
    Heartbeat {
        /// The time between two beats of one worker; values below
        /// [`MIN_HEARTBEAT_INTERVAL`] are raised to it.
        interval: Duration,
    },
}

impl Scheduler {
    /// Heartbeat scheduling with [`DEFAULT_HEARTBEAT_INTERVAL`].
    pub const fn heartbeat() -> Scheduler {
        Scheduler::Heartbeat {
            interval: DEFAULT_HEARTBEAT_INTERVAL,
        }
    }

    /// Both schedulers, the default first (handy for tests and benchmarks
    /// that compare them).
    pub const ALL: [Scheduler; 2] = [Scheduler::WorkStealing, Scheduler::heartbeat()];
}

/// What the timer thread and the workers share.
#[derive(Default)]
struct TimerState {
    /// A worker woke up since the timer last looked.
    kicked: bool,
    /// The pool is being dropped: the timer exits.
    stop: bool,
}

/// The heartbeat flags of one pool, and the timer's sleeping place.
pub(crate) struct Heartbeat {
    interval: Duration,
    beats: Vec<Padded<AtomicBool>>,
    state: Mutex<TimerState>,
    bell: Condvar,
}

impl Heartbeat {
    /// Flags for `workers` workers, beating every `interval` (at least
    /// [`MIN_HEARTBEAT_INTERVAL`]).
    pub(crate) fn new(workers: usize, interval: Duration) -> Self {
        Heartbeat {
            interval: interval.max(MIN_HEARTBEAT_INTERVAL),
            beats: (0..workers)
                .map(|_| Padded(AtomicBool::new(false)))
                .collect(),
            state: Mutex::new(TimerState::default()),
            bell: Condvar::new(),
        }
    }

    /// The period the flags are set with (after the minimum was applied).
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Worker `index`'s flag. A worker reads it with a relaxed load on its
    /// own cache line and clears it with a relaxed store when set
    /// (`WorkerThread::on_heartbeat`); `map`'s leaves only peek at it.
    pub(crate) fn beat_flag(&self, index: usize) -> &AtomicBool {
        &self.beats[index].0
    }

    /// A worker woke up from parking: make sure the timer is ticking.
    pub(crate) fn kick(&self) {
        let mut state = self.state.lock();
        state.kicked = true;
        self.bell.notify_one();
    }

    /// Tells the timer thread to exit.
    pub(crate) fn stop(&self) {
        let mut state = self.state.lock();
        state.stop = true;
        self.bell.notify_one();
    }

    /// The timer thread's body. `all_parked` says whether every worker is
    /// parked right now (then the timer sleeps until a kick).
    pub(crate) fn run_timer(&self, all_parked: impl Fn() -> bool) {
        let workers = self.beats.len().max(1);
        // With many workers the per-flag tick is floored, so the timer does
        // not turn into a busy loop: each worker then beats every
        // `workers * MIN_TICK`.
        let tick = (self.interval / workers.min(u32::MAX as usize) as u32).max(MIN_TICK);
        let mut next = 0;
        let mut state = self.state.lock();
        loop {
            if state.stop {
                return;
            }
            if !state.kicked && all_parked() {
                // Nobody runs a join: no beat is needed until one wakes.
                while !state.kicked && !state.stop {
                    self.bell.wait(&mut state);
                }
                continue;
            }
            state.kicked = false;
            // Sleep one whole tick. A kick during it (a worker woke up)
            // must not end it early: the timer is already ticking, and a
            // tick cut short would be a beat out of time (every wake-up a
            // beat, whatever the interval). Only `stop` ends it.
            let end = Instant::now() + tick;
            while !state.stop && Instant::now() < end {
                self.bell.wait_until(&mut state, end);
            }
            if state.stop {
                return;
            }
            if let Some(beat) = self.beats.get(next) {
                beat.0.store(true, Ordering::Relaxed);
            }
            next = (next + 1) % workers;
        }
    }
}
