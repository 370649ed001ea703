//! `EventLoop`: the executor, the reactor and the timers, turned by one loop.
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
//!       2. run up to BUDGET (= 61) tasks, in the order the policy picks
//!       3. turn the loop:
//!          a. poll the reactor (epoll_wait), blocking only if nothing is runnable,
//!             and at most until the next timer deadline; wake tasks whose
//!             sources became ready. With a paused clock, never block while a
//!             timer is pending: if the poll brought nothing, jump the clock
//!             to the next deadline instead
//!          b. fire expired timers
//!          c. give tasks that called `yield_now` their turn back
//!          d. move tasks woken from other threads from the injection queue
//!             to the run queue
//!   }
//! ```
//!
//! Step 2 is the executor's (`executor.rs`), 3a the reactor's
//! (`reactor.rs`), 3b the timers' (`timers.rs`); this file only says when
//! each runs. DESIGN.md §1.2 follows one task through all of them.
//!
//! # Skipping an empty reactor
//!
//! When no I/O source is registered at all, a non-blocking turn skips the
//! `epoll_wait`: the only thing it could report is a cross-thread wake, and
//! the injection queue is checked directly anyway.
//!
//! # Panics
//!
//! `block_on`'s own future is polled without `catch_unwind`, so its panic
//! propagates to the caller of `block_on` (the loop stays usable). Every
//! other piece of user code the loop runs (polling a task, dropping a
//! future, an output or a panic payload; waking a stored waker) is contained
//! (`task.rs`, `unwind.rs`), so the turn's bookkeeping never stops half way.
//!
//! # Dropping the loop
//!
//! Tasks still pending when the [`EventLoop`] is dropped are cancelled: their
//! futures are dropped on the loop thread, their `JoinHandle`s report
//! `is_aborted()`. `Handle::spawn` after that returns a handle that reports
//! the same. Between two `block_on` calls, spawned tasks simply wait.
//!
//! Read next: `executor.rs`, then `task.rs`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use super::clock::Clock;
use super::context::{expect_running_loop, with_running_loop, Enter};
use super::executor::{Executor, BUDGET};
use super::explore;
use super::join::JoinHandle;
use super::policy::Policy;
use super::reactor::Reactor;
use super::shared::{Handle, Shared};
use super::trace::{Kind, Phase, TaskId};
use super::unwind;
use crate::trace::Recorder;

/// Everything a running loop is made of; `CURRENT` (`context.rs`) points here.
pub(crate) struct Core {
    pub(crate) executor: Executor,
    pub(crate) reactor: Reactor,
    pub(crate) clock: Clock,
    /// How many times the loop turned.
    turns: Cell<u64>,
    /// Reused buffer for the wakers of expired timers.
    timer_scratch: RefCell<Vec<Waker>>,
}

impl Core {
    /// One turn: reactor, timers, yielded tasks, injection queue.
    fn turn(&self) {
        let ex = &self.executor;
        let shared = &ex.shared;
        let runnable = ex.has_ready_work() || shared.main_woken.load(Ordering::Acquire);
        let now = self.clock.now();
        let next_deadline = if shared.timers_len.load(Ordering::Acquire) == 0 {
            None
        } else {
            shared.timers.lock().next_deadline()
        };
        let timeout = if runnable || (self.clock.is_paused() && next_deadline.is_some()) {
            Some(Duration::ZERO)
        } else {
            next_deadline.map(|d| d.saturating_duration_since(now))
        };
        ex.set_turned_at(now);
        let events = if timeout != Some(Duration::ZERO) || self.reactor.registrations.len() > 0 {
            self.reactor.poll(timeout, &ex.trace)
        } else {
            0
        };
        if self.clock.is_paused()
            && !runnable
            && events == 0
            && !shared.notified.load(Ordering::Acquire)
        {
            // Virtual time: nothing to run and nothing from the OS, so the
            // next thing that can happen is the next timer. Go there.
            if let Some(deadline) = next_deadline {
                self.clock.advance_to(deadline);
            }
        }
        self.fire_timers();
        ex.wake_deferred();
        ex.take_injected();
        self.turns.set(self.turns.get() + 1);
    }

