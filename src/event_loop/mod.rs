//! A single-threaded async event loop over `mio`: the crate's `asyncio`.
//!
//! The Python explainer's async chapter says: one thread, one loop, many
//! tasks; a task runs until it `await`s something that is not ready, and the
//! loop switches to another task meanwhile. This module is that loop, built
//! from scratch so every step can be read.
//!
//! ```
//! use homemade::event_loop::{gather, sleep, EventLoop};
//! use std::time::{Duration, Instant};
//!
//! let lp = EventLoop::new().unwrap();
//! let start = Instant::now();
//! let out = lp.block_on(gather([20u64, 30].map(|ms| async move {
//!     sleep(Duration::from_millis(ms)).await;
//!     ms
//! })));
//! assert_eq!(out, vec![20, 30]);
//! assert!(start.elapsed() >= Duration::from_millis(30)); // not 50: they overlapped
//! ```
//!
//! # The pieces, and where to read them
//!
//! | file | concern | Python counterpart |
//! |---|---|---|
//! | `executor.rs` | [`EventLoop`], [`spawn`], the local run queue, the loop's tick, fairness | `asyncio.run`, `loop.run_until_complete` |
//! | `context.rs` | which loop runs on this thread; where a wake goes | `asyncio.get_running_loop()` |
//! | `shared.rs` | the cross-thread half: injection queue, [`Handle`] | `loop.call_soon_threadsafe` |
//! | `task.rs` | tasks, wakers, [`JoinHandle`], [`JoinError`] | `asyncio.Task` |
//! | `reactor.rs` | [`Async`]: readiness from epoll to wakers, edge triggering | the selector inside `asyncio`'s loop |
//! | `timers.rs` | [`sleep`], [`sleep_until`], the timer table | `asyncio.sleep`, `loop.call_at` |
//! | `net.rs` | [`net::TcpListener`], [`net::TcpStream`] | `asyncio.open_connection`, `start_server` |
//! | `combinators.rs` | [`yield_now`], [`timeout`], [`gather`] | `asyncio.sleep(0)`, `wait_for`, `gather` |
//! | `sync.rs` | [`sync::Mutex`], [`sync::Semaphore`]: fair, cancel-safe, single-threaded | `asyncio.Lock`, `asyncio.Semaphore` |
//! | `trace.rs` | the recorder of scheduling events | `PYTHONASYNCIODEBUG`, roughly |
//! | `unwind.rs` | containing panics from user `Drop`s and wakers the loop calls | (none: Python has no destructors that unwind) |
//!
//! Start with `executor.rs`: its module docs draw one tick of the loop.
//! `DESIGN.md`, chapter 1, explains the invariants and compares with tokio.
//!
//! # What "inside a loop" means
//!
//! The free functions ([`spawn`], [`sleep`], [`yield_now`], [`timeout`]) and
//! [`Async::new`] talk to the loop that is running on the current thread,
//! i.e. they must be called (directly or from a task) inside
//! [`EventLoop::block_on`]. Outside, they panic with a message saying so.
//! [`gather`] needs no loop of its own: it is a plain future.

mod combinators;
mod context;
mod executor;
pub mod net;
mod reactor;
mod shared;
pub mod sync;
mod task;
mod timers;
pub mod trace;
mod unwind;

pub use combinators::{gather, timeout, yield_now, Elapsed, Gather, Timeout, YieldNow};
pub use executor::{spawn, EventLoop, LoopStats, BUDGET, COOP_BUDGET};
pub use reactor::Async;
pub use shared::Handle;
pub use task::{AbortHandle, JoinError, JoinHandle};
pub use timers::{sleep, sleep_until, Sleep};
pub use trace::{TaskId, TraceEvent, TraceKind, WakeSource};
