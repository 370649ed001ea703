//! # Waiting without a helper thread
//!
//! A blocked caller ([`Inner::wait_until`]) `poll`s every worker socket plus
//! a doorbell `eventfd`. Only one thread polls at a time (the *leader*);
//! others sleep on a condition variable and are woken whenever a pump
//! completes tasks. If someone else's pump (another thread, or an event-loop
//! future) completes tasks while the leader sleeps in `poll`, it rings the
//! doorbell, so the leader cannot sleep through a result that somebody else
//! read from the socket.
//!
//! The leader's `poll` timeout is the earliest task deadline, so an overdue
//! task is noticed even when no socket has anything to say.

use super::*;

/// The shared core of a pool: state, condition variable and doorbell.
pub struct Inner<Out> {
    /// Everything mutable.
    pub state: Mutex<State<Out>>,
    /// Followers wait here while the leader polls.
    pub cond: Condvar,
    /// Rung to wake a leader blocked in `poll`.
    pub bell: OwnedFd,
    /// Fixed settings.
    pub config: Config,
    /// Close (`true`) or terminate (`false`); set where the serde bounds are known.
    pub finisher: fn(&Inner<Out>, bool),
}

impl<Out: DeserializeOwned> Inner<Out> {
    /// Pumps once and tells waiters about any progress.
    pub fn pump(&self, st: &mut State<Out>) {
        st.pump(&self.config);
        self.announce(st);
    }

    /// Wakes blocked waiters if tasks completed.
    pub fn announce(&self, st: &mut State<Out>) {
        if st.progress {
            st.progress = false;
            if st.leader_polling {
                sys::eventfd_ring(&self.bell);
            }
            self.cond.notify_all();
        }
    }

    /// Blocks until `done` holds, pumping and polling as needed; returns
    /// with the lock held.
    pub fn wait_until(
        &self,
        mut done: impl FnMut(&mut State<Out>) -> bool,
    ) -> MutexGuard<'_, State<Out>> {
        let mut st = self.state.lock();
        loop {
            self.pump(&mut st);
            if done(&mut st) {
                return st;
            }
            if st.leader_polling {
                self.cond.wait(&mut st);
                continue;
            }
            let mut fds = st.poll_set(self.bell.as_raw_fd());
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
            MutexGuard::unlocked(&mut st, || {
                let _ = sys::poll(&mut fds, timeout);
            });
            st.leader_polling = false;
            if fds.last().is_some_and(|bell| bell.revents != 0) {
                sys::eventfd_drain(&self.bell);
            }
            self.cond.notify_all();
        }
    }
}
