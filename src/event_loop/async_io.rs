//! [`Async`]: any OS source, awaitable.
//!
//! Wrap a `mio::event::Source` (a socket, a pipe, or any raw file
//! descriptor through `mio::unix::SourceFd`) and its reads and writes become
//! futures: the wrapper registers the source with the reactor of the loop
//! running on this thread (`reactor.rs`), and each `*_with` method is the
//! edge-triggered retry rule described there, plus one unit of the task's
//! coop budget per operation (see "A socket that always has data" in
//! `executor.rs`).
//!
//! Read next: `net.rs` (TCP on top of `Async`).

use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use mio::event::Source;

use super::context::{expect_running_loop, with_running_loop};
use super::reactor::{IoState, Registrations, READ, WRITE};

/// An I/O source registered with the current event loop.
///
/// Wrap any `mio::event::Source` (sockets, pipes, `SourceFd` for a raw fd) to
/// await its readiness. The `*_with` methods run a non-blocking operation and
/// retry it until it stops returning `WouldBlock` (see `reactor.rs`
/// for why that is the rule with edge-triggered readiness).
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
    registrations: Arc<Registrations>,
}

impl<S: Source> Async<S> {
    /// Registers `source` with the loop running on this thread, for readable
    /// and writable interest, edge-triggered.
    ///
    /// # Panics
    ///
    /// Outside [`EventLoop::block_on`](super::EventLoop::block_on).
    pub fn new(mut source: S) -> io::Result<Async<S>> {
        let registrations = expect_running_loop("Async::new", |l| l.reactor.registrations.clone());
        let (token, state) = registrations.register(&mut source)?;
        Ok(Async {
            source: Some(source),
            state,
            token,
            registrations,
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
        self.registrations.deregister(&mut source)?;
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

    /// The edge-triggered retry loop (see `reactor.rs`).
    fn poll_with<R>(
        &self,
        cx: &mut Context<'_>,
        dir: usize,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // Fairness: a source that is always ready must not let this task
        // keep the loop forever (see "A socket that always has data" in
        // executor.rs).
        if with_running_loop(|l| l.executor.take_coop(cx.waker())) == Some(false) {
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
            let _ = self.registrations.deregister(&mut source);
            drop(source);
        }
        self.registrations.remove(self.token, &self.state);
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
