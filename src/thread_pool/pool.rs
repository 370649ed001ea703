//! [`ThreadPool`]: the public face of the pool (its builder is `builder.rs`).
//!
//! # What you get
//!
//! A fixed set of worker threads, each with its own work-stealing deque, and
//! a global injector for work that comes from outside. The methods:
//!
//! | method | what it does | blocks the caller? |
//! |---|---|---|
//! | [`install`](ThreadPool::install) | run a closure on a worker, return its value | yes |
//! | [`join`](ThreadPool::join) | two closures in parallel | yes |
//! | [`scope`](ThreadPool::scope) | many jobs borrowing the caller's data | yes |
//! | [`map`](ThreadPool::map) / [`for_each`](ThreadPool::for_each) | a parallel map, input order | yes |
//! | [`spawn`](ThreadPool::spawn) | fire-and-forget `'static` job | no |
//! | [`submit`](ThreadPool::submit) | `'static` job with a [`TaskHandle`] to join or await | no |
//!
//! # Dropping the pool
//!
//! `Drop` first waits until every `spawn`ed and `submit`ted job has run
//! (queued work is finished, not thrown away), then tells each worker to
//! stop, wakes the parked ones and joins every thread. Nothing outlives the
//! pool. A job that never ends therefore makes `drop` wait forever, like
//! joining a thread that never ends.
//!
//! Dropping the pool from inside one of its own jobs (the job held the
//! last `Arc<ThreadPool>`) cannot wait: the outstanding jobs include this
//! one, and a worker to join may be waiting for this job (the stolen half
//! of its `join`). It then only tells the workers to stop and returns at
//! once; each worker finishes what it runs, runs what is still queued, and
//! exits on its own a moment later (`tests/thread_pool_drop_inside_own_job.rs`).
//!
//! Read next: `builder.rs` (how the threads start), `registry.rs` (the
//! shared state), then `worker.rs`.

use std::io::{self, Write};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::builder::ThreadPoolBuilder;
use super::heartbeat::Scheduler;
use super::job::HeapJob;
use super::map::{map_from_caller, map_on_worker};
use super::registry::Registry;
use super::scope::{scope_in_worker, Scope};
use super::stats::WorkerStats;
use super::task::{task_slot, TaskHandle};
use super::worker::WorkerThread;
use crate::trace::Recorder;

/// A work-stealing thread pool. See the module docs.
pub struct ThreadPool {
    pub(super) registry: Arc<Registry>,
    /// The worker threads, started by the builder (`builder.rs`).
    pub(super) threads: Vec<JoinHandle<()>>,
    /// The heartbeat timer thread, under heartbeat scheduling.
    pub(super) timer: Option<JoinHandle<()>>,
}

impl ThreadPool {
    /// A pool of `threads` workers (0 = one per available core).
    pub fn new(threads: usize) -> io::Result<ThreadPool> {
        ThreadPoolBuilder::new().threads(threads).build()
    }

    /// A pool of `threads` workers (0 = one per core) under `scheduler`.
    ///
    /// ```
    /// use homemade::thread_pool::{Scheduler, ThreadPool};
    /// for scheduler in Scheduler::ALL {
    ///     let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    ///     assert_eq!(pool.join(|| 1, || 2), (1, 2));
    /// }
    /// ```
    pub fn with_scheduler(threads: usize, scheduler: Scheduler) -> io::Result<ThreadPool> {
        ThreadPoolBuilder::new()
            .threads(threads)
            .scheduler(scheduler)
            .build()
    }

