//! A million sleeps, each registered (polled once) and then dropped, leave
//! nothing behind in the timer table.

use homemade::event_loop::{sleep, EventLoop};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

#[test]
fn a_million_dropped_sleeps_leave_no_timer() {
    let lp = EventLoop::new().unwrap();
    let max_seen = lp.block_on(async {
        let mut max_seen = 0;
        for i in 0..1_000_000u64 {
            let mut s = pin!(sleep(Duration::from_secs(60 + i % 7)));
            poll_fn(|cx| {
                assert!(s.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            max_seen = max_seen.max(1);
        }
        max_seen
    });
    assert_eq!(max_seen, 1);
    assert_eq!(lp.stats().timers, 0);
}

#[test]
fn a_registered_sleep_is_counted_until_dropped() {
    let lp = EventLoop::new().unwrap();
    lp.block_on(async {
        let mut s = Box::pin(sleep(Duration::from_secs(60)));
        poll_fn(|cx| {
            assert!(s.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        drop(s);
    });
    assert_eq!(lp.stats().timers, 0);
}
