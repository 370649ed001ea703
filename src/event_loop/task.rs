//! Tasks, their wakers, and the `JoinHandle` that waits for them.
//!
//! A **task** is a future that the loop owns and drives to completion on its
//! own, independently of whoever spawned it: the Rust counterpart of
//! `asyncio.create_task`. This file defines what a task *is* in memory, how
//! its [`Waker`] puts it back on a run queue, and how its result travels to
//! the [`JoinHandle`].
//!
//! # One allocation per task
//!
//! `spawn(fut)` allocates exactly one `Arc<Task<F>>`. That block holds:
//!
//! * a [`Header`]: the task id, a small atomic state word, the task's slot in
//!   the loop's table of live tasks, and an `Arc` to the loop's shared half
//!   (so that a wake from any thread knows where to go);
//! * the future itself, in an `UnsafeCell<Option<F>>` that only the loop
//!   thread ever touches;
//! * the join slot (a small mutex) where the output waits for the handle.
//!
//! The same `Arc` serves three roles, each as a different view: the loop's
//! run queue holds it as `Arc<dyn Runnable>`, every `Waker` is a clone of it
//! (through [`std::task::Wake`]), and the `JoinHandle<T>` holds it as
//! `Arc<dyn Joinable<T>>`.
//!
//! # The state word
//!
//! Three bits, changed with atomic read-modify-write operations because
//! wakers may run on any thread:
//!
//! * `SCHEDULED`: the task is on a run queue (or on its way there). A wake
//!   sets it; only the wake that flips it from 0 to 1 enqueues the task, so a
//!   task woken ten times before it runs is queued once. The loop clears it
//!   *before* polling, so a wake that happens during the poll queues the task
//!   again and is never lost.
//! * `COMPLETE`: the task has finished (returned, panicked or was aborted).
//!   Wakes after completion are ignored: the std contract allows waking a
//!   finished task, and it must be harmless.
//! * `ABORT`: [`JoinHandle::abort`] was called; the next time the loop picks
//!   the task up it drops the future instead of polling it.
//!
//! # Where a wake goes
//!
//! A wake on the loop's own thread pushes the task on the loop's local run
//! queue (a plain `VecDeque`, no lock). A wake from any other thread pushes it
//! on the loop's *injection queue* (a mutex-protected queue in the shared
//! half) and interrupts the loop's `epoll_wait` through a `mio::Waker`. See
//! `executor.rs` for both queues.
//!
//! # Memory: when is a task freed?
//!
//! The loop keeps every live task in a table so that dropping the loop can
//! cancel them. When the task completes, the loop drops the future *right
//! away* (on the loop thread, so `!Send` futures are never dropped elsewhere)
//! and removes the task from the table. What remains is the header and the
//! join slot, kept alive only by the `JoinHandle` and by wakers that someone
//! still stores; the block is freed when the last of those goes.
//!
//! # Why the unsafe `Send`/`Sync`
//!
//! Wakers must be `Send + Sync` even for tasks created by the local `spawn`,
//! whose future may be `!Send` (an `Rc` inside, say). That is sound here
//! because of one rule the loop keeps: the future cell is read, polled and
//! dropped only by the loop thread that owns the task. Other threads only
//! touch the atomic state, the join slot's mutex, and the `Arc` count. The
//! output of a `!Send` future reaches only a `JoinHandle` that is itself
//! `!Send` (it carries `PhantomData<T>`), or it is dropped by the loop.
//!
//! # Dropping a `JoinHandle` detaches
//!
//! As in tokio (and unlike smol, where dropping an `async_task::Task` cancels
//! it), dropping a [`JoinHandle`] does *not* stop the task: it keeps running
//! and its output is dropped when it completes. Call [`JoinHandle::abort`] to
//! stop it. This matches `asyncio.create_task`, where the task also runs on
//! whether or not anyone awaits it.
//!
//! Read next: `executor.rs` (who calls [`Runnable::run`]).

use std::any::Any;
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;

use super::executor::Local;
use super::shared::Shared;
use super::trace::{TaskId, TraceKind};
use super::unwind;

/// The task is on a run queue.
const SCHEDULED: u8 = 1;
/// The task has finished; its future is gone.
const COMPLETE: u8 = 2;
/// `abort()` was requested.
const ABORT: u8 = 4;

/// Marks a task that is not (yet) in the loop's table of live tasks.
pub(crate) const NO_SLOT: usize = usize::MAX;

