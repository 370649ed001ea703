//! What a task *is*: a future in a heap block, a state word, and a
//! `schedule` hook. Nothing here knows which executor runs the task.
//!
//! A **task** is a future that the loop owns and drives to completion on its
//! own, independently of whoever spawned it: the Rust counterpart of
//! `asyncio.create_task`. This file defines the task's memory, the two
//! things it can do (be polled once, be cancelled), and how its [`Waker`]
//! hands it back to whoever schedules it. *When* it runs is not decided
//! here: that is the executor's business (`executor.rs`, through the run
//! queue policy in `policy.rs`). smol's `async-task` draws the same line:
//! a task is created with a `schedule` function and never names the
//! executor that provided it.
//!
//! # One allocation per task
//!
//! `spawn(fut)` allocates exactly one `Arc<Task<F>>`. That block holds:
//!
//! * a [`Header`]: the task id, a small atomic state word, a slot number
//!   the executor uses for its table of live tasks (the task itself never
//!   reads it), and the **schedule hook**, an `Arc<dyn Schedule>`: "when I
//!   am woken, give me to this";
//! * the future itself, in an `UnsafeCell<Option<F>>` that only the loop
//!   thread ever touches;
//! * the join slot (a small mutex) where the output waits for the handle.
//!
//! The same `Arc` serves four roles, each as a different view: the run
//! queue and the executor's table of live tasks hold it as
//! `Arc<dyn Runnable>`, every `Waker` is a clone of it (through
//! [`std::task::Wake`]), the `JoinHandle<T>` holds it as
//! `Arc<dyn Joinable<T>>`, and an `AbortHandle` as `Arc<dyn AbortTarget>`
//! (both in `join.rs`).
//!
//! # The state word
//!
//! Three bits, changed with atomic read-modify-write operations because
//! wakers may run on any thread:
//!
//! * `SCHEDULED`: the task is on a run queue (or on its way there). A wake
//!   sets it; only the wake that flips it from 0 to 1 calls the schedule
//!   hook, so a task woken ten times before it runs is queued once. The
//!   executor clears it (in [`Header::start_run`]) *before* polling, so a
//!   wake that happens during the poll queues the task again and is never
//!   lost.
//! * `COMPLETE`: the task has finished (returned, panicked or was aborted).
//!   Wakes after completion are ignored: the std contract allows waking a
//!   finished task, and it must be harmless.
//! * `ABORT`: [`JoinHandle::abort`](super::JoinHandle::abort) was called;
//!   the next time the executor picks the task up it cancels it instead of
//!   polling it.
//!
//! # Memory: when is a task freed?
//!
//! The executor keeps every live task in a table so that dropping the loop
//! can cancel them. When the task completes, its future is dropped *right
//! away* (on the loop thread, so `!Send` futures are never dropped
//! elsewhere) and the executor removes it from the table. What remains is
//! the header and the join slot, kept alive only by the `JoinHandle` and by
//! wakers that someone still stores; the block is freed when the last of
//! those goes.
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
//! Read next: `executor.rs` (who calls [`Runnable::poll_once`]), then
//! `join.rs` (how the output reaches the `JoinHandle`).

use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;

use super::join::{AbortTarget, JoinError, JoinSlot, Joinable};
use super::trace::TaskId;
use super::unwind;

/// The task is on a run queue.
const SCHEDULED: u8 = 1;
/// The task has finished; its future is gone.
const COMPLETE: u8 = 2;
/// `abort()` was requested.
const ABORT: u8 = 4;

/// Marks a task that is not (yet) in the executor's table of live tasks.
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// Where a woken task goes: the one thing a task knows about the outside.
///
/// The loop's cross-thread half (`shared.rs`) implements it: on the loop's
/// own thread it pushes the task on the run queue, from other threads it
/// goes through the injection queue.
pub(crate) trait Schedule: Send + Sync {
    /// Takes `task` onto the run queue if the wake happens on the thread of
    /// the loop that owns this hook, where that costs no lock; otherwise
    /// hands it back untouched (never dropping it).
    fn schedule_here(&self, task: Arc<dyn Runnable>) -> Option<Arc<dyn Runnable>>;
    /// Queues `task` from anywhere else: another thread, or after the loop
    /// is gone.
    fn schedule_from_afar(&self, task: Arc<dyn Runnable>);
}

