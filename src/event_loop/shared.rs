//! The cross-thread half of a loop: the injection queue and `Handle`.
//!
//! Everything in the executor (`executor.rs`) and the reactor's poller
//! belongs to the loop's thread. What other threads may touch lives here, in
//! `Shared`, behind an `Arc`:
//!
//! * the **injection queue**: tasks woken (or spawned through a [`Handle`])
//!   from other threads, in a mutex-protected `VecDeque`;
//! * the **`mio::Waker`**, an eventfd registered with the loop's poller: a
//!   write to it makes a blocked `epoll_wait` return;
//! * the timer table (behind its mutex, with an atomic mirror of its
//!   length so a turn can skip an empty table without locking);
//! * the flag that says `block_on`'s own future was woken;
//! * the counter that hands out task ids.
//!
//! `Shared` is also every task's **schedule hook** (`Schedule` in
//! `task.rs`): a woken task is handed to `Shared::schedule_here`, which
//! pushes it on the executor's run queue when the wake happens on the loop's
//! own thread, and otherwise to `Shared::schedule_from_afar`, which puts it
//! on the injection queue. That is the only place a
//! task's wake-up meets the executor.
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

use super::context::{expect_running_loop, with_running_loop};
use super::join::JoinHandle;
use super::task::{Runnable, Schedule, Task};
use super::timers::Timers;
use super::trace::TaskId;

/// The half of a loop that other threads may touch.
pub(crate) struct Shared {
    /// Cross-thread wakes and spawns.
    pub(crate) injector: Mutex<Injector>,
    /// Set by the first cross-thread wake after the loop drained the queue.
    pub(crate) notified: AtomicBool,
    /// Interrupts `epoll_wait` (an eventfd registered with the poller).
    pub(crate) waker: mio::Waker,
    /// Pending timers.
    pub(crate) timers: Mutex<Timers>,
    /// Mirrors `timers.len()`, so a turn can check it without taking the lock.
    pub(crate) timers_len: AtomicUsize,
    /// `block_on`'s future was woken.
    pub(crate) main_woken: AtomicBool,
    /// The next task id: ids count from 1 in each loop (0 is `main`), so two
    /// runs of the same program give the same ids (see `explore.rs`).
    pub(crate) next_id: AtomicU64,
}

/// The injection queue, with the flag that says the loop is gone.
pub(crate) struct Injector {
    pub(crate) queue: VecDeque<Arc<dyn Runnable>>,
    pub(crate) closed: bool,
}

impl Shared {
    /// A new `Shared` around the poller's waker.
    pub(crate) fn new(waker: mio::Waker) -> Shared {
        Shared {
            injector: Mutex::new(Injector {
                queue: VecDeque::new(),
                closed: false,
            }),
            notified: AtomicBool::new(false),
            waker,
            timers: Mutex::new(Timers::default()),
            timers_len: AtomicUsize::new(0),
            main_woken: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
        }
    }

    /// A fresh task id (unique within this loop).
    pub(crate) fn next_task_id(&self) -> TaskId {
        TaskId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

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
        with_running_loop(|l| std::ptr::eq(Arc::as_ptr(&l.executor.shared), self)).unwrap_or(false)
    }
}

impl Schedule for Shared {
    /// A wake on the loop's own thread: straight to the run queue, no lock.
    fn schedule_here(&self, task: Arc<dyn Runnable>) -> Option<Arc<dyn Runnable>> {
        let mut task = Some(task);
        with_running_loop(|l| {
            if std::ptr::eq(Arc::as_ptr(&l.executor.shared), self) {
                if let Some(t) = task.take() {
                    l.executor.push_woken(t);
                }
            }
        });
        task
    }

    /// A wake from any other thread: through the injection queue.
    fn schedule_from_afar(&self, task: Arc<dyn Runnable>) {
        self.inject(task);
    }
}

/// A `Send + Sync + Clone` handle to an [`EventLoop`](super::EventLoop): spawn onto it from any
/// thread. Wakes and spawns from other threads reach the loop through its
/// injection queue and interrupt its reactor poll.
///
/// ```
/// use homemade::event_loop::EventLoop;
///
/// let lp = EventLoop::new().unwrap();
/// let handle = lp.handle();
/// // Spawned from another thread: queued, and the loop is woken for it.
/// let task = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
///     .join()
///     .unwrap();
/// assert_eq!(lp.block_on(task).unwrap(), 42);
/// ```
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
            return expect_running_loop("Handle::spawn", |l| l.executor.spawn(future));
        }
        let id = self.shared.next_task_id();
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
