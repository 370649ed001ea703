//! Property: timers fire in deadline order, whatever the deadlines.

use homemade::event_loop::{sleep_until, spawn, EventLoop};
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn timers_fire_in_deadline_order(offsets_ms in proptest::collection::vec(0u64..25, 1..24)) {
        let lp = EventLoop::new().unwrap();
        let fired = Rc::new(RefCell::new(Vec::new()));
        let base = Instant::now();
        lp.block_on(async {
            let mut hs = Vec::new();
            for (i, &ms) in offsets_ms.iter().enumerate() {
                let fired = fired.clone();
                hs.push(spawn(async move {
                    sleep_until(base + Duration::from_millis(ms)).await;
                    fired.borrow_mut().push((ms, i));
                }));
            }
            for h in hs {
                h.await.unwrap();
            }
        });
        let fired = fired.borrow();
        prop_assert_eq!(fired.len(), offsets_ms.len());
        // Deadlines are non-decreasing in firing order.
        for w in fired.windows(2) {
            prop_assert!(w[0].0 <= w[1].0, "fired out of order: {:?}", *fired);
        }
        // Nothing is left in the timer table.
        prop_assert_eq!(lp.stats().timers, 0);
    }
}