/// Hands a woken task to its schedule hook.
///
/// The common case, a wake on the loop's own thread, moves the task into
/// the run queue without touching any reference count; only the rare case
/// (another thread) pays for a clone of the hook.
fn schedule(task: Arc<dyn Runnable>) {
    let hook: *const dyn Schedule = &*task.header().schedule;
    // SAFETY: `hook` points into the `Arc` held by the task's header. The
    // task moves into the call, so the hook must stay alive without it:
    // `schedule_here` keeps the task only when the hook is the `Shared` of
    // the loop running on this thread, whose executor holds its own `Arc`
    // of it for the whole call; in every other case it hands the task back
    // without dropping it, so the header (and the hook) are still alive.
    let back = unsafe { (*hook).schedule_here(task) };
    if let Some(task) = back {
        let hook = task.header().schedule.clone();
        hook.schedule_from_afar(task);
    }
}

/// The type-independent part of a task.
pub(crate) struct Header {
    /// The task's id, for the trace and for `JoinError`'s message.
    pub(crate) id: TaskId,
    /// The run queue's word about this task (`Pct` keeps its priority
    /// here, 0 = none yet), so a policy needs no table keyed by task id.
    /// Only the loop thread reads or writes it; the task never looks at it.
    pub(crate) rank: AtomicU64,
    /// The executor's bookkeeping: index in its table of live tasks
    /// (`NO_SLOT` when absent). Only the loop thread reads or writes it;
    /// the task itself never looks at it.
    /// (32 bits, beside `state`, keep the header at five words: a table of
    /// 4 billion live tasks would need hundreds of GiB of task blocks.)
    pub(crate) slot: AtomicU32,
    /// `SCHEDULED | COMPLETE | ABORT` bits.
    state: AtomicU8,
    /// Who gets the task when it is woken.
    schedule: Arc<dyn Schedule>,
}

/// What the executor should do with a task it took off the run queue.
pub(crate) enum Start {
    /// Poll it ([`Runnable::poll_once`]).
    Poll,
    /// It was aborted: cancel it ([`Runnable::cancel`]).
    Abort,
    /// It already completed (a stale queue entry): skip it.
    Skip,
}

/// How one poll of a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ran {
    /// The future returned `Pending`: the task waits for a wake.
    Pending,
    /// The future returned `Ready`: the task has completed.
    Ready,
    /// The poll panicked: the task has completed with a `JoinError`.
    Panicked,
}

impl Header {
    /// Sets `SCHEDULED`; true if the caller must now schedule the task.
    fn mark_scheduled(&self) -> bool {
        self.state.fetch_or(SCHEDULED, Ordering::AcqRel) & (SCHEDULED | COMPLETE) == 0
    }

    /// Clears `SCHEDULED` (so wakes during the poll queue the task again)
    /// and says what to do with the task.
    pub(crate) fn start_run(&self) -> Start {
        let prev = self.state.fetch_and(!SCHEDULED, Ordering::AcqRel);
        if prev & COMPLETE != 0 {
            Start::Skip
        } else if prev & ABORT != 0 {
            Start::Abort
        } else {
            Start::Poll
        }
    }

    /// True once the task has completed.
    pub(crate) fn is_complete(&self) -> bool {
        self.state.load(Ordering::Acquire) & COMPLETE != 0
    }

    /// Sets `ABORT`; true if the caller must now schedule the task (so the
    /// executor picks it up and cancels it).
    fn mark_aborted(&self) -> bool {
        let prev = self.state.fetch_or(ABORT, Ordering::AcqRel);
        prev & COMPLETE == 0 && self.mark_scheduled()
    }
}

/// What the executor sees of a task: something it can poll once, or cancel.
///
/// # Safety
///
/// An implementor must be `#[repr(C)]` with its [`Header`] as the first
/// field: [`header`](<dyn Runnable>::header) finds the header at the start
/// of the task's block without a virtual call. Only [`Task`] implements it.
pub(crate) unsafe trait Runnable: Send + Sync {
    /// Polls the future once; on `Ready` or a panic, drops the future and
    /// publishes the result to the join slot. Called only on the owning
    /// loop's thread, after [`Header::start_run`] said [`Start::Poll`].
    /// Takes the run queue's reference and releases it when done, so a
    /// poll costs no extra reference; the executor's table of live tasks
    /// keeps the task alive meanwhile.
    fn poll_once(self: Arc<Self>) -> Ran;
    /// Drops the future without polling it and resolves the `JoinHandle` as
    /// aborted (no-op if already complete). Called only on the owning
    /// loop's thread.
    fn cancel(&self);
}

