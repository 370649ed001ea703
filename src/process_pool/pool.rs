//! # `ProcessPool`: the public face of the process pool
//!
//! ```
//! use homemade::process_pool::ProcessPool;
//!
//! fn main() -> Result<(), homemade::process_pool::PoolError> {
//!     // First thing in main, while the process is single-threaded.
//!     let pool = ProcessPool::new(2, |x: u64| x * x)?;
//!     assert_eq!(pool.map(1..=5)?, vec![1, 4, 9, 16, 25]);
//!     let handle = pool.submit(12);
//!     assert_eq!(handle.join().unwrap(), 144);
//!     Ok(())
//! }
//! ```
//!
//! ## The function travels by `fork`, the data by `postcard`
//!
//! `multiprocessing` pickles a *reference* to the function (its module and
//! name) and each worker imports it. Here the closure is captured before the
//! fork: every worker is a copy of the process that built the pool, so it
//! already holds the function, whatever it borrows included. Inputs and
//! outputs cross the socket encoded with `postcard`; they need `Serialize`
//! and `Deserialize`.
//!
//! ## Chunking
//!
//! `map` sends items in chunks, one frame per chunk, so a tiny function does
//! not pay a round trip per item. The automatic chunk size is
//! `ceil(len / (8 × workers))`: each worker gets about eight chunks. Python's
//! `Pool.map` uses `4 × workers`; we can afford twice as many chunks because
//! our per-chunk cost is a few tens of microseconds, and smaller chunks
//! leave less imbalance at the end of the map when items take unequal time.
//! `map_chunked` lets you choose; `imap_unordered` uses chunks of one, so each
//! result arrives as soon as it is computed.
//!
//! ## Failure
//!
//! A task whose worker dies fails with [`TaskError::WorkerDied`]; the worker
//! is replaced and every other task completes. `map` then returns
//! [`PoolError::Task`] naming the lowest failing index, after all other items
//! have run (the pool is ready for the next call). A chunk is one task: if
//! its worker dies or it times out, every item of the chunk fails with that
//! error, and `map` returns [`PoolError::Lost`] naming every item lost that
//! way (which item of a chunk was running is not known); a panic, by
//! contrast, fails only its own item. A task timeout of `t` gives a chunk of
//! `n` items `n × t`.
//!
//! A pool whose function is idempotent can ask for retries
//! ([`ProcessPoolBuilder::retry_idempotent`]): a task whose worker dies
//! under it runs again on a live worker, up to a fixed number of attempts,
//! and [`ProcessPool::take_retries`] says which tasks were retried, where,
//! and why.
//!
//! Read next: `state.rs` (how the parent drives the workers) and
//! `handle.rs` (waiting for one task, by blocking or by `.await`).

use std::collections::VecDeque;
use std::io::Write;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::child::{self, ChildConfig};
use super::error::{PoolError, Retry, TaskError};
use super::forkserver::ForkServer;
use super::handle::TaskHandle;
use super::recorder::TaskId;
use super::state::{Config, Inner, Owner, State};
use super::sys::{self, Pid};
use super::wire;
use crate::trace::{Kind, Recorder};

