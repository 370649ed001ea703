//! # `TaskHandle`: one submitted task, waited for by blocking or by `.await`
//!
//! [`ProcessPool::submit`](super::ProcessPool::submit) queues a task and
//! returns at once with a handle. The task is sent to a worker as soon as
//! one has room, whether or not anyone is waiting yet.
//!
//! - [`TaskHandle::join`] blocks the calling thread: it pumps the pool and
//!   sleeps in `poll` on the workers' sockets until the task is finished.
//! - `.await` (the handle is a `Future`) waits on the crate's event loop,
//!   with no helper thread: the worker's socket is registered with the
//!   loop's reactor through [`event_loop::Async`](crate::event_loop::Async),
//!   and the loop's timers watch the task deadline.
//! - Dropping a handle cancels the task if it is still queued; if it is
//!   already running, its result is discarded when it arrives.
//!
//! ## How a pending future gets woken
//!
//! Every poll first runs the pool's pump (non-blocking reads and writes on
//! all worker sockets), so whatever has arrived is taken in. If the task is
//! still unfinished, the future stores its waker in the task's slot (the
//! pump wakes it when the task is dispatched or finished, whoever runs that
//! pump: this future, another one, or a thread in `join`), and then watches
//! the sockets that can bring news:
//!
//! - **Running on worker W**: W's socket (readable: a reply or end of file;
//!   writable: the rest of a large task frame can go out), and W's pidfd
//!   (readable once W exited: the socket may never reach end of file if the
//!   task forked a grandchild that inherited it).
//! - **Queued**: a queued task moves only when some busy worker replies. So
//!   that hundreds of queued futures do not all wake on every reply, only
//!   *one* of them, the *queue watcher*, watches all busy workers. When it is
//!   dispatched, the pump wakes the next queued future with a waker to take
//!   over. The others sleep until the pump dispatches them.
//! - **A task timeout is set**: a loop timer at the earliest task deadline,
//!   so the pump runs to kill the overdue worker.
//!
//! Each watch registers a `dup` of the worker's descriptor, so several
//! futures can watch one worker (each registration is its own epoll entry).
//! The reactor is edge-triggered; that is safe here because the pump always
//! reads every socket until `WouldBlock` before the future goes back to
//! sleep.
//!
//! Read next: `state.rs` for the pump and for how blocking waits work.

use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use serde::de::DeserializeOwned;

use super::error::TaskError;
use super::recorder::TaskId;
use super::shm::Shared;
use super::state::Inner;
use super::sys::{self, Pid};
use crate::event_loop::{sleep_until, Async, Sleep};

/// A submitted task. `join` it, or `.await` it on the crate's event loop.
pub struct TaskHandle<Out> {
    inner: Arc<Inner<Out>>,
    id: TaskId,
    /// The result was taken (by join or await): nothing to forget on drop.
    taken: bool,
    /// Worker sockets this future watches through the reactor.
    watches: Vec<Watch>,
    /// A loop timer at the earliest task deadline, if a timeout is set.
    timer: Option<Sleep>,
}

/// A worker socket registered with the current event loop, and the
/// worker's pidfd (readable once it exited, even if a grandchild keeps the
/// socket open).
struct Watch {
    pid: Pid,
    io: Async<WatchedFd>,
    death: Option<Async<WatchedFd>>,
    /// Under shared memory: the worker's eventfd, rung for reply bytes
    /// (or room in the task ring) once [`Shared::arm`]ed.
    wake: Option<Async<WatchedFd>>,
}

/// A duplicate of a worker's descriptor, owned so it can be registered on
/// its own (and closed when the watch ends).
#[derive(Debug)]
struct WatchedFd(OwnedFd);

impl Source for WatchedFd {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(r, t, i)
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(r, t, i)
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(r)
    }
}

/// One worker a pending future should watch.
struct Target {
    pid: Pid,
    /// Its socket.
    chan: RawFd,
    /// A task frame is half-written to it (by socket or ring).
    wants_write: bool,
    pidfd: Option<RawFd>,
    /// Its rings and eventfd, under shared memory.
    shm: Option<Arc<Shared>>,
}

/// Which workers a pending future should watch.
type Plan = Vec<Target>;

/// The task's id, whether its result was taken, and which worker pids the
/// handle watches while it is awaited.
impl<Out> std::fmt::Debug for TaskHandle<Out> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let watching: Vec<Pid> = self.watches.iter().map(|w| w.pid).collect();
        f.debug_struct("TaskHandle")
            .field("id", &self.id)
            .field("taken", &self.taken)
            .field("watching", &watching)
            .field("timer", &self.timer.is_some())
            .finish()
    }
}

impl<Out> TaskHandle<Out> {
    /// Wraps task `id` of the pool `inner`.
    pub(crate) fn new(inner: Arc<Inner<Out>>, id: TaskId) -> TaskHandle<Out> {
        TaskHandle {
            inner,
            id,
            taken: false,
            watches: Vec::new(),
            timer: None,
        }
    }

