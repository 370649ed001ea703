//! The reactor: readiness from the OS, delivered to the tasks that wait for it.
//!
//! A socket read in `asyncio` "waits" without blocking the thread: the loop
//! asks the OS to watch the socket and runs other tasks until the OS says
//! "readable". The reactor is the part of the loop that does this watching.
//! It is built on `mio`, which hides `epoll` (Linux) and `kqueue` (BSD,
//! macOS) behind one API.
//!
//! # Registration
//!
//! [`Async::new`](super::Async::new) registers any `mio::event::Source` (a `mio` socket, a pipe,
//! or any raw file descriptor through `mio::unix::SourceFd`) with the loop
//! running on the current thread, for both `READABLE` and `WRITABLE`
//! interest. The loop's `IoTable` maps the registration's `mio::Token` to an
//! `IoState`: the readiness bits the OS reported, and two waker slots, one
//! for a task waiting to read and one for a task waiting to write. Two slots
//! mean one task can read a socket while another writes to it, which is why
//! `TcpStream::read` and `write` take `&self`.
//!
//! # Edge-triggered readiness
//!
//! mio registers sources *edge-triggered*: the OS reports "readable" once,
//! when data arrives, not again and again while data remains. That is cheap
//! (no repeated events for a socket nobody is reading), but it puts a rule on
//! the reader: **after an event, keep doing I/O until the OS says
//! `WouldBlock`**. Only then is it safe to forget the readiness, because only
//! then is the next edge guaranteed to come. [`Async::poll_read_with`](super::Async::poll_read_with) is
//! that rule in code:
//!
//! ```text
//! loop {
//!     wait until the READ bit is set (remember the tick it was set at)
//!     run the operation
//!     not WouldBlock => return its result (the READ bit stays set)
//!     WouldBlock     => clear the READ bit *if the tick is unchanged*, loop
//! }
//! ```
//!
//! # Not losing an event that arrives meanwhile
//!
//! Between the operation's `WouldBlock` and the clearing of the bit, new data
//! may arrive, and the reactor may set the bit again. Clearing blindly would
//! erase that new edge and the task would sleep forever. So the readiness
//! word carries a **tick**, a counter the reactor increments on every event
//! for this source. The reader remembers the tick it saw before the
//! operation and clears the bit with a compare-and-swap that succeeds only if
//! the tick has not moved. If it moved, the bit stays set and the loop above
//! simply tries the operation again.
//!
//! When does the tick actually move during an operation? On the loop's own
//! thread it cannot: the reactor dispatches events only between task polls,
//! and an edge that the kernel raises while the task is running waits in
//! epoll's ready list until the next `epoll_wait`, so it is not lost either.
//! The tick is what keeps the rule true when the registration is used across
//! threads: `Async` is `Send`, and a future holding one may be polled on
//! another thread while this loop's reactor sets readiness concurrently.
//!
//! # Waker registration without a lost wake-up
//!
//! A task that finds no readiness stores its waker and returns `Pending`.
//! The order matters: the task **stores the waker first, then re-reads the
//! readiness**; the reactor **sets the readiness first, then takes the
//! waker**. Either the task sees the new readiness on its second look, or the
//! reactor finds the waker, because the waker slot is protected by a mutex
//! that orders the two sides.
//!
//! # Spurious events
//!
//! A wake may come without real readiness (a token that was reused, an error
//! already consumed, a `read` that another task got to first). That is
//! harmless by construction: the operation returns `WouldBlock`, the bit is
//! cleared, and the task waits again. Errors and hang-ups (`EPOLLERR`,
//! `EPOLLHUP`) set both bits, so the next `read`/`write` reports them.
//!
//! # Who owns what
//!
//! The [`Reactor`] owns the poller (`mio::Poll`), its event buffer, and the
//! [`Registrations`]: the table from token to `IoState`, with the
//! `mio::Registry` that adds and removes sources. The table is behind a
//! mutex because an `Async` is `Send` and may be dropped on any thread; the
//! poller is touched only by the loop's thread, in [`Reactor::poll`].
//!
//! Read next: `async_io.rs` (the `Async` wrapper), `net.rs` (TCP on top of
//! it), `runtime.rs` (when the loop polls the reactor).

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Interest, Token};
use parking_lot::Mutex;

use super::trace::{Kind, Phase, Trace};
use super::unwind;

/// The token of the loop's own wake-up eventfd.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

/// Readiness bit: the source is readable (or closed, or errored).
pub(crate) const READ: usize = 1;
/// Readiness bit: the source is writable (or closed, or errored).
pub(crate) const WRITE: usize = 2;
/// The tick lives above the two readiness bits.
const TICK_SHIFT: u32 = 2;

