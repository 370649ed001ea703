//! The executor: `EventLoop`, the run queues and the loop itself.
//!
//! This is the heart of `asyncio.run(main())`. [`EventLoop::block_on`] polls
//! a future until it completes, and while that future waits, it runs the
//! tasks spawned onto the loop, asks the OS which sockets became ready, and
//! fires timers whose deadline has passed. Everything happens on the thread
//! that called `block_on`; there is no hidden thread.
//!
//! # One tick of the loop
//!
//! ```text
//!   loop {
//!       1. if `main` (block_on's future) was woken: poll it; Ready => return
//!       2. run up to BUDGET (= 61) tasks from the local run queue
//!       3. turn the loop:
//!          a. poll the reactor (epoll_wait), blocking only if nothing is runnable,
//!             and at most until the next timer deadline; wake tasks whose
//!             sources became ready
//!          b. fire expired timers
//!          c. give tasks that called `yield_now` their turn back
//!          d. move tasks woken from other threads from the injection queue
//!             to the local run queue
//!   }
//! ```
//!
//! # Two run queues
//!
//! The **local run queue** is a `RefCell<VecDeque>` that only the loop thread
//! touches: a wake on the loop thread (the common case: a task wakes another,
//! the reactor wakes a reader, a timer fires) is a plain `push_back`, no lock,
//! no atomic beyond the task's own state word.
//!
//! The **injection queue** lives in the `Shared` half, behind a mutex, and
//! is for wakes (and `Handle::spawn`s) that come from other threads. After
//! pushing, the other thread calls `notify`, which writes to a `mio::Waker`
//! (an eventfd registered with the reactor) so that a loop blocked in
//! `epoll_wait` returns at once. A `notified` flag coalesces those writes:
//! only the first cross-thread wake after the loop last drained the queue
//! pays for the system call.
//!
//! How does a wake know which thread it is on? A thread-local pointer,
//! `CURRENT`, is set for the duration of `block_on`; a wake compares the loop
//! it belongs to with the loop in `CURRENT` (`context.rs`). The injection
//! queue, its notify protocol and `Handle` live in `shared.rs`.
//!
//! # Fairness: why BUDGET = 61
//!
//! A task that is always ready (a `yield_now` loop, a socket that always has
//! data) must not starve timers and I/O. Two rules guarantee it:
//!
//! * the loop turns (polls the reactor, fires timers) after at most
//!   `BUDGET` task polls, even if the run queue is not empty;
//! * `yield_now` does not put the task straight back on the run queue: its
//!   waker is parked in a *deferred* list that the loop drains only at the
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
//! # Skipping an empty reactor
//!
//! When no I/O source is registered at all, a non-blocking turn skips the
//! `epoll_wait`: the only thing it could report is a cross-thread wake, and
//! the injection queue is checked directly anyway.
//!
//! # Panics
//!
//! A task's poll runs under `catch_unwind`: a panicking task completes with a
//! [`JoinError`](super::JoinError) carrying its message, and the loop goes
//! on. `block_on`'s own future is polled without `catch_unwind`, so its
//! panic propagates to the caller of `block_on` (the loop stays usable).
//! Every other piece of user code the loop runs (dropping a future, an
//! output or a panic payload; waking a stored waker) is contained by
//! `unwind.rs`, so the turn's bookkeeping never stops half way.
//!
//! # Dropping the loop
//!
//! Tasks still pending when the [`EventLoop`] is dropped are cancelled: their
//! futures are dropped on the loop thread, their `JoinHandle`s report
//! `is_aborted()`. `Handle::spawn` after that returns a handle that reports
//! the same. Between two `block_on` calls, spawned tasks simply wait.
//!
//! Read next: `task.rs` (what a task is), `context.rs` and `shared.rs` (where
//! a wake goes), then `reactor.rs` and `timers.rs`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::context::{expect_local, with_local, Enter};
use super::reactor::{IoTable, WAKER_TOKEN};
use super::shared::{next_task_id, Handle, Injector, Shared};
use super::task::{JoinHandle, Runnable, Task, NO_SLOT};
use super::timers::Timers;
use super::trace::{Phase, TaskId, Trace, TraceEvent, TraceKind, WakeSource};
use super::unwind;

