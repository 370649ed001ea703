//! A task reading a socket that always has data (it peeks, so the data never
//! runs out and the read never returns WouldBlock) cannot starve a timer:
//! the I/O budget makes it yield after COOP_BUDGET operations.

use homemade::event_loop::{sleep, spawn, Async, COOP_BUDGET};
use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

mod event_loop_policies;
use event_loop_policies::each_policy;

#[test]
fn always_ready_socket_does_not_starve_timers() {
    each_policy(|lp| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut writer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        writer.write_all(b"always here").unwrap();
        reader.set_nonblocking(true).unwrap();
        let stop = Rc::new(Cell::new(false));
        let ops = lp.block_on(async {
            let io = Async::new(mio::net::TcpStream::from_std(reader)).unwrap();
            let s2 = stop.clone();
            let timer = spawn(async move {
                sleep(Duration::from_millis(10)).await;
                s2.set(true);
            });
            let s3 = stop.clone();
            let busy = spawn(async move {
                let mut ops = 0u64;
                let mut buf = [0u8; 16];
                while !s3.get() {
                    let n = io.read_with(|s| s.peek(&mut buf)).await.unwrap();
                    assert!(n > 0);
                    ops += 1;
                    assert!(ops < 2_000_000, "the timer never got a turn");
                }
                ops
            });
            timer.await.unwrap();
            busy.await.unwrap()
        });
        // The busy task did real work, and it was interrupted by the budget
        // (more than one budget's worth of operations happened).
        assert!(ops > COOP_BUDGET as u64, "ops = {ops}");
    });
}