/// Per-registration state shared by the reactor and the `Async` handle.
pub(crate) struct IoState {
    /// `tick << 2 | WRITE | READ`.
    readiness: AtomicUsize,
    /// Who waits for which direction.
    wakers: Mutex<IoWakers>,
}

/// The two waker slots of a registration.
#[derive(Default)]
struct IoWakers {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl IoState {
    /// Records an event (new tick, bits set) and collects the wakers to wake.
    fn set_ready(&self, bits: usize, out: &mut Vec<Waker>) {
        let _ = self
            .readiness
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                let tick = (cur >> TICK_SHIFT).wrapping_add(1);
                Some((tick << TICK_SHIFT) | (cur & (READ | WRITE)) | bits)
            });
        let mut w = self.wakers.lock();
        if bits & READ != 0 {
            out.extend(w.reader.take());
        }
        if bits & WRITE != 0 {
            out.extend(w.writer.take());
        }
    }

    /// Ready for `dir`? Otherwise store the waker and look once more.
    /// Returns the tick at which the readiness was seen.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: usize) -> Poll<usize> {
        let cur = self.readiness.load(Ordering::SeqCst);
        if cur & dir != 0 {
            return Poll::Ready(cur >> TICK_SHIFT);
        }
        let replaced = {
            let mut w = self.wakers.lock();
            let slot = if dir == READ {
                &mut w.reader
            } else {
                &mut w.writer
            };
            match slot {
                Some(old) if old.will_wake(cx.waker()) => None,
                _ => slot.replace(cx.waker().clone()),
            }
        };
        drop(replaced); // outside the lock: dropping a waker may run code
        let cur = self.readiness.load(Ordering::SeqCst);
        if cur & dir != 0 {
            Poll::Ready(cur >> TICK_SHIFT)
        } else {
            Poll::Pending
        }
    }

    /// Clears `dir` if no event arrived since `tick` (see module docs).
    pub(crate) fn clear(&self, dir: usize, tick: usize) {
        let _ = self
            .readiness
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                (cur >> TICK_SHIFT == tick).then_some(cur & !dir)
            });
    }
}

/// The loop's registrations, indexed by token.
#[derive(Default)]
struct IoTable {
    slots: Vec<Option<Arc<IoState>>>,
    free: Vec<usize>,
    len: usize,
}

impl IoTable {
    /// Stores a new registration; returns its token.
    fn insert(&mut self, state: Arc<IoState>) -> usize {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(state);
                i
            }
            None => {
                self.slots.push(Some(state));
                self.slots.len() - 1
            }
        }
    }

    /// Removes the registration at `token` if it is `state`.
    fn remove(&mut self, token: usize, state: &Arc<IoState>) {
        if let Some(slot) = self.slots.get_mut(token) {
            if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, state)) {
                *slot = None;
                self.len -= 1;
                self.free.push(token);
            }
        }
    }

    /// Number of registered sources.
    fn len(&self) -> usize {
        self.len
    }

    /// Takes every stored waker out (used when the loop is dropped); the
    /// caller drops them after releasing the table's lock.
    fn take_wakers(&mut self) -> Vec<Waker> {
        let mut out = Vec::new();
        for s in self.slots.iter().flatten() {
            let mut w = s.wakers.lock();
            out.extend(w.reader.take());
            out.extend(w.writer.take());
        }
        out
    }
}

/// The registered sources, usable from any thread.
pub(crate) struct Registrations {
    /// Adds and removes sources from the poller.
    registry: mio::Registry,
    /// Token -> state.
    table: Mutex<IoTable>,
    /// Mirrors the table's length, so a turn can check it without locking.
    len: AtomicUsize,
}

