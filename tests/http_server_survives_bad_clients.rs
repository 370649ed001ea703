//! The server answers malformed requests with 400/431/413, shrugs off clients
//! that disconnect mid-request, and a stuck client never blocks the others.

mod http_support;

use http_support::echo_server;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends raw bytes and reads the answer until the server closes (or 10 s).
fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// One well-formed request on a fresh connection; returns the status line.
fn healthy(addr: SocketAddr) -> String {
    let answer = raw(
        addr,
        b"GET /items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    answer.lines().next().unwrap_or("").to_string()
}

#[test]
fn malformed_oversized_and_abandoned_requests_do_not_hurt_the_server() {
    let server = echo_server();
    let addr = server.addr();

    let answer = raw(addr, b"GARBAGE\x01 / HTTP/1.1\r\n\r\n");
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(answer.contains("Connection: close"));
    assert!(
        answer.contains("\"message\":\"malformed request line"),
        "{answer}"
    );

    let answer = raw(
        addr,
        b"GET /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");

    let mut huge = b"GET /items/1 HTTP/1.1\r\nHost: x\r\n".to_vec();
    huge.extend_from_slice(format!("X-Big: {}\r\n\r\n", "a".repeat(70 * 1024)).as_bytes());
    let answer = raw(addr, &huge);
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");

    let answer = raw(
        addr,
        b"POST /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");

    let answer = raw(
        addr,
        b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");

    // Clients that vanish half way: in the head, in the body.
    for partial in [
        &b"GET /items/1 HTTP/1.1\r\nHo"[..],
        b"POST /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc",
    ] {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(partial).unwrap();
        drop(s);
    }
    assert_eq!(healthy(addr), "HTTP/1.1 200 OK");
    assert!(server.stats().bad_requests() >= 5);
}

#[test]
fn a_stuck_client_does_not_block_the_others() {
    let server = echo_server();
    let addr = server.addr();
    // Half a head, then silence; and a client that never reads a big answer.
    let mut stuck = TcpStream::connect(addr).unwrap();
    stuck
        .write_all(b"GET /items/1 HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut not_reading = TcpStream::connect(addr).unwrap();
    let many = b"GET /bytes/200000 HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    not_reading
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let _ = not_reading.write_all(&many);
    for _ in 0..20 {
        assert_eq!(healthy(addr), "HTTP/1.1 200 OK");
    }
    // The stuck client can still finish its request on the same connection.
    stuck.write_all(b"Connection: close\r\n\r\n").unwrap();
    stuck
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stuck.read_to_end(&mut answer);
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = echo_server();
    let answer = raw(
        server.addr(),
        b"GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let ids: Vec<usize> = [
        r#""path":"/items/1""#,
        r#""path":"/items/2""#,
        r#""path":"/items/3""#,
    ]
    .iter()
    .map(|p| answer.find(p).expect("all three answered"))
    .collect();
    assert!(ids[0] < ids[1] && ids[1] < ids[2]);
}

#[test]
fn an_uploader_still_reads_its_413() {
    let server = echo_server();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"POST /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n")
        .unwrap();
    // Keep uploading a little after the head, as a real client would.
    let _ = s.write_all(&vec![b'x'; 256 * 1024]);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 413 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[test]
fn http_1_0_keep_alive_is_acknowledged() {
    let server = echo_server();
    let answer = raw(
        server.addr(),
        b"GET /items/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /items/2 HTTP/1.0\r\n\r\n",
    );
    let first = answer.split("\r\n\r\n").next().unwrap();
    assert!(first.contains("Connection: keep-alive"), "{first}");
    assert!(
        answer.contains(r#""path":"/items/2""#),
        "second request answered on the same connection"
    );
    assert_eq!(server.stats().connections_accepted(), 1);
}
