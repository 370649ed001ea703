//! How a task's output reaches whoever awaits it: the join slot,
//! [`JoinHandle`], [`AbortHandle`] and [`JoinError`].
//!
//! When a task completes (`task.rs`), its result is put in the task's
//! **join slot**, a small mutex-protected cell inside the task's own heap
//! block, and the waker that the `JoinHandle` left there is woken. Awaiting
//! the handle takes the result out. That is the last step of a task's life;
//! DESIGN.md §1.2 walks through all of them in order.
//!
//! # Dropping a `JoinHandle` detaches
//!
//! As in tokio (and unlike smol, where dropping an `async_task::Task` cancels
//! it), dropping a [`JoinHandle`] does *not* stop the task: it keeps running
//! and its output is dropped when it completes. Call [`JoinHandle::abort`] to
//! stop it. This matches `asyncio.create_task`, where the task also runs on
//! whether or not anyone awaits it.
//!
//! Read next: `executor.rs` (who polls the task until it completes).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use super::trace::TaskId;
use super::unwind;

/// Where the output waits for the `JoinHandle`.
pub(crate) struct JoinSlot<T> {
    output: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
    detached: bool,
}

impl<T> JoinSlot<T> {
    /// An empty slot.
    pub(crate) fn new() -> JoinSlot<T> {
        JoinSlot {
            output: None,
            waker: None,
            detached: false,
        }
    }

    /// Stores the task's result and wakes the waiter (or drops the result
    /// here, on the loop thread, if nobody will ever read it).
    pub(crate) fn publish(slot: &Mutex<JoinSlot<T>>, output: Result<T, JoinError>) {
        let mut s = slot.lock();
        if s.detached {
            drop(s);
            unwind::drop_contained(output);
            return;
        }
        s.output = Some(output);
        let waker = s.waker.take();
        drop(s);
        if let Some(w) = waker {
            // The waiter's waker may be anyone's; its panic is contained.
            unwind::wake_contained(w);
        }
    }

    /// Takes the result, or leaves `cx`'s waker to be woken by `publish`.
    pub(crate) fn poll(
        slot: &Mutex<JoinSlot<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, JoinError>> {
        let mut s = slot.lock();
        if let Some(out) = s.output.take() {
            return Poll::Ready(out);
        }
        let replaced = match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => None,
            _ => s.waker.replace(cx.waker().clone()),
        };
        drop(s);
        drop(replaced); // outside the lock: dropping a waker may run code
        Poll::Pending
    }

    /// Nobody will read the result: drop what is there, and any later one.
    pub(crate) fn detach(slot: &Mutex<JoinSlot<T>>) {
        let mut s = slot.lock();
        s.detached = true;
        let out = s.output.take();
        let waker = s.waker.take();
        drop(s);
        drop(out);
        drop(waker);
    }
}

/// What a `JoinHandle<T>` sees of a task.
pub(crate) trait Joinable<T>: Send + Sync {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn abort(self: Arc<Self>);
    fn is_finished(&self) -> bool;
    fn detach(&self);
    fn id(&self) -> TaskId;
    /// The same task, seen only as something that can be aborted.
    fn abort_target(self: Arc<Self>) -> Arc<dyn AbortTarget>;
}

/// What an `AbortHandle` sees of a task.
pub(crate) trait AbortTarget: Send + Sync {
    fn abort(self: Arc<Self>);
    fn is_finished(&self) -> bool;
}

/// A `Send + Sync + Clone` permission to abort a task, without the right to
/// its output: handy to stop a task that someone else is awaiting, from any
/// thread (for example a server task awaited by `block_on` on its own thread).
#[derive(Clone)]
pub struct AbortHandle {
    task: Arc<dyn AbortTarget>,
}

impl AbortHandle {
    /// Same as [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.task.clone().abort();
    }

    /// True once the task has completed (returned, panicked or been aborted).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// An owned permission to await a spawned task's output.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked or
/// was aborted. Dropping it **detaches** the task: the task keeps running to
/// completion and its output is dropped (tokio does the same; smol's
/// `Task` cancels on drop instead). Use [`JoinHandle::abort`] to stop a task.
///
/// `JoinHandle<T>` is `Send` when `T` is, so a handle from [`Handle::spawn`]
/// can be awaited on another thread or another loop.
///
/// [`Handle::spawn`]: super::Handle::spawn
pub struct JoinHandle<T> {
    task: Option<Arc<dyn Joinable<T>>>,
    _output: PhantomData<T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: Arc<dyn Joinable<T>>) -> JoinHandle<T> {
        JoinHandle {
            task: Some(task),
            _output: PhantomData,
        }
    }

    fn task(&self) -> &Arc<dyn Joinable<T>> {
        self.task
            .as_ref()
            .expect("JoinHandle used after completion")
    }

    /// Asks the loop to stop the task: its future is dropped the next time the
    /// loop picks it up (at the latest after the current poll), and awaiting
    /// this handle then gives a [`JoinError`] with `is_aborted() == true`.
    /// Aborting a finished task does nothing.
    pub fn abort(&self) {
        if let Some(t) = &self.task {
            t.clone().abort();
        }
    }

    /// True once the task has completed (returned, panicked or been aborted).
    pub fn is_finished(&self) -> bool {
        match &self.task {
            Some(t) => t.is_finished(),
            None => true,
        }
    }

    /// An [`AbortHandle`] for this task (it can be sent to other threads and
    /// cloned, even while this `JoinHandle` is being awaited).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            task: self.task().clone().abort_target(),
        }
    }

    /// The task's id (as it appears in the trace).
    pub fn id(&self) -> TaskId {
        self.task().id()
    }
}

// The handle holds the output only by `Arc`; it never pins a `T` itself.
impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = self
            .task
            .as_ref()
            .expect("JoinHandle polled after it returned Ready")
            .poll_join(cx);
        if out.is_ready() {
            self.task = None; // drop our reference now: the task's memory can go
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why a task did not produce its output.
#[derive(Debug)]
pub struct JoinError {
    task: TaskId,
    repr: JoinErrorRepr,
}

#[derive(Debug)]
enum JoinErrorRepr {
    Aborted,
    Panicked(String),
}

impl JoinError {
    pub(crate) fn aborted(task: TaskId) -> JoinError {
        JoinError {
            task,
            repr: JoinErrorRepr::Aborted,
        }
    }

    pub(crate) fn panicked(task: TaskId, payload: Box<dyn Any + Send>) -> JoinError {
        let msg = crate::panics::panic_message(payload.as_ref());
        // The payload may be any user value, with a destructor that panics.
        unwind::drop_payload(payload);
        JoinError {
            task,
            repr: JoinErrorRepr::Panicked(msg),
        }
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Panicked(_))
    }

    /// True if the task was aborted (by [`JoinHandle::abort`] or because its
    /// loop was dropped before it finished).
    pub fn is_aborted(&self) -> bool {
        matches!(self.repr, JoinErrorRepr::Aborted)
    }

    /// The panic message, if the task panicked with a string payload.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            JoinErrorRepr::Panicked(m) => Some(m),
            JoinErrorRepr::Aborted => None,
        }
    }

    /// The id of the task that failed.
    pub fn task_id(&self) -> TaskId {
        self.task
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            JoinErrorRepr::Aborted => write!(f, "{} was aborted", self.task),
            JoinErrorRepr::Panicked(m) => write!(f, "{} panicked: {m}", self.task),
        }
    }
}

impl std::error::Error for JoinError {}
