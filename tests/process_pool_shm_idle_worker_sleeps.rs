//! An idle shared-memory worker sleeps: after a burst of tasks, once its
//! short spin is over, it parks on its futex and uses under 5% of a core
//! over one second (user + system time from `/proc/PID/stat`, generous
//! margin: a parked worker uses ~0; one that never parked would use ~100%
//! of a core, or whatever share the machine gives it). The parent, blocked
//! in nothing, uses nothing either.

mod common;

use std::time::{Duration, Instant};

use homemade::process_pool::{ProcessPool, Transport};

/// User plus system time of `pid`, in clock ticks (fields 14 and 15).
fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf takes a plain integer.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

fn idle_shm_worker_uses_under_five_percent_of_a_core() {
    let pool = ProcessPool::builder(2)
        .transport(Transport::SharedMemory)
        .build(|x: u64| x * 3)
        .unwrap();
    let want: Vec<u64> = (0..5_000).map(|x| x * 3).collect();
    assert_eq!(pool.map_chunked(0..5_000u64, 1).unwrap(), want);
    // Let the spin run out (50 µs) with a wide margin.
    std::thread::sleep(Duration::from_millis(100));
    let pids = pool.worker_pids();
    let before: Vec<u64> = pids.iter().map(|&p| cpu_ticks(p)).collect();
    let wall = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let wall = wall.elapsed().as_secs_f64();
    for (pid, before) in pids.iter().zip(before) {
        let share = (cpu_ticks(*pid) - before) as f64 / ticks_per_second() / wall;
        assert!(
            share < 0.05,
            "idle worker {pid} used {:.1}% of a core",
            share * 100.0
        );
    }
    // Still serving after the long sleep.
    assert_eq!(pool.submit(7).join().unwrap(), 21);
}

fn main() {
    common::run(common::cases![
        idle_shm_worker_uses_under_five_percent_of_a_core
    ])
}
