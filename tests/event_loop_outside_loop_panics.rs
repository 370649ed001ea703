//! The free functions and Async::new panic with a clear message when called
//! outside `EventLoop::block_on`.

use homemade::event_loop::{sleep, spawn, timeout, yield_now, Async};
use std::panic::catch_unwind;
use std::time::Duration;

fn message(r: Result<(), Box<dyn std::any::Any + Send>>) -> String {
    let p = r.unwrap_err();
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

/// A named call that must panic outside a loop.
type Case = (&'static str, Box<dyn Fn() + std::panic::RefUnwindSafe>);

#[test]
fn free_functions_outside_a_loop_panic_clearly() {
    let cases: Vec<Case> = vec![
        ("spawn", Box::new(|| drop(spawn(async {})))),
        ("sleep", Box::new(|| drop(sleep(Duration::from_millis(1))))),
        ("yield_now", Box::new(|| drop(yield_now()))),
        (
            "timeout",
            Box::new(|| drop(timeout(Duration::from_millis(1), async {}))),
        ),
        (
            "Async::new",
            Box::new(|| {
                let l = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
                drop(Async::new(l));
            }),
        ),
    ];
    for (name, f) in cases {
        let msg = message(catch_unwind(&*f));
        assert!(msg.contains(name), "{name}: {msg}");
        assert!(msg.contains("EventLoop::block_on"), "{name}: {msg}");
    }
}
