//! No lost wake-up: 100,000 tiny jobs submitted from several outside threads,
//! in bursts separated by pauses long enough for the workers to park, all
//! complete, and in bounded time (a stranded job would hang the final wait,
//! which is itself bounded and fails instead of hanging).
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const SUBMITTERS: usize = 4;
const BURSTS: usize = 25;
const PER_BURST: usize = 1_000; // 4 * 25 * 1000 = 100,000 jobs

#[test]
fn bursts_from_outside_threads_all_complete() {
    for scheduler in Scheduler::ALL {
        bursts_from_outside_threads_all_complete_under(scheduler);
    }
}

fn bursts_from_outside_threads_all_complete_under(scheduler: Scheduler) {
    let pool = Arc::new(ThreadPool::with_scheduler(2, scheduler).unwrap());
    let done = Arc::new(AtomicUsize::new(0));
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|t| {
            let pool = pool.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                for burst in 0..BURSTS {
                    for _ in 0..PER_BURST {
                        let done = done.clone();
                        pool.spawn(move || {
                            done.fetch_add(1, Ordering::Relaxed);
                        });
                    }
                    // Pause so the workers drain the queues and go to sleep
                    // (wait, bounded, until one has parked: under heavy load
                    // parking takes longer), then a varied extra pause so
                    // bursts land at every phase of parking.
                    let until = Instant::now() + Duration::from_millis(100);
                    while pool.parked_workers() == 0 && Instant::now() < until {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    std::thread::sleep(Duration::from_micros(
                        500 + ((t * 7 + burst * 13) % 9) as u64 * 400,
                    ));
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().unwrap();
    }
    let total = SUBMITTERS * BURSTS * PER_BURST;
    let deadline = Instant::now() + Duration::from_secs(60);
    while done.load(Ordering::Relaxed) < total {
        assert!(
            Instant::now() < deadline,
            "only {} of {total} jobs ran: a wake-up was lost",
            done.load(Ordering::Relaxed)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // The workers really did sleep between bursts (the protocol was tested).
    let parked: u64 = pool.stats().iter().map(|s| s.parked).sum();
    assert!(
        parked > 0,
        "workers never parked; pauses too short to test wake-ups"
    );
}

#[test]
fn submit_from_many_threads_after_idle_periods() {
    for scheduler in Scheduler::ALL {
        submit_from_many_threads_after_idle_periods_under(scheduler);
    }
}

fn submit_from_many_threads_after_idle_periods_under(scheduler: Scheduler) {
    let pool = Arc::new(ThreadPool::with_scheduler(2, scheduler).unwrap());
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let pool = pool.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for round in 0..20 {
                    // Let every worker park, then wake them with one job.
                    std::thread::sleep(Duration::from_millis(2));
                    let h = pool.submit(move || t * 1000 + round);
                    tx.send(h.join().unwrap()).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut got: Vec<usize> = Vec::new();
    while let Ok(v) = rx.recv_timeout(Duration::from_secs(30)) {
        got.push(v);
    }
    for t in threads {
        t.join().unwrap();
    }
    got.sort_unstable();
    let mut want: Vec<usize> = (0..3)
        .flat_map(|t| (0..20).map(move |r| t * 1000 + r))
        .collect();
    want.sort_unstable();
    assert_eq!(got, want);
}
