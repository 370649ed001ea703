//! # What the pool's front may ask of the state
//!
//! [`State`]'s fields are private to `state/`: the front (`pool.rs`, the
//! public API, and `handle.rs`, the task handle and its future) goes
//! through the few calls below, so every rule about the queue, the
//! mailboxes and the queue watcher lives beside the code that relies on it.
//!
//! - Looking: [`worker_pids`](State::worker_pids),
//!   [`fork_server`](State::fork_server),
//!   [`transport`](State::transport), [`recorder`](State::recorder),
//!   [`is_broken`](State::is_broken).
//! - A `map` call's mailbox: [`mailbox_has_news`](State::mailbox_has_news),
//!   [`drain_mailbox`](State::drain_mailbox),
//!   [`close_mailbox`](State::close_mailbox).
//! - A future waiting for its task: [`watch_for`](State::watch_for) stores
//!   its waker and says which workers' descriptors it should watch.
//! - Closing: [`take_workers`](State::take_workers),
//!   [`take_fork_server`](State::take_fork_server),
//!   [`take_retries`](State::take_retries).
//!
//! Read next: `handle.rs`, whose future uses [`watch_for`](State::watch_for).

use std::ops::Range;
use std::task::Waker;

use super::{Owner, State, TaskState, Worker};
use crate::process_pool::builder::Transport;
use crate::process_pool::error::Retry;
use crate::process_pool::forkserver::ForkServer;
use crate::process_pool::recorder::TaskId;
use crate::process_pool::sys::Pid;
use crate::trace::Recorder;

impl<Out> State<Out> {
    /// The pids of the live workers, by slot.
    pub fn worker_pids(&self) -> Vec<Pid> {
        self.workers.iter().flatten().map(Worker::pid).collect()
    }

    /// The fork server (`None` once it was shut down).
    pub fn fork_server(&self) -> Option<&ForkServer> {
        self.server.as_ref()
    }

    /// How frames travel to this pool's workers.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The trace recorder the pool notes its events in.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Names this pool's jobs in the trace.
    pub fn pool_id(&self) -> crate::trace::PoolId {
        self.pool_id
    }

    /// Whether the pool is broken (new tasks fail at once).
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Whether mailbox `mailbox` holds finished tasks, or is gone.
    pub fn mailbox_has_news(&self, mailbox: u64) -> bool {
        self.mailboxes.get(&mailbox).is_none_or(|m| !m.is_empty())
    }

    /// The finished tasks of mailbox `mailbox`, in the order they finished.
    pub fn drain_mailbox(&mut self, mailbox: u64) -> Vec<TaskId> {
        self.mailboxes
            .get_mut(&mailbox)
            .map(|m| m.drain(..).collect())
            .unwrap_or_default()
    }

    /// Ends mailbox `mailbox`, whose call made tasks `ids`: the tasks not
    /// yet collected are forgotten (their results are dropped on arrival).
    pub fn close_mailbox(&mut self, mailbox: u64, ids: Range<TaskId>) {
        self.mailboxes.remove(&mailbox);
        for id in ids {
            let collected = self
                .tasks
                .get(&id)
                .is_none_or(|t| !matches!(t.owner, Owner::Mailbox(m) if m == mailbox));
            if !collected {
                self.forget(id);
            }
        }
    }

    /// Stores `waker` for unfinished task `id` and returns the busy workers
    /// whose descriptors its future should watch: the worker running it, or,
    /// for a queued task, every busy worker if this future is the queue's
    /// watcher (one queued future watches for all of them; the others wait
    /// to be woken by `wake_next_queue_watcher`, `state/dispatch.rs`).
    pub fn watch_for(&mut self, id: TaskId, waker: &Waker) -> Vec<&Worker> {
        let entry = self
            .tasks
            .get_mut(&id)
            .expect("unfinished task is in the table");
        match &entry.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => entry.waker = Some(waker.clone()),
        }
        let slots: Range<usize> = match entry.state {
            TaskState::Running { slot } => slot..slot + 1,
            TaskState::Queued => {
                // A queued task holds a waker now.
                self.queued_wakers = true;
                if self.queue_watcher.is_none_or(|watcher| watcher == id) {
                    self.queue_watcher = Some(id);
                    0..self.workers.len()
                } else {
                    0..0
                }
            }
            TaskState::Done(_) => unreachable!("watch_for is for unfinished tasks"),
        };
        self.workers[slots]
            .iter()
            .flatten()
            .filter(|w| w.busy())
            .collect()
    }

    /// Takes every live worker out of its slot (closing the pool).
    pub fn take_workers(&mut self) -> Vec<Worker> {
        self.workers.iter_mut().filter_map(Option::take).collect()
    }

    /// Takes the fork server (closing the pool).
    pub fn take_fork_server(&mut self) -> Option<ForkServer> {
        self.server.take()
    }

    /// Hands over the log of retried attempts, oldest first.
    pub fn take_retries(&mut self) -> Vec<Retry> {
        self.retries.drain(..).collect()
    }
}
