//! The executor: who runs which task, when, and for how long.
//!
//! The executor owns everything about *running* tasks, and nothing about
//! waiting for the outside world (that is the reactor's, `reactor.rs`, and
//! the timers', `timers.rs`):
//!
//! * the **run queue**, through the loop's [`Policy`](super::Policy)
//!   (`policy.rs`): which ready task is polled next;
//! * the table of **live tasks**: every spawned task that has not
//!   completed, so that dropping the loop can cancel them. A task enters it
//!   when it is spawned (or, if it was spawned from another thread, when
//!   the executor first takes it off the run queue) and leaves it when a
//!   poll completes it or it is cancelled. Both decisions are made here,
//!   and only here;
//! * the **coop budget**: how many I/O operations the running task may
//!   still complete in this poll;
//! * the **deferred list**: tasks that called `yield_now` wait there until
//!   the end of the loop's turn;
//! * the **trace** recorder (`trace.rs`).
//!
//! A task reaches the run queue in one of three ways: [`Executor::spawn`],
//! a wake on the loop's thread ([`Executor::push_woken`], called by the
//! task's schedule hook in `shared.rs`), or a wake from another thread,
//! which waits in the injection queue until the turn moves it here
//! ([`Executor::take_injected`]).
//!
//! # Fairness: why BUDGET = 61
//!
//! A task that is always ready (a `yield_now` loop, a socket that always has
//! data) must not starve timers and I/O. Two rules guarantee it, whatever
//! the policy:
//!
//! * the loop turns (polls the reactor, fires timers) after at most
//!   `BUDGET` task polls, even if the run queue is not empty;
//! * `yield_now` does not put the task straight back on the run queue: its
//!   waker is parked in the *deferred* list that the loop drains only at the
//!   end of a turn, after I/O and timers had their chance. So a task that
//!   yields in a loop runs at most once per turn.
//!
//! `BUDGET` trades latency against overhead. An `epoll_wait` with a zero
//! timeout costs roughly a microsecond; polling a small task costs tens of
//! nanoseconds. With 61 polls between reactor turns, the system call adds a
//! few percent to a busy loop, while a socket that becomes ready waits at
//! most 61 task polls. The value is prime on purpose: task sets often come in
//! round numbers (100 connections, 1,000 tasks), and a prime budget keeps
//! the turn from always falling on the same task of such a set. tokio picks
//! the same number for its current-thread scheduler's event interval.
//!
//! # A socket that always has data
//!
//! `yield_now` is voluntary. A task reading a socket that always has data
//! never meets a `Pending` and would never give the loop back. So every
//! ready I/O operation through [`Async`](super::Async) spends one unit of a
//! per-poll budget of `COOP_BUDGET` (= 128) operations; when it is spent,
//! the next operation returns `Pending` and parks the task exactly like
//! `yield_now`. 128 reads of even a few bytes amortise a loop turn well, and
//! a well-behaved task (a handful of operations per poll) never notices the
//! budget. tokio's "cooperative scheduling" budget works the same way.
//! Because a refused operation says nothing about its socket, `timeout` does
//! not judge a passed deadline while the budget is spent, nor before a turn
//! has dispatched the I/O that arrived by the deadline (`turned_at`; see
//! `timeout` in `combinators.rs`).
//!
//! # Panics
//!
//! A task's poll runs under `catch_unwind` (`task.rs`): a panicking task
//! completes with a [`JoinError`](super::JoinError) carrying its message,
//! and the loop goes on.
//!
//! Read next: `runtime.rs` (the loop's tick, which calls [`Executor::run_ready`]).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

use super::join::JoinHandle;
use super::policy::{Policy, Queue};
use super::shared::Shared;
use super::task::{Ran, Runnable, Start, Task, NO_SLOT};
use super::trace::{Kind, Phase, TaskId, Trace, WakeSource};
use super::unwind;
use crate::trace::Recorder;

/// Task polls between two turns of the loop (see "Fairness" above).
pub const BUDGET: usize = 61;

/// Ready I/O operations one task poll may complete before it is made to
/// yield (see "A socket that always has data" in the module docs).
pub const COOP_BUDGET: u32 = 128;

/// The table of live tasks, so that dropping the loop can cancel them.
#[derive(Default)]
struct TaskTable {
    slots: Vec<Option<Arc<dyn Runnable>>>,
    free: Vec<u32>,
    len: usize,
}

impl TaskTable {
    /// Stores `task`, returning its slot.
    fn insert(&mut self, task: Arc<dyn Runnable>) -> u32 {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(task);
                i
            }
            None => {
                self.slots.push(Some(task));
                // Each live task is a heap block of more than 64 bytes, so
                // memory runs out long before 4 billion of them.
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 live tasks")
            }
        }
    }

    /// Removes the task in `slot`.
    fn remove(&mut self, slot: u32) -> Option<Arc<dyn Runnable>> {
        let t = self.slots.get_mut(slot as usize)?.take();
        if t.is_some() {
            self.len -= 1;
            self.free.push(slot);
        }
        t
    }
}

