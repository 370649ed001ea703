//! A client used on one loop after another: connections parked by a loop
//! that is gone are closed, not reused (they would never become readable).

mod http_support;

use homemade::event_loop::EventLoop;
use homemade::http::Client;
use http_support::echo_server;
use std::time::Duration;

#[test]
fn a_new_loop_does_not_inherit_connections_of_a_dropped_one() {
    let server = echo_server();
    let url = server.url("/x");
    let client = Client::builder()
        .request_timeout(Duration::from_secs(20))
        .build();
    for round in 1..=3u64 {
        let event_loop = EventLoop::new().unwrap();
        for _ in 0..3 {
            let r = event_loop
                .block_on(client.get(&url))
                .expect("no hang, no error");
            assert_eq!(r.status, 200);
        }
        // Within one loop the connection is reused; each new loop opens one.
        assert_eq!(client.connections_opened(), round);
        drop(event_loop);
    }
    assert_eq!(server.stats().connections_accepted(), 3);
}
