//! No thundering herd: one new job wakes at most one parked worker, even
//! when every worker of the pool is parked.
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::time::{Duration, Instant};

fn total_woken(pool: &ThreadPool) -> u64 {
    pool.stats().iter().map(|s| s.woken).sum()
}

fn wait_all_parked(pool: &ThreadPool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.parked_workers() < pool.current_num_threads() {
        assert!(Instant::now() < deadline, "workers never all parked");
        std::thread::sleep(Duration::from_micros(500));
    }
}

#[test]
fn one_job_wakes_at_most_one_of_four_parked_workers() {
    for scheduler in Scheduler::ALL {
        one_job_wakes_at_most_one_of_four_parked_workers_under(scheduler);
    }
}

fn one_job_wakes_at_most_one_of_four_parked_workers_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(4, scheduler).unwrap();
    const ROUNDS: u64 = 20;
    wait_all_parked(&pool);
    let before = total_woken(&pool);
    for round in 0..ROUNDS {
        assert_eq!(pool.submit(move || round * 2).join().unwrap(), round * 2);
        wait_all_parked(&pool);
    }
    let woken = total_woken(&pool) - before;
    // A notify-all design would wake 4 per job (80 here).
    assert!(woken >= 1, "nobody was ever woken, yet the jobs ran?");
    assert!(woken <= ROUNDS, "{woken} wake-ups for {ROUNDS} single jobs");
}
