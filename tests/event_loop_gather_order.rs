//! Property: `gather` returns outputs in input order for arbitrary
//! completion orders (children finish after an arbitrary number of yields
//! or an arbitrary short sleep).

use homemade::event_loop::{gather, sleep, yield_now, EventLoop};
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn gather_output_is_in_input_order(
        delays in proptest::collection::vec((0u32..20, proptest::bool::ANY), 0..40)
    ) {
        let lp = EventLoop::new().unwrap();
        let finish_order = Rc::new(RefCell::new(Vec::new()));
        let out = lp.block_on(gather(delays.iter().enumerate().map(|(i, &(d, use_timer))| {
            let finish_order = finish_order.clone();
            async move {
                if use_timer {
                    sleep(Duration::from_millis(d as u64 / 4)).await;
                } else {
                    for _ in 0..d {
                        yield_now().await;
                    }
                }
                finish_order.borrow_mut().push(i);
                i * 10
            }
        })));
        let expected: Vec<usize> = (0..delays.len()).map(|i| i * 10).collect();
        prop_assert_eq!(out, expected);
        prop_assert_eq!(finish_order.borrow().len(), delays.len());
    }
}
