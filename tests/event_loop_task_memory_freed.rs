//! A task's memory is freed once it has completed and every handle and
//! waker is gone (measured with a counting global allocator), and its
//! future is dropped as soon as it completes, even while a handle and a
//! stored waker keep the task's header alive.

use homemade::event_loop::{spawn, yield_now, EventLoop};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Spawns 1,000 tasks whose wakers are stored outside, completes them, then
/// drops handles and wakers.
fn round(lp: &EventLoop, payload: &Arc<()>) {
    let stored: Rc<RefCell<Vec<Waker>>> = Rc::new(RefCell::new(Vec::new()));
    let s2 = stored.clone();
    let p2 = payload.clone();
    let probe = payload.clone();
    lp.block_on(async move {
        let mut hs = Vec::new();
        for _ in 0..1000 {
            let s3 = s2.clone();
            let p3 = p2.clone();
            hs.push(spawn(async move {
                let _keep = p3; // dropped when the future is dropped
                poll_fn(|cx| {
                    s3.borrow_mut().push(cx.waker().clone());
                    Poll::Ready(())
                })
                .await;
                yield_now().await;
                [0u8; 256]
            }));
        }
        // Let all tasks complete, but keep handles and wakers.
        while !hs.iter().all(|h| h.is_finished()) {
            yield_now().await;
        }
        // Futures are gone although handles and wakers are still here.
        drop(p2);
        assert_eq!(
            Arc::strong_count(&probe),
            2,
            "futures dropped at completion"
        );
        for h in hs {
            assert_eq!(h.await.unwrap()[0], 0);
        }
    });
    assert_eq!(Arc::strong_count(payload), 1, "every future was dropped");
    // Waking a completed task is harmless.
    for w in stored.borrow().iter() {
        w.wake_by_ref();
    }
    lp.block_on(async { yield_now().await });
    stored.borrow_mut().clear();
}

#[test]
fn completed_tasks_free_their_memory() {
    let lp = EventLoop::new().unwrap();
    let payload = Arc::new(());
    round(&lp, &payload); // warm-up: grows the loop's tables once
    let before = LIVE.load(Ordering::Relaxed);
    round(&lp, &payload);
    let after = LIVE.load(Ordering::Relaxed);
    // 1,000 tasks of several hundred bytes each would leave >= 256 KB.
    assert!(
        after - before < 4096,
        "{} bytes still allocated after the round",
        after - before
    );
    assert_eq!(lp.stats().tasks_alive, 0);
}
