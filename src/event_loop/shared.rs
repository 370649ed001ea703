//! The cross-thread half of a loop: the injection queue and `Handle`.
//!
//! Everything in `Local` (`executor.rs`) belongs to the loop's thread. What
//! other threads may touch lives here, in `Shared`, behind an `Arc`:
//!
//! * the **injection queue**: tasks woken (or spawned through a [`Handle`])
//!   from other threads, in a mutex-protected `VecDeque`;
//! * the **`mio::Waker`**, an eventfd registered with the loop's poller: a
//!   write to it makes a blocked `epoll_wait` return;
//! * the reactor's registration table and the timer table (each behind its
//!   mutex, with an atomic mirror of its length so a turn can skip empty
//!   tables without locking);
//! * the flag that says `block_on`'s own future was woken.
//!
//! # The notify protocol
//!
//! A thread that injects a task pushes it under the lock, *then* calls
//! `notify`, which sets the `notified` flag and writes to the eventfd only if
//! the flag was clear. The loop, in each turn, clears the flag *before* taking
//! the whole queue. Why no wake-up can be lost:
//!
//! * if the pusher's `notify` comes before the loop clears the flag, its push
//!   came even earlier, so the loop's take (which follows the clear) sees it;
//! * if it comes after, the flag is clear, so the pusher writes the eventfd,
//!   and the loop's next `epoll_wait` returns at once.
//!
//! Many wakes between two turns cost one system call. A spurious eventfd
//! event (flag set, queue already drained) only makes one poll return early.
//!
//! # When the loop is gone
//!
//! Dropping the `EventLoop` marks the injection queue closed. A later
//! `Handle::spawn` (or a late wake from another thread) finds it closed and
//! cancels the task at once, so its `JoinHandle` reports `is_aborted()`
//! instead of waiting forever.
//!
//! Read next: `reactor.rs`.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

use parking_lot::Mutex;

use super::context::{expect_local, with_local};
use super::reactor::IoTable;
use super::task::{JoinHandle, Runnable, Task};
use super::timers::Timers;
use super::trace::TaskId;

/// Task ids are unique in the process; 0 is `main`.
static NEXT_TASK_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh task id.
pub(crate) fn next_task_id() -> TaskId {
    TaskId(NEXT_TASK_ID.fetch_add(1, Ordering::Relaxed))
}

/// The half of a loop that other threads may touch.
pub(crate) struct Shared {
    /// Cross-thread wakes and spawns.
    pub(crate) injector: Mutex<Injector>,
    /// Set by the first cross-thread wake after the loop drained the queue.
    pub(crate) notified: AtomicBool,
    /// Interrupts `epoll_wait` (an eventfd registered with the poller).
    pub(crate) waker: mio::Waker,
    /// Registers sources with the poller; usable from any thread.
    pub(crate) registry: mio::Registry,
    /// The reactor's table of registered sources.
    pub(crate) io: Mutex<IoTable>,
    /// Pending timers.
    pub(crate) timers: Mutex<Timers>,
    /// Mirrors `io.len()`, so a turn can check it without taking the lock.
    pub(crate) io_len: AtomicUsize,
    /// Mirrors `timers.len()`, for the same reason.
    pub(crate) timers_len: AtomicUsize,
    /// `block_on`'s future was woken.
    pub(crate) main_woken: AtomicBool,
}

/// The injection queue, with the flag that says the loop is gone.
pub(crate) struct Injector {
    pub(crate) queue: VecDeque<Arc<dyn Runnable>>,
    pub(crate) closed: bool,
}

impl Shared {
    /// Queues a task woken (or spawned) from another thread and interrupts the poll.
    pub(crate) fn inject(&self, task: Arc<dyn Runnable>) {
        let mut inj = self.injector.lock();
        if inj.closed {
            drop(inj);
            task.cancel(); // the loop is gone: resolve its JoinHandle as aborted
            return;
        }
        inj.queue.push_back(task);
        drop(inj);
        self.notify();
    }

    /// Interrupts `epoll_wait` unless a notification is already pending.
    pub(crate) fn notify(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // An error here means the eventfd is gone, i.e. the loop is being
            // dropped; nothing is waiting for the notification then.
            let _ = self.waker.wake();
        }
    }

    /// Removes a registration from the reactor's table.
    pub(crate) fn remove_io(&self, token: usize, state: &Arc<super::reactor::IoState>) {
        let mut table = self.io.lock();
        table.remove(token, state);
        self.io_len.store(table.len(), Ordering::Release);
    }

    /// Registers a timer.
    pub(crate) fn insert_timer(&self, deadline: Instant, waker: Waker) -> super::timers::TimerKey {
        let mut timers = self.timers.lock();
        let key = timers.insert(deadline, waker);
        self.timers_len.store(timers.len(), Ordering::Release);
        key
    }

    /// Removes a timer (returns its waker, to be dropped outside the lock).
    pub(crate) fn remove_timer(&self, key: &super::timers::TimerKey) -> Option<Waker> {
        let mut timers = self.timers.lock();
        let waker = timers.remove(key);
        self.timers_len.store(timers.len(), Ordering::Release);
        waker
    }

    /// True if `self` is the loop running on the current thread.
    pub(crate) fn is_current(&self) -> bool {
        with_local(|l| std::ptr::eq(Arc::as_ptr(&l.shared), self)).unwrap_or(false)
    }
}

/// A `Send + Sync + Clone` handle to an [`EventLoop`](super::EventLoop): spawn onto it from any
/// thread. Wakes and spawns from other threads reach the loop through its
/// injection queue and interrupt its reactor poll.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    /// Spawns `future` onto the loop. From the loop's own thread this is the
    /// same as [`spawn`](super::spawn); from any other thread the task is queued and the
    /// loop is woken. If the loop has been dropped, the returned handle
    /// resolves at once to an aborted [`JoinError`](super::JoinError).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.shared.is_current() {
            return expect_local("Handle::spawn", |l| l.spawn(future));
        }
        let id = next_task_id();
        let task = Task::new(id, self.shared.clone(), future);
        self.shared.inject(task.clone());
        JoinHandle::new(task)
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}