/// A pool of forked worker processes applying one function `In -> Out`.
///
/// Created with [`ProcessPool::new`] or [`ProcessPool::builder`], while the
/// process is still single-threaded. The pool can be shared between threads
/// (`&self` methods); dropping it is a clean [`close`](ProcessPool::close).
pub struct ProcessPool<In, Out> {
    inner: Arc<Inner<Out>>,
    /// The trace recorder (a clone of the one the state records into).
    recorder: Recorder,
    /// Set once closed or terminated, so Drop does nothing more.
    finished: bool,
    _input: PhantomData<fn(In)>,
}

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
    /// has more than one thread.
    pub fn build<F>(mut self, f: F) -> Result<ProcessPool<In, Out>, PoolError>
    where
        F: Fn(In) -> Out,
    {
        let threads =
            sys::thread_count().map_err(|e| PoolError::io("reading /proc/self/task", e))?;
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

/// Closes the fork server and reaps it.
fn shutdown_server<Out>(state: &mut State<Out>) {
    if let Some(server) = state.take_fork_server() {
        let _ = server.shutdown();
    }
}

impl<In, Out> ProcessPool<In, Out>
where
    In: Serialize + DeserializeOwned,
    Out: Serialize + DeserializeOwned,
{
    /// A pool of `workers` processes (0 = one per CPU) applying `f`.
    ///
    /// Call it while the process is single-threaded (first thing in `main`).
    pub fn new<F>(workers: usize, f: F) -> Result<ProcessPool<In, Out>, PoolError>
    where
        F: Fn(In) -> Out,
    {
        Self::builder(workers).build(f)
    }

    /// A builder for a pool of `workers` processes (0 = one per CPU).
    pub fn builder(workers: usize) -> ProcessPoolBuilder<In, Out> {
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

    /// How frames travel to and from the workers.
    pub fn transport(&self) -> Transport {
        self.inner.lock().transport()
    }

    /// Number of worker slots.
    pub fn workers(&self) -> usize {
        self.inner.config.workers
    }

    /// The pids of the live workers, by slot.
    pub fn worker_pids(&self) -> Vec<Pid> {
        self.inner.lock().worker_pids()
    }

    /// The fork server's pid (`None` after close).
    pub fn fork_server_pid(&self) -> Option<Pid> {
        self.inner.lock().fork_server().map(ForkServer::pid)
    }

    /// The pool's trace recorder (see [`ProcessPoolBuilder::recorder`]):
    /// `enable()` it, and `take()` the events (forks, jobs sent, replies
    /// received, crashes, on the workers' lanes; each job's hand-off on the
    /// caller's lane), oldest first.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Hands over the log of retried attempts (see
    /// [`ProcessPoolBuilder::retry_idempotent`]), oldest first: which task
    /// (and which items of its `map` call), on which worker, and why. The
    /// pool keeps the latest 1024 until they are taken.
    pub fn take_retries(&self) -> Vec<Retry> {
        self.inner.lock().take_retries()
    }

    /// Queues one task; returns a handle to `join` or `.await`.
    /// Many may be outstanding at once; they are sent as workers free up.
    ///
    /// ```
    /// use homemade::process_pool::{ProcessPool, TaskError};
    ///
    /// let pool = ProcessPool::new(2, |word: String| {
    ///     if word.is_empty() {
    ///         panic!("an empty word");
    ///     }
    ///     (word.len(), std::process::id()) // the worker's pid, not ours
    /// })
    /// .unwrap();
    /// let handles: Vec<_> = ["fork", "exec"].map(|w| pool.submit(w.to_string())).into();
    /// for handle in handles {
    ///     let (len, pid) = handle.join().unwrap();
    ///     assert_eq!(len, 4);
    ///     assert_ne!(pid, std::process::id());
    /// }
    /// // A panic fails that task only; the worker keeps serving.
    /// let err = pool.submit(String::new()).join().unwrap_err();
    /// assert!(matches!(err, TaskError::Panicked { .. }), "{err}");
    /// ```
    ///
    /// Awaited on the crate's event loop, many tasks are in flight while the
    /// loop waits on the workers' sockets:
    ///
    /// ```
    /// use homemade::event_loop::{gather, EventLoop};
    /// use homemade::process_pool::ProcessPool;
    ///
    /// let pool = ProcessPool::new(2, |n: u64| (1..=n).product::<u64>()).unwrap();
    /// let factorials = EventLoop::new()
    ///     .unwrap()
    ///     .block_on(gather((1..=5).map(|n| pool.submit(n))));
    /// let factorials: Vec<u64> = factorials.into_iter().map(Result::unwrap).collect();
    /// assert_eq!(factorials, [1, 2, 6, 24, 120]);
    /// ```
    pub fn submit(&self, input: In) -> TaskHandle<Out> {
        let id = self.inner.lock().reserve_ids(1);
        let limit = self.inner.config.max_frame;
        let frame = wire::encode_task_limited(id, std::slice::from_ref(&input), limit);
        let mut st = self.inner.lock();
        st.add_task(id, frame, (1, 0), Owner::Handle);
        self.inner.pump_submit(&mut st);
        drop(st);
        TaskHandle::new(self.inner.clone(), id)
    }

    /// `f` applied to every input, in input order, with automatic chunking
    /// (`ceil(len / (8 × workers))` items per chunk).
    ///
    /// ```
    /// use homemade::process_pool::{PoolError, ProcessPool};
    ///
    /// let pool = ProcessPool::new(2, |x: i64| {
    ///     assert!(x != 13, "unlucky");
    ///     x * x
    /// })
    /// .unwrap();
    /// assert_eq!(pool.map(1..=4).unwrap(), [1, 4, 9, 16]);
    /// // The first failing item is named by its index.
    /// let err = pool.map(10..=15).unwrap_err();
    /// assert!(matches!(err, PoolError::Task { index: 3, .. }), "{err}");
    /// ```
    pub fn map(&self, inputs: impl IntoIterator<Item = In>) -> Result<Vec<Out>, PoolError> {
        let inputs: Vec<In> = inputs.into_iter().collect();
        let chunksize = auto_chunksize(inputs.len(), self.workers());
        self.map_vec(inputs, chunksize)
    }

    /// `f` applied to every input, in input order, `chunksize` items per task.
    pub fn map_chunked(
        &self,
        inputs: impl IntoIterator<Item = In>,
        chunksize: usize,
    ) -> Result<Vec<Out>, PoolError> {
        if chunksize == 0 {
            return Err(PoolError::InvalidArgument(
                "chunksize must be at least 1".into(),
            ));
        }
        self.map_vec(inputs.into_iter().collect(), chunksize)
    }

    /// Runs a map and turns the first failure into a `PoolError`: the lowest
    /// failing index, or, when that item was lost with its worker in a chunk
    /// of several, every item lost that way.
    fn map_vec(&self, inputs: Vec<In>, chunksize: usize) -> Result<Vec<Out>, PoolError> {
        let results = self.run_chunks(&inputs, chunksize);
        let Some(index) = results.iter().position(Result::is_err) else {
            return Ok(results.into_iter().flatten().collect());
        };
        let lost = |r: &Result<Out, TaskError>| r.as_ref().is_err_and(TaskError::lost_with_worker);
        let items: Vec<usize> = (index..results.len())
            .filter(|&i| lost(&results[i]))
            .collect();
        let Some(Err(error)) = results.into_iter().nth(index) else {
            unreachable!("position found an error at {index}");
        };
        if chunksize > 1 && error.lost_with_worker() {
            Err(PoolError::Lost { items, error })
        } else {
            Err(PoolError::Task { index, error })
        }
    }

    /// Sends `inputs` in chunks and collects every item's result, in order.
    fn run_chunks(&self, inputs: &[In], chunksize: usize) -> Vec<Result<Out, TaskError>> {
        if inputs.is_empty() {
            return Vec::new();
        }
        let mut batch = Batch::start(&self.inner, inputs, chunksize);
        let chunks = batch.chunks;
        let mut slots: Vec<Option<Vec<Result<Out, TaskError>>>> =
            (0..chunks).map(|_| None).collect();
        let mut got = 0;
        while got < chunks {
            for (chunk, results) in batch.next_finished() {
                slots[chunk] = Some(results);
                got += 1;
            }
        }
        slots.into_iter().flatten().flatten().collect()
    }

    /// Results as they arrive, as `(input index, result)`; one task per item.
    /// Dropping the iterator early cancels what has not started.
    ///
    /// ```
    /// use homemade::process_pool::ProcessPool;
    ///
    /// let pool = ProcessPool::new(2, |x: u32| x + 1).unwrap();
    /// let mut got: Vec<(usize, u32)> = pool
    ///     .imap_unordered(vec![10, 20, 30])
    ///     .map(|(index, result)| (index, result.unwrap()))
    ///     .collect();
    /// got.sort(); // arrival order is whichever worker finished first
    /// assert_eq!(got, [(0, 11), (1, 21), (2, 31)]);
    /// ```
    pub fn imap_unordered(
        &self,
        inputs: impl IntoIterator<Item = In>,
    ) -> impl Iterator<Item = (usize, Result<Out, TaskError>)> + '_ {
        let inputs: Vec<In> = inputs.into_iter().collect();
        let batch = Batch::start(&self.inner, &inputs, 1);
        ImapUnordered {
            batch,
            ready: VecDeque::new(),
        }
    }

    /// Finishes every queued and running task, lets the workers exit,
    /// reaps them and the fork server. Dropping the pool does the same.
    pub fn close(mut self) {
        self.finish(true);
    }

    /// Kills every worker now; unfinished tasks fail with
    /// [`TaskError::PoolShutDown`]. Reaps everything.
    pub fn terminate(mut self) {
        self.finish(false);
    }

    /// Shared by close, terminate and Drop.
    fn finish(&mut self, graceful: bool) {
        if !std::mem::replace(&mut self.finished, true) {
            (self.inner.finisher)(&self.inner, graceful);
        }
    }
}

/// Shows what a reader of a log wants: the transport, the worker slots,
/// the live workers' pids and the fork server's pid (`None` after close).
impl<In, Out> std::fmt::Debug for ProcessPool<In, Out> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.inner.lock();
        f.debug_struct("ProcessPool")
            .field("transport", &st.transport())
            .field("workers", &self.inner.config.workers)
            .field("worker_pids", &st.worker_pids())
            .field("fork_server_pid", &st.fork_server().map(ForkServer::pid))
            .field("finished", &self.finished)
            .finish()
    }
}

