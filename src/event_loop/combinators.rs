//! Combinators: `yield_now`, `timeout` and `gather`.
//!
//! These are small futures built on the executor and the timers, each the
//! counterpart of an `asyncio` function a Python reader knows:
//!
//! | here | asyncio |
//! |---|---|
//! | [`yield_now()`] | `await asyncio.sleep(0)` |
//! | [`timeout(d, fut)`](timeout()) | `asyncio.wait_for(fut, d)` |
//! | [`gather(futs)`](gather()) | `asyncio.gather(*futs)` |
//!
//! # `yield_now`: giving the turn back, for real
//!
//! The naive `yield_now` wakes its own waker and returns `Pending`: the task
//! goes straight to the back of the run queue. If every task does that, the
//! run queue never empties and, in a loop that only polls the reactor when it
//! has nothing else to do, I/O and timers starve. Here `yield_now` hands its
//! waker to the loop's *deferred* list instead; the loop wakes those tasks
//! only at the end of its next turn, after the reactor poll and the timers.
//! See "Fairness" in `executor.rs`.
//!
//! # `timeout`: a race with a `Sleep`
//!
//! [`Timeout`] polls the inner future first and the `Sleep` second, so a
//! future that is ready at the deadline still wins. When the inner future
//! completes, the `Timeout` is dropped, and the `Sleep`'s drop removes its
//! timer entry (no garbage in the timer table).
//!
//! "The inner future is not ready" is only a fair verdict if the inner
//! future had its chance, and after the loop was blocked past a deadline
//! (a task that computed for a second, say) it may not have. So when the
//! deadline has passed and the inner future returned `Pending`, `Timeout`
//! reports [`Elapsed`] only if both of these hold; otherwise it parks its
//! waker like `yield_now` and judges again on its next poll, after the
//! next turn:
//!
//! * **the inner future had I/O budget.** If the task's budget
//!   (`COOP_BUDGET`) was already spent *before* the inner future was
//!   polled, its socket read was refused whatever the socket held: the
//!   `Pending` says nothing about the data. The next poll starts with a
//!   fresh budget. If instead the inner future itself spent the last of the
//!   budget, the deadline is judged at once: a future that always finds
//!   data must not escape its timeout by hiding behind the budget. (tokio
//!   has the same two rules: its `Sleep` is budget-aware, and its
//!   `Timeout` checks the deadline anyway when the inner future used the
//!   budget up, tokio PR #4314.)
//! * **a turn has begun since the deadline.** A turn asks the reactor for
//!   events before it fires timers, so once a turn has begun after the
//!   deadline, every answer that arrived by the deadline has been
//!   dispatched to its waker, and the inner future has seen it. Before
//!   that, an answer may sit in the socket with its readiness not yet
//!   reported.
//!
//! Both waits are short: one turn, and the next poll of the task. (The
//! second rule also means that a timeout that fires after the loop slept
//! until its deadline is judged one non-blocking turn later: the turn's
//! start time is taken just before `epoll_wait`, a safe lower bound.)
//!
//! # `gather`: O(1) work per wake
//!
//! The obvious `gather` polls every unfinished child each time it is woken.
//! With n children that each wake once, that is n + (n-1) + ... = O(n²)
//! polls. [`Gather`] gives each child **its own waker** (a tiny `Arc` holding
//! the child's index). When child *i* is woken, its waker pushes *i* onto a
//! shared "ready list" (once, thanks to a `queued` flag) and wakes the task
//! that awaits the `Gather`. The next poll of the `Gather` drains the ready
//! list and polls exactly those children. Total work: O(n) for the first
//! poll plus O(1) per wake, so gathering 100,000 futures stays linear.
//!
//! The outputs are kept in a slot per child and returned in input order,
//! whatever the completion order.
//!
//! Read next: `net.rs`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use super::context::{expect_running_loop, with_running_loop};
use super::timers::{deadline_after, Sleep};