/// Task polls between two turns of the loop (see "Fairness" above).
pub const BUDGET: usize = 61;

/// Ready I/O operations one task poll may complete before it is made to
/// yield (see "A socket that always has data" in the module docs).
pub const COOP_BUDGET: u32 = 128;

/// The table of live tasks, so that dropping the loop can cancel them.
#[derive(Default)]
struct TaskTable {
    slots: Vec<Option<Arc<dyn Runnable>>>,
    free: Vec<usize>,
    len: usize,
}

impl TaskTable {
    /// Stores `task`, returning its slot.
    fn insert(&mut self, task: Arc<dyn Runnable>) -> usize {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(task);
                i
            }
            None => {
                self.slots.push(Some(task));
                self.slots.len() - 1
            }
        }
    }

    /// Removes the task in `slot`.
    fn remove(&mut self, slot: usize) -> Option<Arc<dyn Runnable>> {
        let t = self.slots.get_mut(slot)?.take();
        if t.is_some() {
            self.len -= 1;
            self.free.push(slot);
        }
        t
    }
}

/// The half of a loop that only its own thread touches.
pub(crate) struct Local {
    pub(crate) shared: Arc<Shared>,
    run_queue: RefCell<VecDeque<Arc<dyn Runnable>>>,
    deferred: RefCell<Vec<Waker>>,
    /// The second buffer of the deferred list (see `run_deferred`).
    deferred_spare: RefCell<Vec<Waker>>,
    tasks: RefCell<TaskTable>,
    poll: RefCell<mio::Poll>,
    events: RefCell<mio::Events>,
    wake_scratch: RefCell<Vec<Waker>>,
    pub(crate) trace: Trace,
    polls: Cell<u64>,
    /// I/O operations the running task may still complete in this poll.
    coop: Cell<u32>,
    /// When the last turn began, i.e. just before it asked the reactor for
    /// events: I/O that was ready by then has been dispatched (see
    /// `Timeout` in `combinators.rs`).
    turned_at: Cell<Instant>,
}

impl Local {
    /// Pushes a task woken on the loop thread onto the local run queue.
    pub(crate) fn push_local(&self, task: Arc<dyn Runnable>) {
        if self.trace.is_on() {
            let by = self.trace.wake_source();
            self.trace.record(TraceKind::Woken {
                task: task.header().id,
                by,
            });
        }
        self.run_queue.borrow_mut().push_back(task);
    }

    /// Adds a task to the table of live tasks.
    pub(crate) fn remember_task(&self, task: Arc<dyn Runnable>) {
        let slot = self.tasks.borrow_mut().insert(task.clone());
        task.header().slot.store(slot, Ordering::Relaxed);
        if self.trace.is_on() {
            // Only tasks that came through the injection queue get here:
            // they were spawned by another thread.
            self.trace.record(TraceKind::Spawned {
                task: task.header().id,
                by: None,
            });
        }
    }

