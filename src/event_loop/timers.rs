//! Timers: `sleep`, `sleep_until`, and the ordered table behind them.
//!
//! `asyncio.sleep(1)` does not block the thread: it tells the loop "wake me
//! in a second" and gives control back. This file is that "wake me at T"
//! service.
//!
//! # The data structure: an ordered map, and why
//!
//! Pending timers live in a `BTreeMap<(deadline, sequence number), Waker>`
//! in the loop's shared half. The loop asks it two questions, and both are
//! cheap on an ordered map:
//!
//! * *when is the next deadline?* (to know how long `epoll_wait` may block):
//!   the first key, O(log n);
//! * *which timers have expired?*: pop from the front while the deadline is
//!   `<= now`, O(log n) each.
//!
//! The third operation decides the choice: **cancellation**. A `sleep` that
//! is dropped before it fires (the loser of a `timeout`, a request that
//! finished early) must take its entry with it, or a program that creates
//! and drops a million sleeps leaves a million entries behind. A binary heap
//! cannot remove an arbitrary entry (it can only mark it dead and wait until
//! it reaches the top, so garbage accumulates exactly in that scenario); an
//! ordered map removes it in O(log n) by key. A hierarchical timing wheel
//! (tokio's choice) does all three in O(1) amortised, at the price of a good
//! deal more code (levels, cascading, intrusive lists, a fixed 1 ms tick);
//! for a loop meant to be read, the map is the better trade, and the
//! benchmark (`timers` case) shows what it costs.
//!
//! The sequence number makes keys unique, so two sleeps with the same
//! deadline both get an entry, and they fire in creation order.
//!
//! # Lazy registration
//!
//! `sleep(d)` only computes the deadline. The entry is inserted the first
//! time the `Sleep` is polled and found not yet expired, and removed when it
//! fires or when the `Sleep` is dropped. A `Sleep` that is created and
//! dropped without being polled costs nothing but a clock read.
//!
//! # Resolution and lateness
//!
//! A `Sleep` never completes early: it completes when a poll finds
//! the loop's clock at or past the deadline ([`now`](super::now), which is
//! `Instant::now()` unless the clock is paused, `clock.rs`). The loop blocks in `epoll_wait` until the
//! earliest deadline; epoll's timeout is in whole milliseconds and mio rounds
//! *up*, so the loop wakes at most ~1 ms after the deadline, plus the time it
//! takes to get back to the loop (a task that computes for 200 ms without
//! awaiting delays every timer by up to 200 ms: cooperative scheduling, see
//! `examples/yielding.rs`). **Documented resolution: 1 ms.**
//!
//! # Moving between loops
//!
//! A `Sleep` is `Send`. If it is polled on a different loop than the one it
//! registered with, it moves its entry to the new loop.
//!
//! Read next: `combinators.rs` (`timeout` is a future raced against a `Sleep`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::context::{expect_running_loop, with_running_loop};
use super::shared::Shared;

/// A timer's key in the table: its deadline, then a sequence number.
pub(crate) type TimerKey = (Instant, u64);

/// The loop's pending timers.
#[derive(Default)]
pub(crate) struct Timers {
    map: BTreeMap<TimerKey, Waker>,
    next_seq: u64,
}

impl Timers {
    /// Registers `waker` to be woken at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        let key = (deadline, self.next_seq);
        self.next_seq += 1;
        self.map.insert(key, waker);
        key
    }

    /// Replaces the waker of a registered timer. `Err(())` if it already
    /// fired; `Ok(Some(old))` hands back a replaced waker, which the caller
    /// drops after releasing the lock (dropping a waker may run arbitrary
    /// code, which might want this very lock).
    fn update(&mut self, key: &TimerKey, waker: &Waker) -> Result<Option<Waker>, ()> {
        match self.map.get_mut(key) {
            Some(w) if w.will_wake(waker) => Ok(None),
            Some(w) => Ok(Some(std::mem::replace(w, waker.clone()))),
            None => Err(()),
        }
    }

    /// Removes a timer (no-op if it already fired).
    pub(crate) fn remove(&mut self, key: &TimerKey) -> Option<Waker> {
        self.map.remove(key)
    }

    /// The earliest deadline, if any.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.map.first_key_value().map(|(k, _)| k.0)
    }

    /// Removes every timer whose deadline is `<= now`, pushing its waker to
    /// `out` in deadline order; returns how many fired.
    pub(crate) fn expire(&mut self, now: Instant, out: &mut Vec<Waker>) -> usize {
        let mut n = 0;
        while let Some(entry) = self.map.first_entry() {
            if entry.key().0 > now {
                break;
            }
            out.push(entry.remove());
            n += 1;
        }
        n
    }

    /// Number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Every stored waker, in deadline order (used when the loop is dropped,
    /// so the caller can drop them one at a time).
    pub(crate) fn into_wakers(self) -> impl Iterator<Item = Waker> {
        self.map.into_values()
    }
}