    /// A builder for thread names and stack size.
    pub fn builder() -> ThreadPoolBuilder {
        ThreadPoolBuilder::new()
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The scheduler this pool was built with.
    pub fn scheduler(&self) -> Scheduler {
        match &self.registry.heartbeat {
            None => Scheduler::WorkStealing,
            Some(heartbeat) => Scheduler::Heartbeat {
                interval: heartbeat.interval(),
            },
        }
    }

    /// Number of worker threads.
    pub fn current_num_threads(&self) -> usize {
        self.registry.num_threads()
    }

    /// Runs `op` on a worker of this pool and returns its result; the
    /// caller blocks meanwhile. Inside `op`, `join`, `scope` and `map` use
    /// this pool. A panic in `op` is re-raised here.
    ///
    /// Called from a worker of a *different* pool, that worker blocks until
    /// `op` is done (rayon's would keep stealing in its own pool meanwhile);
    /// avoid cycles of pools installing into each other.
    ///
    /// ```
    /// use homemade::thread_pool::{current_thread_index, ThreadPool};
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// assert_eq!(current_thread_index(), None); // the caller is no worker
    /// let (index, sum) = pool.install(|| {
    ///     // On a worker now: `join` (and `scope`, `map`) in here use this pool.
    ///     let (a, b) = homemade::thread_pool::join(|| 1 + 2, || 3 + 4);
    ///     (current_thread_index(), a + b)
    /// });
    /// assert!(matches!(index, Some(0 | 1)));
    /// assert_eq!(sum, 10);
    /// ```
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        self.registry.in_worker(op)
    }