/// The part of a loop that runs tasks; only the loop's thread touches it.
pub(crate) struct Executor {
    pub(crate) shared: Arc<Shared>,
    queue: RefCell<Queue>,
    deferred: RefCell<Vec<Waker>>,
    /// The second buffer of the deferred list (see `wake_deferred`).
    deferred_spare: RefCell<Vec<Waker>>,
    tasks: RefCell<TaskTable>,
    pub(crate) trace: Trace,
    /// I/O operations the running task may still complete in this poll.
    coop: Cell<u32>,
    /// When the last turn began (on the loop's clock), i.e. just before it
    /// asked the reactor for events: I/O that was ready by then has been
    /// dispatched (see `Timeout` in `combinators.rs`).
    turned_at: Cell<Instant>,
}

impl Executor {
    /// An executor with an empty run queue ordered by `policy`.
    pub(crate) fn new(
        shared: Arc<Shared>,
        policy: Policy,
        now: Instant,
        recorder: Recorder,
    ) -> Executor {
        Executor {
            shared,
            queue: RefCell::new(Queue::new(policy)),
            deferred: RefCell::new(Vec::new()),
            deferred_spare: RefCell::new(Vec::new()),
            tasks: RefCell::new(TaskTable::default()),
            trace: Trace::new(recorder),
            coop: Cell::new(COOP_BUDGET),
            turned_at: Cell::new(now),
        }
    }

