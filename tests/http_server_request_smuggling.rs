//! Request smuggling (RFC 9112 §6.1): a request with both `Content-Length`
//! and `Transfer-Encoding`, or an HTTP/1.0 request with `Transfer-Encoding`,
//! is refused with `400` and the connection is closed, so the request
//! smuggled behind it is never answered.

mod http_support;

use homemade::http::server::ServerThread;
use http_support::echo_server;
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
    stream.shutdown(Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closes the connection within 10 s");
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status codes of the responses in `answer`, in order.
fn statuses(answer: &str) -> Vec<u16> {
    answer
        .match_indices("HTTP/1.1 ")
        .filter_map(|(i, _)| answer.get(i + 9..i + 12)?.parse().ok())
        .collect()
}

#[test]
fn content_length_with_transfer_encoding_is_refused_and_the_smuggled_request_is_not_answered() {
    let server = echo_server();
    let smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    let cases = [
        // CL.TE: a front end that trusts Content-Length forwards it all.
        format!(
            "POST /items/add HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}",
            5 + smuggled.len()
        ),
        // TE.CL: the chunked body ends early; the rest would be a request.
        format!(
            "GET /items/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n{smuggled}"
        ),
        // The same with the header names in another case.
        format!(
            "GET /items/1 HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"
        ),
        // HTTP/1.0 has no Transfer-Encoding: its framing is faulty.
        format!(
            "GET /items/1 HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"
        ),
    ];
    for case in &cases {
        let answer = exchange(&server, case.as_bytes());
        assert_eq!(
            statuses(&answer),
            [400],
            "one 400 and nothing else for {case:?}, got {answer:?}"
        );
        assert!(answer.contains("Connection: close\r\n"), "{answer:?}");
        assert!(
            !answer.contains("/smuggled"),
            "the smuggled request was answered: {answer:?}"
        );
    }
    // The server is still up and answers the next honest client.
    let answer = exchange(
        &server,
        b"GET /honest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&answer), [200]);
    assert!(answer.contains(r#""path":"/honest""#), "{answer:?}");
    server.shutdown();
}
