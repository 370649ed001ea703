//! Sleepers: how idle workers park and how new work wakes them.
//!
//! The protocol is explained in prose in `sleep/README.md`, next to this
//! file; read it first. This file is the code for it:
//!
//! * [`Counters`]: one `AtomicU64` holding the jobs-event counter (JEC), the
//!   number of idle-but-awake workers and the number of parked workers, so
//!   that one atomic read sees all three consistently.
//! * [`IdleState`]: a worker's progress through spin, sleepy, park.
//! * [`Sleep`]: the per-worker parking places and the wake operations.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Condvar, Mutex};

use super::latch::CoreLatch;
use super::stats::Padded;

/// Rounds of `yield_now` an idle worker spends before it gets sleepy.
const SPIN_ROUNDS: u32 = 32;

const SLEEPING_ONE: u64 = 1;
const IDLE_ONE: u64 = 1 << 16;
const JEC_SHIFT: u32 = 32;
const JEC_ONE: u64 = 1 << JEC_SHIFT;
const COUNT_MASK: u64 = 0xFFFF;

/// The most workers the 16-bit counters can describe.
pub(crate) const MAX_WORKERS: usize = 0xFFFF;

/// A decoded snapshot of the packed counters word.
#[derive(Clone, Copy, Debug)]
struct Counters(u64);

impl Counters {
    /// Workers parked on their condition variable.
    fn sleeping(self) -> u64 {
        self.0 & COUNT_MASK
    }
    /// Workers looking for work but not parked (spinning or sleepy).
    fn idle(self) -> u64 {
        (self.0 >> 16) & COUNT_MASK
    }
    /// The jobs-event counter: bumped for every job injected from outside.
    fn jec(self) -> u32 {
        (self.0 >> JEC_SHIFT) as u32
    }
}

/// One worker's progress from "found nothing" towards parking.
#[derive(Debug)]
pub(crate) struct IdleState {
    worker: usize,
    rounds: u32,
    jec_snapshot: Option<u32>,
}

/// A worker's parking place: "am I blocked" under a mutex, and a condvar.
#[derive(Default)]
struct Bed {
    blocked: Mutex<bool>,
    wake: Condvar,
}

/// What `no_work_found` did, so the worker can count and trace it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdleStep {
    /// Yielded the CPU once and will search again.
    Spun,
    /// Took the JEC snapshot; one more search before parking.
    GotSleepy,
    /// Parked and was later woken.
    ParkedAndWoken,
    /// Wanted to park but new work (or the latch) arrived first.
    DidNotPark,
}

/// The sleep/wake state of the whole pool.
pub(crate) struct Sleep {
    counters: AtomicU64,
    beds: Vec<Padded<Bed>>,
}

impl Sleep {
    /// Sleep state for `workers` workers, all awake.
    pub(crate) fn new(workers: usize) -> Self {
        assert!(workers <= MAX_WORKERS);
        Sleep {
            counters: AtomicU64::new(0),
            beds: (0..workers).map(|_| Padded(Bed::default())).collect(),
        }
    }

    fn load(&self) -> Counters {
        Counters(self.counters.load(Ordering::SeqCst))
    }

    /// A worker found no work: it becomes idle.
    pub(crate) fn start_looking(&self, worker: usize) -> IdleState {
        self.counters.fetch_add(IDLE_ONE, Ordering::SeqCst);
        IdleState {
            worker,
            rounds: 0,
            jec_snapshot: None,
        }
    }

    /// An idle worker found a job (or its latch was set): it is busy again.
    ///
    /// `more_work_visible` says whether any queue (the injector or a
    /// worker's deque) still holds jobs; if so and nobody else is idle, pass
    /// the baton to one sleeper. This is the chain wake-up that stops a
    /// burst of jobs from waiting on one worker, and it is also what makes
    /// sure a job whose publisher counted on this (then idle) worker gets a
    /// worker even if this one leaves because its latch was set.
    pub(crate) fn work_found(&self, more_work_visible: impl FnOnce() -> bool) {
        let old = Counters(self.counters.fetch_sub(IDLE_ONE, Ordering::SeqCst));
        if old.sleeping() > 0 && old.idle() == 1 && more_work_visible() {
            self.wake_any_one();
        }
    }

