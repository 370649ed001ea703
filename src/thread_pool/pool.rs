//! [`ThreadPool`] and its builder: the public face of the pool.
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
//! Read next: `registry.rs` (the shared state), then `worker.rs`.

use std::io::{self, Write};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_deque::Worker;

use super::heartbeat::{Heartbeat, Scheduler};
use super::job::HeapJob;
use super::map::{map_from_caller, map_on_worker};
use super::registry::{PanicHandler, Registry};
use super::scope::{scope_in_worker, Scope};
use super::sleep::MAX_WORKERS;
use super::stats::WorkerStats;
use super::task::{task_slot, TaskHandle};
use super::worker::{main_loop, WorkerThread};
use crate::trace::Recorder;

/// A work-stealing thread pool. See the module docs.
pub struct ThreadPool {
    registry: Arc<Registry>,
    threads: Vec<JoinHandle<()>>,
    /// The heartbeat timer thread, under heartbeat scheduling.
    timer: Option<JoinHandle<()>>,
}

type NameFn = Box<dyn FnMut(usize) -> String>;

/// Configures a [`ThreadPool`]: thread count, thread names, stack size.
pub struct ThreadPoolBuilder {
    threads: usize,
    name: Option<NameFn>,
    stack_size: Option<usize>,
    panic_handler: Option<PanicHandler>,
    scheduler: Scheduler,
    recorder: Option<Recorder>,
}

impl std::fmt::Debug for ThreadPoolBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadPoolBuilder")
            .field("threads", &self.threads)
            .field("stack_size", &self.stack_size)
            .field("scheduler", &self.scheduler)
            .finish_non_exhaustive()
    }
}

impl Default for ThreadPoolBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadPoolBuilder {
    /// A builder with the defaults: one thread per core, threads named
    /// `homemade-worker-{i}`, the platform's default stack size.
    pub fn new() -> Self {
        ThreadPoolBuilder {
            threads: 0,
            name: None,
            stack_size: None,
            panic_handler: None,
            scheduler: Scheduler::WorkStealing,
            recorder: None,
        }
    }

    /// Number of worker threads; 0 means `std::thread::available_parallelism`.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Names worker `i` with `name(i)`.
    pub fn thread_name(mut self, name: impl FnMut(usize) -> String + 'static) -> Self {
        self.name = Some(Box::new(name));
        self
    }

    /// Names worker `i` `"{prefix}-{i}"`.
    pub fn thread_name_prefix(self, prefix: &str) -> Self {
        let prefix = prefix.to_string();
        self.thread_name(move |i| format!("{prefix}-{i}"))
    }

    /// Stack size of each worker thread, in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// How `join` shares work: [`Scheduler::WorkStealing`] (the default) or
    /// [`Scheduler::Heartbeat`] (`heartbeat.rs`, DESIGN.md §2.12). `join`,
    /// `scope`, `map`, `install`, `spawn` and `submit` work under both.
    ///
    /// ```
    /// use homemade::thread_pool::{Scheduler, ThreadPool};
    /// let pool = ThreadPool::builder()
    ///     .threads(2)
    ///     .scheduler(Scheduler::heartbeat())
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(pool.scheduler(), Scheduler::heartbeat());
    /// assert_eq!(pool.map(vec![1, 2, 3], |x| x + 1), vec![2, 3, 4]);
    /// ```
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = scheduler;
        self
    }

    /// Called with the payload of every panicking `spawn`ed job, on the
    /// worker that ran it (instead of the default report on stderr).
    pub fn panic_handler(
        mut self,
        handler: impl Fn(Box<dyn std::any::Any + Send>) + Send + Sync + 'static,
    ) -> Self {
        self.panic_handler = Some(Box::new(handler));
        self
    }

    /// Records the pool's scheduling events into `recorder` (default: the
    /// one installed with [`trace::install_default`](crate::trace::install_default),
    /// or a private one that starts off). See [`ThreadPool::recorder`].
    pub fn recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Starts the threads. Fails with `InvalidInput` for more than 65,535
    /// threads, or with the OS error if a thread cannot be started (then
    /// the threads already started are stopped and joined).
    pub fn build(mut self) -> io::Result<ThreadPool> {
        let threads = match self.threads {
            0 => thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        if threads > MAX_WORKERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a thread pool holds at most {MAX_WORKERS} threads, {threads} were asked for"
                ),
            ));
        }
        let deques: Vec<Worker<_>> = (0..threads).map(|_| Worker::new_lifo()).collect();
        let stealers = deques.iter().map(Worker::stealer).collect();
        let heartbeat = match self.scheduler {
            Scheduler::WorkStealing => None,
            Scheduler::Heartbeat { interval } => Some(Heartbeat::new(threads, interval)),
        };
        let registry = Arc::new(Registry::new(
            stealers,
            self.panic_handler.take(),
            heartbeat,
            self.recorder
                .take()
                .unwrap_or_else(crate::trace::default_recorder),
        ));
        let mut pool = ThreadPool {
            registry,
            threads: Vec::with_capacity(threads),
            timer: None,
        };
        if pool.registry.heartbeat.is_some() {
            let registry = pool.registry.clone();
            let timer = thread::Builder::new()
                .name(String::from("homemade-heartbeat"))
                .spawn(move || {
                    if let Some(heartbeat) = &registry.heartbeat {
                        heartbeat.run_timer(|| registry.sleep.sleeping_now() == threads);
                    }
                });
            match timer {
                Ok(handle) => pool.timer = Some(handle),
                Err(e) => return Err(e),
            }
        }
        for (index, deque) in deques.into_iter().enumerate() {
            let name = match &mut self.name {
                Some(name) => name(index),
                None => format!("homemade-worker-{index}"),
            };
            let mut builder = thread::Builder::new().name(name);
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let registry = pool.registry.clone();
            match builder.spawn(move || main_loop(deque, index, registry)) {
                Ok(handle) => pool.threads.push(handle),
                // Dropping `pool` stops and joins the threads started so
                // far; the workers that never started have no deque in use.
                Err(e) => {
                    pool.registry.terminate();
                    return Err(e);
                }
            }
        }
        Ok(pool)
    }
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
    /// on the caller's thread (`map.rs`, "A head start on the caller").
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
        // itself before it involves the workers (map.rs, "A head start").
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
