//! # One trace for the whole crate
//!
//! Every runtime in this crate (the event loop, the thread pool, the process
//! pool) and the HTTP client write down what they decide, as it happens, in
//! one vocabulary: an [`Event`] says *when* (a [`Timestamp`] on one monotonic
//! clock), *where* (a [`Lane`]: which loop, pool thread or worker process)
//! and *what* (a [`Kind`]: a task polled, a job stolen, a worker forked, a
//! request's head received...). Each kind of thing has an id type of its
//! own ([`TaskId`], [`JobId`], [`WorkerPid`], [`ConnId`], [`RequestId`],
//! [`CartId`]).
//!
//! Events go into a [`Recorder`] (`enable`, `record`, `take`). Each runtime
//! holds one; give several runtimes the same one and their events land in
//! one list, which [`chrome`] turns into a file that Perfetto UI and
//! chrome://tracing open.
//!
//! This module is the lowest layer of the crate: it imports no runtime, and
//! every runtime imports it.
//!
//! | file | what |
//! |---|---|
//! | `clock.rs` | [`Timestamp`] and [`now`]: one origin per process |
//! | `ids.rs` | the id newtypes |
//! | `lane.rs` | [`Lane`] |
//! | `event.rs` | [`Event`], [`Kind`], [`WakeSource`], [`HttpPhase`], [`CartPhase`] |
//! | `recorder.rs` | [`Recorder`]; [`install_default`] |
//! | `current.rs` | the thread's recorder and lane, for code below the runtimes |
//! | `chrome.rs` | the Chrome Trace Event Format export |
//! | `file.rs` | `--trace FILE.json`: [`chrome::TraceFile`], [`chrome::from_env`] |
//!
//! `README.md` beside this file is the prose chapter: the vocabulary, the
//! lanes, what each phase letter of the export means, and the cost when off.

pub mod chrome;
mod clock;
pub mod current;
mod event;
mod file;
mod ids;
mod lane;
mod recorder;

pub use clock::{now, Timestamp};
pub use event::{CartPhase, Event, HttpPhase, Kind, WakeSource};
pub use ids::{CartId, ConnId, JobId, LoopId, PoolId, RequestId, TaskId, WorkerPid};
pub use lane::Lane;
pub use recorder::{default_recorder, install_default, Recorder};