/// Yields the rest of this turn to other tasks, I/O and timers; see
/// [`yield_now()`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

/// Lets every other ready task, the reactor and the timers run before this
/// task continues (like `await asyncio.sleep(0)`).
///
/// ```
/// use homemade::event_loop::{spawn, yield_now, EventLoop};
/// use std::{cell::RefCell, rc::Rc};
///
/// let log = Rc::new(RefCell::new(Vec::new()));
/// EventLoop::new().unwrap().block_on({
///     let log = Rc::clone(&log);
///     async move {
///         let child = spawn({
///             let log = Rc::clone(&log);
///             async move { log.borrow_mut().push("child runs") }
///         });
///         log.borrow_mut().push("main yields");
///         yield_now().await; // the child gets its turn here
///         log.borrow_mut().push("main again");
///         child.await.unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), ["main yields", "child runs", "main again"]);
/// ```
///
/// # Panics
///
/// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
pub fn yield_now() -> YieldNow {
    expect_running_loop("yield_now", |_| ());
    YieldNow { yielded: false }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        let deferred = with_running_loop(|l| l.executor.defer(cx.waker().clone()));
        if deferred.is_none() {
            // Polled outside a loop (by some other executor): plain yield.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// The error of a [`timeout`](timeout()) whose deadline passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

/// A future with a deadline; see [`timeout()`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

/// Runs `future`, giving up after `duration` with [`Elapsed`] (like
/// `asyncio.wait_for`). The future is dropped when time runs out.
///
/// A deadline that passed while the loop was busy is judged only once the
/// future has had a fair chance: after a turn of the loop has dispatched the
/// I/O that arrived meanwhile, and with I/O budget left (see the module
/// docs), so an answer already in its socket is never reported as late.
///
/// ```
/// use homemade::event_loop::{sleep, timeout, EventLoop};
/// use std::time::Duration;
///
/// let lp = EventLoop::new().unwrap();
/// lp.block_on(async {
///     // In time: the output comes back.
///     let quick = timeout(Duration::from_secs(10), async { 7 }).await;
///     assert_eq!(quick, Ok(7));
///     // Too slow: `Elapsed`, and the sleep is dropped unfinished.
///     let slow = timeout(Duration::from_millis(1), sleep(Duration::from_secs(3600))).await;
///     assert!(slow.is_err());
/// });
/// ```
///
/// # Panics
///
/// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    expect_running_loop("timeout", |_| ());
    Timeout {
        future,
        sleep: super::timers::sleep_until(deadline_after(duration)),
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: we never move it out of
        // `self`, and `Timeout` has no `Drop` impl that could move it.
        // `sleep` is `Unpin` and is accessed through a plain `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this.future` stays where it is.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let budget_before = with_running_loop(|l| l.executor.coop_left());
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        if super::clock::now() >= this.sleep.deadline() {
            // The deadline has passed, but may we say so yet? Not if the
            // inner future may have been kept from ready I/O (see "timeout"
            // in the module docs): then come back after the next turn.
            let deadline = this.sleep.deadline();
            let not_yet = with_running_loop(|l| {
                let refused_io = budget_before == Some(0);
                let undispatched_io = !l.executor.turned_since(deadline);
                if refused_io || undispatched_io {
                    l.executor.defer(cx.waker().clone());
                }
                refused_io || undispatched_io
            });
            if not_yet == Some(true) {
                return Poll::Pending;
            }
        }
        match this.sleep.poll_sleep(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// One child of a `Gather`.
enum Slot<F: Future> {
    Running(F),
    Done(F::Output),
    Taken,
}

/// The part of a `Gather` that child wakers reach.
struct ReadyList {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    /// Indices of children woken since the last poll.
    woken: Vec<usize>,
    /// The waker of the task awaiting the `Gather`.
    parent: Option<Waker>,
}

/// The waker handed to child `index`.
struct ChildWaker {
    index: usize,
    queued: AtomicBool,
    list: Arc<ReadyList>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return; // already on the ready list
        }
        let parent = {
            let mut inner = self.list.inner.lock();
            inner.woken.push(self.index);
            inner.parent.clone()
        };
        if let Some(p) = parent {
            p.wake();
        }
    }
}

/// Awaits many futures concurrently; see [`gather()`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    slots: Box<[Slot<F>]>,
    wakers: Vec<Arc<ChildWaker>>,
    list: Arc<ReadyList>,
    remaining: usize,
    started: bool,
}

/// Runs all `futures` concurrently (in the same task) and returns their
/// outputs in input order (like `asyncio.gather`). Each poll touches only the
/// children that were woken, so the total work is linear in the number of
/// futures and wakes.
///
/// ```
/// use homemade::event_loop::{gather, sleep, EventLoop};
/// use std::time::Duration;
///
/// let lp = EventLoop::new().unwrap();
/// // The last one finishes first, yet the outputs keep the input order.
/// let out = lp.block_on(gather([3u64, 2, 1].map(|ms| async move {
///     sleep(Duration::from_millis(ms)).await;
///     ms * 10
/// })));
/// assert_eq!(out, vec![30, 20, 10]);
/// ```
pub fn gather<I, F>(futures: I) -> Gather<F>
where
    I: IntoIterator<Item = F>,
    F: Future,
{
    let slots: Box<[Slot<F>]> = futures.into_iter().map(Slot::Running).collect();
    let list = Arc::new(ReadyList {
        inner: Mutex::new(ReadyInner {
            woken: Vec::new(),
            parent: None,
        }),
    });
    let wakers = (0..slots.len())
        .map(|index| {
            Arc::new(ChildWaker {
                index,
                queued: AtomicBool::new(false),
                list: list.clone(),
            })
        })
        .collect();
    Gather {
        remaining: slots.len(),
        slots,
        wakers,
        list,
        started: false,
    }
}

impl<F: Future> Gather<F> {
    /// Polls child `i` once, if it is still running.
    fn poll_child(&mut self, i: usize) {
        let child = &self.wakers[i];
        child.queued.store(false, Ordering::Release);
        let waker = Waker::from(child.clone());
        let mut cx = Context::from_waker(&waker);
        let Slot::Running(fut) = &mut self.slots[i] else {
            return;
        };
        // SAFETY: the slots live in a boxed slice that is never reallocated
        // or moved out of while a child is `Running`; a finished child is
        // replaced in place, which drops the old future where it lies.
        let fut = unsafe { Pin::new_unchecked(fut) };
        if let Poll::Ready(out) = fut.poll(&mut cx) {
            self.slots[i] = Slot::Done(out);
            self.remaining -= 1;
        }
    }
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `Gather` never moves its children (they sit in a boxed
        // slice), so it is fine to access it through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        let (woken, replaced) = {
            let mut inner = this.list.inner.lock();
            let replaced = match &inner.parent {
                Some(p) if p.will_wake(cx.waker()) => None,
                _ => inner.parent.replace(cx.waker().clone()),
            };
            (std::mem::take(&mut inner.woken), replaced)
        };
        drop(replaced); // outside the lock: dropping a waker may run code
        if !this.started {
            this.started = true;
            for i in 0..this.slots.len() {
                this.poll_child(i);
            }
        } else {
            for &i in &woken {
                this.poll_child(i);
            }
            // Give the (now empty) buffer back to avoid reallocating.
            let mut inner = this.list.inner.lock();
            if inner.woken.is_empty() {
                let mut buf = woken;
                buf.clear();
                inner.woken = buf;
            }
        }
        if this.remaining > 0 {
            return Poll::Pending;
        }
        let outputs = this
            .slots
            .iter_mut()
            .map(|s| match std::mem::replace(s, Slot::Taken) {
                Slot::Done(out) => out,
                _ => panic!("Gather polled after it returned Ready"),
            })
            .collect();
        Poll::Ready(outputs)
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("children", &self.slots.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}
