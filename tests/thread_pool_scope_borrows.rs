//! `scope`: spawned jobs borrow the caller's stack (read and write), nest,
//! and `scope` returns only when all of them are done.
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn scope_jobs_borrow_and_write_disjoint_chunks() {
    for scheduler in Scheduler::ALL {
        scope_jobs_borrow_and_write_disjoint_chunks_under(scheduler);
    }
}

fn scope_jobs_borrow_and_write_disjoint_chunks_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let input: Vec<u64> = (0..10_000).collect();
    let mut output = vec![0u64; input.len()];
    pool.scope(|s| {
        for (chunk_in, chunk_out) in input.chunks(1000).zip(output.chunks_mut(1000)) {
            s.spawn(move |_| {
                for (o, i) in chunk_out.iter_mut().zip(chunk_in) {
                    *o = i * i;
                }
            });
        }
    });
    assert!(output.iter().enumerate().all(|(i, &v)| v == (i * i) as u64));
}

#[test]
fn nested_spawns_all_finish_before_scope_returns() {
    for scheduler in Scheduler::ALL {
        nested_spawns_all_finish_before_scope_returns_under(scheduler);
    }
}

fn nested_spawns_all_finish_before_scope_returns_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let counter = AtomicUsize::new(0);
    let answer = pool.scope(|s| {
        for _ in 0..10 {
            s.spawn(|s| {
                for _ in 0..10 {
                    s.spawn(|_| {
                        std::thread::yield_now();
                        counter.fetch_add(1, Ordering::SeqCst);
                    });
                }
                counter.fetch_add(1, Ordering::SeqCst);
            });
        }
        "body result"
    });
    assert_eq!(answer, "body result");
    assert_eq!(counter.load(Ordering::SeqCst), 110);
}

#[test]
fn scope_called_from_inside_a_job() {
    for scheduler in Scheduler::ALL {
        scope_called_from_inside_a_job_under(scheduler);
    }
}

fn scope_called_from_inside_a_job_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let total = pool.install(|| {
        let mut parts = [0u32; 4];
        pool.scope(|s| {
            for (i, p) in parts.iter_mut().enumerate() {
                s.spawn(move |_| *p = i as u32 + 1);
            }
        });
        parts.iter().sum::<u32>()
    });
    assert_eq!(total, 10);
}