    /// [`join`](super::join) on this pool: runs `a` and `b` potentially in
    /// parallel and returns both results.
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.install(|| super::join(a, b))
    }

    /// Opens a scope whose jobs may borrow the caller's data; returns when
    /// every job spawned in it has finished. A panic in the body or in any
    /// job is re-raised here, after all jobs are done.
    ///
    /// ```
    /// let pool = homemade::thread_pool::ThreadPool::new(2).unwrap();
    /// let mut halves = [0u64; 2];
    /// let data: Vec<u64> = (1..=100).collect();
    /// pool.scope(|s| {
    ///     let (left, right) = halves.split_at_mut(1);
    ///     let (a, b) = data.split_at(50);
    ///     s.spawn(move |_| left[0] = a.iter().sum());
    ///     s.spawn(move |_| right[0] = b.iter().sum());
    /// });
    /// assert_eq!(halves[0] + halves[1], 5050);
    /// ```
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        self.install(|| scope_in_worker(op))
    }

    /// Maps `items` through `f` in parallel; the results are in input order.
    /// A panic in `f` is re-raised here after every other item's work
    /// stopped (see `map.rs` for what happens to the other items).
    ///
    /// Under [`Scheduler::Heartbeat`] a call from outside the pool first
    /// maps on the calling thread, for up to one heartbeat interval, and
    /// only hands the rest to the workers if the items are not done by
    /// then: a map shorter than a beat costs no hand-off, and `f` may run
    /// on the caller's thread (`map/caller.rs`).
    ///
    /// ```
    /// let pool = homemade::thread_pool::ThreadPool::new(2).unwrap();
    /// assert_eq!(pool.map(vec![1, 2, 3], |x| x * 10), vec![10, 20, 30]);
    /// ```
    pub fn map<T, R, F>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        T: Send,
        R: Send,
        F: Fn(T) -> R + Sync,
    {
        if items.is_empty() {
            return Vec::new();
        }
        // Under heartbeat a caller from outside maps for up to one beat
        // itself before it involves the workers (map/caller.rs).
        if let Some(beat) = &self.registry.heartbeat {
            if !WorkerThread::is_current_in(&self.registry) {
                return map_from_caller(&self.registry, beat.interval(), items, &f);
            }
        }
        self.install(|| map_on_worker(items, &f))
    }

    /// Calls `f` on every item in parallel (no order guaranteed).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    ///
    /// let pool = homemade::thread_pool::ThreadPool::new(2).unwrap();
    /// let total = AtomicU64::new(0);
    /// pool.for_each((1..=100).collect(), |x: u64| {
    ///     total.fetch_add(x, Ordering::Relaxed);
    /// });
    /// assert_eq!(total.into_inner(), 5050);
    /// ```
    pub fn for_each<T, F>(&self, items: Vec<T>, f: F)
    where
        T: Send,
        F: Fn(T) + Sync,
    {
        self.map(items, f);
    }

    /// Queues a fire-and-forget job. If it panics, the panic is reported
    /// (stderr, or the builder's `panic_handler`) and counted in `stats`;
    /// the worker and the pool keep running.
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// let pool = homemade::thread_pool::ThreadPool::new(2).unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// for i in 0..4u32 {
    ///     let tx = tx.clone();
    ///     pool.spawn(move || tx.send(i * i).unwrap());
    /// }
    /// drop(tx);
    /// let mut squares: Vec<u32> = rx.iter().collect(); // ends when every job is done
    /// squares.sort();
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    pub fn spawn<F>(&self, f: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.registry.outstanding.increment();
        let job = HeapJob::into_job_ref(move || {
            WorkerThread::with_current(|worker| {
                let worker = worker.expect("jobs run on pool workers");
                let registry = worker.registry();
                if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                    registry.spawned_job_panicked(worker.index(), payload);
                }
                registry.outstanding.decrement();
            })
        });
        self.registry.push_shared(job);
    }

    /// Queues a job and returns a handle to its result, which can be
    /// waited for with `join()` or awaited as a `Future` on any executor.
    ///
    /// ```
    /// let pool = homemade::thread_pool::ThreadPool::new(2).unwrap();
    /// let handle = pool.submit(|| 6 * 7);
    /// assert_eq!(handle.join().unwrap(), 42);
    /// let failing = pool.submit(|| -> u32 { panic!("boom") });
    /// assert_eq!(failing.join().unwrap_err().message(), "boom");
    /// ```
    ///
    /// Awaited on the crate's event loop, the loop keeps running other
    /// tasks while the pool computes:
    ///
    /// ```
    /// use homemade::event_loop::EventLoop;
    /// use homemade::thread_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::new(2).unwrap();
    /// let sum = EventLoop::new().unwrap().block_on(async {
    ///     let handle = pool.submit(|| (1..=1000u64).sum::<u64>());
    ///     handle.await.unwrap()
    /// });
    /// assert_eq!(sum, 500_500);
    /// ```
    pub fn submit<F, R>(&self, f: F) -> TaskHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (handle, completer) = task_slot(self.registry.clone());
        self.spawn(move || completer.run(f));
        handle
    }

    /// A snapshot of every worker's counters.
    pub fn stats(&self) -> Vec<WorkerStats> {
        self.registry
            .counters
            .iter()
            .enumerate()
            .map(|(i, c)| c.0.snapshot(i))
            .collect()
    }

    /// The scheduling-event recorder of this pool (off until enabled): each
    /// worker records on its own lane (see [`trace`](crate::trace)).
    pub fn recorder(&self) -> &Recorder {
        &self.registry.trace
    }

    /// How many workers are parked right now.
    pub fn parked_workers(&self) -> usize {
        self.registry.sleep.sleeping_now()
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        if WorkerThread::is_current_in(&self.registry) {
            // Dropped by one of our own jobs: waiting for the outstanding
            // jobs would wait for this one, and joining a worker could wait
            // for a worker that waits for us (the stolen half of its
            // `join`). So only tell the workers to stop: each finishes what
            // it is running, sweeps the queues and exits on its own; the
            // threads are detached (dropping a JoinHandle detaches).
            self.registry.terminate();
            self.stop_timer();
            self.threads.clear();
            return;
        }
        self.registry.outstanding.wait_for_zero();
        self.registry.terminate();
        self.stop_timer();
        for handle in self.threads.drain(..) {
            // A worker never unwinds (unwind.rs: a panic that escapes a job
            // aborts the process), so this join cannot fail; if it ever
            // did, say so rather than hide it, without panicking.
            if handle.join().is_err() {
                let _ = writeln!(
                    std::io::stderr(),
                    "homemade::thread_pool: a worker thread panicked"
                );
            }
        }
    }
}

impl ThreadPool {
    /// Stops the heartbeat timer thread, if any, and joins it. The timer
    /// never waits for a job, so this is safe even from inside a job.
    fn stop_timer(&mut self) {
        if let Some(heartbeat) = &self.registry.heartbeat {
            heartbeat.stop();
        }
        if let Some(handle) = self.timer.take() {
            if handle.join().is_err() {
                let _ = writeln!(
                    std::io::stderr(),
                    "homemade::thread_pool: the heartbeat timer thread panicked"
                );
            }
        }
    }
}

impl std::fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadPool")
            .field("threads", &self.current_num_threads())
            .finish_non_exhaustive()
    }
}
