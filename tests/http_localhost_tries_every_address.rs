//! `localhost` is `127.0.0.1` and `::1`: a server listening on `[::1]` only
//! is reached through `http://localhost:PORT/` by every client (each address
//! is tried in turn), as curl reaches it. Needs the IPv6 loopback. (The
//! cart rows over the same: `tests/carts_rows_reach_localhost_over_ipv6.rs`.)

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::{blocking, Client};
use http_support::RawServer;
use std::net::TcpListener;

fn v6_listener() -> TcpListener {
    TcpListener::bind("[::1]:0").expect("this test needs the IPv6 loopback [::1]")
}

#[test]
fn both_clients_reach_a_server_on_ipv6_loopback_as_localhost() {
    let server = RawServer::on(v6_listener(), |mut stream| {
        use std::io::Write;
        http_support::read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nvia6");
    });
    let url = format!("http://localhost:{}/", server.addr.port());
    let got = EventLoop::new()
        .unwrap()
        .block_on(Client::new().get(&url))
        .expect("event-loop client");
    assert_eq!(got.body, b"via6");
    let got = blocking::get(&url).expect("blocking client");
    assert_eq!(got.body, b"via6");
}
