//! The optional per-host cap: 40 concurrent requests over at most 3 connections.

mod http_support;

use homemade::event_loop::{gather, EventLoop};
use homemade::http::Client;
use http_support::echo_server;

#[test]
fn requests_queue_for_the_capped_connections() {
    let server = echo_server();
    let url = server.url("/items/7?delay=20");
    let client = Client::builder().max_connections_per_host(3).build();
    let results = EventLoop::new()
        .unwrap()
        .block_on(gather((0..40).map(|_| client.get(&url))));
    assert_eq!(results.len(), 40);
    assert!(results.iter().all(|r| r.as_ref().unwrap().status == 200));
    assert_eq!(client.connections_opened(), 3);
    assert_eq!(server.stats().connections_accepted(), 3);
}
