//! # `ProcessPoolBuilder`: the options of a pool, and how one is built
//!
//! [`ProcessPool::builder`](super::ProcessPool::builder) returns one; each
//! option says what it changes and its default. [`build`](ProcessPoolBuilder::build)
//! starts the fork server, forks the workers into their slots and wraps the
//! state (`state.rs`) in the pool's lock. [`Transport`] says how frames
//! travel, through a socket pair (the default) or shared memory (`shm.rs`).
//!
//! Read next: `pool.rs` (what a built pool offers).

use std::io::Write;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::child::{self, ChildConfig};
use super::error::{PoolError, TaskError};
use super::forkserver::ForkServer;
use super::pool::{finish, ProcessPool};
use super::state::{Config, Inner, State};
use super::sys;
use super::wire;
use crate::trace::Recorder;

/// How task and reply frames travel between the parent and a worker.
///
/// The API and the failure semantics are the same under both; what
/// differs is the cost of a round trip (DESIGN.md, "Processes that share
/// memory").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Through a Unix socket pair per worker (the default): every frame is
    /// a `sendmsg` and a `recv`, and a sleeping side is woken by the kernel.
    Socketpair,
    /// Through two rings in a shared-memory region per worker (`shm.rs`):
    /// no system call while both sides are awake; a side that found
    /// nothing for a while parks on a futex (worker) or an eventfd
    /// (parent). The socket pair stays open, silent, as the death signal.
    SharedMemory,
}

/// Options for a [`ProcessPool`]; see [`ProcessPool::builder`].
pub struct ProcessPoolBuilder<In, Out> {
    workers: usize,
    transport: Transport,
    max_tasks_per_child: Option<u64>,
    task_timeout: Option<Duration>,
    initializer: Option<Box<dyn Fn()>>,
    max_frame: usize,
    prefetch: Option<usize>,
    attempts: u32,
    recorder: Option<Recorder>,
    _types: PhantomData<fn(In) -> Out>,
}

/// The options set so far (the initializer shown only as set or not).
impl<In, Out> std::fmt::Debug for ProcessPoolBuilder<In, Out> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessPoolBuilder")
            .field("workers", &self.workers)
            .field("transport", &self.transport)
            .field("max_tasks_per_child", &self.max_tasks_per_child)
            .field("task_timeout", &self.task_timeout)
            .field("initializer", &self.initializer.is_some())
            .field("max_frame", &self.max_frame)
            .field("prefetch", &self.prefetch)
            .field("attempts", &self.attempts)
            .field("recorder", &self.recorder)
            .finish()
    }
}

impl<In, Out> ProcessPoolBuilder<In, Out> {
    /// The defaults, for `workers` processes (0 = one per CPU).
    pub(super) fn new(workers: usize) -> Self {
        ProcessPoolBuilder {
            workers,
            transport: super::test_hooks::default_transport(),
            max_tasks_per_child: None,
            task_timeout: None,
            initializer: None,
            max_frame: wire::DEFAULT_MAX_FRAME,
            prefetch: None,
            attempts: 1,
            recorder: None,
            _types: PhantomData,
        }
    }
}

