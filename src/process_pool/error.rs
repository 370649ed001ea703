//! # Errors: what can go wrong with one task, and with the pool
//!
//! Two levels, like `multiprocessing`:
//!
//! - [`TaskError`]: one task failed (its worker died, it panicked, it timed
//!   out, its value could not be encoded or decoded). The pool carries on:
//!   a dead worker is replaced and every other task still completes.
//! - [`PoolError`]: a whole call failed: the pool could not be created (the
//!   caller already had threads, `fork` failed), or a `map` had a failing
//!   item (the first failing index is named, with its [`TaskError`]), or a
//!   `map` lost whole chunks with their worker (every lost item is named).
//! - [`Retry`]: not an error but the trace of one: an attempt of an
//!   idempotent task that was lost with its worker and run again.
//!
//! Every variant's `Display` says what happened in words a user can act on.

use std::fmt;
use std::io;

use super::recorder::TaskId;
use super::sys::Pid;

/// Why one task did not produce a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The worker running the task was killed by a signal (SIGKILL, SIGSEGV,
    /// the out-of-memory killer...). A replacement worker has been forked.
    WorkerDied {
        /// The dead worker's pid.
        pid: Pid,
        /// The signal that killed it.
        signal: i32,
    },
    /// The worker running the task exited by itself (e.g. the function
    /// called `std::process::exit`). A replacement worker has been forked.
    WorkerExited {
        /// The worker's pid.
        pid: Pid,
        /// Its exit code.
        code: i32,
    },
    /// The function panicked; the worker caught it and keeps serving.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The task ran past the pool's task timeout; its worker was killed and
    /// replaced.
    TimedOut,
    /// The input could not be encoded in the parent, or decoded in the worker.
    Encode {
        /// What the encoder or decoder said.
        message: String,
    },
    /// The result could not be encoded in the worker, or decoded in the parent.
    Decode {
        /// What the encoder or decoder said.
        message: String,
    },
    /// The worker broke the wire protocol (garbage bytes, a frame over the
    /// size limit, a reply for the wrong task). It was killed and replaced.
    Protocol {
        /// The worker's pid.
        pid: Pid,
        /// What was wrong.
        message: String,
    },
    /// The task's reply frame (its result, or a whole chunk's results) is
    /// larger than the pool's frame limit
    /// ([`max_frame_bytes`](super::ProcessPoolBuilder::max_frame_bytes)).
    /// The worker noticed before sending it and keeps serving.
    TooLarge {
        /// Bytes the reply frame would have had.
        len: usize,
        /// The frame limit in force.
        limit: usize,
    },
    /// The worker was blocked forever waiting for a lock (a `Mutex`, a
    /// `OnceLock`/`LazyLock` being initialized, ...) that was held when the
    /// pool was built: `fork` copied it locked, and in the worker no thread
    /// exists that could unlock it. The fork server saw the worker asleep on
    /// it with no other thread and no timeout, killed it and a replacement
    /// was forked (which holds the same copy: tasks that take that lock
    /// always fail this way). See the lock rule in the module's README.
    Deadlocked {
        /// The worker's pid.
        pid: Pid,
    },
    /// The worker initializer panicked, so the pool cannot run tasks.
    InitializerFailed {
        /// The panic message.
        message: String,
    },
    /// The pool was terminated (or lost its fork server) before the task ran.
    PoolShutDown {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::WorkerDied { pid, signal } => write!(
                f,
                "worker {pid} was killed by signal {signal} ({}) while running the task; \
                 a replacement was forked",
                signal_name(*signal)
            ),
            TaskError::WorkerExited { pid, code } => write!(
                f,
                "worker {pid} exited with code {code} while running the task; \
                 a replacement was forked"
            ),
            TaskError::Panicked { message } => write!(f, "task panicked: {message}"),
            TaskError::TimedOut => write!(
                f,
                "task exceeded the pool's task timeout; its worker was killed and replaced"
            ),
            TaskError::Encode { message } => write!(f, "could not send the input: {message}"),
            TaskError::Decode { message } => write!(f, "could not read the result: {message}"),
            TaskError::Protocol { pid, message } => write!(
                f,
                "worker {pid} broke the wire protocol ({message}); it was killed and replaced"
            ),
            TaskError::TooLarge { len, limit } => write!(
                f,
                "the task's reply is {len} bytes, larger than the pool's {limit}-byte \
                 frame limit, so it was not sent (raise max_frame_bytes, or return less \
                 per task); the worker carries on"
            ),
            TaskError::Deadlocked { pid } => write!(
                f,
                "worker {pid} was stuck forever on a lock that was held when the pool \
                 was built (fork copied it locked; build the pool before taking locks, \
                 and outside OnceLock/LazyLock initializers); it was killed and replaced"
            ),
            TaskError::InitializerFailed { message } => {
                write!(f, "the worker initializer panicked: {message}")
            }
            TaskError::PoolShutDown { reason } => write!(f, "the pool shut down: {reason}"),
        }
    }
}

