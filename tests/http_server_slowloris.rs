//! A client that trickles its request a byte at a time is cut off once the
//! request deadline passes, although it never stays silent for the idle
//! timeout; a client that sends its request promptly is served.

mod http_support;

use homemade::http::ServerConfig;
use http_support::echo_server_on;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn a_trickled_request_is_cut_off() {
    let config = ServerConfig {
        idle_timeout: Duration::from_millis(400),
        ..ServerConfig::default()
    };
    let server = echo_server_on("127.0.0.1:0".parse().unwrap(), config).unwrap();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // 60 bytes, one every 100 ms: never 400 ms of silence, but 6 s in all.
    let head = b"GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut_off = false;
    for byte in head.iter() {
        if s.write_all(&[*byte]).is_err() {
            cut_off = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert!(
        cut_off || !answer.starts_with(b"HTTP/1.1 200"),
        "the slow request was served: {}",
        String::from_utf8_lossy(&answer)
    );

    // A prompt client on the same server is served.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
}
