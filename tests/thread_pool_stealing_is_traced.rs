//! Work stealing happens and is visible: jobs spawned from inside one worker
//! land on its deque; the other workers steal them; stats and the recorder
//! both show it.
use homemade::thread_pool::trace::render_timeline;
use homemade::thread_pool::ThreadPool;
use homemade::trace::Kind;
use std::time::Duration;

#[test]
fn other_workers_steal_from_a_loaded_worker() {
    let pool = ThreadPool::new(3).unwrap();
    pool.recorder().enable();
    pool.scope(|s| {
        // All 30 jobs are pushed by one job, onto one worker's deque.
        s.spawn(|s| {
            for _ in 0..30 {
                s.spawn(|_| std::thread::sleep(Duration::from_millis(2)));
            }
        });
    });
    pool.recorder().disable();
    let events = pool.recorder().take();
    let steals = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::JobStolen { .. }))
        .count();
    let stats = pool.stats();
    let stolen: u64 = stats.iter().map(|s| s.jobs_stolen).sum();
    assert!(steals >= 1 && stolen >= 1, "no steal recorded: {stats:?}");
    assert_eq!(steals as u64, stolen, "stats and trace disagree");
    let executed: u64 = stats.iter().map(|s| s.jobs_executed).sum();
    assert!(executed >= 31);
    assert!(stats.iter().all(|s| s.steal_attempts >= s.jobs_stolen));
    let picture = render_timeline(&events, 3, 40);
    assert_eq!(picture.lines().count(), 3);
    assert!(picture.contains('#'));
    // With recording off, nothing more is recorded.
    pool.install(|| ());
    assert!(pool.recorder().take().is_empty());
}
