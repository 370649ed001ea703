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

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::batch::{auto_chunksize, Batch, ImapUnordered};
use super::builder::{shutdown_server, ProcessPoolBuilder, Transport};
use super::error::{PoolError, Retry, TaskError};
use super::forkserver::ForkServer;
use super::handle::TaskHandle;
use super::state::{Inner, Owner};
use super::sys::{self, Pid};
use super::wire;
use crate::trace::{Kind, Recorder};

/// A pool of forked worker processes applying one function `In -> Out`.
///
/// Created with [`ProcessPool::new`] or [`ProcessPool::builder`], while the
/// process is still single-threaded. The pool can be shared between threads
/// (`&self` methods); dropping it is a clean [`close`](ProcessPool::close).
pub struct ProcessPool<In, Out> {
    pub(super) inner: Arc<Inner<Out>>,
    /// The trace recorder (a clone of the one the state records into).
    pub(super) recorder: Recorder,
    /// Set once closed or terminated, so Drop does nothing more.
    pub(super) finished: bool,
    pub(super) _input: PhantomData<fn(In)>,
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
        ProcessPoolBuilder::new(workers)
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
        let (id, spare) = {
            let mut st = self.inner.lock();
            (st.reserve_ids(1), st.take_spare_frame())
        };
        let limit = self.inner.config.max_frame;
        let frame = wire::encode_task_into(spare, id, std::slice::from_ref(&input), limit);
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
        Batch::start(&self.inner, inputs, chunksize).collect_in_order()
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
        ImapUnordered::new(Batch::start(&self.inner, &inputs, 1))
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
pub(super) fn finish<Out: DeserializeOwned>(inner: &Inner<Out>, graceful: bool) {
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