    /// Wakes the tasks whose timers expired.
    fn fire_timers(&self) {
        let shared = &self.executor.shared;
        if shared.timers_len.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut wakers = std::mem::take(&mut *self.timer_scratch.borrow_mut());
        let count = {
            let mut timers = shared.timers.lock();
            let n = timers.expire(self.clock.now(), &mut wakers);
            shared.timers_len.store(timers.len(), Ordering::Release);
            n
        };
        let trace = &self.executor.trace;
        if count > 0 && trace.is_on() {
            trace.record(Kind::TimersFired { count });
            trace.set_phase(Phase::Timers);
        }
        unwind::wake_all(&mut wakers);
        *self.timer_scratch.borrow_mut() = wakers;
        if trace.is_on() {
            trace.set_phase(Phase::Idle);
        }
    }
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
        let here = with_running_loop(|l| {
            let ex = &l.executor;
            if Arc::ptr_eq(&ex.shared, &self.shared) {
                if ex.trace.is_on() {
                    let by = ex.trace.wake_source();
                    ex.trace.record(Kind::Woken {
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

/// Configures an [`EventLoop`] before it is built; see [`EventLoop::builder`].
#[derive(Debug, Default)]
pub struct Builder {
    policy: Policy,
    paused: bool,
    recorder: Option<Recorder>,
}

impl Builder {
    /// Which ready task runs next (default [`Policy::Fifo`]).
    pub fn policy(mut self, policy: Policy) -> Builder {
        self.policy = policy;
        self
    }

    /// Virtual time: when nothing can run and the reactor has nothing to
    /// report, jump the clock to the next timer instead of sleeping
    /// (`clock.rs`). Read the loop's clock with [`now`](super::now).
    pub fn paused_clock(mut self, paused: bool) -> Builder {
        self.paused = paused;
        self
    }

    /// Records the loop's events into `recorder` (default: the one
    /// installed with [`trace::install_default`](crate::trace::install_default),
    /// or a private one that starts off). See [`EventLoop::recorder`].
    pub fn recorder(mut self, recorder: Recorder) -> Builder {
        self.recorder = Some(recorder);
        self
    }

    /// Creates the loop: an epoll instance, its wake-up eventfd, empty queues.
    pub fn build(self) -> io::Result<EventLoop> {
        let (reactor, waker) = Reactor::new()?;
        let shared = Arc::new(Shared::new(waker));
        let clock = Clock::new(self.paused);
        let recorder = self.recorder.unwrap_or_else(crate::trace::default_recorder);
        let executor = Executor::new(shared, self.policy, clock.now(), recorder);
        if explore::is_recording() {
            executor.trace.recorder().enable();
        }
        Ok(EventLoop {
            core: Core {
                executor,
                reactor,
                clock,
                turns: Cell::new(0),
                timer_scratch: RefCell::new(Vec::new()),
            },
            _not_send: PhantomData,
        })
    }
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
    core: Core,
    _not_send: PhantomData<Rc<()>>,
}

impl EventLoop {
    /// Creates a loop with the default settings (FIFO, real time).
    pub fn new() -> io::Result<EventLoop> {
        Builder::default().build()
    }

    /// Starts configuring a loop (policy, virtual time).
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Runs `future` to completion on this thread, running spawned tasks,
    /// I/O and timers while it waits, and returns its output.
    ///
    /// A panic inside `future` propagates to the caller. Tasks that are still
    /// pending when it returns stay on the loop and run again during the next
    /// `block_on` (or are cancelled when the loop is dropped).
    ///
    /// ```
    /// use homemade::event_loop::{sleep, EventLoop};
    /// use std::time::Duration;
    ///
    /// let lp = EventLoop::new().unwrap();
    /// let first = lp.block_on(async { 1 + 1 });
    /// // The same loop runs another future afterwards.
    /// let second = lp.block_on(async {
    ///     sleep(Duration::from_millis(1)).await;
    ///     first * 10
    /// });
    /// assert_eq!(second, 20);
    /// ```
    ///
    /// # Panics
    ///
    /// If called while a homemade loop is already running on this thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let core = &self.core;
        let ex = &core.executor;
        let _enter = Enter::new(core);
        let _lane = crate::trace::current::enter(ex.trace.recorder(), ex.trace.lane());
        let mut future = pin!(future);
        let waker = Waker::from(Arc::new(MainWaker {
            shared: ex.shared.clone(),
        }));
        let mut cx = Context::from_waker(&waker);
        ex.shared.main_woken.store(true, Ordering::Release);
        loop {
            if ex.shared.main_woken.swap(false, Ordering::AcqRel) {
                if ex.trace.is_on() {
                    ex.trace.record(Kind::Polled { task: TaskId::MAIN });
                    ex.trace.set_phase(Phase::Polling(TaskId::MAIN));
                }
                ex.reset_coop();
                let polled = future.as_mut().poll(&mut cx);
                if ex.trace.is_on() {
                    ex.trace.set_phase(Phase::Idle);
                    let kind = if polled.is_ready() {
                        Kind::Ready { task: TaskId::MAIN }
                    } else {
                        Kind::Pending { task: TaskId::MAIN }
                    };
                    ex.trace.record(kind);
                }
                if let Poll::Ready(out) = polled {
                    return out;
                }
            }
            ex.run_ready(BUDGET);
            core.turn();
        }
    }

    /// A handle to spawn onto this loop and wake it from any thread.
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.core.executor.shared.clone(),
        }
    }

    /// The loop's trace recorder (off unless the builder was given one that
    /// is on): `enable()` it to record every scheduling step on the loop's
    /// lane, `take()` the events (see `event_loop/trace.rs` and
    /// [`trace`](crate::trace)).
    pub fn recorder(&self) -> &Recorder {
        self.core.executor.trace.recorder()
    }

    /// Current counters: live tasks, timers, I/O sources, turns.
    pub fn stats(&self) -> LoopStats {
        LoopStats {
            tasks_alive: self.core.executor.tasks_alive(),
            timers: self.core.executor.shared.timers.lock().len(),
            io_sources: self.core.reactor.registrations.len(),
            turns: self.core.turns.get(),
        }
    }

    /// How far this loop's paused clock has jumped ahead of real time (zero
    /// for a loop with a real clock).
    pub fn time_jumped(&self) -> Duration {
        self.core.clock.jumped()
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        let core = &self.core;
        let deferred = core.executor.shut_down();
        // Drop stored wakers: they hold tasks, and tasks hold `Shared`. Each
        // is taken out of its table first and dropped outside any borrow or
        // lock, one by one, so a waker whose drop panics cannot stop the rest.
        let shared = &core.executor.shared;
        let timers = std::mem::take(&mut *shared.timers.lock());
        shared.timers_len.store(0, Ordering::Release);
        let io_wakers = core.reactor.take_wakers();
        deferred
            .into_iter()
            .chain(timers.into_wakers())
            .chain(io_wakers)
            .for_each(unwind::drop_contained);
        if explore::is_recording() {
            explore::keep_schedule(&core.executor.trace.recorder().take());
        }
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
/// The [`JoinHandle`] is a future for the task's output (an `Err` if it
/// panicked or was aborted); dropping it lets the task run on, detached.
///
/// ```
/// use homemade::event_loop::{sleep, spawn, EventLoop};
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let lp = EventLoop::new().unwrap();
/// lp.block_on(async {
///     let shared = Rc::new(5); // not Send: fine, the task stays on this thread
///     let doubled = spawn({
///         let shared = Rc::clone(&shared);
///         async move { *shared * 2 }
///     });
///     assert_eq!(doubled.await.unwrap(), 10);
///
///     let forever = spawn(sleep(Duration::from_secs(3600)));
///     forever.abort();
///     assert!(forever.await.unwrap_err().is_aborted());
///
///     let failing = spawn(async { panic!("task failed") });
///     assert_eq!(failing.await.unwrap_err().panic_message(), Some("task failed"));
/// });
/// ```
///
/// # Panics
///
/// Outside [`EventLoop::block_on`].
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    expect_running_loop("spawn", |l| l.executor.spawn(future))
}
