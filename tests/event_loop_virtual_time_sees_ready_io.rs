//! A paused clock does not jump past I/O that is ready: a reply already in
//! its socket is read before a one-hour timeout around it can fire, and the
//! clock has not moved an hour when it is. Only once nothing is ready does
//! the clock jump (the second read, with no data, times out at once).

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use homemade::event_loop::{now, timeout, Async, EventLoop};

const HOUR: Duration = Duration::from_secs(3_600);

#[test]
fn the_clock_does_not_jump_past_a_ready_socket() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    peer.write_all(b"reply").unwrap();
    let lp = EventLoop::builder().paused_clock(true).build().unwrap();
    let real_start = Instant::now();
    let (first, second, read_at, start, end) = lp.block_on(async {
        let start = now();
        let io = Async::new(mio::net::TcpStream::from_std(ours)).unwrap();
        let mut buf = [0u8; 16];
        let first = timeout(HOUR, io.read_with(|mut s| s.read(&mut buf)))
            .await
            .map(|n| buf[..n.unwrap()].to_vec());
        let read_at = now();
        // Nothing more will come: now the clock may (and does) jump.
        let second = timeout(HOUR, io.read_with(|mut s| s.read(&mut buf))).await;
        (first, second.is_err(), read_at, start, now())
    });
    assert_eq!(first.as_deref(), Ok(&b"reply"[..]), "the ready reply won");
    assert!(read_at - start < HOUR, "the clock jumped before the read");
    assert!(second, "the second read timed out");
    assert!(end - start >= HOUR, "the timeout fired by a jump");
    assert!(real_start.elapsed() < HOUR / 60);
    drop(peer);
}
