//! Heads real servers send are accepted by every client: a header folded over
//! two lines (obs-fold, which RFC 9112 §5.2 tells a user agent to replace
//! with a space) and 120 `Set-Cookie` lines (curl accepts them).

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::{blocking, Client, Response};
use http_support::RawServer;

/// Fetches `url` with the event-loop client and with the blocking one.
fn both_clients(url: &str) -> [Response; 2] {
    let client = Client::new();
    let on_loop = EventLoop::new()
        .unwrap()
        .block_on(client.get(url))
        .expect("event-loop client");
    let blocking = blocking::get(url).expect("blocking client");
    [on_loop, blocking]
}

#[test]
fn a_folded_header_is_joined_with_a_space() {
    let server = RawServer::answering(
        b"HTTP/1.1 200 OK\r\nX-Folded: hello\r\n   there\r\n\tand more\r\nContent-Length: 2\r\n\r\nok"
            .to_vec(),
    );
    for response in both_clients(&server.url("/")) {
        assert_eq!(response.body, b"ok");
        assert_eq!(
            response.headers.get("x-folded"),
            Some("hello there and more")
        );
    }
}

#[test]
fn a_hundred_and_twenty_set_cookie_lines_are_accepted() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..120 {
        head.extend_from_slice(format!("Set-Cookie: c{i}=v{i}; Path=/\r\n").as_bytes());
    }
    head.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
    let server = RawServer::answering(head);
    for response in both_clients(&server.url("/")) {
        assert_eq!(response.body, b"ok");
        let cookies: Vec<&str> = response.headers.get_all("set-cookie").collect();
        assert_eq!(cookies.len(), 120);
        assert_eq!(cookies[119], "c119=v119; Path=/");
    }
}