impl std::error::Error for TaskError {}

impl TaskError {
    /// Whether the task was lost together with its worker process (it died,
    /// exited, broke the protocol or ran out of time): every item of its
    /// chunk failed alike, whichever of them was running.
    pub fn lost_with_worker(&self) -> bool {
        matches!(
            self,
            TaskError::WorkerDied { .. }
                | TaskError::WorkerExited { .. }
                | TaskError::TimedOut
                | TaskError::Protocol { .. }
        )
    }

    /// Whether running the task again elsewhere may succeed: its worker
    /// died or exited under it (a timeout or a protocol error would most
    /// likely repeat, so they are not retried).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            TaskError::WorkerDied { .. } | TaskError::WorkerExited { .. }
        )
    }
}

/// One attempt of an idempotent task that was lost with its worker and put
/// back in the queue, to run again on a live worker (see
/// [`ProcessPoolBuilder::retry_idempotent`](super::ProcessPoolBuilder::retry_idempotent)).
/// [`ProcessPool::take_retries`](super::ProcessPool::take_retries) hands
/// them over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The task (as in the recorded events and [`TaskHandle::id`](super::TaskHandle::id)).
    pub task: TaskId,
    /// Index, in its `map` call's input, of the task's first item (0 for a `submit`).
    pub first_item: usize,
    /// How many items the task carries (1 for a `submit`, a chunk's length for a `map`).
    pub items: usize,
    /// The worker that was running it.
    pub pid: Pid,
    /// Which attempt was lost (1 = the first).
    pub attempt: u32,
    /// Why it was lost.
    pub error: TaskError,
}

impl fmt::Display for Retry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {} (attempt {}) was run again: {}",
            self.task, self.attempt, self.error
        )
    }
}

/// The conventional name of a signal number, for messages.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGINT => "SIGINT",
        libc::SIGPIPE => "SIGPIPE",
        _ => "another signal",
    }
}

/// Why a pool-level call failed.
#[derive(Debug)]
pub enum PoolError {
    /// `ProcessPool::new` was called from a process with more than one
    /// thread: forking it could copy a lock held by another thread.
    NotSingleThreaded {
        /// Threads counted in `/proc/self/task`.
        threads: usize,
    },
    /// A system call failed while creating or running the pool.
    Io {
        /// What the pool was doing.
        context: &'static str,
        /// The error.
        error: io::Error,
    },
    /// An item of a `map` failed (the lowest failing index is reported; all
    /// other items were still run to completion).
    Task {
        /// Position of the item in the input.
        index: usize,
        /// Why it failed.
        error: TaskError,
    },
    /// Items of a `map` were lost with their worker (it died, exited, broke
    /// the protocol or timed out) while running their chunk. A chunk is one
    /// task, so which of its items was running is not known: every lost item
    /// is named. All other items were still run to completion.
    Lost {
        /// Positions in the input of every item lost, ascending.
        items: Vec<usize>,
        /// Why the lowest of them was lost.
        error: TaskError,
    },
    /// A bad argument (e.g. a chunk size of 0).
    InvalidArgument(String),
}

/// Writes ascending indices as ranges: `36 to 41, 80`.
fn write_ranges(f: &mut fmt::Formatter<'_>, items: &[usize]) -> fmt::Result {
    let mut k = 0;
    while k < items.len() {
        let start = items[k];
        let mut end = start;
        while k + 1 < items.len() && items[k + 1] == end + 1 {
            k += 1;
            end = items[k];
        }
        if start != items[0] {
            write!(f, ", ")?;
        }
        if end == start {
            write!(f, "{start}")?;
        } else {
            write!(f, "{start} to {end}")?;
        }
        k += 1;
    }
    Ok(())
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NotSingleThreaded { threads } => write!(
                f,
                "ProcessPool must be created while the process is single-threaded, \
                 but /proc/self/task lists {threads} threads; create the pool first \
                 thing in main(), before starting threads (forking a multi-threaded \
                 process can copy a lock another thread holds)"
            ),
            PoolError::Io { context, error } => write!(f, "{context}: {error}"),
            PoolError::Task { index, error } => write!(f, "item {index} failed: {error}"),
            PoolError::Lost { items, error } => {
                write!(f, "items ")?;
                write_ranges(f, items)?;
                write!(
                    f,
                    " were lost with their chunk (a chunk is one task, so which item \
                     was running is not known): {error}"
                )
            }
            PoolError::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::Io { error, .. } => Some(error),
            PoolError::Task { error, .. } | PoolError::Lost { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl PoolError {
    /// Wraps an `io::Error` with what the pool was doing.
    pub(crate) fn io(context: &'static str, error: io::Error) -> PoolError {
        PoolError::Io { context, error }
    }
}
