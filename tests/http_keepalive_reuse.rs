//! Keep-alive: sequential requests reuse one connection, counted by the
//! connections the server accepted; a connection is not reused after
//! `Connection: close`.

mod http_support;

use homemade::event_loop::{gather, EventLoop};
use homemade::http::{Client, Request};
use http_support::{echo_server, echoed_path};

#[test]
fn sequential_requests_share_one_connection() {
    let server = echo_server();
    let base = server.base_url();
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        for id in 1..=20u64 {
            let r = client.get(&format!("{base}/items/{id}")).await.unwrap();
            assert_eq!(r.status, 200);
            assert_eq!(echoed_path(&r.body), format!("/items/{id}"));
        }
    });
    assert_eq!(client.connections_opened(), 1);
    assert_eq!(server.stats().connections_accepted(), 1);
    assert_eq!(server.stats().requests_served(), 20);
}

#[test]
fn concurrent_requests_open_connections_then_reuse_them() {
    let server = echo_server();
    let url = server.url("/items/3");
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        for _round in 0..3 {
            let all = gather((0..8).map(|_| client.get(&url))).await;
            assert!(all.iter().all(|r| r.as_ref().unwrap().status == 200));
        }
    });
    // The first round needs up to 8 connections; later rounds find them parked.
    assert!(
        client.connections_opened() <= 8,
        "{}",
        client.connections_opened()
    );
    assert_eq!(
        server.stats().connections_accepted(),
        client.connections_opened()
    );
    assert_eq!(server.stats().requests_served(), 24);
}

#[test]
fn connection_close_is_not_reused() {
    let server = echo_server();
    let url = server.url("/items/1");
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        for _ in 0..3 {
            let request = Request::get(&url).unwrap().header("Connection", "close");
            let r = client.request(request).await.unwrap();
            assert_eq!(r.headers.get("connection"), Some("close"));
        }
        assert_eq!(client.idle_connections(&url), 0);
    });
    assert_eq!(server.stats().connections_accepted(), 3);
}
