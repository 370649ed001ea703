//! Dropping the loop cancels pending tasks (their futures are dropped on
//! the loop thread), and handles report them aborted; Handle::spawn after
//! the loop is gone resolves to an aborted JoinError.

use homemade::event_loop::{sleep, spawn, EventLoop, JoinHandle};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

struct Flag(Rc<Cell<bool>>);
impl Drop for Flag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn dropping_the_loop_cancels_pending_tasks() {
    let dropped = Rc::new(Cell::new(false));
    let lp = EventLoop::new().unwrap();
    let handle = lp.handle();
    let d2 = dropped.clone();
    // (The handle travels in a Vec: returning a bare future from an async
    // block is what clippy's `async_yields_async` warns about.)
    let mut handles: Vec<JoinHandle<()>> = lp.block_on(async move {
        let flag = Flag(d2);
        vec![spawn(async move {
            let _flag = flag;
            sleep(Duration::from_secs(3600)).await;
        })]
    });
    let jh = handles.pop().unwrap();
    assert!(!dropped.get());
    assert_eq!(lp.stats().tasks_alive, 1);
    drop(lp);
    assert!(
        dropped.get(),
        "the pending future was dropped with the loop"
    );
    assert!(jh.is_finished());

    // Await the old handle and a new spawn on another loop.
    let other = EventLoop::new().unwrap();
    let late = handle.spawn(async { 1 });
    other.block_on(async move {
        assert!(jh.await.unwrap_err().is_aborted());
        assert!(late.await.unwrap_err().is_aborted());
    });
}
