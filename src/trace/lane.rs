//! Lanes: which loop, pool thread or worker process an event belongs to.
//!
//! A trace viewer draws one horizontal track per thread. The runtimes have
//! three kinds of "thread" worth a track of their own, and one catch-all:
//!
//! * [`Lane::Loop`]: an event loop (it runs on one thread, so one lane);
//! * [`Lane::PoolThread`]: one worker thread of one thread pool;
//! * [`Lane::Worker`]: one worker process of a process pool (its events are
//!   noted by the parent, but they are about the child, so they go on the
//!   child's lane);
//! * [`Lane::Thread`]: one named OS thread outside this crate's runtimes,
//!   by its kernel thread id (the cart workload's thread-per-cart rows, a
//!   rayon worker): for a program that wants one track per such thread;
//! * [`Lane::Outside`]: a thread that belongs to no runtime (the test's main
//!   thread submitting to a pool, for instance).
//!
//! The thread a runtime is running on remembers its lane (see
//! [`current`](super::current)): code below the runtimes, such as the HTTP
//! client or `ProcessPool::submit`, records on the lane of whoever called it.
//!
//! Read next: `event.rs`, the events themselves.

use std::fmt;

use super::ids::{LoopId, PoolId, WorkerPid};

/// Where an event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lane {
    /// An event loop.
    Loop(LoopId),
    /// Worker thread `worker` of a thread pool.
    PoolThread {
        /// The pool.
        pool: PoolId,
        /// The worker's index (0..threads).
        worker: usize,
    },
    /// A worker process.
    Worker(WorkerPid),
    /// A thread outside every runtime.
    Outside,
    /// One OS thread outside this crate's runtimes, by its kernel thread id
    /// (`crate::sys::current_tid`), for events that need a track per thread.
    Thread(u64),
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lane::Loop(id) => write!(f, "event {id}"),
            Lane::PoolThread { pool, worker } => write!(f, "thread {pool}, worker {worker}"),
            Lane::Worker(pid) => write!(f, "process pool {pid}"),
            Lane::Outside => f.write_str("other threads"),
            Lane::Thread(tid) => write!(f, "thread {tid}"),
        }
    }
}
