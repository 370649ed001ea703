//! A panicking task does not bring the loop down; its JoinHandle reports
//! the panic with its message. A panic in block_on's own future propagates
//! to the caller, and the loop stays usable afterwards.

use homemade::event_loop::{spawn, yield_now, EventLoop};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn panicking_task_is_isolated() {
    let lp = EventLoop::new().unwrap();
    let (err, other) = lp.block_on(async {
        let bad = spawn(async {
            yield_now().await;
            panic!("boom in task");
        });
        let good = spawn(async {
            for _ in 0..10 {
                yield_now().await;
            }
            5
        });
        (bad.await.unwrap_err(), good.await.unwrap())
    });
    assert!(err.is_panic());
    assert!(!err.is_aborted());
    assert_eq!(err.panic_message(), Some("boom in task"));
    assert!(err.to_string().contains("boom in task"), "{err}");
    assert_eq!(other, 5);
    assert_eq!(lp.stats().tasks_alive, 0);
}

#[test]
fn panic_in_block_on_future_propagates() {
    let lp = EventLoop::new().unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| {
        lp.block_on(async {
            yield_now().await;
            panic!("boom in main");
        })
    }));
    let payload = r.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in main"));
    // The loop is still usable, and spawn works again (the thread-local
    // context was reset during unwinding).
    assert_eq!(lp.block_on(async { spawn(async { 9 }).await.unwrap() }), 9);
}
