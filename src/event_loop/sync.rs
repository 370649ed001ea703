//! Synchronization between tasks: an async [`Mutex`] and a [`Semaphore`].
//!
//! Two tasks on one loop never run at the same instant, so why lock? Because
//! a task can be *suspended* in the middle of an update: read a balance,
//! `await` something, write the balance back. Another task that runs during
//! that `await` sees the half-done update. `asyncio.Lock` and
//! `asyncio.Semaphore` exist for exactly that, and these are their
//! counterparts (the API mirrors tokio's `sync::Mutex` and `sync::Semaphore`).
//!
//! # One mechanism: a queue of waiters, and hand-off
//!
//! The [`Semaphore`] is the whole machine; the [`Mutex`] is a semaphore with
//! one permit plus the value it protects. The semaphore keeps a count of
//! free permits and a FIFO queue of waiters (`VecDeque<Rc<Waiter>>`). A
//! waiter is a small shared cell: "granted yet?" and the waker of the task
//! that waits.
//!
//! * `acquire()` takes a free permit at once **only if nobody is queued**;
//!   otherwise it joins the back of the queue. So a task that arrives late
//!   cannot overtake ("barge past") the tasks already waiting: the order is
//!   strictly first come, first served. [`Semaphore::try_acquire`] follows
//!   the same rule, so it fails while others wait even if a permit was just
//!   released.
//! * Releasing a permit (dropping a [`SemaphorePermit`] or a
//!   [`MutexGuard`]) does not put it back in the pool when someone waits: it
//!   **hands it** to the waiter at the front (marks it granted, takes it out
//!   of the queue) and wakes that task. When the task runs, the permit is
//!   already its own. This is what makes the order FIFO: between the release
//!   and the waiter's poll, no one else can take the permit.
//!
//! The invariant that ties the two together: **free permits and queued
//! waiters never coexist** (if permits are free, the queue is empty).
//!
//! # Cancel safety
//!
//! A future that waits for a permit can be dropped at any moment (the loser
//! of a `timeout`, an aborted task). Two cases, both handled by the future's
//! `Drop`:
//!
//! * still queued: it takes itself out of the queue; nothing else changes;
//! * already **granted** (the permit was handed to it, but it was dropped
//!   before its next poll saw that): it releases the permit again, which
//!   hands it to the next waiter. Without this, a dropped waiter would take
//!   the lock with it forever, or swallow the wake-up meant for the others.
//!
//! # Never wake under a borrow
//!
//! The state lives in a `RefCell`. Waking a task may run arbitrary code (a
//! waker of some other executor, say, that polls at once and calls back into
//! this semaphore), so every wake, and every drop of a waker or waiter, is
//! done after the borrow has ended.
//!
//! # Single-threaded on purpose
//!
//! These types are `!Send` and `!Sync` (the waiters are `Rc`s, the state a
//! `RefCell`): they are meant for tasks of one loop, spawned with
//! [`spawn`](super::spawn), which need not be `Send`. Share one between
//! tasks through an `Rc`. Nothing here needs a particular executor: the
//! futures only use the wakers they are given. For locks across threads, use
//! `std::sync::Mutex` (held briefly, never across an `await`).
//!
//! Read next: `DESIGN.md` §1.12, and `tests/event_loop_sync_*.rs`.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// One queued `acquire`: shared by the queue and the waiting future.
struct Waiter {
    /// Set (by a release) when the permit has been handed to this waiter.
    granted: Cell<bool>,
    /// The task to wake on hand-off or close.
    waker: RefCell<Option<Waker>>,
}

/// The semaphore's state.
struct State {
    permits: usize,
    closed: bool,
    waiters: VecDeque<Rc<Waiter>>,
}

