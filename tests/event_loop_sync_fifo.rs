//! `sync::Mutex` and `sync::Semaphore` serve waiters first come, first
//! served: the lock is handed to the oldest waiter, and a latecomer (or a
//! `try_lock`) cannot barge past the queue, even right after an unlock.

use std::cell::RefCell;
use std::rc::Rc;

use homemade::event_loop::sync::{Mutex, Semaphore, TryAcquireError};
use homemade::event_loop::{spawn, yield_now};

mod event_loop_policies;
use event_loop_policies::each_policy;

/// Every loop-based case is bounded: a lost lock or wake-up fails the test
/// instead of hanging it.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    homemade::event_loop::timeout(std::time::Duration::from_secs(10), f)
        .await
        .expect("finished in time (no lost lock or wake-up)")
}

#[test]
fn the_lock_goes_to_waiters_in_arrival_order() {
    each_policy(|lp| {
        let arrived = Rc::new(RefCell::new(Vec::new()));
        let order = lp.block_on(bounded(async {
            let m = Rc::new(Mutex::new(Vec::new()));
            let first = m.try_lock().expect("free at first");
            // Ten tasks queue up (in the order the policy runs them: noted
            // in `arrived`); each holds the lock across a few yields, so the
            // others are really waiting meanwhile.
            let tasks: Vec<_> = (0..10)
                .map(|i| {
                    let (m, arrived) = (m.clone(), arrived.clone());
                    spawn(async move {
                        arrived.borrow_mut().push(i);
                        let mut g = m.lock().await;
                        for _ in 0..3 {
                            yield_now().await;
                        }
                        g.push(i);
                    })
                })
                .collect();
            for _ in 0..5 {
                yield_now().await; // every task reaches `lock()` and queues
            }
            drop(first);
            // Right after the unlock the lock belongs to the first waiter:
            // nobody can take it from the side.
            assert_eq!(m.try_lock().err(), Some(TryAcquireError::NoPermits));
            for t in tasks {
                t.await.unwrap();
            }
            let order = m.lock().await.clone();
            order
        }));
        assert_eq!(order, *arrived.borrow());
        assert_eq!(order.len(), 10);
    });
}

#[test]
fn semaphore_permits_go_to_waiters_in_arrival_order() {
    each_policy(|lp| {
        let got = lp.block_on(bounded(async {
            let sem = Rc::new(Semaphore::new(0));
            let got = Rc::new(RefCell::new(Vec::new()));
            let arrived = Rc::new(RefCell::new(Vec::new()));
            let tasks: Vec<_> = (0..6)
                .map(|i| {
                    let (sem, got, arrived) = (sem.clone(), got.clone(), arrived.clone());
                    spawn(async move {
                        arrived.borrow_mut().push(i);
                        let permit = sem.acquire().await.unwrap();
                        got.borrow_mut().push(i);
                        permit.forget(); // keep it: count how many were handed out
                    })
                })
                .collect();
            for _ in 0..3 {
                yield_now().await;
            }
            assert_eq!(sem.waiters(), 6);
            let mut handed_out = 0;
            for released in [2, 1, 3] {
                sem.add_permits(released);
                handed_out += released;
                for _ in 0..3 {
                    yield_now().await;
                }
                // Each batch went to the oldest waiters (the tasks of one
                // batch may run in any order), none stayed in the pool.
                assert_eq!(sem.available_permits(), 0);
                let mut oldest = arrived.borrow()[..handed_out].to_vec();
                let mut served = got.borrow().clone();
                oldest.sort_unstable();
                served.sort_unstable();
                assert_eq!(served, oldest);
            }
            for t in tasks {
                t.await.unwrap();
            }
            let got = got.borrow().clone();
            got
        }));
        let mut got = got;
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2, 3, 4, 5]);
    });
}

#[test]
fn closing_fails_the_queued_waiters_and_keeps_held_permits() {
    each_policy(|lp| {
        lp.block_on(bounded(async {
            let sem = Rc::new(Semaphore::new(1));
            let held = sem.try_acquire().unwrap();
            let waiter = {
                let sem = sem.clone();
                spawn(async move { sem.acquire().await.map(|p| p.forget()) })
            };
            yield_now().await;
            sem.close();
            assert!(waiter.await.unwrap().is_err());
            assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::Closed));
            drop(held);
            assert!(sem.acquire().await.is_err());
        }));
    });
}
