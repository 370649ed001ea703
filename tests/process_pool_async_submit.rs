//! `TaskHandle` as a future on the crate's event loop: many loop tasks submit
//! at once (more tasks than workers, as the cart workload's `pipelined`
//! strategy does) and await them all; queued tasks are dispatched as workers
//! free up with only futures driving the pool. Failures (a killed worker, a
//! timeout) arrive through `.await` too.

mod common;

use std::rc::Rc;
use std::time::Duration;

use homemade::event_loop::{gather, spawn, EventLoop};
use homemade::process_pool::{ProcessPool, TaskError};

fn many_loop_tasks_submit_and_await() {
    let pool = Rc::new(
        ProcessPool::new(2, |x: u64| {
            std::thread::sleep(Duration::from_millis(1));
            x * 3
        })
        .unwrap(),
    );
    let ev = EventLoop::new().unwrap();
    let results = ev.block_on(async {
        let tasks: Vec<_> = (0..60u64)
            .map(|i| {
                let pool = pool.clone();
                spawn(async move {
                    // Stagger the submissions a little, like HTTP responses.
                    homemade::event_loop::sleep(Duration::from_micros(100 * (i % 7))).await;
                    pool.submit(i).await
                })
            })
            .collect();
        gather(tasks).await
    });
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.unwrap().unwrap(), i as u64 * 3);
    }
}

fn submit_all_then_await_in_reverse_order() {
    let pool = ProcessPool::new(2, |x: u32| x + 1).unwrap();
    let ev = EventLoop::new().unwrap();
    ev.block_on(async {
        let handles: Vec<_> = (0..40u32).map(|i| pool.submit(i)).collect();
        for (i, h) in handles.into_iter().enumerate().rev() {
            assert_eq!(h.await.unwrap(), i as u32 + 1);
        }
    });
}

fn failures_arrive_through_await() {
    // The limit must exceed a worker's first panic: with RUST_BACKTRACE=1
    // its backtrace is symbolized, measured at about 260 ms in a debug build
    // on a loaded machine, and 300 ms then timed task 3 out now and then.
    let pool = ProcessPool::builder(2)
        .task_timeout(Duration::from_millis(1500))
        .build(|x: u64| {
            match x {
                // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
                1 => unsafe {
                    libc::kill(libc::getpid(), libc::SIGKILL);
                },
                2 => std::thread::sleep(Duration::from_secs(30)),
                3 => panic!("three is right out"),
                _ => {}
            }
            x
        })
        .unwrap();
    let ev = EventLoop::new().unwrap();
    ev.block_on(async {
        let hs: Vec<_> = (0..8u64).map(|i| pool.submit(i)).collect();
        let rs = gather(hs).await;
        assert!(
            matches!(
                rs[1],
                Err(TaskError::WorkerDied {
                    signal: libc::SIGKILL,
                    ..
                })
            ),
            "{:?}",
            rs[1]
        );
        assert_eq!(rs[2], Err(TaskError::TimedOut));
        assert!(
            matches!(&rs[3], Err(TaskError::Panicked { message }) if message.contains("right out")),
            "{:?}",
            rs[3]
        );
        for i in [0usize, 4, 5, 6, 7] {
            assert_eq!(rs[i], Ok(i as u64));
        }
    });
}

fn main() {
    common::run_both(common::cases![
        many_loop_tasks_submit_and_await,
        submit_all_then_await_in_reverse_order,
        failures_arrive_through_await
    ])
}
