//! A waker woken from another thread while the loop is blocked in its
//! reactor poll (epoll_wait with no timeout) interrupts the poll and the
//! task runs; the trace shows the blocking poll and the cross-thread wake.

use homemade::event_loop::{spawn, EventLoop, TaskId, WakeSource};
use homemade::trace::Kind;
use std::future::poll_fn;
use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

#[test]
fn wake_from_another_thread_interrupts_a_blocking_poll() {
    let lp = EventLoop::new().unwrap();
    lp.recorder().enable();
    let (tx, rx) = mpsc::channel();
    let mut sent = false;
    let mut helper = None;
    let task_id = lp.block_on(async {
        let h = spawn(poll_fn(move |cx| {
            if !sent {
                sent = true;
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        }));
        let id = h.id();
        helper = Some(std::thread::spawn(move || {
            let waker: std::task::Waker = rx.recv().unwrap();
            // Give the loop time to block in epoll_wait (no timers, no work).
            std::thread::sleep(Duration::from_millis(100));
            waker.wake();
        }));
        h.await.unwrap();
        id
    });
    helper.unwrap().join().unwrap();
    let trace = lp.recorder().take();
    // The loop blocked without a timeout...
    let blocked = trace
        .iter()
        .position(|e| matches!(e.kind, Kind::ReactorPoll { timeout: None, .. }))
        .expect("the loop blocked in the reactor");
    // ...and was then woken for our task by another thread.
    let woken = trace
        .iter()
        .position(|e| {
            e.kind
                == Kind::Woken {
                    task: task_id,
                    by: WakeSource::Thread,
                }
        })
        .expect("cross-thread wake recorded");
    assert!(blocked < woken);
    // The task then ran to completion and main was woken by it.
    assert!(trace[woken..]
        .iter()
        .any(|e| e.kind == Kind::Ready { task: task_id }));
    assert!(trace[woken..].iter().any(|e| e.kind
        == Kind::Woken {
            task: TaskId::MAIN,
            by: WakeSource::Task(task_id)
        }));
}

#[test]
fn handle_spawn_and_oneshot_from_another_thread() {
    let lp = EventLoop::new().unwrap();
    let handle = lp.handle();
    let (tx, rx) = futures_channel::oneshot::channel::<u32>();
    let out = lp.block_on(async move {
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            let jh = handle.spawn(async { 2 });
            tx.send(40).unwrap();
            jh
        });
        let v = rx.await.unwrap();
        let jh = t.join().unwrap();
        v + jh.await.unwrap()
    });
    assert_eq!(out, 42);
}
