//! 1,000 concurrent requests with `?delay=` to our server (the tests' echo
//! handler, which waits on the loop's timer), from one client on one loop:
//! all complete, each with its own answer, and the server's timers let them
//! wait at the same time.

mod http_support;

use homemade::event_loop::{gather, EventLoop};
use homemade::http::Client;
use http_support::{echo_server, echoed_path};
use std::time::{Duration, Instant};

#[test]
fn a_thousand_delayed_requests_all_complete() {
    let server = echo_server();
    let base = server.base_url();
    let client = Client::builder()
        .request_timeout(Duration::from_secs(60))
        .build();
    let started = Instant::now();
    let intervals = EventLoop::new()
        .unwrap()
        .block_on(gather((0..1000u64).map(|i| {
            let url = format!("{base}/items/{i}?delay=300");
            let client = client.clone();
            async move {
                let begin = started.elapsed();
                let response = client.get(&url).await.expect("request completes");
                assert_eq!(response.status, 200);
                let path = echoed_path(&response.body);
                assert_eq!(
                    path,
                    format!("/items/{i}"),
                    "each request gets its own answer"
                );
                let id: u64 = path["/items/".len()..].parse().unwrap();
                (begin, started.elapsed(), id)
            }
        })));
    assert_eq!(intervals.len(), 1000);
    let total: u64 = intervals.iter().map(|(_, _, id)| id).sum();
    assert_eq!(total, (0..1000u64).sum::<u64>());
    // Concurrency, not speed: every request was in flight while the first
    // one was (their intervals overlap), which a sequential client cannot do.
    let first_end = intervals.iter().map(|(_, end, _)| *end).min().unwrap();
    let started_before_first_end = intervals.iter().filter(|(b, _, _)| *b < first_end).count();
    assert_eq!(started_before_first_end, 1000);
    assert_eq!(server.stats().requests_served(), 1000);
}
