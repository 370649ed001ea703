//! Random sequences of acquire, poll, drop-a-waiter, release, try_acquire
//! and add_permits on a `sync::Semaphore`: the permits in use never exceed
//! the permits that exist, a woken waiter always finds its permit, and at
//! the end every waiter gets through and every permit comes back.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use homemade::event_loop::sync::{Acquire, Semaphore, SemaphorePermit};
use proptest::prelude::*;

struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Start an `acquire` and poll it once.
    Acquire,
    /// Poll the i-th pending waiter (modulo their number).
    Poll(usize),
    /// Drop the i-th pending waiter.
    DropWaiter(usize),
    /// Drop the i-th held permit.
    Release(usize),
    TryAcquire,
    AddPermits(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Acquire),
        3 => any::<usize>().prop_map(Op::Poll),
        1 => any::<usize>().prop_map(Op::DropWaiter),
        3 => any::<usize>().prop_map(Op::Release),
        1 => Just(Op::TryAcquire),
        1 => (0usize..3).prop_map(Op::AddPermits),
    ]
}

struct Pending<'a> {
    fut: Pin<Box<Acquire<'a>>>,
    wakes: Arc<Counter>,
    waker: Waker,
}

impl<'a> Pending<'a> {
    fn poll(&mut self) -> Poll<SemaphorePermit<'a>> {
        let woken = self.wakes.0.load(Ordering::SeqCst) > 0;
        let p = self
            .fut
            .as_mut()
            .poll(&mut Context::from_waker(&self.waker));
        let p = p.map(|r| r.expect("never closed"));
        if woken {
            assert!(p.is_ready(), "a woken waiter must find its permit");
        }
        p
    }
}

fn check(sem: &Semaphore, total: usize, held: usize, pending: &[Pending<'_>]) {
    let avail = sem.available_permits();
    assert!(held <= total, "{held} permits held, only {total} exist");
    // Granted-but-not-yet-polled waiters hold the rest.
    let granted = pending
        .iter()
        .filter(|p| p.wakes.0.load(Ordering::SeqCst) > 0)
        .count();
    assert_eq!(
        held + granted + avail,
        total,
        "permits were lost or made up"
    );
    if avail > 0 {
        assert_eq!(sem.waiters(), 0, "a free permit while tasks wait");
    }
}

proptest! {
    #[test]
    fn permits_are_never_exceeded_nor_lost(initial in 0usize..4, ops in prop::collection::vec(op(), 0..80)) {
        let sem = Semaphore::new(initial);
        let mut total = initial;
        let mut held: Vec<SemaphorePermit<'_>> = Vec::new();
        let mut pending: Vec<Pending<'_>> = Vec::new();
        for op in ops {
            match op {
                Op::Acquire => {
                    let wakes = Arc::new(Counter(AtomicUsize::new(0)));
                    let mut p = Pending {
                        fut: Box::pin(sem.acquire()),
                        waker: Waker::from(wakes.clone()),
                        wakes,
                    };
                    match p.poll() {
                        Poll::Ready(permit) => held.push(permit),
                        Poll::Pending => pending.push(p),
                    }
                }
                Op::Poll(i) if !pending.is_empty() => {
                    let i = i % pending.len();
                    if let Poll::Ready(permit) = pending[i].poll() {
                        held.push(permit);
                        pending.remove(i);
                    }
                }
                Op::DropWaiter(i) if !pending.is_empty() => {
                    let i = i % pending.len();
                    pending.remove(i);
                }
                Op::Release(i) if !held.is_empty() => {
                    let i = i % held.len();
                    drop(held.remove(i));
                }
                Op::TryAcquire => {
                    if let Ok(permit) = sem.try_acquire() {
                        held.push(permit);
                    }
                }
                Op::AddPermits(n) => {
                    sem.add_permits(n);
                    total += n;
                }
                _ => {}
            }
            check(&sem, total, held.len(), &pending);
        }
        // Drain: give everything back; every waiter gets through in turn.
        held.clear();
        let mut rounds = 0;
        while !pending.is_empty() {
            rounds += 1;
            prop_assert!(rounds <= 10_000, "waiters never got through");
            let woken = pending
                .iter()
                .position(|p| p.wakes.0.load(Ordering::SeqCst) > 0);
            match woken {
                Some(i) => {
                    let mut p = pending.remove(i);
                    prop_assert!(p.poll().is_ready());
                    // The permit drops here and goes to the next waiter.
                }
                None => {
                    // Nobody was woken: permits must be short; add one.
                    prop_assert_eq!(sem.available_permits(), 0);
                    sem.add_permits(1);
                    total += 1;
                }
            }
            check(&sem, total, 0, &pending);
        }
        prop_assert_eq!(sem.available_permits(), total);
        prop_assert_eq!(sem.waiters(), 0);
    }
}