    /// Removes a completed task from the table of live tasks.
    pub(crate) fn forget_task(&self, header: &super::task::Header) {
        let slot = header.slot.swap(NO_SLOT, Ordering::Relaxed);
        if slot != NO_SLOT {
            let removed = self.tasks.borrow_mut().remove(slot);
            drop(removed); // outside the borrow
        }
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

    /// Has a turn begun at or after `deadline`? Then every I/O event that
    /// happened by the deadline has been dispatched to its waker.
    pub(crate) fn turned_since(&self, deadline: Instant) -> bool {
        self.turned_at.get() >= deadline
    }

    /// Parks the waker of a task that called `yield_now` until the end of the turn.
    pub(crate) fn defer(&self, waker: Waker) {
        self.deferred.borrow_mut().push(waker);
    }

    /// Spawns a task on this loop from its own thread.
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = next_task_id();
        let task = Task::new(id, self.shared.clone(), future);
        let slot = self.tasks.borrow_mut().insert(task.clone());
        task_slot(&task).store(slot, Ordering::Relaxed);
        if self.trace.is_on() {
            let by = match self.trace.phase() {
                Phase::Polling(p) => Some(p),
                _ => None,
            };
            self.trace.record(TraceKind::Spawned { task: id, by });
        }
        self.run_queue.borrow_mut().push_back(task.clone());
        JoinHandle::new(task)
    }

    /// Polls up to `budget` tasks from the local run queue.
    fn run_tasks(&self, budget: usize) {
        for _ in 0..budget {
            let next = self.run_queue.borrow_mut().pop_front();
            match next {
                Some(task) => task.run(self),
                None => break,
            }
        }
    }

    /// Is there anything to run without waiting?
    fn has_ready_work(&self) -> bool {
        !self.run_queue.borrow().is_empty()
            || !self.deferred.borrow().is_empty()
            || self.shared.main_woken.load(Ordering::Acquire)
    }

    /// One turn: reactor, timers, yielded tasks, injection queue.
    fn turn(&self) {
        let timeout = if self.has_ready_work() {
            Some(Duration::ZERO)
        } else {
            let next = if self.shared.timers_len.load(Ordering::Acquire) == 0 {
                None
            } else {
                self.shared.timers.lock().next_deadline()
            };
            next.map(|d| d.saturating_duration_since(Instant::now()))
        };
        let has_sources = self.shared.io_len.load(Ordering::Acquire) > 0;
        self.turned_at.set(Instant::now());
        if timeout != Some(Duration::ZERO) || has_sources {
            self.poll_reactor(timeout);
        }
        self.fire_timers();
        self.run_deferred();
        self.drain_injector();
        self.polls.set(self.polls.get() + 1);
    }

    /// Waits for OS events (at most `timeout`) and wakes their tasks.
    fn poll_reactor(&self, timeout: Option<Duration>) {
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
        if self.trace.is_on() {
            self.trace.record(TraceKind::ReactorPoll {
                timeout,
                events: count,
            });
            self.trace.set_phase(Phase::Reactor);
        }
        let mut wakers = std::mem::take(&mut *self.wake_scratch.borrow_mut());
        super::reactor::dispatch(&self.shared, &events, &mut wakers);
        drop(events);
        unwind::wake_all(&mut wakers);
        *self.wake_scratch.borrow_mut() = wakers;
        if self.trace.is_on() {
            self.trace.set_phase(Phase::Idle);
        }
    }

    /// Wakes the tasks whose timers expired.
    fn fire_timers(&self) {
        let mut wakers = std::mem::take(&mut *self.wake_scratch.borrow_mut());
        let count = {
            if self.shared.timers_len.load(Ordering::Acquire) == 0 {
                0
            } else {
                let mut timers = self.shared.timers.lock();
                let n = timers.expire(Instant::now(), &mut wakers);
                self.shared
                    .timers_len
                    .store(timers.len(), Ordering::Release);
                n
            }
        };
        if count > 0 && self.trace.is_on() {
            self.trace.record(TraceKind::TimersFired { count });
            self.trace.set_phase(Phase::Timers);
        }
        unwind::wake_all(&mut wakers);
        if self.trace.is_on() {
            self.trace.set_phase(Phase::Idle);
        }
        *self.wake_scratch.borrow_mut() = wakers;
    }

