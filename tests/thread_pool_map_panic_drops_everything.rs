//! When `f` panics in `map`, nothing is leaked: the results already made
//! and the inputs not yet mapped are dropped, each exactly once, and the
//! panic is re-raised. Counted with a live-object counter, on one thread
//! (a single leaf) and on several (many leaves, some stolen).
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::sync::atomic::{AtomicIsize, Ordering};

static LIVE: AtomicIsize = AtomicIsize::new(0);

/// An object that counts how many of its kind are alive.
struct Tracked(usize);

impl Tracked {
    fn new(n: usize) -> Self {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Tracked(n)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

fn map_that_panics(pool: &ThreadPool, len: usize, bad: usize) {
    let items: Vec<Tracked> = (0..len).map(Tracked::new).collect();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.map(items, |t| {
            if t.0 == bad {
                panic!("item {bad} fails");
            }
            Tracked::new(t.0 * 2)
        })
    }));
    let payload = outcome.err().expect("map must re-raise the panic");
    assert_eq!(
        payload.downcast_ref::<String>().unwrap(),
        &format!("item {bad} fails")
    );
    assert_eq!(
        LIVE.load(Ordering::SeqCst),
        0,
        "objects leaked by a panicking map ({len} items, item {bad} panics)"
    );
}

#[test]
fn a_panicking_map_drops_inputs_and_results() {
    for scheduler in Scheduler::ALL {
        a_panicking_map_drops_inputs_and_results_under(scheduler);
    }
}

fn a_panicking_map_drops_inputs_and_results_under(scheduler: Scheduler) {
    for threads in [1, 2, 4] {
        let pool = ThreadPool::with_scheduler(threads, scheduler).unwrap();
        for (len, bad) in [
            (1, 0),
            (10, 0),
            (10, 9),
            (1000, 500),
            (1000, 3),
            (5000, 4999),
        ] {
            map_that_panics(&pool, len, bad);
        }
        // And a map that does not panic still returns every result.
        let out = pool.map((0..100).map(Tracked::new).collect(), |t| {
            Tracked::new(t.0 + 1)
        });
        assert_eq!(
            out.iter().map(|t| t.0).sum::<usize>(),
            (1..=100).sum::<usize>()
        );
        drop(out);
        assert_eq!(LIVE.load(Ordering::SeqCst), 0);
    }
}
