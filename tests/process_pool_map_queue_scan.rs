//! A blocking `map` of many tasks does not rescan its queue after every
//! dispatch. The pool hands the "queue watcher" role (`handle.rs`) to the
//! first queued *future* with a waker, and used to look for one through
//! the whole queue each time it dispatched: a `map` of 20,000 tasks with
//! chunksize 1 (no futures at all) looked at hundreds of millions of queue
//! entries, quadratic in the queue and a third of `map`'s CPU time. The
//! count is the pool's own (`test_hooks::queue_entries_scanned`), so the
//! test does not depend on timing.
//!
//! The async side (a queued future still becomes the watcher and is
//! woken) is covered by tests/process_pool_async_submit.rs.

mod common;

use homemade::process_pool::{test_hooks, ProcessPool};

fn a_blocking_map_does_not_scan_its_queue() {
    let pool = ProcessPool::new(2, |x: u64| x + 1).unwrap();
    let items: Vec<u64> = (0..20_000).collect();
    let before = test_hooks::queue_entries_scanned();
    let out = pool.map_chunked(items.clone(), 1).unwrap();
    let scanned = test_hooks::queue_entries_scanned() - before;
    assert!(out.iter().zip(&items).all(|(o, i)| *o == i + 1));
    assert!(
        scanned <= items.len(),
        "{scanned} queue entries looked at for a map of {} tasks",
        items.len()
    );
}

fn main() {
    common::run_both(common::cases![a_blocking_map_does_not_scan_its_queue])
}