impl<In, Out> Drop for ProcessPool<In, Out> {
    fn drop(&mut self) {
        if !std::mem::replace(&mut self.finished, true) {
            (self.inner.finisher)(&self.inner, true);
        }
    }
}

/// Close (`graceful`) or terminate. Stored in `Inner::finisher` at creation,
/// where the serde bounds are known, so that `Drop` can call it.
fn finish<Out: DeserializeOwned>(inner: &Inner<Out>, graceful: bool) {
    let mut st = if graceful {
        inner.wait_until(|st| st.idle() || st.is_broken())
    } else {
        inner.lock()
    };
    let reason = if graceful {
        "the pool was closed"
    } else {
        "the pool was terminated"
    };
    if graceful {
        // End of file is the workers' signal to exit. `shutdown` delivers it
        // even if a future still holds a duplicate of our descriptor.
        let pids: Vec<Pid> = st
            .take_workers()
            .into_iter()
            .map(|w| {
                let _ = sys::shutdown(w.chan_fd());
                w.pid()
            })
            .collect();
        for pid in pids {
            if let Some(server) = st.fork_server() {
                let _ = server.reap(pid, Duration::from_secs(5));
            }
            st.note(pid, || Kind::Exited);
        }
    }
    st.break_pool(TaskError::PoolShutDown {
        reason: reason.into(),
    });
    shutdown_server(&mut st);
    inner.announce(&mut st);
}

