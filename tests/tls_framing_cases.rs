//! Body framing over TLS, a sample of the llhttp-style cases: a
//! Content-Length body, a chunked body, a body that ends at close, and
//! truncations. The new rule TLS brings: a body that ends at close is only
//! complete if the server said `close_notify` first; a TCP close alone
//! might be an attacker's cut, so it is `TlsError::Truncated`. A delimited
//! body needs no `close_notify`: its length tells where it ends.
//!
//! The peer is a few lines of rustls over blocking `std::net`, written here,
//! so each case controls exactly which bytes and which close the client
//! sees. Both our clients are checked: the event-loop one and the blocking one.

mod tls_support;

use homemade::event_loop::EventLoop;
use homemade::http::tls::TlsError;
use homemade::http::{blocking, Client, Error, Response};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use tls_support::Ca;

/// A TLS peer that answers `connections` requests, one per connection,
/// with `answer`, then closes with or without `close_notify`.
fn peer(
    ca: &Ca,
    answer: &'static [u8],
    close_notify: bool,
    connections: usize,
) -> (String, JoinHandle<()>) {
    let config = ca.leaf(&["127.0.0.1"]).server_tls().rustls_config();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/x", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        for _ in 0..connections {
            let (tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            tls.write_all(answer).unwrap();
            if close_notify {
                tls.conn.send_close_notify();
            }
            tls.flush().unwrap();
            // Dropping closes the TCP connection; rustls sends nothing more.
        }
    });
    (url, thread)
}

/// The CA of every case, made once: the blocking client trusts it through
/// the process default, which the cases (running in parallel) share.
fn ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| {
        let ca = Ca::new("framing CA");
        let dir = tls_support::TempDir::new("tls-framing");
        let cacert = dir.write("ca.pem", &ca.pem);
        homemade::http::tls::set_default_cacert(Some(&cacert)).unwrap();
        ca
    })
}

/// The same GET through the event-loop client and the blocking client.
fn both_clients(answer: &'static [u8], close_notify: bool) -> [Result<Response, Error>; 2] {
    let ca = ca();
    let (url, thread) = peer(ca, answer, close_notify, 2);
    let client = Client::builder().tls(ca.client_tls()).build();
    let on_loop = EventLoop::new().unwrap().block_on(client.get(&url));
    let blocking = blocking::get(&url);
    thread.join().unwrap();
    [on_loop, blocking]
}

#[test]
fn content_length_needs_no_close_notify() {
    for r in both_clients(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false) {
        assert_eq!(r.unwrap().body, b"hello");
    }
}

#[test]
fn chunked_needs_no_close_notify() {
    let answer =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    for r in both_clients(answer, false) {
        assert_eq!(r.unwrap().body, b"abcdefg");
    }
}

#[test]
fn read_to_close_with_close_notify_is_complete() {
    let answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe end of the session ends me";
    for r in both_clients(answer, true) {
        assert_eq!(r.unwrap().body, b"the end of the session ends me");
    }
}

#[test]
fn read_to_close_without_close_notify_is_a_truncation() {
    let answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nperhaps cut short";
    for r in both_clients(answer, false) {
        let err = r.unwrap_err();
        assert!(matches!(err, Error::Tls(TlsError::Truncated)), "{err:?}");
    }
}

#[test]
fn a_short_content_length_body_is_truncated_either_way() {
    for close_notify in [false, true] {
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 25\r\n\r\nonly ten b";
        for r in both_clients(answer, close_notify) {
            let err = r.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::BodyTruncated {
                        received: 10,
                        expected: Some(25)
                    }
                ),
                "{err:?}"
            );
        }
    }
}

#[test]
fn a_chunked_body_without_its_last_chunk_is_truncated() {
    let answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
    for r in both_clients(answer, false) {
        let err = r.unwrap_err();
        assert!(
            matches!(err, Error::BodyTruncated { expected: None, .. }),
            "{err:?}"
        );
    }
}
