//! # The pool's side of the trace: what it records, on which lane
//!
//! The pool records into a [`trace::Recorder`](crate::trace::Recorder), in
//! the crate's one vocabulary (`src/trace/`). It notes every fork, every job
//! sent, every reply received and every crash, on the lane of the worker
//! process concerned ([`Lane::Worker`]), and each job handed to the pool on
//! the lane of the thread that submitted it ([`Kind::Submitted`]: the
//! start of the hand-off arrow in a Chrome trace). The `worker_crash`
//! example prints these events; in the `--trace` file of `homemade carts`
//! they sit on the same worker lanes as the cart bars (`Kind::CartSpan`,
//! from which the carts timeline is drawn).
//! When recording is off, each note costs one branch on one flag (the
//! parent already holds the pool's lock there).
//!
//! Timestamps are taken in the parent: "sent" is when the task frame was
//! queued for the worker's socket, "received" when its reply was decoded.

use super::state::State;
use super::sys::Pid;
use crate::trace::{current, JobId, Kind, Lane, WorkerPid};

/// Identifies a task (a `submit`, or one chunk of a `map`) within its pool;
/// the trace calls it a [`JobId`].
pub type TaskId = u64;

impl<Out> State<Out> {
    /// Notes an event about worker `pid` if recording is on. The closure
    /// only runs when it is.
    #[inline]
    pub(crate) fn note(&self, pid: Pid, kind: impl FnOnce() -> Kind) {
        self.recorder()
            .record_with(Lane::Worker(WorkerPid(pid)), kind);
    }

    /// The trace's name for task `id` of this pool.
    pub(crate) fn job_id(&self, id: TaskId) -> JobId {
        JobId {
            pool: self.pool_id(),
            index: id,
        }
    }

    /// Notes, on the calling thread's lane, that job `id` was handed over.
    #[inline]
    pub(crate) fn note_submitted(&self, id: TaskId) {
        let job = self.job_id(id);
        current::record_into(self.recorder(), || Kind::Submitted { job });
    }
}
