//! The cart routes' `?delay=` is a loop timer: 1,000 concurrent requests
//! with `?delay=` to the embedded cart server, from one client on one loop,
//! all complete with the right carts, and they wait at the same time. (Our
//! server with a handler of the test's own does the same:
//! `tests/http_thousand_delayed_requests.rs`.)

use homemade::carts::routes::EmbeddedServer;
use homemade::carts::{Cart, CartStore};
use homemade::event_loop::{gather, EventLoop};
use homemade::http::Client;
use std::time::{Duration, Instant};

#[test]
fn a_thousand_delayed_cart_requests_wait_together() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = server.base_url();
    let client = Client::builder()
        .request_timeout(Duration::from_secs(60))
        .build();
    let started = Instant::now();
    let intervals = EventLoop::new()
        .unwrap()
        .block_on(gather((0..1000u64).map(|i| {
            let url = format!("{base}/carts/{}?delay=300", i % 208 + 1);
            let client = client.clone();
            async move {
                let begin = started.elapsed();
                let response = client.get(&url).await.expect("request completes");
                assert_eq!(response.status, 200);
                let cart: Cart = response.json().expect("a cart");
                assert_eq!(cart.id, i % 208 + 1);
                (begin, started.elapsed(), cart)
            }
        })));
    assert_eq!(intervals.len(), 1000);
    let total: i64 = intervals
        .iter()
        .map(|(_, _, c)| homemade::carts::cents(c.total))
        .sum();
    let expected = CartStore::embedded()
        .total_cents((0..1000u64).map(|i| i % 208 + 1))
        .unwrap();
    assert_eq!(total, expected);
    // Concurrency, not speed: every request was in flight while the first
    // one was (their intervals overlap), which a sequential client cannot do.
    let first_end = intervals.iter().map(|(_, end, _)| *end).min().unwrap();
    let started_before_first_end = intervals.iter().filter(|(b, _, _)| *b < first_end).count();
    assert_eq!(started_before_first_end, 1000);
    assert_eq!(server.stats().requests_served(), 1000);
}
