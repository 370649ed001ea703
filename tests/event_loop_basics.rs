//! Basic behaviour of the event loop: block_on, spawn/join, sleep ordering,
//! yield_now, timeout, Handle::spawn from another thread, abort, JoinError.

use homemade::event_loop::{gather, sleep, spawn, timeout, yield_now, EventLoop, JoinHandle};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn block_on_returns_the_output() {
    let lp = EventLoop::new().unwrap();
    assert_eq!(lp.block_on(async { 7 }), 7);
}

#[test]
fn spawned_tasks_run_and_join() {
    let lp = EventLoop::new().unwrap();
    let out = lp.block_on(async {
        let hs: Vec<JoinHandle<u32>> = (0..100).map(|i| spawn(async move { i * 2 })).collect();
        let mut v = Vec::new();
        for h in hs {
            v.push(h.await.unwrap());
        }
        v
    });
    assert_eq!(out, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    assert_eq!(lp.stats().tasks_alive, 0);
}

#[test]
fn local_spawn_accepts_non_send_futures() {
    let lp = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l2 = log.clone();
    lp.block_on(async move {
        let h = spawn(async move {
            l2.borrow_mut().push("child");
        });
        h.await.unwrap();
    });
    assert_eq!(*log.borrow(), vec!["child"]);
}

#[test]
fn sleeps_complete_in_deadline_order() {
    let lp = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.block_on(async {
        let mut hs = Vec::new();
        for ms in [30u64, 10, 20] {
            let log = log.clone();
            hs.push(spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                log.borrow_mut().push(ms);
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), vec![10, 20, 30]);
    assert_eq!(lp.stats().timers, 0);
}

#[test]
fn timeout_gives_elapsed_and_removes_its_timer() {
    let lp = EventLoop::new().unwrap();
    lp.block_on(async {
        let r = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await;
        assert!(r.is_err());
        let r = timeout(Duration::from_secs(60), async { 3 }).await;
        assert_eq!(r, Ok(3));
    });
    assert_eq!(lp.stats().timers, 0);
}

#[test]
fn yield_now_interleaves_tasks() {
    let lp = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.block_on(async {
        let mut hs = Vec::new();
        for t in 0..2 {
            let log = log.clone();
            hs.push(spawn(async move {
                for i in 0..3 {
                    log.borrow_mut().push((t, i));
                    yield_now().await;
                }
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(
        *log.borrow(),
        vec![(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]
    );
}

#[test]
fn handle_spawn_from_another_thread() {
    let lp = EventLoop::new().unwrap();
    let handle = lp.handle();
    let out = lp.block_on(async move {
        let t = std::thread::spawn(move || handle.spawn(async { 41 + 1 }));
        let jh = t.join().unwrap();
        jh.await.unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn abort_stops_a_task() {
    let lp = EventLoop::new().unwrap();
    lp.block_on(async {
        let h = spawn(async {
            sleep(Duration::from_secs(60)).await;
        });
        yield_now().await;
        h.abort();
        let e = h.await.unwrap_err();
        assert!(e.is_aborted());
        assert!(!e.is_panic());
    });
    assert_eq!(lp.stats().tasks_alive, 0);
    assert_eq!(lp.stats().timers, 0);
}

#[test]
fn gather_keeps_input_order() {
    let lp = EventLoop::new().unwrap();
    let out = lp.block_on(gather([30u64, 10, 20].map(|ms| async move {
        sleep(Duration::from_millis(ms)).await;
        ms
    })));
    assert_eq!(out, vec![30, 10, 20]);
}

#[test]
fn huge_durations_do_not_overflow() {
    let lp = EventLoop::new().unwrap();
    lp.block_on(async {
        let r = timeout(Duration::MAX, async { 1 }).await;
        assert_eq!(r, Ok(1));
        let r = timeout(Duration::from_millis(1), sleep(Duration::MAX)).await;
        assert!(r.is_err());
    });
    assert_eq!(lp.stats().timers, 0);
}

#[test]
fn nested_block_on_panics_with_a_clear_message() {
    let lp = EventLoop::new().unwrap();
    let inner = EventLoop::new().unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lp.block_on(async { inner.block_on(async {}) })
    }));
    let p = r.unwrap_err();
    let msg = p.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("already running"), "{msg}");
    // Both loops still work afterwards.
    assert_eq!(lp.block_on(async { 1 }), 1);
    assert_eq!(inner.block_on(async { 2 }), 2);
}
