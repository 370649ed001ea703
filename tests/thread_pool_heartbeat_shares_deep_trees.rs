//! Heartbeat scheduling still shares work in a join tree far deeper than
//! `NOTED_FRAMES_MAX`, where most joins are plain calls with no frame.
//!
//! Only the outermost unshared joins are noted, and a beat is only seen by
//! a join that notes a frame; this checks that this is enough: with a
//! frequent beat, frames are promoted and the second worker steals some,
//! and the answer is right. Each round is a fib(27) (depth 27, about
//! 300,000 joins); rounds repeat until both happened, under a 10 s deadline.
//! Checked against a mutant whose `has_room` is always false (no join ever
//! notes a frame): the test fails on its deadline ("nothing was shared").
use homemade::thread_pool::{
    join, Scheduler, ThreadPool, MIN_HEARTBEAT_INTERVAL, NOTED_FRAMES_MAX,
};
use std::time::{Duration, Instant};

fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

#[test]
fn a_deep_tree_is_still_shared_with_the_second_worker() {
    const N: u32 = 27;
    assert!(N as usize > 4 * NOTED_FRAMES_MAX, "the tree must be deep");
    let scheduler = Scheduler::Heartbeat {
        interval: MIN_HEARTBEAT_INTERVAL,
    };
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert_eq!(pool.install(|| fib(N)), 196_418);
        let stats = pool.stats();
        let promoted: u64 = stats.iter().map(|s| s.frames_promoted).sum();
        let stolen: u64 = stats.iter().map(|s| s.jobs_stolen).sum();
        let workers_stealing = stats.iter().filter(|s| s.jobs_stolen > 0).count();
        if promoted > 0 && stolen > 0 && workers_stealing >= 1 {
            assert!(
                stolen <= promoted,
                "{stolen} steals of {promoted} promoted frames"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nothing was shared: {promoted} promoted, {stolen} stolen"
        );
    }
}
