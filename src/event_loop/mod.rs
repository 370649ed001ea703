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
//! | `runtime.rs` | [`EventLoop`], [`Builder`], [`spawn`]: the loop's tick | `asyncio.run`, `loop.run_until_complete` |
//! | `executor.rs` | running tasks: run queue, live tasks, coop budget, fairness | the loop's `_ready` queue |
//! | `policy.rs` | [`Policy`], [`RunQueue`]: which ready task runs next | (none: asyncio is FIFO only) |
//! | `task.rs` | what a task is: future, state word, `schedule` hook, wakers | `asyncio.Task` |
//! | `join.rs` | [`JoinHandle`], [`AbortHandle`], [`JoinError`] | awaiting an `asyncio.Task` |
//! | `shared.rs` | the cross-thread half: injection queue, [`Handle`]; where a wake goes | `loop.call_soon_threadsafe` |
//! | `context.rs` | which loop runs on this thread | `asyncio.get_running_loop()` |
//! | `reactor.rs` | the reactor: epoll, events, registrations, edge triggering | the selector inside `asyncio`'s loop |
//! | `async_io.rs` | [`Async`]: any OS source, awaitable | `loop.add_reader` |
//! | `timers.rs` | [`sleep`], [`sleep_until`], the timer table | `asyncio.sleep`, `loop.call_at` |
//! | `clock.rs` | the loop's clock, [`now`], virtual time | (none; `loop.time()` is the clock) |
//! | `explore.rs` | [`explore`], [`record`]: seeded schedules, replay | (none) |
//! | `net.rs` | [`net::TcpListener`], [`net::TcpStream`] | `asyncio.open_connection`, `start_server` |
//! | `combinators.rs` | [`yield_now`], [`timeout`], [`gather`] | `asyncio.sleep(0)`, `wait_for`, `gather` |
//! | `sync.rs` | [`sync::Mutex`], [`sync::Semaphore`]: fair, cancel-safe, single-threaded | `asyncio.Lock`, `asyncio.Semaphore` |
//! | `trace.rs` | what the loop records at each step, into the crate's trace | `PYTHONASYNCIODEBUG`, roughly |
//! | `unwind.rs` | containing panics from user `Drop`s and wakers the loop calls | (none: Python has no destructors that unwind) |
//!
//! Start with `runtime.rs`: its module docs draw one tick of the loop; then
//! `executor.rs` and `task.rs` follow a task from `spawn` to its
//! `JoinHandle`. `DESIGN.md`, chapter 1, walks through the life of a task,
//! explains the invariants and compares with tokio.
//!
//! # What "inside a loop" means
//!
//! The free functions ([`spawn`], [`sleep`], [`yield_now`], [`timeout`]) and
//! [`Async::new`] talk to the loop that is running on the current thread,
//! i.e. they must be called (directly or from a task) inside
//! [`EventLoop::block_on`]. Outside, they panic with a message saying so.
//! [`gather`] needs no loop of its own: it is a plain future.

mod async_io;
mod clock;
mod combinators;
mod context;
mod executor;
mod explore;
mod join;
pub mod net;
pub mod policy;
mod reactor;
mod runtime;
mod shared;
pub mod sync;
mod task;
mod timers;
pub mod trace;
mod unwind;

pub use crate::trace::{TaskId, WakeSource};
pub use async_io::Async;
pub use clock::now;
pub use combinators::{gather, timeout, yield_now, Elapsed, Gather, Timeout, YieldNow};
pub use executor::{BUDGET, COOP_BUDGET};
pub use explore::{explore, explore_from, record, schedule_of, Failure};
pub use join::{AbortHandle, JoinError, JoinHandle};
pub use policy::{Policy, ReadyTask, RunQueue};
pub use runtime::{spawn, Builder, EventLoop, LoopStats};
pub use shared::Handle;
pub use timers::{sleep, sleep_until, Sleep};
