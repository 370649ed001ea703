//! # homemade: threads, processes and an event loop, built from scratch
//!
//! A Python programmer meets three ways to do many things at once: threads,
//! processes and an `asyncio` event loop. This crate builds each of them for
//! real, in Rust, small enough to read in an afternoon, and then runs the
//! explainer's closing "shopping cart" workload through every one of them so
//! you can watch and measure what each mechanism does to the time.
//!
//! ## Crate map: the explainer's ideas and where they live
//!
//! | idea in the Python explainer | module | read first |
//! |---|---|---|
//! | `asyncio` event loop, `async def`, `await`, `asyncio.sleep`, `asyncio.gather` | [`event_loop`] | `event_loop/runtime.rs`, then `executor.rs`, `task.rs`, `reactor.rs` and `timers.rs` |
//! | `threading.Thread`, the GIL | [`thread_pool`] | `thread_pool/pool.rs`, then `worker.rs` and `sleep/README.md` |
//! | `multiprocessing.Pool`, `pool.map` | [`process_pool`] | `process_pool/pool.rs`, then `child.rs` and `wire.rs` |
//! | `aiohttp.ClientSession().get(url)` | [`http`] | `http/response.rs` (sans-io parsing), then `client.rs` |
//! | `https://dummyjson.com/carts/{id}` and the cart totals | [`carts`] | `carts/model.rs`, then `strategies.rs` |
//!
//! `DESIGN.md` at the root of the repository is the study guide that goes with
//! the source: one chapter per mechanism, with the invariants each keeps, how
//! tokio, rayon and `multiprocessing` differ, and the figure behind each
//! design claim; `BENCHMARKS.md` beside it holds the measurement diaries.
//!
//! Every runtime records its scheduling events (spawned, polled, yielded,
//! woken, stolen, forked, crashed, each HTTP request) into one [`trace`], in
//! one vocabulary. It costs a single branch when it is off; the examples
//! print it, and `--trace FILE.json` writes it for Perfetto UI and
//! chrome://tracing (`src/trace/README.md`).
#![warn(missing_debug_implementations)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

pub mod carts;
pub mod event_loop;
pub mod http;
mod panics;
pub mod process_pool;
pub mod stdio;
pub mod sys;
pub mod thread_pool;
pub mod trace;
