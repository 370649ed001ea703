//! # Waiting without a helper thread
//!
//! A blocked caller ([`Inner::wait_until`]) `poll`s every worker socket, the
//! pidfd of every busy worker, and a doorbell `eventfd`. Only one thread
//! polls at a time (the *leader*); others sleep on a condition variable and
//! are woken whenever a pump completes tasks.
//!
//! The leader chose its poll set before it fell asleep, from what it saw
//! then. Somebody else's pump (another thread, or an event-loop future) can
//! change what is worth watching meanwhile, so that pump rings the doorbell
//! (in [`Inner::announce`]) when either
//!
//! - it completed tasks: the leader may be waiting for one of them, which
//!   was read off the socket by somebody else; or
//! - the poll set the leader would choose now differs from the one it is
//!   polling ([`State::leader_view`]): a task frame was left half-written
//!   (the leader must add `POLLOUT` for that worker, or the frame stalls
//!   until some unrelated reply wakes it), or a replacement worker was
//!   forked (its socket is not in the leader's set at all).
//!
//! Only the leader drains the doorbell, after waking, so a ring can never
//! be lost between a check and the sleep.
//!
//! The leader's `poll` timeout is the earliest task deadline, so an overdue
//! task is noticed even when no socket has anything to say.
//!
//! ## Never wake under the lock
//!
//! A waker may do anything, including calling back into this pool (polling
//! another handle locks the state again, and the mutex is not reentrant).
//! So the pump never wakes: it pushes wakers on [`State::wakes`], and
//! [`StateGuard`], the only way to hold the lock, wakes them after releasing
//! it (when it is dropped, and before the leader or a follower goes to
//! sleep).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::shm::Shared;

use super::*;

/// The shared core of a pool: state, condition variable and doorbell.
pub struct Inner<Out> {
    /// Everything mutable. Lock it with [`Inner::lock`], never directly.
    state: Mutex<State<Out>>,
    /// Followers wait here while the leader polls.
    pub cond: Condvar,
    /// Rung to wake a leader blocked in `poll`.
    pub bell: OwnedFd,
    /// Fixed settings.
    pub config: Config,
    /// Close (`true`) or terminate (`false`); set where the serde bounds are known.
    pub finisher: fn(&Inner<Out>, bool),
}

/// The pool's lock, held. Dereferences to the [`State`]; when dropped it
/// releases the lock and then wakes the wakers the pump collected.
pub struct StateGuard<'a, Out> {
    guard: MutexGuard<'a, State<Out>>,
}

impl<Out> Deref for StateGuard<'_, Out> {
    type Target = State<Out>;
    fn deref(&self) -> &State<Out> {
        &self.guard
    }
}

impl<Out> DerefMut for StateGuard<'_, Out> {
    fn deref_mut(&mut self) -> &mut State<Out> {
        &mut self.guard
    }
}

impl<Out> StateGuard<'_, Out> {
    /// Wakes the collected wakers with the lock released; returns whether
    /// there were any (the state may have changed meanwhile).
    fn wake_unlocked(&mut self) -> bool {
        if self.guard.wakes.is_empty() {
            return false;
        }
        let wakes = std::mem::take(&mut self.guard.wakes);
        MutexGuard::unlocked(&mut self.guard, || wakes.into_iter().for_each(Waker::wake));
        true
    }
}

impl<Out> Drop for StateGuard<'_, Out> {
    fn drop(&mut self) {
        let wakes = std::mem::take(&mut self.guard.wakes);
        if !wakes.is_empty() {
            // Unlock, wake, and lock again for the guard's own release.
            MutexGuard::unlocked(&mut self.guard, || wakes.into_iter().for_each(Waker::wake));
        }
    }
}

impl<Out> Inner<Out> {
    /// Wraps a fresh state.
    pub fn new(
        state: State<Out>,
        bell: OwnedFd,
        config: Config,
        finisher: fn(&Inner<Out>, bool),
    ) -> Self {
        Inner {
            state: Mutex::new(state),
            cond: Condvar::new(),
            bell,
            config,
            finisher,
        }
    }

    /// Takes the pool's lock.
    pub fn lock(&self) -> StateGuard<'_, Out> {
        StateGuard {
            guard: self.state.lock(),
        }
    }

    /// Wakes blocked waiters if tasks completed, and the leader if its poll
    /// set is out of date (see the module docs).
    pub fn announce(&self, st: &mut State<Out>) {
        if st.leader_polling && (st.progress || !st.leader_view_is_current()) {
            sys::eventfd_ring(&self.bell);
        }
        if st.progress {
            st.progress = false;
            self.cond.notify_all();
        }
    }
}

impl<Out: DeserializeOwned> Inner<Out> {
    /// Pumps once and tells waiters about any progress.
    pub fn pump(&self, st: &mut State<Out>) {
        st.pump(&self.config);
        self.announce(st);
    }

