//! `localhost` is `127.0.0.1` and `::1`: a server listening on `[::1]` only
//! is reached through `http://localhost:PORT/` by every client (each address
//! is tried in turn), as curl reaches it. Needs the IPv6 loopback.

mod carts_support;
mod http_support;

use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{Runtimes, Strategy};
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

#[test]
fn the_cart_rows_reach_a_cart_server_on_ipv6_loopback_as_localhost() {
    let server = EmbeddedServer::start("[::1]:0".parse().unwrap())
        .expect("this test needs the IPv6 loopback [::1]");
    let port = server.base_url().rsplit(':').next().unwrap().to_string();
    let base = format!("http://localhost:{port}");
    let wl = carts_support::workload(&base, vec![1, 2], 1.0, Work::Sleep);
    for row in [
        Strategy::Sequential,
        Strategy::EventLoop,
        Strategy::TokioRayon,
    ] {
        let result = carts_support::ran(row, &wl, Runtimes { processes: None });
        assert_eq!(result.priced.len(), 2, "{}", row.name());
    }
}
