//! A loom model of the sleep protocol's baton rule (`sleep/README.md`).
//!
//! Run it with
//! `cargo test --release --features loom-model --test thread_pool_sleep_baton_loom`
//! (without the feature this file is empty). loom runs the model under
//! every interleaving of its atomics, mutexes and condition variables, up
//! to a preemption bound.
//!
//! The model is a copy, in miniature, of `Sleep` in `src/thread_pool/sleep/`:
//! the same packed counters word (JEC, idle, sleeping), the same
//! publisher (push, bump the JEC, wake only for jobs no idle worker will
//! take), the same park (snapshot, search again, CAS idle -> sleeping under
//! the bed mutex if the JEC did not move) and the same baton rule (an idle
//! worker that leaves the idle state, for a job *or because its latch was
//! set*, wakes a sleeper if it was the last idle one and work is visible).
//!
//! The scenario: two idle workers. W1 looks for jobs and parks; W0 waits
//! for a latch (spinning). The main thread publishes one job and then sets
//! W0's latch. When W0 has left, the job must be taken or W1 awake. With
//! the baton rule, that holds in every interleaving; the second test runs
//! the same model without the baton on the latch path (the old code) and
//! expects loom to find the stranded job.
#![cfg(feature = "loom-model")]

use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

const SLEEPING_ONE: u64 = 1;
const IDLE_ONE: u64 = 1 << 16;
const JEC_ONE: u64 = 1 << 32;

fn sleeping(c: u64) -> u64 {
    c & 0xFFFF
}
fn idle(c: u64) -> u64 {
    (c >> 16) & 0xFFFF
}
fn jec(c: u64) -> u64 {
    c >> 32
}

#[derive(Default)]
struct BedState {
    blocked: bool,
    terminate: bool,
}

struct Model {
    counters: AtomicU64,
    /// The queue: how many jobs are in it.
    jobs: AtomicUsize,
    /// W0's latch.
    latch: AtomicBool,
    /// W1's parking place (only W1 ever parks in this model).
    bed: Mutex<BedState>,
    wake: Condvar,
    /// Whether the latch path passes the baton (false: the old code).
    baton_on_latch_exit: bool,
}

impl Model {
    fn take_job(&self) -> bool {
        self.jobs
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// `Sleep::wake_any_one` (one bed).
    fn wake_one(&self) {
        let mut bed = self.bed.lock().unwrap();
        if bed.blocked {
            bed.blocked = false;
            self.counters.fetch_add(IDLE_ONE - SLEEPING_ONE, SeqCst);
            self.wake.notify_one();
        }
    }

    /// `Sleep::work_found`: leave the idle state, maybe pass the baton.
    fn work_found(&self, pass_baton: bool) {
        let old = self.counters.fetch_sub(IDLE_ONE, SeqCst);
        if pass_baton && sleeping(old) > 0 && idle(old) == 1 && self.jobs.load(SeqCst) > 0 {
            self.wake_one();
        }
    }

    /// `Sleep::new_shared_jobs(1)` after the push.
    fn publish(&self) {
        self.jobs.fetch_add(1, SeqCst);
        let old = self.counters.fetch_add(JEC_ONE, SeqCst);
        let wanted = 1u64.saturating_sub(idle(old)).min(sleeping(old));
        if wanted > 0 {
            self.wake_one();
        }
    }

    /// W0: an idle worker waiting for its latch (spin phase).
    fn waiter(&self) {
        loop {
            if self.latch.load(SeqCst) {
                self.work_found(self.baton_on_latch_exit);
                return;
            }
            if self.take_job() {
                self.work_found(true);
                return;
            }
            thread::yield_now();
        }
    }

    /// W1: an idle worker that searches, gets sleepy and parks.
    fn sleeper(&self) {
        loop {
            if self.take_job() {
                self.work_found(true);
                return;
            }
            let snapshot = jec(self.counters.load(SeqCst));
            if self.take_job() {
                self.work_found(true);
                return;
            }
            let mut bed = self.bed.lock().unwrap();
            if bed.terminate {
                return;
            }
            let current = self.counters.load(SeqCst);
            if jec(current) != snapshot {
                continue; // a job was published: search again
            }
            let parked = current - IDLE_ONE + SLEEPING_ONE;
            if self
                .counters
                .compare_exchange(current, parked, SeqCst, SeqCst)
                .is_err()
            {
                continue;
            }
            bed.blocked = true;
            while bed.blocked {
                bed = self.wake.wait(bed).unwrap();
            }
            if bed.terminate {
                return;
            }
        }
    }
}

fn run_model(baton_on_latch_exit: bool) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(move || {
        let m = Arc::new(Model {
            counters: AtomicU64::new(2 * IDLE_ONE),
            jobs: AtomicUsize::new(0),
            latch: AtomicBool::new(false),
            bed: Mutex::new(BedState::default()),
            wake: Condvar::new(),
            baton_on_latch_exit,
        });
        let w0 = {
            let m = m.clone();
            thread::spawn(move || m.waiter())
        };
        let w1 = {
            let m = m.clone();
            thread::spawn(move || m.sleeper())
        };
        m.publish();
        m.latch.store(true, SeqCst);
        w0.join().unwrap();
        // Nobody else will act now: the job must be gone or W1 awake.
        let jobs_left = m.jobs.load(SeqCst);
        let mut bed = m.bed.lock().unwrap();
        assert!(
            !(bed.blocked && jobs_left > 0),
            "stranded: a job is queued and the only other worker is parked"
        );
        // Shut W1 down (the pool's terminate).
        bed.terminate = true;
        bed.blocked = false;
        m.wake.notify_one();
        drop(bed);
        w1.join().unwrap();
    });
}

#[test]
fn with_the_baton_no_job_is_stranded() {
    run_model(true);
}

#[test]
#[should_panic(expected = "stranded")]
fn without_the_baton_on_the_latch_path_a_job_is_stranded() {
    run_model(false);
}