/// A counting semaphore for the tasks of one loop, fair (FIFO) and
/// cancel-safe; see the [module docs](self).
///
/// ```
/// use homemade::event_loop::sync::Semaphore;
/// use homemade::event_loop::{gather, sleep, EventLoop};
/// use std::time::Duration;
///
/// let sem = Semaphore::new(2); // at most two at a time
/// let lp = EventLoop::new().unwrap();
/// let done = lp.block_on(gather((0..5).map(|i| {
///     let sem = &sem;
///     async move {
///         let _permit = sem.acquire().await.unwrap();
///         sleep(Duration::from_millis(1)).await;
///         i
///     }
/// })));
/// assert_eq!(done, vec![0, 1, 2, 3, 4]);
/// assert_eq!(sem.available_permits(), 2);
/// ```
pub struct Semaphore {
    state: RefCell<State>,
}

/// The error of [`Semaphore::acquire`] on a closed semaphore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why [`Semaphore::try_acquire`] (or [`Mutex::try_lock`]) gave nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// No permit is free, or other tasks are already queued for one.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: RefCell::new(State {
                permits,
                closed: false,
                waiters: VecDeque::new(),
            }),
        }
    }

    /// Free permits right now.
    pub fn available_permits(&self) -> usize {
        self.state.borrow().permits
    }

    /// Tasks queued for a permit right now.
    pub fn waiters(&self) -> usize {
        self.state.borrow().waiters.len()
    }

    /// Waits for a permit, in FIFO order with the other waiters. Fails only
    /// if the semaphore is (or gets) closed.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            sem: self,
            waiter: None,
        }
    }

    /// Takes a permit if one is free and nobody is queued.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let mut st = self.state.borrow_mut();
        if st.closed {
            return Err(TryAcquireError::Closed);
        }
        // Free permits imply an empty queue (see the module docs).
        if st.permits == 0 {
            return Err(TryAcquireError::NoPermits);
        }
        st.permits -= 1;
        Ok(SemaphorePermit { sem: self })
    }

    /// Adds `n` permits, handing them to queued waiters first.
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Closes the semaphore: queued and future `acquire`s fail with
    /// [`AcquireError`]. Permits already held stay valid.
    pub fn close(&self) {
        let woken: Vec<Rc<Waiter>> = {
            let mut st = self.state.borrow_mut();
            st.closed = true;
            st.waiters.drain(..).collect()
        };
        wake_waiters(woken);
    }

    /// True once [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Returns `n` permits: each goes to the front waiter if there is one
    /// (hand-off), else to the pool.
    fn release(&self, n: usize) {
        // Every permit is handed out before any task is woken (a wake may
        // call back into this semaphore). The first waiter travels apart so
        // the common case, one permit for one waiter (every contended
        // `Mutex` unlock), allocates nothing.
        let (first, rest) = {
            let mut st = self.state.borrow_mut();
            st.permits = st.permits.saturating_add(n);
            let mut first = None;
            let mut rest = Vec::new();
            while st.permits > 0 {
                let Some(w) = st.waiters.pop_front() else {
                    break;
                };
                st.permits -= 1;
                w.granted.set(true);
                if first.is_none() {
                    first = Some(w);
                } else {
                    rest.push(w);
                }
            }
            (first, rest)
        };
        wake_waiters(first.into_iter().chain(rest));
    }

    /// Takes `waiter` out of the queue (a dropped, not yet granted waiter).
    fn remove(&self, waiter: &Rc<Waiter>) -> Option<Rc<Waiter>> {
        let mut st = self.state.borrow_mut();
        let at = st.waiters.iter().position(|w| Rc::ptr_eq(w, waiter))?;
        st.waiters.remove(at)
    }
}

/// Wakes each waiter's task; called after the state's borrow has ended.
fn wake_waiters(waiters: impl IntoIterator<Item = Rc<Waiter>>) {
    for w in waiters {
        let waker = w.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Semaphore")
            .field("permits", &st.permits)
            .field("waiters", &st.waiters.len())
            .field("closed", &st.closed)
            .finish()
    }
}

