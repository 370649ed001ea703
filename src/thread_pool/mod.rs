//! A work-stealing thread pool, and a simulated GIL to compare it with Python.
//!
//! # What the explainer says, and what this module shows
//!
//! The Python explainer: use threads for I/O, not for CPU work, because the
//! GIL lets only one thread run Python at a time. Rust has no GIL, so this
//! pool runs CPU work on every core; [`Gil`] puts a GIL back so you can see
//! the explainer's table come true (`examples/gil.rs`).
//!
//! # How the pool works, in five sentences
//!
//! Each worker thread owns a deque of jobs; it pushes and pops its own work
//! at one end (LIFO, cache-warm), and idle workers *steal* from the other
//! end. Work from outside the pool goes into one global injector. A worker
//! looks for work in its own deque, then the injector, then the other
//! workers' deques from a random start. A worker that finds nothing spins
//! briefly, then parks, with a protocol that never strands a job and never
//! wakes more workers than there are new jobs. `join(a, b)` pushes `b`, runs
//! `a`, and then takes `b` back unless someone stole it: that is the whole
//! secret of cheap fork-join parallelism. Under the other
//! [`Scheduler`], heartbeat, `join` pushes nothing: it runs both halves in
//! order and only every heartbeat promotes its oldest pending half into a
//! stealable job (`heartbeat.rs`).
//!
//! # Reading order
//!
//! | file | concern |
//! |---|---|
//! | `pool.rs` | [`ThreadPool`]: the public methods, `Drop` |
//! | `builder.rs` | [`ThreadPoolBuilder`]: settings, and how `build` starts the threads |
//! | `registry.rs` | the state shared by all workers: injector, stealers, sleep |
//! | `worker.rs` | the worker loop, the find-task order, `wait_until` |
//! | `sleep/README.md`, `sleep/mod.rs` | parking and waking: the jobs-event counter protocol |
//! | `job.rs`, `latch.rs` | type-erased jobs; the "job is done" signals |
//! | `unwind.rs` | the panic rule: a worker never unwinds |
//! | `join.rs` | work-first [`join`], and its heartbeat variant |
//! | `heartbeat.rs`, `frames.rs` | [`Scheduler::Heartbeat`]: the timer, the pending-frame list, promotion |
//! | `scope.rs` | [`Scope`]: jobs that borrow the caller's stack |
//! | `map.rs` | `map`/`for_each`: recursive splitting, adaptive granularity |
//! | `map/caller.rs` | under heartbeat, a `map` from outside starts on the caller |
//! | `task.rs` | `submit` and [`TaskHandle`] (join it, or `.await` it) |
//! | `stats.rs`, `trace.rs` | per-worker counters; the ASCII timeline of the pool's trace |
//! | `gil.rs` | the simulated global interpreter lock |
//! | `hooks.rs` | test-only hooks that widen races (hidden from the docs) |
//!
//! DESIGN.md chapter 2 compares all this with rayon and gives the measured
//! figures.
//!
//! ```
//! use homemade::thread_pool::ThreadPool;
//! let pool = ThreadPool::new(2).unwrap();
//! let squares = pool.map((1..=5).collect(), |n: u64| n * n);
//! assert_eq!(squares, vec![1, 4, 9, 16, 25]);
//! ```

mod builder;
mod frames;
mod gil;
mod heartbeat;
#[doc(hidden)]
pub mod hooks;
mod job;
mod join;
mod latch;
mod map;
mod pool;
mod registry;
mod scope;
mod sleep;
mod stats;
mod task;
pub mod trace;
mod unwind;
mod worker;

pub use builder::ThreadPoolBuilder;
pub use frames::NOTED_FRAMES_MAX;
pub use gil::{Gil, GilGuard, DEFAULT_SWITCH_INTERVAL};
pub use heartbeat::{Scheduler, DEFAULT_HEARTBEAT_INTERVAL, MIN_HEARTBEAT_INTERVAL};
pub use join::join;
pub use pool::ThreadPool;
pub use scope::Scope;
pub use stats::WorkerStats;
pub use task::{TaskHandle, TaskPanicked};

/// The index of the pool worker running the caller, or `None` on a thread
/// outside every pool. Handy for recording "who ran what".
pub fn current_thread_index() -> Option<usize> {
    worker::WorkerThread::with_current(|w| w.map(|w| w.index()))
}
