//! The blocking client has one deadline for the whole exchange: a server
//! that trickles its answer a byte at a time (so no single read ever times
//! out) is given up on when the deadline passes, as the event-loop client
//! gives up on it.

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::{blocking, Client, Error};
use http_support::{read_head, RawServer};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

/// Sends a head announcing 1,000 bytes, then one byte every 50 ms (for at
/// most 10 s, or until the client hangs up).
fn trickler() -> RawServer {
    RawServer::with(|mut stream| {
        read_head(&mut stream);
        if stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            .is_err()
        {
            return;
        }
        for _ in 0..200 {
            if stream.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

#[test]
fn a_trickling_server_is_given_up_on_at_the_deadline() {
    let server = trickler();
    let url = server.url("/items/1");
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(blocking::get_within(&url, Duration::from_millis(400)));
    });
    let result = rx
        .recv_timeout(Duration::from_secs(8))
        .expect("the blocking client kept waiting on a trickling server past its deadline");
    worker.join().unwrap();
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == Duration::from_millis(400)),
        "{err:?}"
    );
}

#[test]
fn the_event_loop_client_gives_up_on_it_the_same_way() {
    let server = trickler();
    let client = Client::builder()
        .request_timeout(Duration::from_millis(400))
        .build();
    let err = EventLoop::new()
        .unwrap()
        .block_on(client.get(&server.url("/items/1")))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}
