//! Property: `pool.map(items, f)` equals the sequential map, in input order,
//! for any length (0, 1, many) and any per-item cost, under both schedulers.
use homemade::thread_pool::{Scheduler, ThreadPool};
use proptest::prelude::*;
use std::sync::OnceLock;

/// One pool per scheduler, shared by all the cases.
fn pools() -> &'static [ThreadPool] {
    static POOLS: OnceLock<Vec<ThreadPool>> = OnceLock::new();
    POOLS.get_or_init(|| {
        Scheduler::ALL
            .iter()
            .map(|&s| ThreadPool::with_scheduler(3, s).unwrap())
            .collect()
    })
}

/// A deterministic function whose cost varies with `cost` (0..=255 rounds).
fn work(item: u64, cost: u8) -> u64 {
    let mut x = item;
    for _ in 0..(cost as u32) * 20 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
    x ^ item
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn map_equals_sequential_map(items in prop::collection::vec((any::<u64>(), any::<u8>()), 0..600)) {
        let expected: Vec<u64> = items.iter().map(|&(x, c)| work(x, c)).collect();
        for pool in pools() {
            let got = pool.map(items.clone(), |(x, c)| work(x, c));
            prop_assert_eq!(&got, &expected, "{:?}", pool.scheduler());
        }
    }

    #[test]
    fn map_of_owned_strings_keeps_order(items in prop::collection::vec(".{0,8}", 0..200)) {
        let expected: Vec<String> = items.iter().map(|s| format!("<{s}>")).collect();
        for pool in pools() {
            let got = pool.map(items.clone(), |s| format!("<{s}>"));
            prop_assert_eq!(&got, &expected, "{:?}", pool.scheduler());
        }
    }
}

#[test]
fn map_edge_lengths() {
    for pool in pools() {
        map_edge_lengths_on(pool);
    }
}

fn map_edge_lengths_on(pool: &ThreadPool) {
    let empty: Vec<u32> = pool.map(Vec::new(), |x: u32| x);
    assert!(empty.is_empty());
    assert_eq!(pool.map(vec![7u32], |x| x + 1), vec![8]);
    let many: Vec<usize> = (0..100_000).collect();
    let got = pool.map(many, |x| x * 3);
    assert!(got.iter().enumerate().all(|(i, &v)| v == i * 3));
}

#[test]
fn for_each_visits_every_item_once() {
    for pool in pools() {
        for_each_visits_every_item_once_on(pool);
    }
}

fn for_each_visits_every_item_once_on(pool: &ThreadPool) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let sum = AtomicU64::new(0);
    let count = AtomicU64::new(0);
    pool.for_each((1..=10_000u64).collect(), |x| {
        sum.fetch_add(x, Ordering::Relaxed);
        count.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(count.into_inner(), 10_000);
    assert_eq!(sum.into_inner(), 10_000 * 10_001 / 2);
}

/// When a result has the size and alignment of an item, `map` writes the
/// results into the input's own buffer (map.rs, "In place"); otherwise into
/// a new one. Either way the output is the sequential map.
#[test]
fn map_between_same_layout_types_reuses_the_input_buffer() {
    for pool in pools() {
        let items: Vec<u64> = (0..50_000).collect();
        let buffer = items.as_ptr() as usize;
        let got = pool.map(items, |x| -(x as i64));
        assert_eq!(got.as_ptr() as usize, buffer, "{:?}", pool.scheduler());
        assert!(got.iter().enumerate().all(|(i, &v)| v == -(i as i64)));

        let items: Vec<u64> = (0..50_000).collect();
        let got = pool.map(items, |x| x as u8);
        assert!(got.iter().enumerate().all(|(i, &v)| v == i as u8));
    }
}
