//! A user value whose `Drop` panics, dropped by the loop itself (a task's
//! panic payload, its future, its unread output), does not escape
//! `block_on` and does not leave the task alive: the loop finishes its
//! bookkeeping, the task's `JoinHandle` reports the right result, and the
//! loop stays usable (or is dropped cleanly).

use std::cell::Cell;
use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};
use std::rc::Rc;

use homemade::event_loop::{spawn, yield_now, EventLoop};

/// A value whose destructor panics, with another `BadDrop` as the payload:
/// catching that panic and dropping its payload panics once more.
struct BadDrop;

impl Drop for BadDrop {
    fn drop(&mut self) {
        panic_any(BadDrop);
    }
}

/// Counts its drops; used to see which futures the loop dropped.
struct Counted(Rc<Cell<u32>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A future that is ready at once with 7, keeping a `BadDrop` inside.
struct ReadyHoldingBadDrop(#[allow(dead_code)] BadDrop);

impl std::future::Future for ReadyHoldingBadDrop {
    type Output = i32;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<i32> {
        std::task::Poll::Ready(7)
    }
}

/// Runs `f` on the loop, turning a panic that escapes `block_on` into a
/// test failure with a readable message.
fn run<T>(lp: &EventLoop, f: impl std::future::Future<Output = T>) -> T {
    match catch_unwind(AssertUnwindSafe(|| lp.block_on(f))) {
        Ok(v) => v,
        Err(payload) => {
            std::mem::forget(payload); // it may be a `BadDrop`
            panic!("a panic escaped block_on")
        }
    }
}

#[test]
fn a_panic_payload_whose_drop_panics_stays_inside_the_task() {
    let lp = EventLoop::new().unwrap();
    let err = run(&lp, async {
        let h = spawn(async {
            yield_now().await;
            panic_any(BadDrop);
        });
        h.await.unwrap_err()
    });
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("<non-string panic payload>"));
    assert_eq!(lp.stats().tasks_alive, 0);
    // Still usable.
    assert_eq!(run(&lp, async { spawn(async { 3 }).await.unwrap() }), 3);
}

#[test]
fn a_future_whose_drop_panics_still_completes_its_task() {
    let lp = EventLoop::new().unwrap();
    let out = run(&lp, async {
        // The `BadDrop` lives in the future itself and is still there when
        // the future returns `Ready`: the loop's drop of the finished future
        // is what panics.
        let h = spawn(ReadyHoldingBadDrop(BadDrop));
        h.await
    });
    assert_eq!(out.unwrap(), 7);
    assert_eq!(lp.stats().tasks_alive, 0);
}

#[test]
fn a_detached_output_whose_drop_panics_is_dropped_quietly() {
    let lp = EventLoop::new().unwrap();
    let left = run(&lp, async {
        let h = spawn(async {
            yield_now().await;
            BadDrop
        });
        drop(h); // detached: the loop drops the output when the task ends
        let other = spawn(async {
            for _ in 0..5 {
                yield_now().await;
            }
            11
        });
        other.await.unwrap()
    });
    assert_eq!(left, 11);
    assert_eq!(lp.stats().tasks_alive, 0);
}

#[test]
fn dropping_the_loop_cancels_every_task_even_if_a_future_drop_panics() {
    let drops = Rc::new(Cell::new(0));
    let lp = EventLoop::new().unwrap();
    let handles = run(&lp, {
        let drops = drops.clone();
        async move {
            let first = {
                let c = Counted(drops.clone());
                spawn(async move {
                    let _c = c;
                    let _bad = BadDrop; // dropped first: declared last
                    std::future::pending::<()>().await;
                })
            };
            let second = {
                let c = Counted(drops.clone());
                spawn(async move {
                    let _c = c;
                    std::future::pending::<()>().await;
                })
            };
            yield_now().await; // both tasks reach their `pending()`
            (first, second)
        }
    });
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(lp))) {
        std::mem::forget(payload); // it may be a `BadDrop`
        panic!("a panic escaped EventLoop::drop");
    }
    assert_eq!(drops.get(), 2, "both futures were dropped");
    let (first, second) = handles;
    assert!(first.is_finished() && second.is_finished());
}
