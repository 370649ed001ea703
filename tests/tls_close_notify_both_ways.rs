//! Both ends of our TLS say goodbye properly: the client sends
//! `close_notify` when it drops a kept-alive connection, and the server
//! sends it before closing after `Connection: close`. Each is checked from
//! a peer written here with rustls over blocking `std::net`, where a
//! `close_notify` reads as a clean end (`Ok(0)`) and a bare TCP close as
//! `UnexpectedEof`.

mod tls_support;

use homemade::event_loop::EventLoop;
use homemade::http::Client;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use tls_support::{https_server, Ca};

#[test]
fn the_client_sends_close_notify_when_it_drops_a_connection() {
    let ca = Ca::new("close CA");
    let config = ca.leaf(&["127.0.0.1"]).server_tls().rustls_config();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/x", listener.local_addr().unwrap());
    let peer = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let conn = rustls::ServerConnection::new(config).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).unwrap();
            assert!(n > 0, "the request");
            seen.extend_from_slice(&buf[..n]);
        }
        tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        tls.flush().unwrap();
        // Keep-alive: the client parks the connection, then drops it.
        tls.read(&mut buf).map_err(|e| e.kind())
    });
    let client = Client::builder().tls(ca.client_tls()).build();
    let body = EventLoop::new()
        .unwrap()
        .block_on(async { client.get(&url).await.map(|r| r.body) })
        .unwrap();
    assert_eq!(body, b"ok");
    assert_eq!(client.idle_connections(&url), 1);
    drop(client); // closes the parked connection
    assert_eq!(
        peer.join().unwrap(),
        Ok(0),
        "close_notify, not a bare close"
    );
}

#[test]
fn the_server_sends_close_notify_after_connection_close() {
    let ca = Ca::new("close CA");
    let server = https_server(&ca);
    let tcp = TcpStream::connect(server.addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(ca.client_tls().rustls_config(), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /carts/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    // rustls: `Ok` only if the stream ended with close_notify.
    tls.read_to_end(&mut answer)
        .expect("a clean end, with close_notify");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains(r#"{"id":1,"#), "{text}");
}
