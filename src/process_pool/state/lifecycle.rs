//! # Worker lifecycle: forking into a slot, retiring, losing, breaking
//!
//! A slot's worker leaves in one of three ways, and each has one routine:
//!
//! - [`State::retire`]: it served its `max_tasks_per_child` budget and is
//!   exiting by itself. Reap it (with a grace period), fork a replacement.
//! - [`State::lose`]: it died (end of file, or its pidfd says it exited),
//!   broke the protocol, or overran its deadline. Reap it (killing it first
//!   unless it is already gone), fail the task it was running with the
//!   reason (or, for an idempotent pool, put it back in the queue for
//!   another attempt: see "Retry" below), put the tasks queued behind it
//!   back at the front of the queue, fork a replacement.
//! - [`State::break_pool`]: the pool cannot go on (initializer panicked,
//!   no worker can be forked, close/terminate). Kill and reap every worker
//!   and fail every unfinished task.
//!
//! All reaping goes through the fork server, whose children the workers are.
//!
//! ## Retry
//!
//! A pool built with `retry_idempotent(n)` gives each task up to `n`
//! attempts. When its worker dies or exits under it, a task that has
//! attempts left is not failed: it goes back to the front of the queue (it
//! keeps its encoded frame until it completes), the loss is logged as a
//! [`Retry`], and the next dispatch sends it to a live worker, the
//! replacement or another. Its last attempt's error is what the caller gets
//! if every attempt is lost, so a task that kills its worker every time
//! costs `n` workers and then fails: it cannot loop. Timeouts and protocol
//! errors are not retried (they would most likely repeat).

use super::*;

/// Why a worker is being replaced.
pub(super) enum Loss {
    /// Its socket reached end of file (or failed): it exited or was killed.
    Gone,
    /// It broke the protocol; we kill it.
    Protocol(String),
    /// Its current task ran past the deadline; we kill it.
    TimedOut,
    /// Its initializer panicked.
    InitFailed(String),
}

impl<Out> State<Out> {
    /// Forks a worker into an empty slot.
    pub fn spawn_into(&mut self, slot: usize) -> io::Result<()> {
        let server = self
            .server
            .as_ref()
            .ok_or_else(|| io::Error::other("pool is shut down"))?;
        let (mine, theirs) = sys::stream_pair()?;
        // The region exists before the worker is forked; it learns of it
        // from the greeting, its first message (see `shm.rs`).
        let shm = match self.transport {
            Transport::Socketpair => None,
            Transport::SharedMemory => Some(ShmLink::create()?),
        };
        let pid = server.spawn(theirs)?;
        let shm = match shm {
            None => None,
            Some((link, [memfd, wake])) => {
                let passed = [memfd.as_raw_fd(), wake.as_raw_fd()];
                if let Err(e) = sys::send_with_fds(mine.as_raw_fd(), shm::GREETING, &passed) {
                    let _ = server.reap(pid, Duration::ZERO);
                    return Err(e);
                }
                Some(link)
            }
        };
        sys::set_nonblocking(mine.as_raw_fd(), true)?;
        // The worker is the fork server's unreaped child: its pid cannot be
        // recycled yet, so this pidfd names exactly it.
        let pidfd = sys::pidfd_open(pid).ok();
        self.workers[slot] = Some(Worker {
            pid,
            chan: mine,
            pidfd,
            shm,
            news: true,
            sent_since_read: false,
            inbuf: FrameBuf::new(),
            inflight: VecDeque::new(),
            write_idx: 0,
            write_off: 0,
            head_started: Instant::now(),
            dispatched: 0,
        });
        self.note(pid, || Kind::Forked { slot });
        Ok(())
    }

    /// Fails every unfinished task with `err`, stops all workers, and makes
    /// new tasks fail at once.
    pub fn break_pool(&mut self, err: TaskError) {
        if self.broken.is_none() {
            self.broken = Some(err.clone());
        }
        for slot in 0..self.workers.len() {
            if let Some(w) = self.workers[slot].take() {
                drop(w.chan);
                if let Some(server) = &self.server {
                    let _ = server.reap(w.pid, Duration::ZERO);
                }
                for id in w.inflight {
                    let items = self.tasks.get(&id).map_or(0, |j| j.items);
                    self.complete(id, (0..items).map(|_| Err(err.clone())).collect());
                }
            }
        }
        while let Some(id) = self.queue.pop_front() {
            let items = self.tasks.get(&id).map_or(0, |j| j.items);
            self.complete(id, (0..items).map(|_| Err(err.clone())).collect());
        }
    }