/// Python's rule with 8 chunks per worker instead of 4 (see module docs).
pub fn auto_chunksize(len: usize, workers: usize) -> usize {
    len.div_ceil(8 * workers.max(1)).max(1)
}

/// A set of chunks sent together, collected through one mailbox.
struct Batch<'a, Out: DeserializeOwned> {
    inner: &'a Inner<Out>,
    mailbox: u64,
    first: TaskId,
    chunks: usize,
    chunksize: usize,
    outstanding: usize,
}

impl<'a, Out: DeserializeOwned> Batch<'a, Out> {
    /// Encodes and queues `inputs` in chunks of `chunksize`.
    fn start<In: Serialize>(inner: &'a Inner<Out>, inputs: &[In], chunksize: usize) -> Self {
        let chunks = inputs.len().div_ceil(chunksize);
        let limit = inner.config.max_frame;
        let (first, mailbox) = {
            let mut st = inner.lock();
            (st.reserve_ids(chunks), st.open_mailbox())
        };
        let frames: Vec<_> = inputs
            .chunks(chunksize)
            .enumerate()
            .map(|(i, chunk)| {
                let frame = wire::encode_task_limited(first + i as u64, chunk, limit);
                (frame, chunk.len())
            })
            .collect();
        let mut st = inner.lock();
        for (i, (frame, items)) in frames.into_iter().enumerate() {
            let first_item = i * chunksize;
            st.add_task(
                first + i as u64,
                frame,
                (items, first_item),
                Owner::Mailbox(mailbox),
            );
        }
        inner.pump(&mut st);
        Batch {
            inner,
            mailbox,
            first,
            chunks,
            chunksize,
            outstanding: chunks,
        }
    }

    /// Blocks until at least one chunk finished; returns the finished chunks
    /// as `(chunk index, results)`. Empty once everything was returned.
    fn next_finished(&mut self) -> Vec<(usize, Vec<Result<Out, TaskError>>)> {
        if self.outstanding == 0 {
            return Vec::new();
        }
        let mailbox = self.mailbox;
        let mut st = self.inner.wait_until(|st| st.mailbox_has_news(mailbox));
        let ids = st.drain_mailbox(mailbox);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(results) = st.take_results(id) {
                out.push(((id - self.first) as usize, results));
            }
        }
        self.outstanding -= out.len();
        out
    }
}

impl<Out: DeserializeOwned> Drop for Batch<'_, Out> {
    fn drop(&mut self) {
        let ids = self.first..self.first + self.chunks as u64;
        self.inner.lock().close_mailbox(self.mailbox, ids);
    }
}

/// The iterator behind [`ProcessPool::imap_unordered`].
struct ImapUnordered<'a, Out: DeserializeOwned> {
    batch: Batch<'a, Out>,
    ready: VecDeque<(usize, Result<Out, TaskError>)>,
}

impl<Out: DeserializeOwned> Iterator for ImapUnordered<'_, Out> {
    type Item = (usize, Result<Out, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.batch.outstanding == 0 {
                return None;
            }
            let size = self.batch.chunksize;
            for (chunk, results) in self.batch.next_finished() {
                for (k, r) in results.into_iter().enumerate() {
                    self.ready.push_back((chunk * size + k, r));
                }
            }
        }
    }
}
