//! The registry: the state every worker of one pool shares.
//!
//! A [`ThreadPool`](super::ThreadPool) is a thin owner of an
//! `Arc<Registry>` plus the join handles of its threads. The registry holds
//! what the workers need to find each other's work and to sleep:
//!
//! * the global [`Injector`]: the queue for jobs that come from threads
//!   outside the pool (`install`, `spawn` and `submit` from `main`);
//! * one [`Stealer`] per worker: the thief's end of each worker's deque;
//! * [`Sleep`]: the parking places and the jobs-event counter;
//! * per-worker statistics, the terminate latches, the event recorder;
//! * under heartbeat scheduling, the [`Heartbeat`] flags and timer state;
//! * [`Outstanding`]: how many `spawn`ed/`submit`ted jobs have not finished,
//!   so that dropping the pool can wait for them.
//!
//! Read next: `worker.rs` (what a worker does with all this).

use std::any::Any;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_deque::{Injector, Stealer};
use parking_lot::{Condvar, Mutex};

use super::heartbeat::Heartbeat;
use super::job::{JobRef, StackJob};
use super::latch::{CoreLatch, LockLatch};
use super::sleep::Sleep;
use super::stats::{bump, Padded, WorkerCounters};
use super::unwind::{drop_quietly, AbortOnUnwind};
use super::worker::WorkerThread;
use crate::trace::{current, Kind, Lane, PoolId, Recorder};

/// Called with the payload of a panicking `spawn`ed job.
pub(crate) type PanicHandler = Box<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;

/// Shared state of one pool.
pub(crate) struct Registry {
    pub(crate) injector: Injector<JobRef>,
    pub(crate) stealers: Vec<Stealer<JobRef>>,
    pub(crate) sleep: Sleep,
    pub(crate) counters: Vec<Padded<WorkerCounters>>,
    pub(crate) terminate: Vec<CoreLatch>,
    pub(crate) trace: Recorder,
    /// Names this pool's lanes in the trace.
    pub(crate) pool_id: PoolId,
    pub(crate) outstanding: Outstanding,
    pub(crate) panic_handler: Option<PanicHandler>,
    /// The heartbeat flags and timer, under heartbeat scheduling only.
    pub(crate) heartbeat: Option<Heartbeat>,
}

impl Registry {
    /// A registry for workers whose deques have these stealers.
    pub(crate) fn new(
        stealers: Vec<Stealer<JobRef>>,
        panic_handler: Option<PanicHandler>,
        heartbeat: Option<Heartbeat>,
        trace: Recorder,
    ) -> Self {
        let n = stealers.len();
        Registry {
            injector: Injector::new(),
            stealers,
            sleep: Sleep::new(n),
            counters: (0..n).map(|_| Padded::default()).collect(),
            terminate: (0..n).map(|_| CoreLatch::new()).collect(),
            trace,
            pool_id: PoolId::next(),
            outstanding: Outstanding::default(),
            panic_handler,
            heartbeat,
        }
    }

    /// Records `kind` on `worker`'s lane (`None`: the calling thread's
    /// lane, outside the pool) if recording is on: one branch when off.
    #[inline(always)]
    pub(crate) fn record(&self, worker: Option<usize>, kind: Kind) {
        if self.trace.is_on() {
            self.record_cold(worker, kind);
        }
    }

    #[cold]
    #[inline(never)]
    fn record_cold(&self, worker: Option<usize>, kind: Kind) {
        let lane = match worker {
            Some(worker) => self.lane(worker),
            None => current::lane(),
        };
        self.trace.record(lane, kind);
    }

    /// The trace lane of worker `worker`.
    pub(crate) fn lane(&self, worker: usize) -> Lane {
        Lane::PoolThread {
            pool: self.pool_id,
            worker,
        }
    }

    /// Number of worker threads.
    pub(crate) fn num_threads(&self) -> usize {
        self.stealers.len()
    }

    /// Pushes a job from outside the pool and wakes a worker for it.
    pub(crate) fn inject(&self, job: JobRef) {
        self.injector.push(job);
        self.record(None, Kind::JobInjected);
        self.sleep.new_shared_jobs(1);
    }

    /// Pushes a heap job: onto the caller's deque if the caller is one of
    /// our workers (cache-warm, stealable), into the injector otherwise.
    pub(crate) fn push_shared(&self, job: JobRef) {
        WorkerThread::with_current_in(self, |worker| match worker {
            Some(worker) => worker.push_shared(job),
            None => self.inject(job),
        })
    }

    /// Runs `op` on one of this pool's workers and returns its result.
    /// If the caller already is one, `op` simply runs here.
    pub(crate) fn in_worker<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        if WorkerThread::is_current_in(self) {
            op()
        } else {
            self.in_worker_cold(op)
        }
    }

    /// The caller is outside the pool (or in another pool): inject a stack
    /// job and block on a lock latch until a worker has run it.
    #[cold]
    fn in_worker_cold<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        let job = StackJob::new(LockLatch::new(), op);
        let guard = AbortOnUnwind {
            what: "an install while its job was queued",
        };
        // SAFETY: `job` lives in this frame and we do not leave the frame
        // (not even by unwinding: `guard`) before its latch is set (`wait`).
        self.inject(unsafe { job.as_job_ref() });
        job.latch.wait();
        guard.disarm();
        job.into_result()
    }

    /// Reports the panic of a `spawn`ed job that ran on `worker`.
    pub(crate) fn spawned_job_panicked(&self, worker: usize, payload: Box<dyn Any + Send>) {
        bump(&self.counters[worker].0.panics);
        self.record(Some(worker), Kind::JobPanicked);
        match &self.panic_handler {
            Some(handler) => {
                // A panicking handler must not take the worker down either,
                // nor the payload of its panic (unwind.rs).
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(payload)));
                if let Err(handler_panic) = outcome {
                    drop_quietly(handler_panic);
                }
            }
            None => {
                // Not `eprintln!`: it panics if stderr is closed. A report
                // that cannot be written is dropped, the worker lives on.
                let _ = writeln!(
                    std::io::stderr(),
                    "homemade::thread_pool: a spawned job panicked on worker {worker}: {} \
                     (the worker keeps running)",
                    crate::panics::panic_message(payload.as_ref())
                );
                drop_quietly(payload);
            }
        }
    }

    /// Sets every worker's terminate latch and wakes the parked ones.
    pub(crate) fn terminate(&self) {
        for (index, latch) in self.terminate.iter().enumerate() {
            // SAFETY: the latches live as long as the registry, which we hold.
            if unsafe { CoreLatch::set_and_check_sleepy(latch) } {
                self.sleep.wake_specific(index);
            }
        }
    }
}

/// Counts heap jobs that are queued or running, and lets `Drop` wait for 0.
#[derive(Default)]
pub(crate) struct Outstanding {
    count: AtomicUsize,
    lock: Mutex<()>,
    zero: Condvar,
}

impl Outstanding {
    /// A job was queued.
    pub(crate) fn increment(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// A job finished; wakes `wait_for_zero` if it was the last.
    pub(crate) fn decrement(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            // Taking the lock orders us after a waiter's check-then-wait.
            let _guard = self.lock.lock();
            self.zero.notify_all();
        }
    }

    /// Blocks until no heap job is queued or running.
    pub(crate) fn wait_for_zero(&self) {
        let mut guard = self.lock.lock();
        while self.count.load(Ordering::SeqCst) != 0 {
            self.zero.wait(&mut guard);
        }
    }
}
