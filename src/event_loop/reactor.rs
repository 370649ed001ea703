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
//! [`Async::new`] registers any `mio::event::Source` (a `mio` socket, a pipe,
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
//! then is the next edge guaranteed to come. [`Async::poll_read_with`] is
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
//! Read next: `net.rs` (TCP on top of `Async`), `executor.rs` (who polls).

use std::future::poll_fn;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use mio::event::Source;
use mio::{Interest, Token};
use parking_lot::Mutex;

use super::context::{expect_local, with_local};
use super::shared::Shared;

/// The token of the loop's own wake-up eventfd.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

/// Readiness bit: the source is readable (or closed, or errored).
const READ: usize = 1;
/// Readiness bit: the source is writable (or closed, or errored).
const WRITE: usize = 2;
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
    fn poll_ready(&self, cx: &mut Context<'_>, dir: usize) -> Poll<usize> {
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
    fn clear(&self, dir: usize, tick: usize) {
        let _ = self
            .readiness
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                (cur >> TICK_SHIFT == tick).then_some(cur & !dir)
            });
    }
}

/// The loop's registrations, indexed by token.
#[derive(Default)]
pub(crate) struct IoTable {
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
    pub(crate) fn remove(&mut self, token: usize, state: &Arc<IoState>) {
        if let Some(slot) = self.slots.get_mut(token) {
            if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, state)) {
                *slot = None;
                self.len -= 1;
                self.free.push(token);
            }
        }
    }

    /// Number of registered sources.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Takes every stored waker out (used when the loop is dropped); the
    /// caller drops them after releasing the table's lock.
    pub(crate) fn take_wakers(&mut self) -> Vec<Waker> {
        let mut out = Vec::new();
        for s in self.slots.iter().flatten() {
            let mut w = s.wakers.lock();
            out.extend(w.reader.take());
            out.extend(w.writer.take());
        }
        out
    }
}

/// Records the events of one reactor poll and collects the wakers to wake
/// (they are woken by the caller, outside the table's lock).
pub(crate) fn dispatch(shared: &Shared, events: &mio::Events, out: &mut Vec<Waker>) {
    let table = shared.io.lock();
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

/// An I/O source registered with the current event loop.
///
/// Wrap any `mio::event::Source` (sockets, pipes, `SourceFd` for a raw fd) to
/// await its readiness. The `*_with` methods run a non-blocking operation and
/// retry it until it stops returning `WouldBlock` (see the module docs for
/// why that is the rule with edge-triggered readiness).
///
/// There is one waker slot per direction: one task may wait to read while
/// another waits to write, but if two tasks wait to *read* the same source at
/// once, the later one replaces the earlier one's waker (share reading
/// through a single task instead, as tokio's `poll_*` APIs also require).
///
/// Dropping an `Async` deregisters the source and then drops it (closing the
/// fd, for owned sources).
pub struct Async<S: Source> {
    source: Option<S>,
    state: Arc<IoState>,
    token: usize,
    shared: Arc<Shared>,
}

impl<S: Source> Async<S> {
    /// Registers `source` with the loop running on this thread, for readable
    /// and writable interest, edge-triggered.
    ///
    /// # Panics
    ///
    /// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
    pub fn new(mut source: S) -> io::Result<Async<S>> {
        let shared = expect_local("Async::new", |l| l.shared.clone());
        let state = Arc::new(IoState {
            readiness: AtomicUsize::new(0),
            wakers: Mutex::new(IoWakers::default()),
        });
        let token = {
            let mut table = shared.io.lock();
            let token = table.insert(state.clone());
            shared.io_len.store(table.len(), Ordering::Release);
            token
        };
        if let Err(e) = shared.registry.register(
            &mut source,
            Token(token),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            shared.remove_io(token, &state);
            return Err(e);
        }
        Ok(Async {
            source: Some(source),
            state,
            token,
            shared,
        })
    }

    /// The wrapped source.
    pub fn get_ref(&self) -> &S {
        self.source.as_ref().expect("source present until drop")
    }

    /// The wrapped source, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        self.source.as_mut().expect("source present until drop")
    }

    /// Deregisters the source and gives it back.
    pub fn into_inner(mut self) -> io::Result<S> {
        let mut source = self.source.take().expect("source present until drop");
        self.shared.registry.deregister(&mut source)?;
        Ok(source) // `self` drops here and removes the table entry
    }

    /// Waits until the reactor reports the source readable (may be spurious).
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.state.poll_ready(cx, READ).map(|_| Ok(()))).await
    }

    /// Waits until the reactor reports the source writable (may be spurious).
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.state.poll_ready(cx, WRITE).map(|_| Ok(()))).await
    }

    /// Runs `op` whenever the source is readable until it returns something
    /// other than `WouldBlock`.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// Runs `op` whenever the source is writable until it returns something
    /// other than `WouldBlock`.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }

    /// Poll form of [`Async::read_with`], for hand-written futures.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_with(cx, READ, op)
    }

    /// Poll form of [`Async::write_with`], for hand-written futures.
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_with(cx, WRITE, op)
    }

    /// The edge-triggered retry loop (see module docs).
    fn poll_with<R>(
        &self,
        cx: &mut Context<'_>,
        dir: usize,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // Fairness: a source that is always ready must not let this task
        // keep the loop forever (see "A socket that always has data" in
        // executor.rs).
        if with_local(|l| l.take_coop(cx.waker())) == Some(false) {
            return Poll::Pending;
        }
        loop {
            let tick = match self.state.poll_ready(cx, dir) {
                Poll::Ready(t) => t,
                Poll::Pending => return Poll::Pending,
            };
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.state.clear(dir, tick),
                other => return Poll::Ready(other),
            }
        }
    }
}

impl<S: Source> Drop for Async<S> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            let _ = self.shared.registry.deregister(&mut source);
            drop(source);
        }
        self.shared.remove_io(self.token, &self.state);
    }
}

impl<S: Source + std::fmt::Debug> std::fmt::Debug for Async<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Async")
            .field("source", &self.source)
            .field("token", &self.token)
            .finish()
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
