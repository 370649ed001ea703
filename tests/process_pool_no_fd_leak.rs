//! No descriptor leaks: `/proc/self/fd` lists the same descriptors before a
//! pool is created and after it is dropped, having served maps, futures on
//! the event loop, crashes with replacements, and a timeout.

mod common;

use std::time::Duration;

use homemade::event_loop::{gather, EventLoop};
use homemade::process_pool::ProcessPool;

fn work(x: u64) -> u64 {
    match x {
        // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
        13 => unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        },
        14 => std::thread::sleep(Duration::from_secs(60)),
        _ => {}
    }
    x
}

fn descriptors_are_all_closed_after_drop() {
    // The event loop's own descriptors are created and closed once first,
    // so any lazily-initialized global state is already in place.
    drop(EventLoop::new().unwrap());
    let before = common::open_fds();
    {
        let pool = ProcessPool::builder(2)
            .task_timeout(Duration::from_millis(300))
            .build(work)
            .unwrap();
        assert!(pool.map(0..100u64).is_err(), "13 and 14 fail");
        assert_eq!(pool.map(0..10u64).unwrap(), (0..10).collect::<Vec<_>>());
        let ev = EventLoop::new().unwrap();
        let out = ev.block_on(async { gather((0..20u64).map(|i| pool.submit(i))).await });
        assert_eq!(out.iter().filter(|r| r.is_err()).count(), 2);
        drop(ev);
        let during = common::open_fds();
        assert!(
            during.len() > before.len(),
            "the pool holds sockets while alive"
        );
    }
    let after = common::open_fds();
    assert_eq!(before, after, "descriptors leaked");
}

fn main() {
    common::run_both(common::cases![descriptors_are_all_closed_after_drop])
}
