//! asyncio's `run_in_executor`, homemade: a task on our event loop awaits a
//! `TaskHandle` (CPU work on the thread pool) while other loop tasks keep
//! running. The ticker task must make progress *while* the pool job runs,
//! which proves the await did not block the loop thread.
use homemade::event_loop::{self, EventLoop};
use homemade::thread_pool::{Scheduler, ThreadPool};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn awaiting_pool_work_keeps_the_loop_running() {
    for scheduler in Scheduler::ALL {
        awaiting_pool_work_keeps_the_loop_running_under(scheduler);
    }
}

fn awaiting_pool_work_keeps_the_loop_running_under(scheduler: Scheduler) {
    let pool = ThreadPool::with_scheduler(2, scheduler).unwrap();
    let ev = EventLoop::new().unwrap();
    let job_running = Arc::new(AtomicBool::new(false));
    let ticks_while_job_ran = Rc::new(Cell::new(0u32));

    let result = ev.block_on({
        let job_running = job_running.clone();
        let ticks = ticks_while_job_ran.clone();
        async move {
            // Another loop task: ticks every millisecond until told to stop.
            let stop = Rc::new(Cell::new(false));
            let ticker = event_loop::spawn({
                let (stop, ticks, job_running) = (stop.clone(), ticks.clone(), job_running.clone());
                async move {
                    while !stop.get() {
                        if job_running.load(Ordering::SeqCst) {
                            ticks.set(ticks.get() + 1);
                        }
                        event_loop::sleep(Duration::from_millis(1)).await;
                    }
                }
            });
            // CPU work on the pool: runs ~150 ms on a worker thread.
            let handle = pool.submit({
                let job_running = job_running.clone();
                move || {
                    job_running.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(150));
                    let sum: u64 = (1..=1_000_000u64).sum();
                    job_running.store(false, Ordering::SeqCst);
                    sum
                }
            });
            let sum = handle.await.expect("pool job failed");
            stop.set(true);
            ticker.await.expect("ticker failed");
            // A failing job comes back as an error, not a panic in the loop.
            let failed = pool.submit(|| -> u8 { panic!("cpu job failed") }).await;
            (sum, failed.unwrap_err().message().to_string())
        }
    });
    assert_eq!(result.0, 500_000_500_000);
    assert_eq!(result.1, "cpu job failed");
    // 150 ms of job time at one tick per ms: demand only a handful, the
    // machine is shared and timings are noisy.
    assert!(
        ticks_while_job_ran.get() >= 5,
        "the loop only ticked {} times while the pool job ran: the await blocked it",
        ticks_while_job_ran.get()
    );
}
