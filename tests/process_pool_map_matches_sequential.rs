//! Property: `map`, `map_chunked` (any chunk size) and `imap_unordered` give
//! exactly what a sequential `iter().map(f)` gives, for arbitrary inputs.
//! Also: empty input. proptest's `TestRunner` is driven by hand because this
//! binary has no libtest harness (pools need a single-threaded process).

mod common;

use homemade::process_pool::{PoolError, ProcessPool};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn f(x: i64) -> i64 {
    x.wrapping_mul(31).rotate_left(7) ^ 0x5a5a
}

fn g(s: String) -> (usize, String) {
    (s.len(), s.chars().rev().collect())
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    })
}

fn map_and_map_chunked_equal_sequential_map() {
    let pool = ProcessPool::new(2, f).unwrap();
    runner()
        .run(&(vec(any::<i64>(), 0..300), 1usize..64), |(xs, chunk)| {
            let want: Vec<i64> = xs.iter().copied().map(f).collect();
            prop_assert_eq!(pool.map(xs.clone()).unwrap(), want.clone());
            prop_assert_eq!(pool.map_chunked(xs.clone(), chunk).unwrap(), want.clone());
            let mut got: Vec<(usize, i64)> = pool
                .imap_unordered(xs.clone())
                .map(|(i, r)| (i, r.unwrap()))
                .collect();
            got.sort();
            prop_assert_eq!(got.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), want);
            Ok(())
        })
        .unwrap();
}

fn strings_round_trip_in_order() {
    let pool = ProcessPool::new(3, g).unwrap();
    runner()
        .run(&(vec(".*", 0..60), 1usize..10), |(xs, chunk)| {
            let want: Vec<_> = xs.iter().cloned().map(g).collect();
            prop_assert_eq!(pool.map_chunked(xs.clone(), chunk).unwrap(), want.clone());
            prop_assert_eq!(pool.map(xs).unwrap(), want);
            Ok(())
        })
        .unwrap();
}

fn empty_input_gives_empty_output() {
    let pool = ProcessPool::new(2, f).unwrap();
    assert_eq!(pool.map(Vec::new()).unwrap(), Vec::<i64>::new());
    assert_eq!(pool.map_chunked(Vec::new(), 5).unwrap(), Vec::<i64>::new());
    assert_eq!(pool.imap_unordered(Vec::new()).count(), 0);
    assert!(matches!(
        pool.map_chunked(vec![1], 0),
        Err(PoolError::InvalidArgument(_))
    ));
}

fn main() {
    common::run_both(common::cases![
        map_and_map_chunked_equal_sequential_map,
        strings_round_trip_in_order,
        empty_input_gives_empty_output
    ])
}
