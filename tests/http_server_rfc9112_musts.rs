//! RFC 9112's MUSTs for a server reading a request line and `Host`: no
//! `Host` in HTTP/1.1, two `Host` lines, or an invalid one get `400`; an
//! absolute-form target (`GET http://host/items/1`) is served; a request
//! line over the limit gets `414`, not `431`.

mod http_support;

use homemade::http::server::ServerThread;
use homemade::http::{Error, Limits, RequestParser};
use http_support::{echo_server, echoed_path};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// Sends `bytes` on a fresh connection, half-closes, and returns everything
/// the server sent until it closed (bounded by a 10 s read timeout).
fn exchange(server: &ServerThread, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closes the connection within 10 s");
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status code of the first response in `answer`.
fn status(answer: &str) -> u16 {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 response: {answer:?}"))
}

#[test]
fn host_is_required_once_and_valid() {
    let server = echo_server();
    for (head, expected) in [
        ("GET /items/1 HTTP/1.1\r\n\r\n", 400),
        ("GET /items/1 HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        ("GET /items/1 HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400),
        ("GET /items/1 HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        ("GET /items/1 HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
        // HTTP/1.0 predates Host: none is fine there.
        ("GET /items/1 HTTP/1.0\r\n\r\n", 200),
        ("GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 200),
        ("GET /items/1 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 200),
        ("GET /items/1 HTTP/1.1\r\nHost: example.com\r\n\r\n", 200),
    ] {
        let answer = exchange(&server, head.as_bytes());
        assert_eq!(status(&answer), expected, "{head:?} got {answer:?}");
        if expected == 400 {
            assert!(answer.contains("Connection: close\r\n"), "{answer:?}");
        }
    }
    server.shutdown();
}

#[test]
fn an_absolute_form_target_is_served_like_its_path() {
    let server = echo_server();
    let direct = exchange(&server, b"GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    for target in [
        "http://x/items/1",
        "HTTP://x:80/items/1",
        "http://127.0.0.1/items/1?delay=0",
    ] {
        let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        let answer = exchange(&server, request.as_bytes());
        assert_eq!(status(&answer), 200, "{target}: {answer:?}");
        let path = |a: &str| echoed_path(a.split_once("\r\n\r\n").unwrap().1.as_bytes());
        assert_eq!(path(&answer), path(&direct), "{target}");
        assert_eq!(path(&answer), "/items/1", "{target}");
    }
    let answer = exchange(&server, b"GET http://x HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status(&answer), 200, "the root path: {answer:?}");
    assert!(answer.contains(r#""path":"/""#), "{answer:?}");
    server.shutdown();
}

#[test]
fn a_request_line_over_the_limit_gets_414() {
    let server = echo_server();
    // Longer than the whole head limit (64 KiB), with and without its end.
    let long = format!(
        "GET /items/1?{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let answer = exchange(&server, long.as_bytes());
    assert_eq!(status(&answer), 414, "{}", &answer[..answer.len().min(200)]);
    let endless = format!("GET /items/1?{}", "a".repeat(70_000));
    let answer = exchange(&server, endless.as_bytes());
    assert_eq!(status(&answer), 414);
    // Large headers behind a short request line are still a 431.
    let big_headers = format!(
        "GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70_000)
    );
    let answer = exchange(&server, big_headers.as_bytes());
    assert_eq!(status(&answer), 431);
    server.shutdown();

    let mut parser = RequestParser::new(Limits::default());
    parser.push(endless.as_bytes());
    let e = parser.next_request().unwrap_err();
    assert!(
        matches!(e, Error::RequestLineTooLong { limit: 65536 }),
        "{e:?}"
    );
    assert_eq!(e.server_status(), 414);
}
