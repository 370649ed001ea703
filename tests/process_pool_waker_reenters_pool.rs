//! A waker that calls back into the pool when it is woken (here: it asks
//! another handle `is_finished`, which locks the pool's state) must not
//! deadlock. The pool wakes wakers only after releasing its lock, as the rest
//! of the crate does.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use homemade::event_loop::EventLoop;
use homemade::process_pool::{ProcessPool, TaskHandle};

/// A waker whose `wake` touches another handle of the same pool.
struct Reenter {
    other: Mutex<Option<TaskHandle<u64>>>,
    woken: AtomicUsize,
}

impl Wake for Reenter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(h) = self.other.lock().unwrap().as_ref() {
            let _ = h.is_finished();
        }
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
}

fn a_waker_that_calls_into_the_pool_does_not_deadlock() {
    let pool = ProcessPool::new(1, |ms: u64| {
        std::thread::sleep(Duration::from_millis(ms));
        ms
    })
    .unwrap();
    let ev = EventLoop::new().unwrap();
    let mut first = pool.submit(100);
    let reenter = Arc::new(Reenter {
        other: Mutex::new(Some(pool.submit(1))),
        woken: AtomicUsize::new(0),
    });
    let waker = Waker::from(reenter.clone());
    // Poll `first` once on the loop, so the pool stores our waker.
    let polled = ev.block_on(std::future::poll_fn(|_| {
        let mut cx = Context::from_waker(&waker);
        Poll::Ready(Pin::new(&mut first).poll(&mut cx).is_pending())
    }));
    assert!(polled, "the 100 ms task cannot be finished yet");
    // Another thread waits for a third task; its pump completes `first` and
    // wakes our waker.
    let third = pool.submit(1);
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(third.join());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(result) => assert_eq!(result.unwrap(), 1),
        Err(_) => {
            // Deadlocked: every further lock would hang too, so leave it all.
            std::mem::forget(first);
            std::mem::forget(reenter);
            std::mem::forget(pool);
            std::mem::forget(ev);
            panic!("deadlock: the pool woke a waker while holding its state lock");
        }
    }
    waiter.join().unwrap();
    assert!(
        reenter.woken.load(Ordering::SeqCst) >= 1,
        "the waker was woken"
    );
    drop(reenter.other.lock().unwrap().take());
    drop(first);
    drop(ev);
    pool.close();
}

fn main() {
    common::run_both(common::cases![
        a_waker_that_calls_into_the_pool_does_not_deadlock
    ])
}
