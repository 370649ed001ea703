//! The stale-connection retry: a parked connection the server has closed is
//! retried once on a fresh connection for an idempotent request, never for a
//! POST, and never once a byte of the response arrived.

use homemade::event_loop::{sleep, EventLoop};
use homemade::http::{Client, Error};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// A server that answers one request per connection, *claiming* keep-alive,
/// then closes; `partial` makes it send half a response on the second connection.
fn one_shot_server(partial: bool) -> (String, Arc<AtomicUsize>, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    let closed = Arc::new(AtomicUsize::new(0));
    let closed2 = Arc::clone(&closed);
    let handle = thread::spawn(move || {
        for n in 0..3 {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 4096];
            let got = s.read(&mut buf).unwrap_or(0);
            if got == 0 || buf.starts_with(b"STOP") {
                return;
            }
            if partial && n >= 1 {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
            } else {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
            drop(s); // close, although the response promised keep-alive
            closed2.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, closed, handle)
}

/// Waits on the loop until the server thread has closed `n` connections.
async fn until_closed(closed: &AtomicUsize, n: usize) {
    for _ in 0..500 {
        if closed.load(Ordering::SeqCst) >= n {
            sleep(Duration::from_millis(20)).await; // let the FIN reach us
            return;
        }
        sleep(Duration::from_millis(10)).await;
    }
    panic!("the test server never closed its connection");
}

/// Unblocks the server thread's `accept` and joins it.
fn stop(url: &str, handle: thread::JoinHandle<()>) {
    let addr = url.trim_start_matches("http://").trim_end_matches("/x");
    if let Ok(mut s) = std::net::TcpStream::connect(addr) {
        let _ = s.write_all(b"STOP");
    }
    handle.join().unwrap();
}

#[test]
fn a_get_on_a_stale_connection_is_retried_once_on_a_fresh_one() {
    let (url, closed, handle) = one_shot_server(false);
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        assert_eq!(client.get(&url).await.unwrap().body, b"ok");
        assert_eq!(
            client.idle_connections(&url),
            1,
            "parked after a keep-alive response"
        );
        until_closed(&closed, 1).await;
        // The parked connection is dead: the GET succeeds on a fresh one.
        assert_eq!(client.get(&url).await.unwrap().body, b"ok");
    });
    assert_eq!(client.connections_opened(), 2);
    stop(&url, handle);
}

#[test]
fn a_post_on_a_stale_connection_is_not_retried() {
    let (url, closed, handle) = one_shot_server(false);
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        client.get(&url).await.unwrap();
        until_closed(&closed, 1).await;
        let err = client.post(&url, "x").await.unwrap_err();
        assert!(
            matches!(err, Error::ConnectionClosed | Error::Io(_)),
            "{err:?}"
        );
    });
    assert_eq!(client.connections_opened(), 1, "no retry for POST");
    stop(&url, handle);
}

#[test]
fn no_retry_once_a_byte_of_the_response_arrived() {
    let (url, closed, handle) = one_shot_server(true);
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        client.get(&url).await.unwrap();
        until_closed(&closed, 1).await;
        // Stale -> retried on connection 2, which sends 2 of 10 bytes and closes.
        let err = client.get(&url).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::BodyTruncated {
                    received: 2,
                    expected: Some(10)
                }
            ),
            "{err:?}"
        );
    });
    assert_eq!(client.connections_opened(), 2, "exactly one retry");
    stop(&url, handle);
}
