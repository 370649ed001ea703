//! With a paused clock the loop jumps over idle waits: 10,000 tasks sleeping
//! up to an hour (each a few sleeps) finish long before an hour of real time
//! has passed, every `sleep(d)` lasts at least `d` on the loop's clock, the
//! tasks wake in deadline order, and the clock's total jump covers the hour.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use homemade::event_loop::{now, sleep, spawn, EventLoop};

const TASKS: u64 = 10_000;
const HOUR: Duration = Duration::from_secs(3_600);

#[test]
fn an_hour_of_sleeps_takes_no_hour() {
    let lp = EventLoop::builder().paused_clock(true).build().unwrap();
    let real_start = Instant::now();
    let wakes = Rc::new(RefCell::new(Vec::new()));
    let start = lp.block_on(async {
        let start = now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let wakes = wakes.clone();
                spawn(async move {
                    // Three sleeps adding up to 1 s .. 1 h (task 9,999: 1 h).
                    let total = Duration::from_millis(1_000 + i * 359_900 / (TASKS - 1) * 10);
                    for part in [total / 2, total / 4, total - total / 2 - total / 4] {
                        let before = now();
                        sleep(part).await;
                        let slept = now() - before;
                        assert!(slept >= part, "task {i}: slept {slept:?} < {part:?}");
                    }
                    wakes.borrow_mut().push((total, now()));
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        start
    });
    let real = real_start.elapsed();
    let virtual_elapsed = now_after(&lp) - start;
    let wakes = wakes.borrow();
    assert_eq!(wakes.len() as u64, TASKS);
    // The longest task slept an hour on the loop's clock...
    let (longest, last_wake) = *wakes.iter().max_by_key(|(total, _)| *total).unwrap();
    assert_eq!(longest, HOUR);
    assert!(last_wake - start >= HOUR);
    assert!(virtual_elapsed >= HOUR);
    assert!(lp.time_jumped() >= HOUR - real);
    // ...the wakes came in the order of the deadlines...
    for pair in wakes.windows(2) {
        assert!(pair[0].0 <= pair[1].0, "woken out of deadline order");
        assert!(pair[0].1 <= pair[1].1, "the loop's clock went backwards");
    }
    // ...and real time was a small fraction of it (figure printed, not judged
    // tightly: the machine may be loaded).
    println!("10,000 tasks, 30,000 sleeps, 1 h of loop time in {real:?} of real time");
    assert!(real < HOUR / 60, "real time {real:?}");
    assert_eq!(lp.stats().timers, 0);
}

/// The loop's clock read inside the loop (outside, `now()` is real time).
fn now_after(lp: &EventLoop) -> Instant {
    lp.block_on(async { now() })
}