/// The future of [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    /// Our place in the queue, once we had to wait.
    waiter: Option<Rc<Waiter>>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let sem = self.sem;
        if let Some(w) = &self.waiter {
            if w.granted.get() {
                self.waiter = None;
                return Poll::Ready(Ok(SemaphorePermit { sem }));
            }
            if sem.is_closed() {
                self.waiter = None; // `close` already emptied the queue
                return Poll::Ready(Err(AcquireError(())));
            }
            // Still queued: keep the latest waker (the task may have moved).
            let old = {
                let mut slot = w.waker.borrow_mut();
                match &*slot {
                    Some(old) if old.will_wake(cx.waker()) => None,
                    _ => slot.replace(cx.waker().clone()),
                }
            };
            drop(old); // outside the borrow: dropping a waker may run code
            return Poll::Pending;
        }
        // First poll: take a free permit, or join the back of the queue.
        let waker = {
            let mut st = sem.state.borrow_mut();
            if st.closed {
                return Poll::Ready(Err(AcquireError(())));
            }
            if st.permits > 0 {
                st.permits -= 1;
                return Poll::Ready(Ok(SemaphorePermit { sem }));
            }
            drop(st);
            cx.waker().clone() // cloned outside the borrow
        };
        let w = Rc::new(Waiter {
            granted: Cell::new(false),
            waker: RefCell::new(Some(waker)),
        });
        sem.state.borrow_mut().waiters.push_back(w.clone());
        self.waiter = Some(w);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else {
            return;
        };
        if w.granted.get() {
            // Handed a permit we will never use: pass it on (cancel safety).
            self.sem.release(1);
        } else {
            let removed = self.sem.remove(&w);
            drop(removed); // outside the borrow: it holds a waker
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("queued", &self.waiter.is_some())
            .finish()
    }
}

/// One permit of a [`Semaphore`]; dropping it releases the permit.
#[must_use = "dropping a permit releases it at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit out of the semaphore for good (it is not released).
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphorePermit")
    }
}

/// An async mutex for the tasks of one loop: `lock().await` waits (without
/// blocking the thread) in FIFO order; the guard may be held across
/// `await`s. See the [module docs](self).
///
/// ```
/// use homemade::event_loop::sync::Mutex;
/// use homemade::event_loop::{gather, yield_now, EventLoop};
///
/// let balance = Mutex::new(100);
/// let lp = EventLoop::new().unwrap();
/// lp.block_on(gather((0..4).map(|_| async {
///     let mut b = balance.lock().await;
///     let seen = *b;
///     yield_now().await; // another task runs here, but cannot get the lock
///     *b = seen - 10;
/// })));
/// assert_eq!(balance.into_inner(), 60);
/// ```
pub struct Mutex<T: ?Sized> {
    sem: Semaphore,
    value: UnsafeCell<T>,
}

impl<T> Mutex<T> {
    /// A mutex holding `value`, unlocked.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: Semaphore::new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// The value (no lock needed: we own the mutex).
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock, in FIFO order with the other waiters.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        // A mutex's semaphore is never closed, so `acquire` cannot fail.
        match self.sem.acquire().await {
            Ok(permit) => permit.forget(), // the guard releases instead
            Err(_) => unreachable!("a Mutex never closes its semaphore"),
        }
        MutexGuard { mutex: self }
    }

    /// Takes the lock if it is free and nobody is queued for it.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryAcquireError> {
        self.sem.try_acquire()?.forget();
        Ok(MutexGuard { mutex: self })
    }

    /// The value, mutably (no lock needed: the borrow is exclusive).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &(self.sem.available_permits() == 0))
            .field("waiters", &self.sem.waiters())
            .finish()
    }
}

/// Proof of holding a [`Mutex`]; gives access to the value and unlocks on
/// drop (handing the lock to the next waiter, if any).
#[must_use = "dropping the guard unlocks at once"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a guard exists only while its holder owns the mutex's one
        // permit, so no other reference to the value is live.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this borrow exclusive.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.sem.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