    /// `submit`'s pump ([`State::pump_submit`]), then tells waiters.
    pub fn pump_submit(&self, st: &mut State<Out>) {
        st.pump_submit(&self.config);
        self.announce(st);
    }

    /// Blocks until `done` holds, pumping and polling as needed; returns
    /// with the lock held.
    pub fn wait_until(&self, mut done: impl FnMut(&mut State<Out>) -> bool) -> StateGuard<'_, Out> {
        let mut st = self.lock();
        // Whether our own `poll` just returned (see `Look`).
        let mut polled = false;
        loop {
            st.quick = if polled { Look::Reported } else { Look::Busy };
            self.pump(&mut st);
            st.quick = Look::All;
            polled = false;
            if done(&mut st) {
                return st;
            }
            if st.wake_unlocked() {
                continue; // the lock was released: look again
            }
            if st.leader_polling {
                self.cond.wait(&mut st.guard);
                continue;
            }
            // Shared-memory workers with tasks: spin on their rings first.
            let links: Vec<(Arc<Shared>, bool)> = st
                .workers
                .iter()
                .flatten()
                .filter(|w| !w.inflight.is_empty())
                .filter_map(|w| Some((Arc::clone(w.shm.as_ref()?.shared()), w.wants_write())))
                .collect();
            let mut fds = st.poll_set(self.bell.as_raw_fd());
            st.leader_view = st.poll_entries().collect();
            let timeout = st
                .next_deadline(&self.config)
                .map(|d| d.saturating_duration_since(Instant::now()));
            // Nothing can make progress: never sleep forever.
            let timeout = if fds.len() == 1 {
                Some(timeout.unwrap_or(Duration::from_millis(50)))
            } else {
                timeout
            };
            st.leader_polling = true;
            MutexGuard::unlocked(&mut st.guard, || {
                if !Shared::spin_then_arm(&links) {
                    let _ = sys::poll(&mut fds, timeout);
                }
            });
            st.leader_polling = false;
            polled = true;
            // Tell the next pump which sockets and pidfds spoke.
            for w in st.workers.iter_mut().flatten() {
                let chan = w.chan.as_raw_fd();
                let pidfd = w.pidfd.as_ref().map(AsRawFd::as_raw_fd);
                if fds
                    .iter()
                    .any(|p| p.revents != 0 && (p.fd == chan || Some(p.fd) == pidfd))
                {
                    w.news = true;
                }
            }
            for (link, _) in &links {
                let fd = link.wake.as_raw_fd();
                if fds.iter().any(|p| p.fd == fd && p.revents != 0) {
                    sys::eventfd_drain(&link.wake);
                }
            }
            if fds.last().is_some_and(|bell| bell.revents != 0) {
                sys::eventfd_drain(&self.bell);
            }
            self.cond.notify_all();
        }
    }
}

impl<Out> State<Out> {
    /// What a leader should poll, bell excluded: every worker's socket
    /// (readable; writable too while a frame is half-written) and the pidfd
    /// of every busy worker (readable once it exited).
    /// Each entry is `(pid, fd, events)`: the pid tells a replacement worker
    /// from the dead one when the kernel hands it the same descriptor number.
    fn poll_entries(&self) -> impl Iterator<Item = (Pid, RawFd, i16)> + '_ {
        self.workers.iter().flat_map(|w| w.iter()).flat_map(|w| {
            // Under shared memory the socket only ever reads end of file;
            // the worker's eventfd says "reply bytes" or "room for the rest
            // of a task frame".
            let out = if w.wants_write() && w.shm.is_none() {
                libc::POLLOUT
            } else {
                0
            };
            let chan = (w.pid, w.chan.as_raw_fd(), libc::POLLIN | out);
            let busy = !w.inflight.is_empty();
            let wake = w
                .shm
                .as_ref()
                .filter(|_| busy)
                .map(|l| (w.pid, l.shared().wake.as_raw_fd(), libc::POLLIN));
            let pidfd = w
                .pidfd
                .as_ref()
                .filter(|_| busy)
                .map(|p| (w.pid, p.as_raw_fd(), libc::POLLIN));
            std::iter::once(chan).chain(wake).chain(pidfd)
        })
    }

    /// The `pollfd`s a blocked waiter should sleep on (plus `bell`, last).
    pub fn poll_set(&self, bell: RawFd) -> Vec<libc::pollfd> {
        self.poll_entries()
            .chain(std::iter::once((0, bell, libc::POLLIN)))
            .map(|(_, fd, events)| libc::pollfd {
                fd,
                events,
                revents: 0,
            })
            .collect()
    }

    /// Whether the polling leader's set is still the one it would choose now.
    fn leader_view_is_current(&self) -> bool {
        self.poll_entries().eq(self.leader_view.iter().copied())
    }
}
