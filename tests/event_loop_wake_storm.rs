//! No wake-up is lost when many threads wake loop tasks at the same time:
//! four threads each bump a counter 5,000 times and wake "their" task after
//! every bump; each task waits until it has seen all 5,000. A lost wake would
//! leave a task waiting forever; the `timeout` turns that into a failure
//! instead of a hang.

use homemade::event_loop::{spawn, timeout};
use parking_lot::Mutex;
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

mod event_loop_policies;
use event_loop_policies::each_policy;

const THREADS: usize = 4;
const BUMPS: usize = 5_000;

/// A counter with a waiting task's waker.
#[derive(Default)]
struct Signal {
    count: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

#[test]
fn concurrent_cross_thread_wakes_are_never_lost() {
    each_policy(|lp| {
        let signals: Vec<Arc<Signal>> = (0..THREADS).map(|_| Arc::default()).collect();
        let polls = lp.block_on(async {
            let tasks: Vec<_> = signals
                .iter()
                .map(|sig| {
                    let sig = sig.clone();
                    spawn(async move {
                        let mut polls = 0usize;
                        poll_fn(|cx| {
                            polls += 1;
                            // Store the waker first, then check: a bump after the
                            // check will find the waker.
                            *sig.waker.lock() = Some(cx.waker().clone());
                            if sig.count.load(Ordering::SeqCst) == BUMPS {
                                Poll::Ready(())
                            } else {
                                Poll::Pending
                            }
                        })
                        .await;
                        polls
                    })
                })
                .collect();
            let threads: Vec<_> = signals
                .iter()
                .map(|sig| {
                    let sig = sig.clone();
                    std::thread::spawn(move || {
                        // Start once the task waits, so the wakes race its polls.
                        while sig.waker.lock().is_none() {
                            std::thread::yield_now();
                        }
                        for i in 0..BUMPS {
                            sig.count.fetch_add(1, Ordering::SeqCst);
                            if let Some(w) = sig.waker.lock().clone() {
                                w.wake();
                            }
                            if i % 64 == 0 {
                                std::thread::yield_now();
                            }
                        }
                    })
                })
                .collect();
            let all = async {
                let mut polls = Vec::new();
                for t in tasks {
                    polls.push(t.await.unwrap());
                }
                polls
            };
            let polls = timeout(Duration::from_secs(60), all)
                .await
                .expect("a wake-up was lost: some task never saw its final count");
            for t in threads {
                t.join().unwrap();
            }
            polls
        });
        // Wakes were coalesced: a task is polled at most once per wake (+1).
        for &p in &polls {
            assert!((1..=BUMPS + 1).contains(&p), "{p} polls");
        }
        eprintln!("polls per task: {polls:?}");
        assert_eq!(lp.stats().tasks_alive, 0);
    });
}