/// A future that completes at a deadline; see [`sleep`] and [`sleep_until`].
///
/// Dropping it before it fires removes its timer entry.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    entry: Option<Entry>,
}

/// A registration in one loop's timer table.
struct Entry {
    shared: Arc<Shared>,
    key: TimerKey,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("key", &self.key).finish()
    }
}

impl Sleep {
    /// The instant at which this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline (the entry, if any, is re-registered on next poll).
    pub fn reset(&mut self, deadline: Instant) {
        self.unregister();
        self.deadline = deadline;
    }

    /// Removes our entry from whichever loop holds it.
    fn unregister(&mut self) {
        if let Some(e) = self.entry.take() {
            let waker = e.shared.remove_timer(&e.key);
            drop(waker); // outside the lock: dropping a waker may run code
        }
    }

    /// Shared by `Sleep::poll` and `Timeout::poll`.
    pub(crate) fn poll_sleep(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // The loop's timer table, unless the deadline has passed on its clock.
        let deadline = self.deadline;
        let current =
            with_running_loop(|l| (l.clock.now() < deadline).then(|| l.executor.shared.clone()));
        let Some(pending) = current else {
            if Instant::now() >= deadline {
                // Outside a loop, a passed deadline is still a passed deadline.
                self.unregister();
                return Poll::Ready(());
            }
            panic!(
                "a `Sleep` must be polled inside `EventLoop::block_on` \
                 (no homemade event loop is running on this thread)"
            );
        };
        let Some(shared) = pending else {
            self.unregister();
            return Poll::Ready(());
        };
        if let Some(e) = &self.entry {
            if Arc::ptr_eq(&e.shared, &shared) {
                let updated = shared.timers.lock().update(&e.key, cx.waker());
                if let Ok(old) = updated {
                    drop(old); // outside the lock
                    return Poll::Pending;
                }
            }
            self.unregister(); // fired already, or registered with another loop
        }
        let key = shared.insert_timer(self.deadline, cx.waker().clone());
        self.entry = Some(Entry { shared, key });
        Poll::Pending
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_sleep(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}

/// Far enough in the future to count as "never" (about 30 years).
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365 * 30)
}

/// Computes `now + d` on the loop's clock, without overflowing.
pub(crate) fn deadline_after(d: Duration) -> Instant {
    let now = super::clock::now();
    now.checked_add(d).unwrap_or_else(|| far_future(now))
}

/// Completes after `duration` (like `asyncio.sleep`), without blocking the
/// thread: other tasks run meanwhile.
///
/// ```
/// use homemade::event_loop::{now, sleep, EventLoop};
/// use std::time::Duration;
///
/// // A paused clock jumps to the next timer when nothing else can run, so
/// // an hour passes on the loop's clock at once.
/// let lp = EventLoop::builder().paused_clock(true).build().unwrap();
/// lp.block_on(async {
///     let start = now();
///     sleep(Duration::from_secs(3600)).await;
///     assert!(now() - start >= Duration::from_secs(3600));
/// });
/// ```
///
/// # Panics
///
/// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
pub fn sleep(duration: Duration) -> Sleep {
    expect_running_loop("sleep", |_| ());
    Sleep {
        deadline: deadline_after(duration),
        entry: None,
    }
}

/// Completes at `deadline` (at once if it has passed).
///
/// Deadlines are instants on the loop's clock: compute them from
/// [`now`](super::now), not from `Instant::now()`, which falls behind a
/// paused clock once it has jumped (`clock.rs`).
///
/// # Panics
///
/// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
pub fn sleep_until(deadline: Instant) -> Sleep {
    expect_running_loop("sleep_until", |_| ());
    Sleep {
        deadline,
        entry: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn expire_pops_in_deadline_then_creation_order() {
        let w = Waker::from(Arc::new(Noop));
        let base = Instant::now();
        let mut t = Timers::default();
        let k3 = t.insert(base + Duration::from_millis(3), w.clone());
        let k1a = t.insert(base + Duration::from_millis(1), w.clone());
        let k1b = t.insert(base + Duration::from_millis(1), w.clone());
        assert!(k1a < k1b && k1b < k3);
        assert_eq!(t.next_deadline(), Some(base + Duration::from_millis(1)));
        let mut out = Vec::new();
        assert_eq!(t.expire(base + Duration::from_millis(2), &mut out), 2);
        assert_eq!(t.len(), 1);
        assert!(t.remove(&k1a).is_none(), "fired timers are gone");
        assert!(t.remove(&k3).is_some());
        assert_eq!(t.len(), 0);
        assert_eq!(t.next_deadline(), None);
    }
}