    /// Gives the tasks that yielded during the last round their turn back.
    fn run_deferred(&self) {
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

    /// Moves cross-thread wakes and spawns to the local run queue.
    fn drain_injector(&self) {
        if !self.shared.notified.load(Ordering::Acquire) {
            return;
        }
        self.shared.notified.store(false, Ordering::Release);
        let batch = std::mem::take(&mut self.shared.injector.lock().queue);
        let mut rq = self.run_queue.borrow_mut();
        for task in batch {
            if self.trace.is_on() {
                self.trace.record(TraceKind::Woken {
                    task: task.header().id,
                    by: WakeSource::Thread,
                });
            }
            rq.push_back(task);
        }
    }
}

/// The slot index cell of a concrete task.
fn task_slot<F: Future + 'static>(task: &Arc<Task<F>>) -> &std::sync::atomic::AtomicUsize
where
    F::Output: 'static,
{
    &Runnable::header(&**task).slot
}

/// The waker of `block_on`'s own future.
struct MainWaker {
    shared: Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.shared.main_woken.swap(true, Ordering::AcqRel) {
            return;
        }
        let here = with_local(|l| {
            if Arc::ptr_eq(&l.shared, &self.shared) {
                if l.trace.is_on() {
                    let by = l.trace.wake_source();
                    l.trace.record(TraceKind::Woken {
                        task: TaskId::MAIN,
                        by,
                    });
                }
                true
            } else {
                false
            }
        });
        if here != Some(true) {
            self.shared.notify();
        }
    }
}

/// Counters that describe a loop's state; handy in tests and examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoopStats {
    /// Spawned tasks that have not completed yet.
    pub tasks_alive: usize,
    /// Timers currently registered (pending `sleep`s and `timeout`s).
    pub timers: usize,
    /// I/O sources currently registered with the reactor.
    pub io_sources: usize,
    /// How many times the loop turned (polled the reactor or skipped it).
    pub turns: u64,
}

/// A single-threaded event loop: executor, reactor and timers in one.
///
/// ```
/// use homemade::event_loop::{EventLoop, sleep, spawn};
/// use std::time::Duration;
///
/// let lp = EventLoop::new().unwrap();
/// let answer = lp.block_on(async {
///     let child = spawn(async { sleep(Duration::from_millis(1)).await; 21 });
///     child.await.unwrap() * 2
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// `EventLoop` is `!Send`: it and its tasks stay on the thread that created
/// it. Use [`EventLoop::handle`] to reach it from other threads.
pub struct EventLoop {
    local: Local,
    _not_send: PhantomData<Rc<()>>,
}