    /// The task's id, as it appears in the pool's recorded events.
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl<Out: DeserializeOwned> TaskHandle<Out> {
    /// Blocks until the task finished; returns its value or why it failed.
    pub fn join(mut self) -> Result<Out, TaskError> {
        let id = self.id;
        let mut st = self.inner.wait_until(|st| st.is_done(id));
        self.taken = true;
        first_result(st.take_results(id))
    }

    /// Whether the task has finished (checks the sockets without blocking).
    pub fn is_finished(&self) -> bool {
        let mut st = self.inner.lock();
        self.inner.pump(&mut st);
        st.is_done(self.id)
    }
}

impl<Out: DeserializeOwned> TaskHandle<Out> {
    /// Pumps; returns the result if finished, else stores the waker and
    /// says what to watch and until when.
    fn poll_state(
        &mut self,
        cx: &Context<'_>,
    ) -> Result<Result<Out, TaskError>, (Plan, Option<Instant>)> {
        let mut st = self.inner.lock();
        self.inner.pump(&mut st);
        if st.is_done(self.id) {
            self.taken = true;
            return Ok(first_result(st.take_results(self.id)));
        }
        let deadline = st.next_deadline(&self.inner.config);
        let plan = st
            .watch_for(self.id, cx.waker())
            .into_iter()
            .map(|w| Target {
                pid: w.pid(),
                chan: w.chan_fd(),
                wants_write: w.wants_write(),
                pidfd: w.pidfd_fd(),
                shm: w.shared().map(Arc::clone),
            })
            .collect();
        Err((plan, deadline))
    }

    /// Brings `watches` in line with `plan`, registering new workers.
    fn update_watches(&mut self, plan: &Plan) -> io::Result<()> {
        self.watches.retain(|w| plan.iter().any(|t| t.pid == w.pid));
        for t in plan {
            if !self.watches.iter().any(|w| w.pid == t.pid) {
                let io = Async::new(WatchedFd(sys::dup(t.chan)?))?;
                let death = match t.pidfd {
                    Some(p) => Some(Async::new(WatchedFd(sys::dup(p)?))?),
                    None => None,
                };
                let wake = match &t.shm {
                    Some(l) => Some(Async::new(WatchedFd(sys::dup(l.wake.as_raw_fd())?))?),
                    None => None,
                };
                self.watches.push(Watch {
                    pid: t.pid,
                    io,
                    death,
                    wake,
                });
            }
        }
        Ok(())
    }
}

impl<Out: DeserializeOwned> Future for TaskHandle<Out> {
    type Output = Result<Out, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.taken {
            return Poll::Ready(first_result(None));
        }
        loop {
            let (plan, deadline) = match this.poll_state(cx) {
                Ok(result) => {
                    this.watches.clear();
                    this.timer = None;
                    return Poll::Ready(result);
                }
                Err(pending) => pending,
            };
            if let Err(e) = this.update_watches(&plan) {
                // Could not register (out of descriptors?): report, do not hang.
                this.taken = true;
                this.inner.lock().forget(this.id);
                return Poll::Ready(Err(TaskError::PoolShutDown {
                    reason: format!("cannot watch the worker's socket: {e}"),
                }));
            }
            // Register interest. The pump above already read every socket
            // until WouldBlock, so consuming the readiness here loses nothing.
            for w in &this.watches {
                let Some(t) = plan.iter().find(|t| t.pid == w.pid) else {
                    continue;
                };
                let _ = w.io.poll_read_with(cx, |_| Err::<(), _>(would_block()));
                if let Some(death) = &w.death {
                    let _ = death.poll_read_with(cx, |_| Err::<(), _>(would_block()));
                }
                if let Some(wake) = &w.wake {
                    let _ = wake.poll_read_with(cx, |_| Err::<(), _>(would_block()));
                }
                if t.wants_write && t.shm.is_none() {
                    let _ = w.io.poll_write_with(cx, |_| Err::<(), _>(would_block()));
                }
            }
            // Shared memory: ask the workers to ring their eventfds, and
            // look once more; bytes that came meanwhile rang nothing.
            let ready = plan
                .iter()
                .filter_map(|t| Some(t.shm.as_ref()?.arm(t.wants_write)))
                .fold(false, |any, r| any | r);
            if ready {
                continue;
            }
            match deadline {
                None => this.timer = None,
                Some(d) => {
                    let timer = this.timer.get_or_insert_with(|| sleep_until(d));
                    if timer.deadline() != d {
                        timer.reset(d);
                    }
                    if Pin::new(timer).poll(cx).is_ready() {
                        this.timer = None;
                        continue; // a deadline passed: pump again now
                    }
                }
            }
            return Poll::Pending;
        }
    }
}

/// The error that tells `Async::poll_*_with` "not yet, wait for an event".
fn would_block() -> io::Error {
    io::ErrorKind::WouldBlock.into()
}

/// The single result of a one-item task.
fn first_result<Out>(results: Option<Vec<Result<Out, TaskError>>>) -> Result<Out, TaskError> {
    results
        .and_then(|r| r.into_iter().next())
        .unwrap_or_else(|| {
            Err(TaskError::PoolShutDown {
                reason: "the task's result was already taken".into(),
            })
        })
}

impl<Out> Drop for TaskHandle<Out> {
    fn drop(&mut self) {
        if !self.taken {
            self.inner.lock().forget(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskHandle;
    use crate::process_pool::ProcessPool;

    /// Handles can move to other threads (and `Handle::spawn`ed tasks);
    /// pools can be shared between threads.
    #[test]
    fn handles_are_send_and_pools_are_sync() {
        fn send<T: Send>() {}
        fn sync<T: Sync>() {}
        send::<TaskHandle<u64>>();
        send::<ProcessPool<u64, String>>();
        sync::<ProcessPool<u64, String>>();
    }
}
