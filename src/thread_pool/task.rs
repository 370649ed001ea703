//! `submit` and [`TaskHandle`]: a result you can block on *or* `.await`.
//!
//! # The one-shot slot
//!
//! `submit` creates a slot shared (through an `Arc`) by two ends: the job,
//! which fills it once, and the [`TaskHandle`], which empties it once. The
//! slot is a small mutex-protected state with a condition variable for the
//! blocking side and an `Option<Waker>` for the async side:
//!
//! * `handle.join()` locks, and waits on the condition variable until a
//!   result is there: Python's `future.result()`.
//! * `handle.await` (the `Future` impl) locks; if the result is there it
//!   returns it, otherwise it stores the task's `Waker` and returns
//!   `Pending`. Only `std::task::Waker` is used, so any executor works,
//!   including our own `event_loop`: this is asyncio's `run_in_executor`,
//!   CPU work on the pool while the loop keeps serving other tasks.
//! * The job, when done, locks, stores the result, takes the waker, signals
//!   the condition variable, unlocks, and only then calls `wake` (never
//!   wake while holding a lock another thread may need).
//!
//! Because storing the waker and storing the result both happen under the
//! same lock, a result can never arrive "between" the check and the
//! storing of the waker: no lost wake-up for the awaiting task.
//!
//! If the job is dropped without having run (it cannot be, in normal use:
//! the pool runs every queued job before it goes away), the handle gets a
//! `TaskPanicked` error instead of waiting forever.
//!
//! Read next: `gil.rs` (the simulated global interpreter lock).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::{Condvar, Mutex};

use super::registry::Registry;
use super::worker::WorkerThread;
use crate::panics::panic_message;

/// The error of a task whose closure panicked.
pub struct TaskPanicked {
    message: String,
    payload: std::sync::Mutex<Option<Box<dyn Any + Send>>>,
}

impl TaskPanicked {
    fn from_payload(payload: Box<dyn Any + Send>) -> Self {
        TaskPanicked {
            message: panic_message(payload.as_ref()),
            payload: std::sync::Mutex::new(Some(payload)),
        }
    }

    fn never_ran() -> Self {
        TaskPanicked {
            message: String::from("the task was dropped before it ran"),
            payload: std::sync::Mutex::new(None),
        }
    }

    /// The panic message (`"<non-string panic payload>"` if it was not a string).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The original panic payload, e.g. to `std::panic::resume_unwind` it.
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        let payload = self.payload.into_inner().unwrap_or_else(|p| p.into_inner());
        payload.unwrap_or_else(|| Box::new(self.message))
    }
}

impl fmt::Debug for TaskPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskPanicked")
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for TaskPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task panicked: {}", self.message)
    }
}

impl std::error::Error for TaskPanicked {}

/// The state behind both ends.
struct Slot<R> {
    state: Mutex<SlotState<R>>,
    done: Condvar,
}

struct SlotState<R> {
    result: Option<Result<R, TaskPanicked>>,
    waker: Option<Waker>,
    completed: bool,
}

/// The waiting end of a `submit`ted task: `.join()` it or `.await` it.
///
/// Dropping the handle detaches the task: it still runs, its result is
/// dropped.
#[must_use = "dropping a TaskHandle detaches the task; join or await it to get the result"]
pub struct TaskHandle<R> {
    slot: Arc<Slot<R>>,
    /// The pool that runs the task, so that `join` called on one of its
    /// own workers can help instead of blocking the worker.
    registry: Arc<Registry>,
}

/// The filling end, owned by the job.
pub(crate) struct Completer<R> {
    slot: Option<Arc<Slot<R>>>,
}

/// A fresh empty slot and its two ends.
pub(crate) fn task_slot<R>(registry: Arc<Registry>) -> (TaskHandle<R>, Completer<R>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(SlotState {
            result: None,
            waker: None,
            completed: false,
        }),
        done: Condvar::new(),
    });
    (
        TaskHandle {
            slot: slot.clone(),
            registry,
        },
        Completer { slot: Some(slot) },
    )
}

impl<R> Completer<R> {
    /// Runs `f`, catching a panic, and stores the outcome.
    pub(crate) fn run(mut self, f: impl FnOnce() -> R) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(TaskPanicked::from_payload);
        if let Some(slot) = self.slot.take() {
            fill(&slot, outcome);
        }
    }
}

impl<R> Drop for Completer<R> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            fill(&slot, Err(TaskPanicked::never_ran()));
        }
    }
}

/// Stores the outcome, signals a blocked `join`, wakes an awaiting task.
fn fill<R>(slot: &Slot<R>, outcome: Result<R, TaskPanicked>) {
    let waker = {
        let mut state = slot.state.lock();
        state.result = Some(outcome);
        state.completed = true;
        slot.done.notify_all();
        state.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<R> TaskHandle<R> {
    /// Blocks the calling thread until the task is done; its result, or
    /// `TaskPanicked` if the closure panicked.
    ///
    /// Called on a worker of the pool that runs the task (a job waiting for
    /// another job), it does not just block, which could deadlock a small
    /// pool: it keeps running queued jobs, and naps 1 ms at a time only
    /// when there are none. `join` and `scope` are the better tools there.
    pub fn join(self) -> Result<R, TaskPanicked> {
        let registry = self.registry.clone();
        WorkerThread::with_current_in(&registry, move |worker| match worker {
            Some(worker) => self.join_on_worker(worker),
            None => self.join_blocking(),
        })
    }

    /// `join` on a thread outside the task's pool: block until it is done.
    fn join_blocking(self) -> Result<R, TaskPanicked> {
        let mut state = self.slot.state.lock();
        while state.result.is_none() {
            self.slot.done.wait(&mut state);
        }
        state.result.take().expect("checked above")
    }

    /// `join` on a worker of the task's own pool: help until it is done.
    fn join_on_worker(self, worker: &WorkerThread) -> Result<R, TaskPanicked> {
        loop {
            {
                let mut state = self.slot.state.lock();
                if let Some(result) = state.result.take() {
                    return result;
                }
                if worker.peek_has_work() {
                    drop(state);
                } else {
                    // Nothing to help with: nap, but never for long, since a
                    // job that our result depends on may be queued later.
                    self.slot
                        .done
                        .wait_for(&mut state, std::time::Duration::from_millis(1));
                    continue;
                }
            }
            if let Some(job) = worker.find_work() {
                worker.execute(job);
            }
        }
    }

    /// Whether the task has finished (successfully or not).
    pub fn is_finished(&self) -> bool {
        self.slot.state.lock().completed
    }
}

impl<R> Future for TaskHandle<R> {
    type Output = Result<R, TaskPanicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.state.lock();
        if let Some(result) = state.result.take() {
            return Poll::Ready(result);
        }
        assert!(
            !state.completed,
            "TaskHandle polled again after it returned Ready"
        );
        match &state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<R> fmt::Debug for TaskHandle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
