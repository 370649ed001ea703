//! # The recorder: what the pool did, per worker pid, with timestamps
//!
//! When recording is on, the parent notes every fork, every task sent, every
//! result received and every crash, with the worker's pid and an
//! [`Instant`]. The cart timeline and the `worker_crash` example read these
//! events to draw who did what, when. When recording is off, each note costs
//! one branch on a `bool` (the parent already holds the pool's lock there).
//!
//! Timestamps are taken in the parent: "sent" is when the task frame was
//! queued for the worker's socket, "received" when its reply was decoded.

use std::time::Instant;

use super::sys::Pid;

/// Identifies a task (a `submit`, or one chunk of a `map`) within its pool.
pub type TaskId = u64;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolEventKind {
    /// The fork server forked this worker into the given slot.
    Forked {
        /// Worker slot (0..workers): a replacement takes its predecessor's slot.
        slot: usize,
    },
    /// A task with `items` inputs was sent to the worker.
    Sent {
        /// The task.
        task: TaskId,
        /// Inputs in it (1 for `submit`, the chunk size for `map`).
        items: usize,
    },
    /// The worker's reply for a task arrived.
    Received {
        /// The task.
        task: TaskId,
    },
    /// The worker died unexpectedly (signal, exit, protocol error, timeout).
    Crashed {
        /// In words: "killed by signal 9", "timed out", ...
        reason: String,
    },
    /// The worker finished its `max_tasks_per_child` budget and exited.
    Retired,
    /// The worker exited at `close`.
    Exited,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolEvent {
    /// When the parent noticed it.
    pub at: Instant,
    /// The worker concerned.
    pub pid: Pid,
    /// What happened.
    pub kind: PoolEventKind,
}

/// The event log; lives inside the pool's locked state.
#[derive(Debug, Default)]
pub struct Recorder {
    on: bool,
    events: Vec<PoolEvent>,
}

impl Recorder {
    /// A recorder, on or off.
    pub fn new(on: bool) -> Recorder {
        Recorder {
            on,
            events: Vec::new(),
        }
    }

    /// Turns recording on or off (events already recorded are kept).
    pub fn set_enabled(&mut self, on: bool) {
        self.on = on;
    }

    /// Notes an event if recording is on. The closure only runs when it is.
    #[inline]
    pub fn note(&mut self, pid: Pid, kind: impl FnOnce() -> PoolEventKind) {
        if self.on {
            self.events.push(PoolEvent {
                at: Instant::now(),
                pid,
                kind: kind(),
            });
        }
    }

    /// Hands over the events recorded so far.
    pub fn take(&mut self) -> Vec<PoolEvent> {
        std::mem::take(&mut self.events)
    }
}