impl EventLoop {
    /// Creates a loop: an epoll instance, its wake-up eventfd, empty queues.
    pub fn new() -> io::Result<EventLoop> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let shared = Arc::new(Shared {
            injector: Mutex::new(Injector {
                queue: VecDeque::new(),
                closed: false,
            }),
            notified: AtomicBool::new(false),
            waker,
            registry,
            io: Mutex::new(IoTable::default()),
            timers: Mutex::new(Timers::default()),
            io_len: AtomicUsize::new(0),
            timers_len: AtomicUsize::new(0),
            main_woken: AtomicBool::new(false),
        });
        Ok(EventLoop {
            local: Local {
                shared,
                run_queue: RefCell::new(VecDeque::new()),
                deferred: RefCell::new(Vec::new()),
                deferred_spare: RefCell::new(Vec::new()),
                tasks: RefCell::new(TaskTable::default()),
                poll: RefCell::new(poll),
                events: RefCell::new(mio::Events::with_capacity(1024)),
                wake_scratch: RefCell::new(Vec::new()),
                trace: Trace::new(),
                polls: Cell::new(0),
                coop: Cell::new(COOP_BUDGET),
                turned_at: Cell::new(Instant::now()),
            },
            _not_send: PhantomData,
        })
    }

    /// Runs `future` to completion on this thread, running spawned tasks,
    /// I/O and timers while it waits, and returns its output.
    ///
    /// A panic inside `future` propagates to the caller. Tasks that are still
    /// pending when it returns stay on the loop and run again during the next
    /// `block_on` (or are cancelled when the loop is dropped).
    ///
    /// # Panics
    ///
    /// If called while a homemade loop is already running on this thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let local = &self.local;
        let _enter = Enter::new(local);
        let mut future = pin!(future);
        let waker = Waker::from(Arc::new(MainWaker {
            shared: local.shared.clone(),
        }));
        let mut cx = Context::from_waker(&waker);
        local.shared.main_woken.store(true, Ordering::Release);
        loop {
            if local.shared.main_woken.swap(false, Ordering::AcqRel) {
                if local.trace.is_on() {
                    local.trace.record(TraceKind::Polled { task: TaskId::MAIN });
                    local.trace.set_phase(Phase::Polling(TaskId::MAIN));
                }
                local.reset_coop();
                let polled = future.as_mut().poll(&mut cx);
                if local.trace.is_on() {
                    local.trace.set_phase(Phase::Idle);
                    let kind = if polled.is_ready() {
                        TraceKind::Ready { task: TaskId::MAIN }
                    } else {
                        TraceKind::Pending { task: TaskId::MAIN }
                    };
                    local.trace.record(kind);
                }
                if let Poll::Ready(out) = polled {
                    return out;
                }
            }
            local.run_tasks(BUDGET);
            local.turn();
        }
    }

    /// A handle to spawn onto this loop and wake it from any thread.
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.local.shared.clone(),
        }
    }

    /// Switches the trace recorder on or off (it starts off). Switching it on
    /// resets the time origin of the recorded events.
    pub fn set_tracing(&self, on: bool) {
        self.local.trace.set(on);
    }

    /// Takes the events recorded so far (see [`trace`](super::trace)).
    pub fn take_trace(&self) -> Vec<TraceEvent> {
        self.local.trace.take()
    }

    /// Current counters: live tasks, timers, I/O sources, turns.
    pub fn stats(&self) -> LoopStats {
        LoopStats {
            tasks_alive: self.local.tasks.borrow().len,
            timers: self.local.shared.timers.lock().len(),
            io_sources: self.local.shared.io.lock().len(),
            turns: self.local.polls.get(),
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        let local = &self.local;
        // Cancel every live task (drops its future here, on the loop thread).
        let table = std::mem::take(&mut *local.tasks.borrow_mut());
        for task in table.slots.into_iter().flatten() {
            task.header().slot.store(NO_SLOT, Ordering::Relaxed);
            task.cancel();
        }
        // Refuse further cross-thread wakes; cancel what is queued.
        let injected = {
            let mut inj = local.shared.injector.lock();
            inj.closed = true;
            std::mem::take(&mut inj.queue)
        };
        for task in injected {
            task.cancel();
        }
        let queued = std::mem::take(&mut *local.run_queue.borrow_mut());
        for task in queued {
            task.cancel();
        }
        // Drop stored wakers: they hold tasks, and tasks hold `Shared`. Each
        // is taken out of its table first and dropped outside any borrow or
        // lock, one by one, so a waker whose drop panics cannot stop the rest.
        let deferred = std::mem::take(&mut *local.deferred.borrow_mut());
        let timers = std::mem::take(&mut *local.shared.timers.lock());
        local.shared.timers_len.store(0, Ordering::Release);
        let io_wakers = local.shared.io.lock().take_wakers();
        deferred
            .into_iter()
            .chain(timers.into_wakers())
            .chain(io_wakers)
            .for_each(unwind::drop_contained);
    }
}

impl std::fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("stats", &self.stats())
            .finish()
    }
}

/// Spawns `future` as a task on the loop running on this thread; it runs
/// concurrently with the caller. `!Send` futures are fine: they never leave
/// this thread.
///
/// # Panics
///
/// Outside [`EventLoop::block_on`].
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    expect_local("spawn", |l| l.spawn(future))
}