impl<In, Out> ProcessPoolBuilder<In, Out>
where
    In: Serialize + DeserializeOwned,
    Out: Serialize + DeserializeOwned,
{
    /// How frames travel to and from the workers (default
    /// [`Transport::Socketpair`]).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Each worker exits after serving `n` tasks (a `map` chunk counts as
    /// one) and is replaced by a fresh fork, like Python's `maxtasksperchild`.
    pub fn max_tasks_per_child(mut self, n: u64) -> Self {
        self.max_tasks_per_child = Some(n.max(1));
        self
    }

    /// A task running longer than `limit` fails with
    /// [`TaskError::TimedOut`]; its worker is killed and replaced.
    pub fn task_timeout(mut self, limit: Duration) -> Self {
        self.task_timeout = Some(limit);
        self
    }

    /// Runs `init` once in each worker (and each replacement) before it
    /// serves tasks, like Python's `initializer`. If it panics, the pool's
    /// tasks fail with [`TaskError::InitializerFailed`].
    pub fn initializer(mut self, init: impl Fn() + 'static) -> Self {
        self.initializer = Some(Box::new(init));
        self
    }

    /// Largest frame (task or result, in bytes) accepted; default 256 MiB.
    pub fn max_frame_bytes(mut self, n: usize) -> Self {
        self.max_frame = n.min(u32::MAX as usize);
        self
    }

    /// Fixes the number of tasks kept in flight per worker (1 = strictly
    /// one at a time). By default it adapts: about 1 ms of work per worker,
    /// at least 2 tasks and at most 64 (see `state.rs`, "Prefetch").
    pub fn prefetch(mut self, n: usize) -> Self {
        self.prefetch = Some(n.max(1));
        self
    }

    /// Declares the function idempotent (running an input twice is harmless)
    /// and gives every task up to `attempts` attempts: a task whose worker
    /// dies or exits while running it (a SIGKILL from outside, the
    /// out-of-memory killer) goes back to the queue and runs again on a live
    /// worker, instead of failing. A `map` chunk is retried whole.
    ///
    /// If every attempt is lost, the task fails with the last attempt's
    /// error, so a task that kills its worker every time ends after
    /// `attempts` workers. Timeouts and protocol errors are never retried.
    /// Each lost attempt is logged: see [`ProcessPool::take_retries`].
    /// `1` (the default) means no retry; `0` is taken as `1`.
    pub fn retry_idempotent(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Records the pool's events (forks, jobs sent, replies, crashes, each
    /// on its worker's lane) into `recorder` (default: the one installed
    /// with [`trace::install_default`](crate::trace::install_default), or a
    /// private one that starts off). Give it one that is already enabled to
    /// see the first forks. See [`ProcessPool::recorder`].
    pub fn recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Forks the fork server, which forks the workers; returns when every
    /// worker has been forked.
    ///
    /// Fails with [`PoolError::NotSingleThreaded`] if the process already
    /// has more than one thread (after waiting up to
    /// [`EXITING_THREADS_GRACE`] for threads on their way out to be gone).
    pub fn build<F>(mut self, f: F) -> Result<ProcessPool<In, Out>, PoolError>
    where
        F: Fn(In) -> Out,
    {
        let threads = threads_once_exiting_ones_left()
            .map_err(|e| PoolError::io("reading /proc/self/task", e))?;
        if threads > 1 {
            return Err(PoolError::NotSingleThreaded { threads });
        }
        let workers = if self.workers == 0 {
            std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
        } else {
            self.workers
        };
        // Buffered output would be copied into every child; flush it first.
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        let cfg = ChildConfig {
            max_tasks: self.max_tasks_per_child,
            max_frame: self.max_frame,
            transport: self.transport,
        };
        let init = self.initializer.as_deref();
        let run_worker = |chan: OwnedFd| child::serve::<In, Out, F>(chan, &f, init, &cfg);
        // SAFETY: we just checked that this process has a single thread.
        let server = unsafe { ForkServer::start(&run_worker) }
            .map_err(|e| PoolError::io("forking the fork server", e))?;
        let config = Config {
            workers,
            max_tasks_per_child: self.max_tasks_per_child,
            task_timeout: self.task_timeout,
            max_frame: self.max_frame,
            prefetch: self.prefetch,
        };
        let bell = sys::eventfd().map_err(|e| PoolError::io("creating the doorbell eventfd", e))?;
        let recorder = self
            .recorder
            .take()
            .unwrap_or_else(crate::trace::default_recorder);
        let mut state = State::new(server, workers, recorder, self.transport, self.attempts);
        for slot in 0..workers {
            if let Err(e) = state.spawn_into(slot) {
                state.break_pool(TaskError::PoolShutDown {
                    reason: "creation failed".into(),
                });
                shutdown_server(&mut state);
                return Err(PoolError::io("forking a worker", e));
            }
        }
        Ok(ProcessPool {
            recorder: state.recorder().clone(),
            inner: Arc::new(Inner::new(state, bell, config, finish::<Out>)),
            finished: false,
            _input: PhantomData,
        })
    }
}

/// How long [`ProcessPoolBuilder::build`] waits for threads on their way out
/// before it calls the process multi-threaded.
///
/// A thread that returned is not gone at once: `join` returns as soon as
/// the kernel clears the thread's id (early in its exit), and the kernel
/// lists the thread in `/proc/self/task` until it has released it, later.
/// On a loaded machine that can take milliseconds, so a process that just
/// joined its last thread could be refused a pool. A thread that is really
/// running is still there after the grace, and the error is the same.
pub const EXITING_THREADS_GRACE: Duration = Duration::from_millis(250);

/// The number of threads of this process, looked at again every
/// millisecond while it is above one, for up to [`EXITING_THREADS_GRACE`].
fn threads_once_exiting_ones_left() -> std::io::Result<usize> {
    let started = std::time::Instant::now();
    loop {
        let threads = sys::thread_count()?;
        if threads <= 1 || started.elapsed() >= EXITING_THREADS_GRACE {
            return Ok(threads);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Closes the fork server and reaps it.
pub(super) fn shutdown_server<Out>(state: &mut State<Out>) {
    if let Some(server) = state.take_fork_server() {
        let _ = server.shutdown();
    }
}
