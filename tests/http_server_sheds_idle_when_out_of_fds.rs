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
use http_support::echo_server;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The soft descriptor limit this test runs under.
const LOW_LIMIT: u64 = 64;

fn main() {
    common::run(common::cases![
        a_new_client_is_served_when_idle_connections_hold_every_descriptor
    ]);
}

/// Sets the soft `RLIMIT_NOFILE` and returns the previous one.
fn set_soft_nofile(soft: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    let old = limit.rlim_cur;
    limit.rlim_cur = soft.min(limit.rlim_max);
    // SAFETY: setrlimit only reads the struct; lowering the soft limit is allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    old
}

/// Sends one keep-alive GET on `stream` and reads its whole response.
fn get(stream: &mut TcpStream, path: &str) -> io::Result<String> {
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return Ok(text.into_owned());
            }
        }
        match stream.read(&mut buf)? {
            0 => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            n => answer.extend_from_slice(&buf[..n]),
        }
    }
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
        let answer = get(&mut client, "/items/1").expect("every client is served");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        idle.push(client); // stays open and idle, as a keep-alive client does
    }
    // Every descriptor is taken; free the spare for one more client. The
    // server can only accept it by closing an idle connection.
    drop(spare);
    let mut newcomer = connect(&server).unwrap();
    let answer = get(&mut newcomer, "/items/2").expect("the new client is served");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains(r#""path":"/items/2""#), "{answer}");
    assert!(server.stats().connections_shed() >= 1);

    // The one shed first is the one idle longest: it reads end-of-file.
    let mut buf = [0u8; 16];
    assert_eq!(idle[0].read(&mut buf).expect("EOF, not a timeout"), 0);
    // The most recent idle client still has its connection.
    let last = idle.last_mut().unwrap();
    let answer = get(last, "/items/3").expect("the newest idle connection is kept");
    assert!(answer.contains(r#""path":"/items/3""#), "{answer}");

    drop(idle);
    drop(newcomer);
    server.shutdown();
    set_soft_nofile(old_limit);
}
