//! # `TaskHandle`: one submitted task, waited for by blocking or by `.await`
//!
//! [`ProcessPool::submit`](super::ProcessPool::submit) queues a task and
//! returns at once with a handle. The task is sent to a worker as soon as
//! one has room, whether or not anyone is waiting yet.
//!
//! - [`TaskHandle::join`] blocks the calling thread: it pumps the pool and
//!   sleeps in `poll` on the workers' sockets until the task is finished.
//! - Dropping a handle cancels the task if it is still queued; if it is
//!   already running, its result is discarded when it arrives.
//!
//! Read next: `state.rs` for how waiting works.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::error::TaskError;
use super::recorder::TaskId;
use super::state::Inner;

/// A submitted task. `join` it, or `.await` it on the crate's event loop.
pub struct TaskHandle<Out> {
    inner: Arc<Inner<Out>>,
    id: TaskId,
    /// The result was taken (by join or await): nothing to forget on drop.
    taken: bool,
}

impl<Out> TaskHandle<Out> {
    /// Wraps task `id` of the pool `inner`.
    pub(crate) fn new(inner: Arc<Inner<Out>>, id: TaskId) -> TaskHandle<Out> {
        TaskHandle {
            inner,
            id,
            taken: false,
        }
    }

    /// The task's id, as it appears in the pool's recorded events.
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl<Out: DeserializeOwned> TaskHandle<Out> {
    /// Blocks until the task finished; returns its value or why it failed.
    pub fn join(mut self) -> Result<Out, TaskError> {
        let id = self.id;
        let mut st = self.inner.wait_until(|st| st.is_done(id));
        self.taken = true;
        first_result(st.take_results(id))
    }

    /// Whether the task has finished (checks the sockets without blocking).
    pub fn is_finished(&self) -> bool {
        let mut st = self.inner.state.lock();
        self.inner.pump(&mut st);
        st.is_done(self.id)
    }
}

/// The single result of a one-item task.
fn first_result<Out>(results: Option<Vec<Result<Out, TaskError>>>) -> Result<Out, TaskError> {
    results
        .and_then(|r| r.into_iter().next())
        .unwrap_or_else(|| {
            Err(TaskError::PoolShutDown {
                reason: "the task's result was already taken".into(),
            })
        })
}

impl<Out> Drop for TaskHandle<Out> {
    fn drop(&mut self) {
        if !self.taken {
            self.inner.state.lock().forget(self.id);
        }
    }
}