impl dyn Runnable {
    /// The task's header. It sits at the start of every task's block (see
    /// the trait's safety rule), so reading it costs no virtual call: the
    /// executor reads the header several times per poll.
    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every `Runnable` is `#[repr(C)]` with a `Header` as its
        // first field (the trait's contract), so the data pointer of the
        // trait object points at that header, which lives as long as `self`.
        unsafe { &*(self as *const dyn Runnable as *const Header) }
    }
}

/// A spawned future plus everything needed to drive it. `#[repr(C)]` with
/// the header first, as [`Runnable`] requires.
#[repr(C)]
pub(crate) struct Task<F: Future> {
    header: Header,
    future: UnsafeCell<Option<F>>,
    join: Mutex<JoinSlot<F::Output>>,
}

// SAFETY: see the module docs, "Why the unsafe Send/Sync". The future cell is
// accessed only on the owning loop thread (`poll_once` and `cancel` are called
// by that loop only, and the loop cancels every live task before it is
// dropped, so the future is never dropped with the last `Arc` elsewhere). The
// output is handed only to a `JoinHandle<T>`, which is `Send` only when
// `T: Send`; a detached output is dropped by the loop thread.
unsafe impl<F: Future> Send for Task<F> {}
// SAFETY: as above; shared access from other threads is limited to atomics and
// the join slot's mutex.
unsafe impl<F: Future> Sync for Task<F> {}

impl<F> Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    /// Allocates a task (already marked `SCHEDULED`: the caller queues it).
    pub(crate) fn new(id: TaskId, schedule: Arc<dyn Schedule>, future: F) -> Arc<Task<F>> {
        Arc::new(Task {
            header: Header {
                id,
                rank: AtomicU64::new(0),
                slot: AtomicU32::new(NO_SLOT),
                state: AtomicU8::new(SCHEDULED),
                schedule,
            },
            future: UnsafeCell::new(Some(future)),
            join: Mutex::new(JoinSlot::new()),
        })
    }

    /// Drops the future (catching a panic in its destructor) and publishes
    /// `output` to the join slot.
    fn finish(&self, output: Result<F::Output, JoinError>) {
        // SAFETY: called on the owning loop thread only (from `poll_once`/`cancel`).
        let future = unsafe { &mut *self.future.get() };
        // The future's destructor is user code: a panic there must not stop
        // the bookkeeping below (see `unwind.rs`).
        unwind::contain(|| *future = None);
        self.header.state.fetch_or(COMPLETE, Ordering::AcqRel);
        JoinSlot::publish(&self.join, output);
    }
}

// SAFETY: `Task` is `#[repr(C)]` and its first field is its `Header`.
unsafe impl<F> Runnable for Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn poll_once(self: Arc<Self>) -> Ran {
        let id = self.header.id;
        let waker = borrowed_waker(&self);
        let mut cx = Context::from_waker(&waker);
        let result = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: only the owning loop thread reaches `poll_once`; the
            // future lives inside the `Arc` allocation and never moves, so
            // pinning it in place is sound.
            let slot = unsafe { &mut *self.future.get() };
            match slot.as_mut() {
                Some(f) => unsafe_pin(f).poll(&mut cx),
                None => Poll::Pending,
            }
        }));
        // `self`, the run queue's reference, is released on return.
        match result {
            Ok(Poll::Pending) => Ran::Pending,
            Ok(Poll::Ready(out)) => {
                self.finish(Ok(out));
                Ran::Ready
            }
            Err(payload) => {
                self.finish(Err(JoinError::panicked(id, payload)));
                Ran::Panicked
            }
        }
    }

    fn cancel(&self) {
        if !self.header.is_complete() {
            self.finish(Err(JoinError::aborted(self.header.id)));
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
    // long as it uses the returned waker (it lives on `poll_once`'s stack).
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
            schedule(self);
        }
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.header.mark_scheduled() {
            schedule(self.clone());
        }
    }
}

impl<F> Joinable<F::Output> for Task<F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        JoinSlot::poll(&self.join, cx)
    }

    fn abort(self: Arc<Self>) {
        if self.header.mark_aborted() {
            schedule(self);
        }
    }

    fn is_finished(&self) -> bool {
        self.header.is_complete()
    }

    fn detach(&self) {
        JoinSlot::detach(&self.join);
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
        self.header.is_complete()
    }
}
