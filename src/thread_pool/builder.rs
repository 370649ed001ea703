//! [`ThreadPoolBuilder`]: a pool's settings, and how `build` starts it.
//!
//! `build` makes one deque per worker (its stealer goes into the
//! registry, the deque itself moves into the worker's thread), the
//! registry, the heartbeat timer thread under
//! [`Scheduler::Heartbeat`], and then the workers, one thread each. If a
//! thread cannot be started, the threads started so far are stopped and
//! joined before the error is returned: a failed `build` leaves nothing
//! running.
//!
//! Read next: `pool.rs` (what the pool does once built).

use std::io;
use std::sync::Arc;
use std::thread;

use crossbeam_deque::Worker;

use super::heartbeat::{Heartbeat, Scheduler};
use super::pool::ThreadPool;
use super::registry::{PanicHandler, Registry};
use super::sleep::MAX_WORKERS;
use super::worker::main_loop;
use crate::trace::Recorder;

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
