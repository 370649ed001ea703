//! The simulated GIL: two CPU-bound jobs on two threads never run their
//! "bytecode" at the same time under the GIL (their recorded work intervals
//! do not overlap), while without the GIL the same two jobs do overlap.
//! With `blocking`, I/O waits overlap even under the GIL.
use homemade::thread_pool::{Gil, ThreadPool};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

type Intervals = Arc<Mutex<Vec<(usize, Instant, Instant)>>>;

/// About `micros` of CPU work.
fn spin(micros: u64) {
    let end = Instant::now() + Duration::from_micros(micros);
    let mut x = 1u64;
    while Instant::now() < end {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
    }
}

/// Runs `slices` CPU slices of 200 µs per job on 2 workers, recording each
/// slice's interval; with a GIL, each slice is done while holding it.
fn run(gil: Option<Gil>, slices: usize) -> Vec<(usize, Instant, Instant)> {
    let pool = ThreadPool::new(2).unwrap();
    let intervals: Intervals = Arc::default();
    let start = Arc::new(Barrier::new(2));
    pool.scope(|s| {
        for job in 0..2 {
            let (gil, intervals, start) = (gil.clone(), intervals.clone(), start.clone());
            s.spawn(move |_| {
                start.wait();
                let record =
                    |from: Instant| intervals.lock().unwrap().push((job, from, Instant::now()));
                match &gil {
                    Some(gil) => {
                        let mut guard = gil.acquire();
                        for _ in 0..slices {
                            let from = Instant::now();
                            spin(200);
                            record(from);
                            guard.tick();
                        }
                    }
                    None => {
                        for _ in 0..slices {
                            let from = Instant::now();
                            spin(200);
                            record(from);
                        }
                    }
                }
            });
        }
    });
    Arc::try_unwrap(intervals).unwrap().into_inner().unwrap()
}

fn overlapping_pairs(iv: &[(usize, Instant, Instant)]) -> usize {
    let mut n = 0;
    for a in iv.iter().filter(|i| i.0 == 0) {
        for b in iv.iter().filter(|i| i.0 == 1) {
            if a.1 < b.2 && b.1 < a.2 {
                n += 1;
            }
        }
    }
    n
}

fn span(iv: &[(usize, Instant, Instant)], job: usize) -> (Instant, Instant) {
    let mine = iv.iter().filter(|i| i.0 == job);
    let from = mine.clone().map(|i| i.1).min().unwrap();
    let to = mine.map(|i| i.2).max().unwrap();
    (from, to)
}

#[test]
fn gil_keeps_cpu_slices_from_overlapping() {
    let gil = Gil::new();
    let with = run(Some(gil.clone()), 250);
    assert_eq!(with.len(), 500);
    assert_eq!(
        overlapping_pairs(&with),
        0,
        "two threads ran bytecode at once under the GIL"
    );
    // The GIL was handed over on request: the jobs interleaved.
    assert!(
        gil.forced_switches() >= 1,
        "no switch interval handover happened"
    );
}

#[test]
fn without_gil_the_same_jobs_overlap() {
    let without = run(None, 250);
    let (a0, a1) = span(&without, 0);
    let (b0, b1) = span(&without, 1);
    assert!(a0 < b1 && b0 < a1, "the two jobs' spans did not overlap");
}

#[test]
fn io_waits_overlap_under_the_gil() {
    let gil = Gil::new();
    let pool = ThreadPool::new(2).unwrap();
    let waits: Intervals = Arc::default();
    let start = Arc::new(Barrier::new(2));
    pool.scope(|s| {
        for job in 0..2 {
            let (gil, waits, start) = (gil.clone(), waits.clone(), start.clone());
            s.spawn(move |_| {
                start.wait();
                let mut guard = gil.acquire();
                let (from, to) = guard.blocking(|| {
                    let from = Instant::now();
                    std::thread::sleep(Duration::from_millis(100));
                    (from, Instant::now())
                });
                drop(guard);
                waits.lock().unwrap().push((job, from, to));
            });
        }
    });
    let waits = waits.lock().unwrap();
    assert_eq!(
        overlapping_pairs(&waits),
        1,
        "sleeps with the GIL released must overlap"
    );
}
