//! Same seed, same trace: a program run twice under the same seeded policy
//! is scheduled exactly the same way (every recorded event equal, not only
//! the order of polls), and different seeds do explore different orders.
//! The program mixes what the seed must decide: ready tasks, yields, and
//! timers that tie (same deadline), on a paused clock so that real time
//! plays no part.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use homemade::event_loop::trace::note;
use homemade::event_loop::{
    now, record, schedule_of, sleep_until, spawn, yield_now, EventLoop, Policy,
};
use homemade::trace::Kind;

/// Runs the program under `policy`; returns the order of its steps.
fn program(policy: Policy) -> Vec<String> {
    let lp = EventLoop::builder()
        .policy(policy)
        .paused_clock(true)
        .build()
        .unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.block_on(async {
        let tie = now() + Duration::from_millis(5);
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let log = log.clone();
                spawn(async move {
                    log.borrow_mut().push(format!("{i}a"));
                    yield_now().await;
                    note("after the yield");
                    log.borrow_mut().push(format!("{i}b"));
                    sleep_until(tie).await; // six timers with one deadline
                    log.borrow_mut().push(format!("{i}c"));
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let out = log.borrow().clone();
    out
}

fn policies(seed: u64) -> [Policy; 2] {
    [
        Policy::Random { seed },
        Policy::Pct {
            seed,
            depth: 3,
            steps: 40,
        },
    ]
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let mut distinct = std::collections::HashSet::new();
    let mut tie_orders = std::collections::HashSet::new();
    for seed in 0..20 {
        let [random, pct] = policies(seed);
        let [random2, pct2] = policies(seed);
        for (first, second) in [(random, random2), (pct, pct2)] {
            let name = format!("{first:?}");
            let (steps1, trace1) = record(|| program(first));
            let (steps2, trace2) = record(|| program(second));
            let kinds1: Vec<&Kind> = trace1.iter().map(|e| &e.kind).collect();
            let kinds2: Vec<&Kind> = trace2.iter().map(|e| &e.kind).collect();
            assert!(kinds1.len() > 40, "{name}: the recorder was on");
            assert_eq!(kinds1, kinds2, "{name}: two runs, two traces");
            assert_eq!(steps1, steps2, "{name}");
            assert_eq!(steps1.len(), 18, "{name}");
            distinct.insert(schedule_of(&trace1));
            // The order in which the six tied timers' tasks went on.
            let after_tie: Vec<&String> = steps1.iter().filter(|s| s.ends_with('c')).collect();
            tie_orders.insert(after_tie.into_iter().cloned().collect::<Vec<_>>());
        }
    }
    // 40 runs, and the seeds did change the schedule.
    assert!(distinct.len() > 10, "only {} schedules", distinct.len());
    // Timer ties, too, are broken by the seed, not by creation order alone.
    assert!(tie_orders.len() > 5, "only {} tie orders", tie_orders.len());
}
