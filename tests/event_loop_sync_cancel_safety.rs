//! A waiter of `sync::Mutex` / `sync::Semaphore` that is dropped loses
//! neither the lock nor a wake-up: a dropped queued waiter just leaves the
//! queue, and a dropped waiter that had already been *handed* the lock (it
//! was woken but never polled again) passes it on to the next waiter and
//! wakes it.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use homemade::event_loop::sync::{Mutex, TryAcquireError};
use homemade::event_loop::{spawn, yield_now};

mod event_loop_policies;
use event_loop_policies::each_policy;

/// Counts its wakes.
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Counter>, Waker) {
    let c = Arc::new(Counter(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

fn poll<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

/// Every loop-based case is bounded: a lost lock or wake-up fails the test
/// instead of hanging it.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    homemade::event_loop::timeout(std::time::Duration::from_secs(10), f)
        .await
        .expect("finished in time (no lost lock or wake-up)")
}

#[test]
fn a_dropped_waiter_that_was_handed_the_lock_passes_it_on() {
    let m = Mutex::new(0);
    let holder = m.try_lock().unwrap();
    let (b_wakes, b_waker) = counter();
    let (c_wakes, c_waker) = counter();
    let mut b = Box::pin(m.lock());
    let mut c = Box::pin(m.lock());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    assert!(poll(c.as_mut(), &c_waker).is_pending());
    drop(holder); // hands the lock to `b` and wakes it
    assert_eq!(b_wakes.0.load(Ordering::SeqCst), 1);
    assert_eq!(c_wakes.0.load(Ordering::SeqCst), 0);
    assert_eq!(m.try_lock().err(), Some(TryAcquireError::NoPermits));
    drop(b); // cancelled before it saw the hand-off
    assert_eq!(
        c_wakes.0.load(Ordering::SeqCst),
        1,
        "the wake-up went on to c"
    );
    let Poll::Ready(mut g) = poll(c.as_mut(), &c_waker) else {
        panic!("c was handed the lock");
    };
    *g += 1;
    drop(g);
    drop(c);
    assert_eq!(*m.try_lock().expect("unlocked at the end"), 1);
}

#[test]
fn a_dropped_queued_waiter_just_leaves_the_queue() {
    let m = Mutex::new(());
    let holder = m.try_lock().unwrap();
    let (_, b_waker) = counter();
    let (c_wakes, c_waker) = counter();
    let mut b = Box::pin(m.lock());
    let mut c = Box::pin(m.lock());
    assert!(poll(b.as_mut(), &b_waker).is_pending());
    assert!(poll(c.as_mut(), &c_waker).is_pending());
    drop(b); // not handed anything yet
    drop(holder);
    assert_eq!(c_wakes.0.load(Ordering::SeqCst), 1);
    assert!(poll(c.as_mut(), &c_waker).is_ready());
}

#[test]
fn an_aborted_task_that_was_handed_the_lock_does_not_keep_it() {
    each_policy(|lp| {
        let got = lp.block_on(bounded(async {
            let m = Rc::new(Mutex::new(Vec::new()));
            let holder = m.try_lock().unwrap();
            let waiter = |name: &'static str| {
                let m = m.clone();
                spawn(async move { m.lock().await.push(name) })
            };
            let (b, c) = (waiter("b"), waiter("c"));
            yield_now().await; // both queue
            drop(holder); // hands the lock to b (woken, not yet run) ...
            b.abort(); // ... which is aborted before it runs
            assert!(b.await.unwrap_err().is_aborted());
            c.await.unwrap();
            let got = m.lock().await.clone();
            got
        }));
        assert_eq!(got, vec!["c"]);
    });
}
