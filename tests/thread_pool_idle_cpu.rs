//! An idle pool burns no CPU: after its workers park, the process's CPU time
//! over 200 ms stays under 5% of one core (getrusage, generous margin: a
//! parked pool should use ~0).
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::time::{Duration, Instant};

fn process_cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[test]
fn idle_pool_uses_under_five_percent_of_a_core() {
    for scheduler in Scheduler::ALL {
        idle_pool_uses_under_five_percent_of_a_core_under(scheduler);
    }
}

fn idle_pool_uses_under_five_percent_of_a_core_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(4, scheduler).unwrap();
    // Give it some work first, so workers went busy -> idle -> parked.
    let v = pool.map((0..10_000u64).collect(), |x| x * 2);
    assert_eq!(v.len(), 10_000);
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.parked_workers() < 4 {
        assert!(Instant::now() < deadline, "workers never parked");
        std::thread::sleep(Duration::from_millis(1));
    }
    let cpu_before = process_cpu_time();
    let wall_before = Instant::now();
    std::thread::sleep(Duration::from_millis(200));
    let cpu = process_cpu_time() - cpu_before;
    let wall = wall_before.elapsed();
    let share = cpu.as_secs_f64() / wall.as_secs_f64();
    assert!(
        share < 0.05,
        "idle pool used {cpu:?} of CPU in {wall:?} ({:.1}% of a core)",
        share * 100.0
    );
    let woken: u64 = pool.stats().iter().map(|s| s.woken).sum();
    let parked: u64 = pool.stats().iter().map(|s| s.parked).sum();
    assert!(parked >= 4 && woken <= parked);
}
