//! Running out of descriptors with no client waiting is not a reason to shed:
//! when the server accepts the connection that takes its last descriptor, its
//! next `accept` fails with `EMFILE` although the queue is empty (Linux looks
//! for a free descriptor before it looks at the queue). The server must read
//! that as "nobody to accept" and keep every idle keep-alive connection,
//! instead of closing the one idle longest for a client that does not exist.
//!
//! A `harness = false` binary: it lowers its own `RLIMIT_NOFILE` to 64, which
//! must not hurt other tests (each test binary is its own process).

mod common;
mod http_support;

use http_support::{echo_server, keep_alive_get, set_soft_nofile};
use std::fs::File;
use std::net::TcpStream;
use std::time::Duration;

/// The soft descriptor limit this test runs under.
const LOW_LIMIT: u64 = 64;

/// Idle keep-alive clients opened before the descriptors run out.
const IDLE_CLIENTS: usize = 4;

fn main() {
    common::run(common::cases![
        idle_connections_are_kept_when_the_last_descriptor_goes_to_a_client
    ]);
}

/// A client with a 5 s read timeout, served once (so it is idle after).
fn served_client(addr: std::net::SocketAddr, path: &str) -> TcpStream {
    let mut client = TcpStream::connect(addr).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let answer = keep_alive_get(&mut client, path).expect("served");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    client
}

fn idle_connections_are_kept_when_the_last_descriptor_goes_to_a_client() {
    let old_limit = set_soft_nofile(LOW_LIMIT);
    let server = echo_server();
    let mut idle: Vec<TcpStream> = (0..IDLE_CLIENTS)
        .map(|i| served_client(server.addr(), &format!("/idle/{i}")))
        .collect();

    // Take every descriptor left, then give two back: one for the last
    // client's socket, one for the server's side of it.
    let mut filler = Vec::new();
    loop {
        assert!(
            filler.len() < LOW_LIMIT as usize,
            "the limit was never reached"
        );
        match File::open("/dev/null") {
            Ok(file) => filler.push(file),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
            Err(e) => panic!("open /dev/null: {e}"),
        }
    }
    filler.truncate(filler.len() - 2);

    // The server accepts this client with its last descriptor, then tries
    // to accept again (the queue may hold more) and fails with `EMFILE`.
    let last = served_client(server.addr(), "/last");
    assert_eq!(
        server.stats().connections_shed(),
        0,
        "a connection was shed though no client was waiting"
    );
    // Every idle client still has its connection.
    for (i, client) in idle.iter_mut().enumerate() {
        let answer = keep_alive_get(client, &format!("/again/{i}"))
            .unwrap_or_else(|e| panic!("idle client {i} lost its connection: {e}"));
        assert!(
            answer.contains(&format!(r#""path":"/again/{i}""#)),
            "{answer}"
        );
    }
    assert_eq!(server.stats().connections_shed(), 0);

    drop((idle, last, filler));
    server.shutdown();
    set_soft_nofile(old_limit);
}