/// The type-independent part of a task.
pub(crate) struct Header {
    /// The task's id, for the trace and for `JoinError`'s message.
    pub(crate) id: TaskId,
    /// `SCHEDULED | COMPLETE | ABORT` bits.
    state: AtomicU8,
    /// Index in the loop's table of live tasks (`NO_SLOT` when absent).
    /// Only the loop thread reads or writes it.
    pub(crate) slot: AtomicUsize,
    /// The loop this task belongs to.
    pub(crate) shared: Arc<Shared>,
}

impl Header {
    /// Sets `SCHEDULED`; true if the caller must now enqueue the task.
    fn mark_scheduled(&self) -> bool {
        self.state.fetch_or(SCHEDULED, Ordering::AcqRel) & (SCHEDULED | COMPLETE) == 0
    }
}

/// What the loop sees of a task: something it can poll once, or cancel.
pub(crate) trait Runnable: Send + Sync {
    /// The task's header.
    fn header(&self) -> &Header;
    /// Polls the task once (called only on the owning loop's thread).
    fn run(self: Arc<Self>, local: &Local);
    /// Drops the future without polling it; used when the loop is dropped
    /// (called only on the owning loop's thread).
    fn cancel(&self);
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

/// Where the output waits for the `JoinHandle`.
struct JoinSlot<T> {
    output: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
    detached: bool,
}

/// A spawned future plus everything the loop needs to drive it.
pub(crate) struct Task<F: Future> {
    header: Header,
    future: UnsafeCell<Option<F>>,
    join: Mutex<JoinSlot<F::Output>>,
}

// SAFETY: see the module docs, "Why the unsafe Send/Sync". The future cell is
// accessed only on the owning loop thread (`run` and `cancel` are called by
// that loop only, and the loop cancels every live task before it is dropped,
// so the future is never dropped with the last `Arc` elsewhere). The output is
// handed only to a `JoinHandle<T>`, which is `Send` only when `T: Send`; a
// detached output is dropped by the loop thread.
unsafe impl<F: Future> Send for Task<F> {}
// SAFETY: as above; shared access from other threads is limited to atomics and
// the join slot's mutex.
unsafe impl<F: Future> Sync for Task<F> {}

impl<F> Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    /// Allocates a task (already marked `SCHEDULED`: it is about to be queued).
    pub(crate) fn new(id: TaskId, shared: Arc<Shared>, future: F) -> Arc<Task<F>> {
        Arc::new(Task {
            header: Header {
                id,
                state: AtomicU8::new(SCHEDULED),
                slot: AtomicUsize::new(NO_SLOT),
                shared,
            },
            future: UnsafeCell::new(Some(future)),
            join: Mutex::new(JoinSlot {
                output: None,
                waker: None,
                detached: false,
            }),
        })
    }

    /// Drops the future (catching a panic in its destructor) and publishes
    /// `output` to the join slot.
    fn finish(&self, local: Option<&Local>, output: Result<F::Output, JoinError>) {
        // SAFETY: called on the owning loop thread only (from `run`/`cancel`).
        let future = unsafe { &mut *self.future.get() };
        // The future's destructor is user code: a panic there must not stop
        // the bookkeeping below (see `unwind.rs`).
        unwind::contain(|| *future = None);
        self.header.state.fetch_or(COMPLETE, Ordering::AcqRel);
        if let Some(local) = local {
            local.forget_task(&self.header);
        }
        let mut slot = self.join.lock();
        if slot.detached {
            drop(slot);
            // Nobody will read it; drop it here, on the loop thread.
            unwind::drop_contained(output);
            return;
        }
        slot.output = Some(output);
        let waker = slot.waker.take();
        drop(slot);
        if let Some(w) = waker {
            // The waiter's waker may be anyone's; its panic is contained.
            unwind::wake_contained(w);
        }
    }
}