    /// Spawns a task on this loop from its own thread: a new live task, at
    /// the back of the run queue (as the policy sees "back").
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = self.shared.next_task_id();
        let task = Task::new(id, self.shared.clone(), future);
        self.remember(task.clone());
        if self.trace.is_on() {
            let by = match self.trace.phase() {
                Phase::Polling(p) => Some(p),
                _ => None,
            };
            self.trace.record(Kind::Spawned { task: id, by });
        }
        self.queue.borrow_mut().push(task.clone());
        JoinHandle::new(task)
    }

    /// A task woken on the loop's thread (called by its schedule hook).
    pub(crate) fn push_woken(&self, task: Arc<dyn Runnable>) {
        if self.trace.is_on() {
            let by = self.trace.wake_source();
            self.trace.record(Kind::Woken {
                task: task.header().id,
                by,
            });
        }
        self.queue.borrow_mut().push(task);
    }

    /// Polls up to `budget` tasks from the run queue, in the policy's order.
    pub(crate) fn run_ready(&self, budget: usize) {
        for _ in 0..budget {
            let next = self.queue.borrow_mut().pop();
            match next {
                Some(task) => self.run(task),
                None => break,
            }
        }
    }

    /// Runs one task taken off the run queue: poll it, or cancel it if it
    /// was aborted, and let it leave the table of live tasks if it is done.
    fn run(&self, task: Arc<dyn Runnable>) {
        let start = task.header().start_run();
        if matches!(start, Start::Skip) {
            return;
        }
        let mut slot = task.header().slot.load(Ordering::Relaxed);
        if slot == NO_SLOT {
            // Spawned from another thread: it becomes a live task of this
            // loop the first time the loop sees it.
            slot = self.remember(task.clone());
            if self.trace.is_on() {
                let task = task.header().id;
                self.trace.record(Kind::Spawned { task, by: None });
            }
        }
        let id = task.header().id;
        if matches!(start, Start::Abort) {
            task.cancel();
            self.forget(&task);
            return;
        }
        let trace = &self.trace;
        // Read once: a poll that switches recording on or off still gets
        // both of its events or neither (and the flag costs one load).
        let traced = trace.is_on();
        if traced {
            trace.record(Kind::Polled { task: id });
            trace.set_phase(Phase::Polling(id));
        }
        self.reset_coop();
        // The table of live tasks holds the task from here on (in `slot`),
        // so the run queue's reference can go with the poll.
        let ran = task.poll_once();
        if traced {
            let kind = match ran {
                Ran::Pending => Kind::Pending { task: id },
                Ran::Ready => Kind::Ready { task: id },
                Ran::Panicked => Kind::Panicked { task: id },
            };
            trace.record(kind);
            trace.set_phase(Phase::Idle);
        }
        if ran != Ran::Pending {
            self.forget_slot(id, slot);
        }
    }

    /// Adds a task to the table of live tasks; returns its slot.
    fn remember(&self, task: Arc<dyn Runnable>) -> u32 {
        let mut tasks = self.tasks.borrow_mut();
        let slot = tasks.insert(task);
        // Through the table's own reference: no extra clone of the `Arc`.
        if let Some(Some(t)) = tasks.slots.get(slot as usize) {
            t.header().slot.store(slot, Ordering::Relaxed);
        }
        slot
    }

    /// Removes the completed task `id`, found in `slot` of the table of live
    /// tasks (the caller no longer holds a reference of its own).
    fn forget_slot(&self, id: TaskId, slot: u32) {
        self.queue.borrow_mut().forget(id);
        let removed = self.tasks.borrow_mut().remove(slot);
        if let Some(t) = &removed {
            t.header().slot.store(NO_SLOT, Ordering::Relaxed);
        }
        drop(removed); // outside the borrow
    }

    /// Removes a completed task from the table of live tasks.
    fn forget(&self, task: &Arc<dyn Runnable>) {
        self.queue.borrow_mut().forget(task.header().id);
        let slot = task.header().slot.swap(NO_SLOT, Ordering::Relaxed);
        if slot != NO_SLOT {
            let removed = self.tasks.borrow_mut().remove(slot);
            drop(removed); // outside the borrow
        }
    }

    /// Spawned tasks that have not completed yet.
    pub(crate) fn tasks_alive(&self) -> usize {
        self.tasks.borrow().len
    }

    /// Is there a task to run without waiting?
    pub(crate) fn has_ready_work(&self) -> bool {
        !self.queue.borrow().is_empty() || !self.deferred.borrow().is_empty()
    }

    /// Refills the running task's I/O budget (called before every poll).
    pub(crate) fn reset_coop(&self) {
        self.coop.set(COOP_BUDGET);
    }

    /// Takes one unit of I/O budget; when none is left, parks the task's
    /// waker like `yield_now` does and returns false.
    pub(crate) fn take_coop(&self, waker: &Waker) -> bool {
        let left = self.coop.get();
        if left == 0 {
            self.defer(waker.clone());
            return false;
        }
        self.coop.set(left - 1);
        true
    }

    /// I/O operations the running task may still complete in this poll.
    pub(crate) fn coop_left(&self) -> u32 {
        self.coop.get()
    }

    /// Notes that a turn begins at `now` (on the loop's clock).
    pub(crate) fn set_turned_at(&self, now: Instant) {
        self.turned_at.set(now);
    }

    /// Has a turn begun at or after `deadline`? Then every I/O event that
    /// happened by the deadline has been dispatched to its waker.
    pub(crate) fn turned_since(&self, deadline: Instant) -> bool {
        self.turned_at.get() >= deadline
    }

    /// Parks the waker of a task that called `yield_now` until the end of the turn.
    pub(crate) fn defer(&self, waker: Waker) {
        self.deferred.borrow_mut().push(waker);
    }

    /// Gives the tasks that yielded during the last round their turn back.
    pub(crate) fn wake_deferred(&self) {
        if self.deferred.borrow().is_empty() {
            return;
        }
        // Swap in the spare buffer so yields during the wakes below go to a
        // fresh list, and neither list is reallocated turn after turn.
        let mut deferred = std::mem::take(&mut *self.deferred_spare.borrow_mut());
        std::mem::swap(&mut deferred, &mut *self.deferred.borrow_mut());
        if self.trace.is_on() {
            self.trace.set_phase(Phase::Yields);
        }
        unwind::wake_all(&mut deferred);
        *self.deferred_spare.borrow_mut() = deferred;
        if self.trace.is_on() {
            self.trace.set_phase(Phase::Idle);
        }
    }

    /// Moves cross-thread wakes and spawns to the run queue.
    pub(crate) fn take_injected(&self) {
        if !self.shared.notified.load(Ordering::Acquire) {
            return;
        }
        self.shared.notified.store(false, Ordering::Release);
        let batch = std::mem::take(&mut self.shared.injector.lock().queue);
        let mut queue = self.queue.borrow_mut();
        for task in batch {
            if self.trace.is_on() {
                self.trace.record(Kind::Woken {
                    task: task.header().id,
                    by: WakeSource::Thread,
                });
            }
            queue.push(task);
        }
    }

    /// Cancels every task (the loop is being dropped) and hands back the
    /// deferred wakers for the caller to drop.
    pub(crate) fn shut_down(&self) -> Vec<Waker> {
        // Cancel every live task (drops its future here, on the loop thread).
        let table = std::mem::take(&mut *self.tasks.borrow_mut());
        for task in table.slots.into_iter().flatten() {
            task.header().slot.store(NO_SLOT, Ordering::Relaxed);
            task.cancel();
        }
        // Refuse further cross-thread wakes; cancel what is queued.
        let injected = {
            let mut inj = self.shared.injector.lock();
            inj.closed = true;
            std::mem::take(&mut inj.queue)
        };
        for task in injected {
            task.cancel();
        }
        loop {
            let next = self.queue.borrow_mut().pop();
            match next {
                Some(task) => task.cancel(),
                None => break,
            }
        }
        std::mem::take(&mut *self.deferred.borrow_mut())
    }
}
