//! File-descriptor starvation: with the descriptor limit reached by idle
//! keep-alive connections, a new client is still served, because the server
//! sheds the connection that has been idle longest when `accept` fails with
//! `EMFILE`.
//!
//! A `harness = false` binary: it lowers its own `RLIMIT_NOFILE` to 64, which
//! must not hurt other tests (each test binary is its own process).

mod common;
mod http_support;

use homemade::http::server::ServerThread;
use http_support::{echo_server, keep_alive_get, set_soft_nofile};
use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Duration;

/// The soft descriptor limit this test runs under.
const LOW_LIMIT: u64 = 64;

fn main() {
    common::run(common::cases![
        a_new_client_is_served_when_idle_connections_hold_every_descriptor
    ]);
}

/// Connects a client with a 5 s read timeout: a server that cannot accept
/// makes `get` fail with a timeout instead of hanging.
fn connect(server: &ServerThread) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(server.addr())?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(stream)
}

fn a_new_client_is_served_when_idle_connections_hold_every_descriptor() {
    let old_limit = set_soft_nofile(LOW_LIMIT);
    let server = echo_server();
    // One descriptor kept in reserve, so that the last client can connect
    // once everything else is taken.
    let spare = std::fs::File::open("/dev/null").unwrap();
    let mut idle = Vec::new();
    loop {
        assert!(
            idle.len() < LOW_LIMIT as usize,
            "the limit was never reached"
        );
        let mut client = match connect(&server) {
            Ok(client) => client,
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break, // full
            Err(e) => panic!("connect: {e}"),
        };
        let answer = keep_alive_get(&mut client, "/items/1").expect("every client is served");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        idle.push(client); // stays open and idle, as a keep-alive client does
    }
    // Every descriptor is taken; free the spare for one more client. The
    // server can only accept it by closing an idle connection.
    drop(spare);
    let mut newcomer = connect(&server).unwrap();
    let answer = keep_alive_get(&mut newcomer, "/items/2").expect("the new client is served");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains(r#""path":"/items/2""#), "{answer}");
    assert!(server.stats().connections_shed() >= 1);

    // The one shed first is the one idle longest: it reads end-of-file.
    let mut buf = [0u8; 16];
    assert_eq!(idle[0].read(&mut buf).expect("EOF, not a timeout"), 0);
    // The most recent idle client still has its connection.
    let last = idle.last_mut().unwrap();
    let answer = keep_alive_get(last, "/items/3").expect("the newest idle connection is kept");
    assert!(answer.contains(r#""path":"/items/3""#), "{answer}");

    drop(idle);
    drop(newcomer);
    server.shutdown();
    set_soft_nofile(old_limit);
}