    /// Retries forking into empty slots; breaks the pool if none is alive.
    pub(super) fn refill_slots(&mut self) {
        if self.broken.is_some() || self.server.is_none() {
            return;
        }
        let mut last_err = None;
        for slot in 0..self.workers.len() {
            if self.workers[slot].is_none() {
                if let Err(e) = self.spawn_into(slot) {
                    last_err = Some(e);
                }
            }
        }
        if let Some(e) = last_err {
            if self.workers.iter().all(Option::is_none) {
                self.break_pool(TaskError::PoolShutDown {
                    reason: format!("cannot fork a worker: {e}"),
                });
            }
        }
    }

    /// A worker that served its budget: reap it, fork its replacement.
    pub(super) fn retire(&mut self, slot: usize) {
        let Some(w) = self.workers[slot].take() else {
            return;
        };
        drop(w.chan);
        if let Some(server) = &self.server {
            let _ = server.reap(w.pid, EXIT_GRACE);
        }
        self.note(w.pid, || Kind::Retired);
        let _ = self.spawn_into(slot);
    }

    /// A worker that died or must die: reap it, fail its running task,
    /// re-queue the ones behind it, fork a replacement.
    pub(super) fn lose(&mut self, slot: usize, loss: Loss) {
        let Some(mut w) = self.workers[slot].take() else {
            return;
        };
        drop(w.chan);
        let pid = w.pid;
        let grace = match loss {
            Loss::Gone => EXIT_GRACE,
            _ => Duration::ZERO,
        };
        let status = match &self.server {
            Some(server) => server.reap(pid, grace),
            None => Err(io::Error::other("no fork server")),
        };
        let error = match loss {
            Loss::TimedOut => TaskError::TimedOut,
            Loss::Protocol(message) => TaskError::Protocol { pid, message },
            Loss::InitFailed(message) => {
                self.note(pid, || Kind::Crashed {
                    reason: format!("initializer panicked: {message}"),
                });
                let err = TaskError::InitializerFailed { message };
                for id in std::mem::take(&mut w.inflight) {
                    let items = self.tasks.get(&id).map_or(0, |j| j.items);
                    self.complete(id, (0..items).map(|_| Err(err.clone())).collect());
                }
                self.break_pool(err);
                return;
            }
            Loss::Gone => match status {
                Ok(kind) => match kind {
                    ExitKind::Signaled(signal) => TaskError::WorkerDied { pid, signal },
                    ExitKind::Exited(code) => TaskError::WorkerExited { pid, code },
                    ExitKind::Deadlocked => TaskError::Deadlocked { pid },
                },
                Err(e) => TaskError::PoolShutDown {
                    reason: format!("worker {pid} vanished and could not be reaped: {e}"),
                },
            },
        };
        let reason = error.to_string();
        self.note(pid, || Kind::Crashed { reason });
        let head = w.inflight.pop_front();
        // The others never started: send them again, first in line.
        while let Some(id) = w.inflight.pop_back() {
            if let Some(entry) = self.tasks.get_mut(&id) {
                entry.state = TaskState::Queued;
                self.queued_wakers |= entry.waker.is_some();
                self.queue.push_front(id);
            }
        }
        if let Some(head) = head {
            if !self.retry(head, pid, &error) {
                let items = self.tasks.get(&head).map_or(0, |j| j.items);
                self.complete(head, (0..items).map(|_| Err(error.clone())).collect());
            }
        }
        if self.server.is_some() && self.broken.is_none() {
            if let Err(e) = self.spawn_into(slot) {
                if self.workers.iter().all(Option::is_none) {
                    self.break_pool(TaskError::PoolShutDown {
                        reason: format!("cannot fork a replacement worker: {e}"),
                    });
                }
            }
        }
    }
}

impl<Out> State<Out> {
    /// Puts task `id`, lost with worker `pid` because of `error`, back at the
    /// front of the queue if the pool retries and the task has attempts
    /// left; logs the retry. Returns whether it did.
    fn retry(&mut self, id: TaskId, pid: Pid, error: &TaskError) -> bool {
        let max_attempts = self.max_attempts;
        let Some(entry) = self.tasks.get_mut(&id) else {
            return false;
        };
        let wanted = entry.owner != Owner::Detached;
        if !wanted || !error.retryable() || entry.losses + 1 >= max_attempts {
            return false;
        }
        entry.losses += 1;
        entry.state = TaskState::Queued;
        // Its future watched the dead worker: wake it to watch the queue.
        self.wakes.extend(entry.waker.take());
        let retry = Retry {
            task: id,
            first_item: entry.first_item,
            items: entry.items,
            pid,
            attempt: entry.losses,
            error: error.clone(),
        };
        self.queue.push_front(id);
        if self.retries.len() == RETRY_LOG_MAX {
            self.retries.pop_front();
        }
        self.retries.push_back(retry);
        true
    }
}
