//! `TaskHandle` is a `Future` driven by the std `Waker` only: awaited here
//! from a tiny thread-parking executor, many at once, including a failing one.
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Duration;

struct Unparker(Thread);
impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` on this thread, parking between polls; counts the polls.
fn block_on<F: Future>(fut: F) -> (F::Output, usize) {
    let waker = Waker::from(Arc::new(Unparker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return (v, polls);
        }
        std::thread::park_timeout(Duration::from_secs(5));
    }
}

#[test]
fn awaiting_a_task_handle() {
    for scheduler in Scheduler::ALL {
        awaiting_a_task_handle_under(scheduler);
    }
}

fn awaiting_a_task_handle_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let handle = pool.submit(|| {
        std::thread::sleep(Duration::from_millis(30));
        21 * 2
    });
    let (result, polls) = block_on(handle);
    assert_eq!(result.unwrap(), 42);
    assert!(polls >= 2, "the first poll should have been Pending");
}

#[test]
fn awaiting_many_handles_in_sequence_and_a_panic() {
    for scheduler in Scheduler::ALL {
        awaiting_many_handles_in_sequence_and_a_panic_under(scheduler);
    }
}

fn awaiting_many_handles_in_sequence_and_a_panic_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let handles: Vec<_> = (0..50u64).map(|i| pool.submit(move || i * i)).collect();
    let (sum, _) = block_on(async move {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..50u64).map(|i| i * i).sum::<u64>());
    let failing = pool.submit(|| -> u8 { panic!("async side sees this") });
    let (err, _) = block_on(failing);
    assert_eq!(err.unwrap_err().message(), "async side sees this");
}
