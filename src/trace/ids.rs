//! One id type per kind of thing a trace talks about.
//!
//! A bare `u64` says nothing about what it counts; a newtype does, and the
//! compiler keeps a task id from being passed where a job id is expected.
//!
//! | type | names | who hands them out |
//! |---|---|---|
//! | [`TaskId`] | an event-loop task | the loop, 1, 2, 3... per loop (0 is `block_on`'s future) |
//! | [`JobId`] | a process-pool task (a `submit`, or one chunk of a `map`) | the pool: its [`PoolId`] and a number |
//! | [`WorkerPid`] | a worker process | the kernel (its pid) |
//! | [`ConnId`] | an HTTP connection the client opened | [`ConnId::next`], per process |
//! | [`RequestId`] | one HTTP request the client sent | [`RequestId::next`], per process |
//! | [`CartId`] | a cart of the cart workload | the workload (the cart's number) |
//! | [`LoopId`], [`PoolId`] | an event loop, a thread or process pool | [`LoopId::next`], [`PoolId::next`], per process |
//!
//! Read next: `lane.rs`, which says where (on which thread or process) an
//! event happened.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a task within its loop: ids count 1, 2, 3... in the order
/// tasks are spawned on that loop and are never reused, so two runs of the
/// same program give the same ids (which replaying a seed relies on; see
/// `event_loop::explore`). Tasks of different loops may share an id.
///
/// Id 0 is the future passed to `EventLoop::block_on`, which the trace calls
/// `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

impl TaskId {
    /// The id the trace uses for `block_on`'s own future.
    pub const MAIN: TaskId = TaskId(0);
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == TaskId::MAIN {
            f.write_str("main")
        } else {
            write!(f, "task {}", self.0)
        }
    }
}

/// A process-pool task (a `submit`, or one chunk of a `map`): its pool, and
/// its number in that pool (in submission order, from 0). Two pools of one
/// program number their jobs alike; the pool keeps their ids apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId {
    /// The process pool (numbered with the thread pools, see [`PoolId`]).
    pub pool: PoolId,
    /// The job's number in its pool (the pool's own `TaskId`).
    pub index: u64,
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "job {}", self.index)
    }
}

/// A worker process, by its pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerPid(pub i32);

impl fmt::Display for WorkerPid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "worker {}", self.0)
    }
}

/// A cart of the cart workload, by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CartId(pub u64);

impl fmt::Display for CartId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cart {}", self.0)
    }
}

/// Declares a process-wide counter id with a `next()` constructor.
macro_rules! counted_id {
    ($(#[$doc:meta])* $name:ident, $counter:ident, $word:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        static $counter: AtomicU64 = AtomicU64::new(1);

        impl $name {
            /// A fresh id, never handed out before in this process.
            pub fn next() -> $name {
                $name($counter.fetch_add(1, Ordering::Relaxed))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($word, " {}"), self.0)
            }
        }
    };
}

counted_id!(
    /// An HTTP connection opened by a client.
    ConnId,
    NEXT_CONN,
    "connection"
);
counted_id!(
    /// One HTTP request sent by a client (a retry on a fresh connection
    /// stays the same request).
    RequestId,
    NEXT_REQUEST,
    "request"
);
counted_id!(
    /// An event loop; each `EventLoop` built gets the next one.
    LoopId,
    NEXT_LOOP,
    "loop"
);
counted_id!(
    /// A pool; each `ThreadPool` and each `ProcessPool` built gets the next one.
    PoolId,
    NEXT_POOL,
    "pool"
);
