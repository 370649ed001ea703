//! `max_tasks_per_child(n)`: each worker serves at most n tasks, then exits
//! and is replaced by a fresh fork (recorded as `Retired` then `Forked`).

mod common;

use std::collections::HashMap;

use homemade::process_pool::ProcessPool;
use homemade::trace::{Kind, Recorder};

fn workers_are_replaced_after_their_budget() {
    let pool = ProcessPool::builder(2)
        .max_tasks_per_child(3)
        .recorder(Recorder::enabled())
        .build(|x: u32| (x, std::process::id()))
        .unwrap();
    let mut per_pid: HashMap<u32, usize> = HashMap::new();
    for i in 0..12 {
        let (x, pid) = pool.submit(i).join().unwrap();
        assert_eq!(x, i);
        *per_pid.entry(pid).or_default() += 1;
    }
    assert!(per_pid.values().all(|&n| n <= 3), "{per_pid:?}");
    assert!(per_pid.len() >= 4, "{per_pid:?}");
    // Chunks count as one task each, as in Python.
    let out = pool.map_chunked(0..30, 2).unwrap();
    let mut chunk_pids: HashMap<u32, usize> = HashMap::new();
    for (i, (x, pid)) in out.iter().enumerate() {
        assert_eq!(*x as usize, i);
        *chunk_pids.entry(*pid).or_default() += 1;
    }
    assert!(chunk_pids.values().all(|&n| n <= 6), "{chunk_pids:?}");
    let events = pool.recorder().take();
    let retired = events.iter().filter(|e| e.kind == Kind::Retired).count();
    let forked = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Forked { .. }))
        .count();
    assert!(retired >= 8, "{retired} retirements");
    assert_eq!(forked, retired + 2, "every retirement is replaced");
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, Kind::Crashed { .. })));
}

fn main() {
    common::run_both(common::cases![workers_are_replaced_after_their_budget])
}