impl Registrations {
    /// Registers `source` for readable and writable interest, edge-triggered.
    pub(crate) fn register<S: Source>(&self, source: &mut S) -> io::Result<(usize, Arc<IoState>)> {
        let state = Arc::new(IoState {
            readiness: AtomicUsize::new(0),
            wakers: Mutex::new(IoWakers::default()),
        });
        let token = {
            let mut table = self.table.lock();
            let token = table.insert(state.clone());
            self.len.store(table.len(), Ordering::Release);
            token
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self.registry.register(source, Token(token), interest) {
            self.remove(token, &state);
            return Err(e);
        }
        Ok((token, state))
    }

    /// Stops watching `source` (its table entry stays until [`remove`](Self::remove)).
    pub(crate) fn deregister<S: Source>(&self, source: &mut S) -> io::Result<()> {
        self.registry.deregister(source)
    }

    /// Removes the registration at `token` if it is still `state`.
    pub(crate) fn remove(&self, token: usize, state: &Arc<IoState>) {
        let mut table = self.table.lock();
        table.remove(token, state);
        self.len.store(table.len(), Ordering::Release);
    }

    /// Number of registered sources.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }
}

/// The loop's reactor: the poller, its events, and the registrations.
pub(crate) struct Reactor {
    poll: RefCell<mio::Poll>,
    events: RefCell<mio::Events>,
    /// Reused buffer of wakers to wake after a poll.
    scratch: RefCell<Vec<Waker>>,
    pub(crate) registrations: Arc<Registrations>,
}

impl Reactor {
    /// A poller with the loop's wake-up eventfd (returned) registered.
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(mio::Events::with_capacity(1024)),
            scratch: RefCell::new(Vec::new()),
            registrations: Arc::new(Registrations {
                registry,
                table: Mutex::new(IoTable::default()),
                len: AtomicUsize::new(0),
            }),
        };
        Ok((reactor, waker))
    }

    /// Waits for OS events (at most `timeout`; `None`: until one comes),
    /// wakes the tasks whose sources became ready, and returns how many
    /// events came back (the loop's own wake-up eventfd included).
    pub(crate) fn poll(&self, timeout: Option<Duration>, trace: &Trace) -> usize {
        let mut poll = self.poll.borrow_mut();
        let mut events = self.events.borrow_mut();
        loop {
            match poll.poll(&mut events, timeout) {
                Ok(()) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => panic!("event loop: the reactor's poll failed: {e}"),
            }
        }
        drop(poll);
        let count = events.iter().count();
        if trace.is_on() {
            trace.record(Kind::ReactorPoll {
                timeout,
                events: count,
            });
            trace.set_phase(Phase::Reactor);
        }
        let mut wakers = std::mem::take(&mut *self.scratch.borrow_mut());
        dispatch(&self.registrations.table.lock(), &events, &mut wakers);
        drop(events);
        unwind::wake_all(&mut wakers);
        *self.scratch.borrow_mut() = wakers;
        if trace.is_on() {
            trace.set_phase(Phase::Idle);
        }
        count
    }

    /// Takes every stored waker out (the loop is being dropped).
    pub(crate) fn take_wakers(&self) -> Vec<Waker> {
        self.registrations.table.lock().take_wakers()
    }
}

/// Records the events of one reactor poll and collects the wakers to wake
/// (they are woken by the caller, outside the table's lock).
fn dispatch(table: &IoTable, events: &mio::Events, out: &mut Vec<Waker>) {
    for ev in events.iter() {
        if ev.token() == WAKER_TOKEN {
            continue; // the injection queue is drained later in the turn
        }
        let Some(Some(state)) = table.slots.get(ev.token().0) else {
            continue; // deregistered meanwhile: a spurious event
        };
        let mut bits = 0;
        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
            bits |= READ;
        }
        if ev.is_writable() || ev.is_write_closed() || ev.is_error() {
            bits |= WRITE;
        }
        if bits != 0 {
            state.set_ready(bits, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Wake;

    /// Counts its wakes.
    struct Counter(AtomicUsize);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn fresh() -> IoState {
        IoState {
            readiness: AtomicUsize::new(0),
            wakers: Mutex::new(IoWakers::default()),
        }
    }

    #[test]
    fn an_event_during_the_operation_is_not_lost() {
        let s = fresh();
        let waker = Waker::from(Arc::new(Counter(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut out = Vec::new();
        s.set_ready(READ, &mut out);
        let Poll::Ready(tick) = s.poll_ready(&mut cx, READ) else {
            panic!("readiness was set");
        };
        // The operation runs; meanwhile the reactor records a new edge.
        s.set_ready(READ, &mut out);
        // The operation returned WouldBlock: clearing with the old tick must
        // keep the new edge.
        s.clear(READ, tick);
        let Poll::Ready(tick2) = s.poll_ready(&mut cx, READ) else {
            panic!("the new edge was lost");
        };
        assert_ne!(tick, tick2);
        // With no new event, clearing works and the task waits.
        s.clear(READ, tick2);
        assert!(s.poll_ready(&mut cx, READ).is_pending());
    }

    #[test]
    fn readiness_wakes_only_the_matching_direction() {
        let s = fresh();
        let reader = Arc::new(Counter(AtomicUsize::new(0)));
        let writer = Arc::new(Counter(AtomicUsize::new(0)));
        let (rw, ww) = (Waker::from(reader.clone()), Waker::from(writer.clone()));
        assert!(s
            .poll_ready(&mut Context::from_waker(&rw), READ)
            .is_pending());
        assert!(s
            .poll_ready(&mut Context::from_waker(&ww), WRITE)
            .is_pending());
        let mut out = Vec::new();
        s.set_ready(WRITE, &mut out);
        out.drain(..).for_each(Waker::wake);
        assert_eq!(writer.0.load(Ordering::SeqCst), 1);
        assert_eq!(reader.0.load(Ordering::SeqCst), 0);
        s.set_ready(READ, &mut out);
        out.drain(..).for_each(Waker::wake);
        assert_eq!(reader.0.load(Ordering::SeqCst), 1);
    }
}
