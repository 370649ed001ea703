//! The thread-safety promises of the public types, checked at compile time,
//! and an `AbortHandle` used from another thread to stop a task that the
//! loop's `block_on` is awaiting.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{
    sleep, AbortHandle, Async, EventLoop, Handle, JoinError, JoinHandle, Sleep,
};
use std::time::Duration;

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}

#[test]
fn public_types_are_thread_safe_where_promised() {
    send_sync::<Handle>();
    send_sync::<AbortHandle>();
    send_sync::<JoinError>();
    send::<JoinHandle<u32>>();
    send::<Sleep>();
    send::<Async<mio::net::TcpStream>>();
    send::<TcpStream>();
    send::<TcpListener>();
}

#[test]
fn abort_handle_stops_an_awaited_task_from_another_thread() {
    let lp = EventLoop::new().unwrap();
    let handle = lp.handle();
    let jh = handle.spawn(async {
        sleep(Duration::from_secs(3600)).await;
    });
    let abort = jh.abort_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        abort.abort();
    });
    let err = lp.block_on(jh).unwrap_err();
    stopper.join().unwrap();
    assert!(err.is_aborted());
    assert_eq!(lp.stats().timers, 0);
    assert_eq!(lp.stats().tasks_alive, 0);
}
