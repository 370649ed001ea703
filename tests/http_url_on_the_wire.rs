//! What a URL becomes on the wire: both clients, given
//! `http://[::1]:PORT/a b?q=é`, connect to the IPv6 loopback and send the
//! target percent-encoded and the `Host` header with the literal in
//! brackets. Needs the IPv6 loopback.

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::{blocking, Client};
use http_support::RawServer;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

#[test]
fn an_ipv6_url_with_spaces_and_accents_is_sent_encoded() {
    let listener = TcpListener::bind("[::1]:0").expect("this test needs the IPv6 loopback [::1]");
    let (heads_tx, heads) = mpsc::channel();
    let server = RawServer::on(listener, move |mut stream| {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let _ = heads_tx.send(String::from_utf8_lossy(&head).into_owned());
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
    let port = server.addr.port();
    let url = format!("http://[::1]:{port}/a b?q=\u{e9}#not-sent");

    let on_loop = EventLoop::new()
        .unwrap()
        .block_on(Client::new().get(&url))
        .expect("event-loop client");
    let by_thread = blocking::get(&url).expect("blocking client");
    for response in [on_loop, by_thread] {
        assert_eq!(response.body, b"ok");
        let head = heads
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        assert!(
            head.starts_with("GET /a%20b?q=%C3%A9 HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.contains(&format!("\r\nHost: [::1]:{port}\r\n")),
            "{head}"
        );
    }
}
