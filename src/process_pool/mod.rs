//! # A fork-based process pool: `multiprocessing.Pool`, rebuilt on `libc`
//!
//! The explainer's answer for CPU-bound work in Python is a pool of
//! processes: each has its own interpreter and its own GIL, so they really
//! run in parallel. This module builds that pool from the system calls up:
//!
//! ```text
//!   parent (your program)                fork server             workers
//!   ProcessPool ──control socket────────► (single-threaded) ──fork──► child loop
//!        │  one socket pair per worker: task frames ──►                  │
//!        └──────────────────────────────────────── ◄── reply frames ─────┘
//! ```
//!
//! - [`ProcessPool::new`] checks the process is single-threaded, forks a
//!   **fork server** (`forkserver.rs`), and asks it to fork the workers.
//!   Replacements are forked by it too, so they are safe even after your
//!   program has started threads.
//! - Each worker (`child.rs`) owns one end of a Unix socket pair; the parent
//!   holds the other. Tasks and results travel as length-prefixed frames of
//!   `postcard` bytes (`wire.rs`); wrap a large byte payload in [`Bytes`]
//!   (`bytes.rs`) and it is copied in one piece, not encoded byte by byte.
//! - The parent (`state.rs`) keeps a queue, sends tasks to workers with room,
//!   reads replies, and notices dead workers by end of file: the task that
//!   was running fails with [`TaskError::WorkerDied`], a replacement is
//!   forked, and everything else carries on. Python's `Pool.map` hangs
//!   forever in that situation.
//! - [`TaskHandle`] waits for one task: blocking (`join`), or as a future
//!   `.await`ed on the crate's event loop, whose reactor watches the
//!   worker's socket (no helper thread).
//! - `sys.rs` (with `sys/sockets.rs`, `sys/shared_memory.rs`) wraps every
//!   libc call; `recorder.rs` keeps the event log.
//! - With [`Transport::SharedMemory`] the frames travel through two rings
//!   in a `MAP_SHARED` region per worker instead (`shm.rs`, `ring.rs`,
//!   protocol in `SHM.md`); the socket stays open, silent, as the death
//!   signal.
//!
//! The fork-server protocol is explained in prose in `README.md` beside
//! these files; DESIGN.md chapter 3 compares the design and its failure
//! semantics with `multiprocessing.Pool` and `ProcessPoolExecutor`, with the
//! measured figures.
//!
//! ## Reading order
//!
//! `pool.rs` (the API, with `builder.rs` and `batch.rs`) → `state.rs`
//! (the parent's pump, then
//! `state/tasks.rs`, `state/worker.rs`, `state/dispatch.rs`,
//! `state/lifecycle.rs` and `state/waiting.rs`) →
//! `handle.rs` → `wire.rs` (frames) → `shm.rs` and `ring.rs` (the
//! shared-memory transport) → `child.rs` (the worker) →
//! `forkserver.rs` (with `deadlock.rs`, its watch for workers stuck on a
//! copied lock) → `sys.rs`.

mod batch;
mod builder;
mod bytes;
mod child;
mod deadlock;
mod error;
mod forkserver;
mod handle;
mod pool;
mod recorder;
mod ring;
mod shm;
mod state;
mod sys;
#[doc(hidden)]
pub mod test_hooks;
mod wire;

pub use batch::auto_chunksize;
pub use builder::{ProcessPoolBuilder, Transport, EXITING_THREADS_GRACE};
pub use bytes::Bytes;
pub use error::{signal_name, PoolError, Retry, TaskError};
pub use handle::TaskHandle;
pub use pool::ProcessPool;
pub use recorder::TaskId;
pub use sys::Pid;
pub use wire::DEFAULT_MAX_FRAME;
