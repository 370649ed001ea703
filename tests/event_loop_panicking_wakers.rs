//! A waker that panics when the loop wakes it (a `JoinHandle`'s waiter, a
//! timer's waiter), or when the loop drops it, does not stop the loop half
//! way: every other wake of that turn still happens, `EventLoop::drop` still
//! cancels every task and drops every stored waker, and no panic escapes
//! `block_on` or the drop.

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use homemade::event_loop::{sleep, sleep_until, spawn, yield_now, EventLoop, JoinHandle};

/// A waker that panics when woken.
struct PanicOnWake;

impl Wake for PanicOnWake {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics");
    }
}

fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanicOnWake))
}

/// Polls `fut` once with a waker that panics when woken.
fn poll_once_with_panicking_waker<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = panicking_waker();
    std::pin::Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

/// Counts its drops; used to see which futures the loop dropped.
struct Counted(Rc<Cell<u32>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn run<T>(lp: &EventLoop, f: impl Future<Output = T>) -> T {
    match catch_unwind(AssertUnwindSafe(|| lp.block_on(f))) {
        Ok(v) => v,
        Err(_) => panic!("a panic escaped block_on"),
    }
}

fn pending_task(drops: &Rc<Cell<u32>>) -> JoinHandle<()> {
    let c = Counted(drops.clone());
    spawn(async move {
        let _c = c;
        std::future::pending::<()>().await;
    })
}

#[test]
fn dropping_the_loop_cancels_every_task_when_a_join_waker_panics() {
    let drops = Rc::new(Cell::new(0));
    let lp = EventLoop::new().unwrap();
    let (mut first, second) = run(&lp, async {
        let handles = (pending_task(&drops), pending_task(&drops));
        yield_now().await;
        handles
    });
    // Someone waits for `first` with a waker that panics when woken: the
    // loop wakes it when the drop cancels `first`.
    assert!(poll_once_with_panicking_waker(&mut first).is_pending());
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(lp)));
    assert!(dropped.is_ok(), "a panic escaped EventLoop::drop");
    assert_eq!(drops.get(), 2, "both futures were dropped");
    assert!(first.is_finished());
    assert!(second.is_finished());
}

#[test]
fn a_join_waker_that_panics_does_not_escape_block_on() {
    let lp = EventLoop::new().unwrap();
    let out = run(&lp, async {
        let mut h = spawn(async {
            yield_now().await;
            5
        });
        assert!(poll_once_with_panicking_waker(&mut h).is_pending());
        while !h.is_finished() {
            yield_now().await;
        }
        h.await.unwrap()
    });
    assert_eq!(out, 5);
    assert_eq!(lp.stats().tasks_alive, 0);
}

#[test]
fn a_timer_waker_that_panics_does_not_lose_the_other_timers_wakes() {
    let lp = EventLoop::new().unwrap();
    let woke = run(&lp, async {
        let at = Instant::now() + Duration::from_millis(20);
        // First in the timer table (same deadline, created first): a sleep
        // whose registered waker panics.
        let mut doomed = pin!(sleep_until(at));
        let waker = panicking_waker();
        assert!(doomed
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        // Second: an ordinary task sleeping until the same instant.
        let sleeper = spawn(async move {
            sleep_until(at).await;
            true
        });
        sleeper.await.unwrap()
    });
    assert!(woke);
    assert_eq!(lp.stats().timers, 0);
}

/// A waker whose last drop panics.
struct PanicOnDrop;

impl Wake for PanicOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("this waker's drop panics");
    }
}

#[test]
fn dropping_the_loop_survives_a_stored_waker_whose_drop_panics() {
    let drops = Rc::new(Cell::new(0));
    let lp = EventLoop::new().unwrap();
    let (doomed, task) = run(&lp, async {
        // A sleep registered with that waker; we drop our own clone, so
        // the loop's timer table holds the waker's last reference.
        let mut doomed = sleep(Duration::from_secs(3600));
        let waker = Waker::from(Arc::new(PanicOnDrop));
        assert!(std::pin::Pin::new(&mut doomed)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(waker);
        let task = pending_task(&drops);
        yield_now().await;
        (doomed, task)
    });
    let dropped = catch_unwind(AssertUnwindSafe(|| drop(lp)));
    assert!(dropped.is_ok(), "a panic escaped EventLoop::drop");
    assert_eq!(drops.get(), 1);
    assert!(task.is_finished());
    drop(doomed); // its entry went with the loop's timer table
}