    /// An idle worker searched and found nothing: spin, get sleepy, or park.
    ///
    /// `latch` is what the worker waits for; it never parks once it is set.
    /// `on_park` runs right before the worker blocks (for stats and trace).
    pub(crate) fn no_work_found(
        &self,
        idle: &mut IdleState,
        latch: &CoreLatch,
        on_park: impl FnOnce(),
    ) -> IdleStep {
        if idle.rounds < SPIN_ROUNDS {
            std::thread::yield_now();
            idle.rounds += 1;
            IdleStep::Spun
        } else if idle.rounds == SPIN_ROUNDS {
            // Snapshot the JEC; the caller searches once more AFTER this
            // load, which is what makes the protocol safe (README, step 2).
            idle.jec_snapshot = Some(self.load().jec());
            idle.rounds += 1;
            IdleStep::GotSleepy
        } else {
            self.park(idle, latch, on_park)
        }
    }

    /// Parks the worker unless a job was injected since the snapshot.
    fn park(&self, idle: &mut IdleState, latch: &CoreLatch, on_park: impl FnOnce()) -> IdleStep {
        let snapshot = idle.jec_snapshot.expect("park without a snapshot");
        // Owner-wake protocol, step 1 (latch.rs).
        if !latch.get_sleepy() {
            return IdleStep::DidNotPark;
        }
        let bed = &self.beds[idle.worker].0;
        let mut blocked = bed.blocked.lock();
        // Owner-wake protocol, step 2: re-check under our own mutex.
        if latch.probe() {
            return IdleStep::DidNotPark;
        }
        // Jobs protocol, step 3: move idle -> sleeping only if the JEC has
        // not moved since the snapshot; one CAS does the check and the move.
        loop {
            let current = self.load();
            if current.jec() != snapshot {
                // A job was injected meanwhile: search again before parking.
                idle.rounds = SPIN_ROUNDS;
                idle.jec_snapshot = None;
                return IdleStep::DidNotPark;
            }
            let parked = current.0 - IDLE_ONE + SLEEPING_ONE;
            if self
                .counters
                .compare_exchange(current.0, parked, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                break;
            }
        }
        on_park();
        *blocked = true;
        while *blocked {
            bed.wake.wait(&mut blocked);
        }
        // Whoever woke us already moved us from "sleeping" back to "idle".
        idle.rounds = 0;
        idle.jec_snapshot = None;
        IdleStep::ParkedAndWoken
    }

    /// Jobs were pushed where every worker can find them (the injector, or a
    /// deque whose owner may not come back soon): bump the JEC, then wake
    /// at most one parked worker per job, and none if someone is idle-awake.
    pub(crate) fn new_shared_jobs(&self, jobs: usize) {
        let old = Counters(self.counters.fetch_add(JEC_ONE, Ordering::SeqCst));
        let sleeping = old.sleeping() as usize;
        let idle = old.idle() as usize;
        // An idle-awake worker will see the job (README, "Why idle workers
        // count"); wake sleepers only for the jobs nobody awake can take.
        let wanted = jobs.saturating_sub(idle).min(sleeping);
        for _ in 0..wanted {
            if !self.wake_any_one() {
                break;
            }
        }
    }

    /// A job was pushed on the pusher's own deque by `join`: wake one
    /// sleeper if all idle workers are parked. A cheap check with no JEC
    /// bump, because the pusher itself will run the job if nobody steals it
    /// (README, "Why join may skip the counter").
    #[inline]
    pub(crate) fn new_local_job(&self) {
        let now = Counters(self.counters.load(Ordering::Relaxed));
        if now.sleeping() > 0 && now.idle() == 0 {
            self.wake_any_one();
        }
    }

    /// Wakes one parked worker, if any; true if one was woken.
    pub(crate) fn wake_any_one(&self) -> bool {
        (0..self.beds.len()).any(|i| self.wake_specific(i))
    }

    /// Wakes worker `index` if it is parked; true if it was.
    pub(crate) fn wake_specific(&self, index: usize) -> bool {
        let bed = &self.beds[index].0;
        let mut blocked = bed.blocked.lock();
        if *blocked {
            *blocked = false;
            // sleeping -= 1, idle += 1, in one atomic step.
            self.counters
                .fetch_add(IDLE_ONE - SLEEPING_ONE, Ordering::SeqCst);
            bed.wake.notify_one();
            true
        } else {
            false
        }
    }

    /// How many workers are parked right now (for tests and stats).
    pub(crate) fn sleeping_now(&self) -> usize {
        self.load().sleeping() as usize
    }
}
