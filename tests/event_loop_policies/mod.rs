//! Shared helper of the `event_loop_*` fairness and sync tests: run a test
//! body once under every run-queue policy.
//!
//! The loop's fairness rules (the task budget between turns, `yield_now`
//! waiting for the end of the turn, the I/O budget) live outside the run
//! queue, so they must hold whatever the policy picks. [`each_policy`]
//! builds one fresh loop per policy and hands it to the body; a failure is
//! reported with the name of the policy it happened under.
#![allow(dead_code)]

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use homemade::event_loop::{EventLoop, Policy};

/// Every built-in policy, with a fixed seed where it takes one.
pub fn policies() -> Vec<(&'static str, Policy)> {
    vec![
        ("Fifo", Policy::Fifo),
        ("LifoSlot", Policy::LifoSlot),
        ("Random { seed: 7 }", Policy::Random { seed: 7 }),
        (
            "Pct { seed: 7, depth: 3, steps: 200 }",
            Policy::Pct {
                seed: 7,
                depth: 3,
                steps: 200,
            },
        ),
    ]
}

/// Runs `body` with a fresh loop under each policy in turn.
pub fn each_policy(mut body: impl FnMut(EventLoop)) {
    for (name, policy) in policies() {
        let lp = EventLoop::builder().policy(policy).build().unwrap();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(lp))) {
            eprintln!("the failure above happened under the {name} policy");
            resume_unwind(panic);
        }
    }
}
