//! `gather` does O(1) work per child wake: with 100,000 children that each
//! wait once, the children are polled exactly 200,000 times in total (a
//! gather that re-polled every pending child on each wake would poll them
//! about 5 * 10^9 times).

use homemade::event_loop::{gather, spawn, yield_now, EventLoop};
use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

const N: usize = 100_000;

#[test]
fn gather_polls_only_woken_children() {
    let lp = EventLoop::new().unwrap();
    let polls = Rc::new(Cell::new(0usize));
    let parked: Rc<RefCell<Vec<Option<Waker>>>> = Rc::new(RefCell::new(vec![None; N]));
    let released: Rc<RefCell<Vec<bool>>> = Rc::new(RefCell::new(vec![false; N]));

    let out = lp.block_on(async {
        // A task that releases the children one by one, in a scrambled order,
        // yielding between batches so that the gather is polled many times.
        let (p2, r2) = (parked.clone(), released.clone());
        let releaser = spawn(async move {
            let mut order: Vec<usize> = (0..N).collect();
            // A fixed permutation: multiply by a number coprime with N.
            for (k, slot) in order.iter_mut().enumerate() {
                *slot = (k * 7919) % N;
            }
            for chunk in order.chunks(1000) {
                for &i in chunk {
                    r2.borrow_mut()[i] = true;
                    if let Some(w) = p2.borrow_mut()[i].take() {
                        w.wake();
                    }
                }
                yield_now().await;
            }
        });
        let children = (0..N).map(|i| {
            let polls = polls.clone();
            let parked = parked.clone();
            let released = released.clone();
            poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                if released.borrow()[i] {
                    Poll::Ready(i)
                } else {
                    parked.borrow_mut()[i] = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
        });
        let out = gather(children).await;
        releaser.await.unwrap();
        out
    });
    assert_eq!(out, (0..N).collect::<Vec<_>>());
    // First poll of each child + one poll per wake.
    assert_eq!(polls.get(), 2 * N);
}
