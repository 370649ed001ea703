//! Dropping the pool finishes the queued work and joins every thread.
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

#[test]
fn drop_runs_queued_jobs_and_joins_threads() {
    for scheduler in Scheduler::ALL {
        drop_runs_queued_jobs_and_joins_threads_under(scheduler);
    }
}

fn drop_runs_queued_jobs_and_joins_threads_under(scheduler: Scheduler) {
    let done = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPool::builder()
        .scheduler(scheduler)
        .threads(2)
        .thread_name_prefix("dropfin")
        .build()
        .unwrap();
    // A thread sets its own name when it starts: give them a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while threads_named("dropfin") < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "workers never started"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    for _ in 0..200 {
        let done = done.clone();
        pool.spawn(move || {
            std::thread::sleep(Duration::from_micros(100));
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    drop(pool);
    assert_eq!(done.load(Ordering::SeqCst), 200, "queued jobs were dropped");
    // `Drop` joined every thread, but the kernel removes a joined thread's
    // `/proc/self/task` entry a moment after `pthread_join` returns (the
    // join wakes on the tid being cleared, before the task is released), so
    // look again for a while. A thread that really outlived the pool stays.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while threads_named("dropfin") > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        threads_named("dropfin"),
        0,
        "worker threads outlived the pool"
    );
}

#[test]
fn builder_names_threads_and_rejects_bad_sizes() {
    for scheduler in Scheduler::ALL {
        builder_names_threads_and_rejects_bad_sizes_under(scheduler);
    }
}

fn builder_names_threads_and_rejects_bad_sizes_under(scheduler: Scheduler) {
    let pool = ThreadPool::builder()
        .scheduler(scheduler)
        .threads(3)
        .thread_name(|i| format!("named-{i}"))
        .stack_size(256 * 1024)
        .build()
        .unwrap();
    // From inside the pool: under heartbeat a `map` from outside may run
    // on the caller's own thread (map.rs, "A head start on the caller").
    let names = pool.install(|| {
        pool.map(vec![(); 64], |_| {
            std::thread::current().name().map(String::from)
        })
    });
    assert!(names
        .iter()
        .all(|n| n.as_deref().is_some_and(|n| n.starts_with("named-"))));
    assert_eq!(pool.current_num_threads(), 3);
    let err = ThreadPool::with_scheduler(1_000_000, scheduler).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at most"));
    let auto = ThreadPool::with_scheduler(0, scheduler).unwrap();
    assert!(auto.current_num_threads() >= 1);
}

#[test]
fn a_job_may_wait_for_a_submitted_job_even_on_one_thread() {
    for scheduler in Scheduler::ALL {
        a_job_may_wait_for_a_submitted_job_even_on_one_thread_under(scheduler);
    }
}

fn a_job_may_wait_for_a_submitted_job_even_on_one_thread_under(scheduler: Scheduler) {
    // The worker that calls `join` helps run the queue instead of blocking,
    // so even a single-threaded pool cannot deadlock on this pattern.
    let pool = std::sync::Arc::new(ThreadPool::with_scheduler(1, scheduler).unwrap());
    let inner = pool.clone();
    let outer = pool.submit(move || inner.submit(|| 20).join().unwrap() + 1);
    assert_eq!(outer.join().unwrap(), 21);
}

#[test]
fn dropping_the_pool_from_its_own_job_does_not_deadlock() {
    for scheduler in Scheduler::ALL {
        dropping_the_pool_from_its_own_job_does_not_deadlock_under(scheduler);
    }
}

fn dropping_the_pool_from_its_own_job_does_not_deadlock_under(scheduler: Scheduler) {
    let pool = std::sync::Arc::new(
        ThreadPool::builder()
            .scheduler(scheduler)
            .threads(2)
            .thread_name_prefix("selfdrop")
            .build()
            .unwrap(),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let last_owner = pool.clone();
    pool.spawn(move || {
        // Wait until main has dropped its handle, so ours is the last one.
        while std::sync::Arc::strong_count(&last_owner) > 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(last_owner); // ThreadPool::drop runs here, on a worker.
        tx.send(()).unwrap();
    });
    drop(pool);
    rx.recv_timeout(Duration::from_secs(10))
        .expect("drop inside a job hung");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while threads_named("selfdrop") > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "worker threads never exited"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
