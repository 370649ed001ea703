//! A large task submitted by one thread while another thread is the leader
//! (asleep in `poll` waiting for a slow task) must go out at once. The frame
//! is too large for the socket, so the submitting thread's pump leaves it
//! half-written; the leader must learn that its poll set needs `POLLOUT` for
//! that worker, or the frame stalls until the slow task finishes.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use homemade::process_pool::ProcessPool;

/// Bytes of the big task: far more than a socket buffer holds. (A `String`
/// travels as one byte blob; a `Vec<u8>` would be encoded byte by byte,
/// which takes seconds in a debug build.)
const BIG: usize = 16 << 20;

fn a_big_submit_is_not_stalled_behind_the_leaders_poll() {
    let pool = ProcessPool::new(2, |(ms, text): (u64, String)| {
        std::thread::sleep(Duration::from_millis(ms));
        text.len() as u64
    })
    .unwrap();
    let slow_done = Arc::new(AtomicBool::new(false));
    let slow = pool.submit((3000, String::new()));
    let flag = slow_done.clone();
    let leader = std::thread::spawn(move || {
        let r = slow.join();
        flag.store(true, Ordering::SeqCst);
        r
    });
    // Let the other thread become the leader and fall asleep in poll.
    std::thread::sleep(Duration::from_millis(300));
    let big = pool.submit((0, "x".repeat(BIG)));
    assert_eq!(big.join().unwrap(), BIG as u64);
    assert!(
        !slow_done.load(Ordering::SeqCst),
        "the big task finished only after the 3 s task: its frame stalled"
    );
    assert_eq!(leader.join().unwrap().unwrap(), 0);
}

fn main() {
    common::run_both(common::cases![
        a_big_submit_is_not_stalled_behind_the_leaders_poll
    ])
}
