//! A timer fires on time while another task spins on `yield_now`: after
//! the deadline passes, the spinner gets at most a couple of turns before
//! the timer's task runs (the loop turns the reactor and the timers between
//! every round of yields).

use homemade::event_loop::{sleep_until, spawn, yield_now};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

mod event_loop_policies;
use event_loop_policies::each_policy;

#[test]
fn yield_spinner_does_not_delay_timers() {
    each_policy(|lp| {
        let fired = Rc::new(Cell::new(false));
        let deadline = Instant::now() + Duration::from_millis(30);
        let (spins_total, spins_after_deadline) = lp.block_on(async {
            let f2 = fired.clone();
            let timer = spawn(async move {
                sleep_until(deadline).await;
                f2.set(true);
            });
            let f3 = fired.clone();
            let spinner = spawn(async move {
                let (mut total, mut late) = (0u64, 0u64);
                while !f3.get() {
                    if Instant::now() >= deadline {
                        late += 1;
                    }
                    total += 1;
                    assert!(total < 50_000_000, "the timer never fired");
                    yield_now().await;
                }
                (total, late)
            });
            timer.await.unwrap();
            spinner.await.unwrap()
        });
        assert!(spins_total > 0);
        // Between the deadline passing and the timer task running, the spinner
        // may see the passed deadline in at most the current round and the next.
        assert!(
            spins_after_deadline <= 2,
            "spinner ran {spins_after_deadline} times after the deadline"
        );
    });
}
