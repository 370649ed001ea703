//! `retry_idempotent(n)`: a task whose worker dies under it runs again on a
//! live worker, up to `n` attempts; every lost attempt is logged with its
//! worker's pid and the reason; when all attempts are lost the last
//! attempt's error is reported, so a task that kills its worker every time
//! ends.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use homemade::event_loop::EventLoop;
use homemade::process_pool::{ProcessPool, TaskError};

/// A fresh path in the temp dir, for files the workers use to count attempts.
fn scratch(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("homemade-retry-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// Appends one byte to `path`; returns how many attempts it now records.
fn count_attempt(path: &Path) -> u64 {
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(b".").unwrap();
    f.metadata().unwrap().len()
}

/// Kills the calling process (a worker) with SIGKILL.
fn die() {
    // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
}

fn a_task_lost_once_succeeds_on_its_second_attempt() {
    let marker = scratch("once");
    let m = marker.clone();
    let pool = ProcessPool::builder(2)
        .retry_idempotent(3)
        .build(move |x: u64| {
            // Only the very first attempt of item 5 (in any worker) dies.
            if x == 5
                && OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&m)
                    .is_ok()
            {
                die();
            }
            x * 10
        })
        .unwrap();
    let before = pool.worker_pids();
    assert_eq!(pool.submit(5).join().unwrap(), 50);
    let retries = pool.take_retries();
    assert_eq!(retries.len(), 1, "{retries:?}");
    let r = &retries[0];
    assert!(before.contains(&r.pid), "{} not in {before:?}", r.pid);
    assert_eq!((r.attempt, r.first_item, r.items), (1, 0, 1));
    assert_eq!(
        r.error,
        TaskError::WorkerDied {
            pid: r.pid,
            signal: libc::SIGKILL
        }
    );
    assert!(
        !pool.worker_pids().contains(&r.pid),
        "the dead worker was replaced"
    );
    assert!(pool.take_retries().is_empty(), "the log was handed over");

    // A map chunk is retried whole, and the log says which items it holds.
    let _ = std::fs::remove_file(&marker);
    let out = pool.map_chunked(0..12u64, 4).unwrap();
    assert_eq!(out, (0..12u64).map(|x| x * 10).collect::<Vec<_>>());
    let retries = pool.take_retries();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!((retries[0].first_item, retries[0].items), (4, 4));
    let _ = std::fs::remove_file(&marker);
}

fn every_attempt_lost_reports_the_last_error() {
    let counter = scratch("exits");
    let c = counter.clone();
    let pool = ProcessPool::builder(2)
        .retry_idempotent(3)
        .build(move |_: u64| -> u64 {
            // Attempt k exits with code k: the error names the attempt.
            let attempt = count_attempt(&c);
            std::process::exit(attempt as i32)
        })
        .unwrap();
    match pool.submit(1).join() {
        Err(TaskError::WorkerExited { code, .. }) => assert_eq!(code, 3, "the last attempt's"),
        other => panic!("expected WorkerExited, got {other:?}"),
    }
    let retries = pool.take_retries();
    let codes: Vec<_> = retries
        .iter()
        .map(|r| match r.error {
            TaskError::WorkerExited { code, .. } => (r.attempt, code),
            ref e => panic!("unexpected {e}"),
        })
        .collect();
    assert_eq!(codes, vec![(1, 1), (2, 2)]);
    assert_ne!(
        retries[0].pid, retries[1].pid,
        "each attempt on a live worker"
    );
    let _ = std::fs::remove_file(&counter);
}

fn a_task_that_always_kills_its_worker_ends() {
    let pool = ProcessPool::builder(2)
        .retry_idempotent(4)
        .build(|x: u64| {
            if x == 0 {
                die();
            }
            x
        })
        .unwrap();
    match pool.submit(0).join() {
        Err(TaskError::WorkerDied { signal, .. }) => assert_eq!(signal, libc::SIGKILL),
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    assert_eq!(pool.take_retries().len(), 3, "4 attempts, 3 retried");
    // In a map too: the item fails after its attempts; the others complete.
    let results: Vec<_> = pool.imap_unordered(0..6u64).collect();
    assert_eq!(results.iter().filter(|(_, r)| r.is_err()).count(), 1);
    assert_eq!(pool.take_retries().len(), 3);
    assert_eq!(pool.submit(7).join().unwrap(), 7, "the pool still serves");
}

fn without_the_option_nothing_is_retried() {
    let pool = ProcessPool::new(1, |x: u64| {
        if x == 0 {
            die();
        }
        x
    })
    .unwrap();
    assert!(matches!(
        pool.submit(0).join(),
        Err(TaskError::WorkerDied { .. })
    ));
    assert!(pool.take_retries().is_empty());
}

fn an_awaited_task_is_retried_too() {
    let marker = scratch("await");
    let m = marker.clone();
    let pool = ProcessPool::builder(2)
        .retry_idempotent(2)
        .build(move |x: u64| {
            if OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&m)
                .is_ok()
            {
                die();
            }
            x + 1
        })
        .unwrap();
    let ev = EventLoop::new().unwrap();
    assert_eq!(ev.block_on(pool.submit(41)).unwrap(), 42);
    assert_eq!(pool.take_retries().len(), 1);
    let _ = std::fs::remove_file(&marker);
}

fn main() {
    common::run_both(common::cases![
        a_task_lost_once_succeeds_on_its_second_attempt,
        every_attempt_lost_reports_the_last_error,
        a_task_that_always_kills_its_worker_ends,
        without_the_option_nothing_is_retried,
        an_awaited_task_is_retried_too
    ])
}