impl<F> Runnable for Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(self: Arc<Self>, local: &Local) {
        let prev = self.header.state.fetch_and(!SCHEDULED, Ordering::AcqRel);
        if prev & COMPLETE != 0 {
            return;
        }
        if self.header.slot.load(Ordering::Relaxed) == NO_SLOT {
            // Spawned from another thread: enter the table of live tasks now.
            local.remember_task(self.clone());
        }
        let id = self.header.id;
        if prev & ABORT != 0 {
            self.finish(Some(local), Err(JoinError::aborted(id)));
            return;
        }
        let trace = &local.trace;
        if trace.is_on() {
            trace.record(TraceKind::Polled { task: id });
            trace.set_phase(super::trace::Phase::Polling(id));
        }
        local.reset_coop();
        let waker = borrowed_waker(&self);
        let mut cx = Context::from_waker(&waker);
        let result = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: only the owning loop thread reaches `run`; the future
            // lives inside the `Arc` allocation and never moves, so pinning it
            // in place is sound.
            let slot = unsafe { &mut *self.future.get() };
            match slot.as_mut() {
                Some(f) => unsafe_pin(f).poll(&mut cx),
                None => Poll::Pending,
            }
        }));
        if trace.is_on() {
            let kind = match &result {
                Ok(Poll::Pending) => TraceKind::Pending { task: id },
                Ok(Poll::Ready(_)) => TraceKind::Ready { task: id },
                Err(_) => TraceKind::Panicked { task: id },
            };
            trace.record(kind);
        }
        match result {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(out)) => self.finish(Some(local), Ok(out)),
            Err(payload) => self.finish(Some(local), Err(JoinError::panicked(id, payload))),
        }
        if trace.is_on() {
            // Wakes done by `finish` (the JoinHandle's waiter) were still
            // attributed to this task; now the loop is between tasks again.
            trace.set_phase(super::trace::Phase::Idle);
        }
    }

    fn cancel(&self) {
        if self.header.state.load(Ordering::Acquire) & COMPLETE == 0 {
            self.finish(None, Err(JoinError::aborted(self.header.id)));
        }
    }
}

/// A `Waker` for `task` that borrows the caller's reference instead of
/// taking a new one: polling a task then costs no reference-count traffic.
/// A future that keeps the waker clones it, which takes a real reference.
fn borrowed_waker<F>(task: &Arc<Task<F>>) -> ManuallyDrop<Waker>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // SAFETY: `Arc::from_raw` re-creates the caller's `Arc` without touching
    // the count, and `ManuallyDrop` makes sure it is never released, so the
    // count stays exactly as it was. The caller keeps `task` alive for as
    // long as it uses the returned waker (it lives on `run`'s stack).
    ManuallyDrop::new(Waker::from(unsafe { Arc::from_raw(Arc::as_ptr(task)) }))
}

/// Pins a future that lives in a heap block that never moves.
fn unsafe_pin<F>(f: &mut F) -> Pin<&mut F> {
    // SAFETY: callers pass a future stored inside an `Arc` allocation that is
    // never moved out of; it is dropped in place.
    unsafe { Pin::new_unchecked(f) }
}

impl<F> Wake for Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn wake(self: Arc<Self>) {
        if self.header.mark_scheduled() {
            super::context::enqueue(self);
        }
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.header.mark_scheduled() {
            super::context::enqueue(self.clone());
        }
    }
}

impl<F> Joinable<F::Output> for Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        let mut slot = self.join.lock();
        if let Some(out) = slot.output.take() {
            return Poll::Ready(out);
        }
        let replaced = match &slot.waker {
            Some(w) if w.will_wake(cx.waker()) => None,
            _ => slot.waker.replace(cx.waker().clone()),
        };
        drop(slot);
        drop(replaced); // outside the lock: dropping a waker may run code
        Poll::Pending
    }

    fn abort(self: Arc<Self>) {
        let prev = self.header.state.fetch_or(ABORT, Ordering::AcqRel);
        if prev & COMPLETE == 0 && self.header.mark_scheduled() {
            super::context::enqueue(self);
        }
    }

    fn is_finished(&self) -> bool {
        self.header.state.load(Ordering::Acquire) & COMPLETE != 0
    }

    fn detach(&self) {
        let mut slot = self.join.lock();
        slot.detached = true;
        let out = slot.output.take();
        let waker = slot.waker.take();
        drop(slot);
        drop(out);
        drop(waker);
    }

    fn id(&self) -> TaskId {
        self.header.id
    }

    fn abort_target(self: Arc<Self>) -> Arc<dyn AbortTarget> {
        self
    }
}

impl<F> AbortTarget for Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn abort(self: Arc<Self>) {
        Joinable::abort(self);
    }

    fn is_finished(&self) -> bool {
        Joinable::is_finished(self)
    }
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
    fn aborted(task: TaskId) -> JoinError {
        JoinError {
            task,
            repr: JoinErrorRepr::Aborted,
        }
    }

    fn panicked(task: TaskId, payload: Box<dyn Any + Send>) -> JoinError {
        let msg = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "<non-string panic payload>".to_string()
        };
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
