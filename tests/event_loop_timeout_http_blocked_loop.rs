//! The HTTP-level face of the `timeout` rule (issue 10 item 7): 199 GETs
//! with a 1 s request timeout, gathered in one task, against the embedded
//! cart server (which answers each after 300 ms); one more gathered future
//! blocks the loop until the server has answered all of them and every
//! request's deadline has passed, as the `carts` `event-loop` row does when
//! it prices carts inline. Every answer is in its socket when the loop comes
//! back, so every request succeeds: slow is not failed.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use homemade::carts::routes::EmbeddedServer;
use homemade::event_loop::{gather, yield_now};
use homemade::http::Client;

mod event_loop_policies;
use event_loop_policies::each_policy;

const REQUESTS: u64 = 199;

#[test]
fn answers_that_arrived_while_the_loop_was_blocked_are_not_timed_out() {
    each_policy(|lp| {
        let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
        let base = server.base_url();
        let client = Client::builder()
            .request_timeout(Duration::from_secs(1))
            .build();
        let started = Rc::new(Cell::new(0u64));
        let latest_deadline = Rc::new(Cell::new(Instant::now()));
        let outcomes = lp.block_on(gather((0..=REQUESTS).map(|i| {
            let (client, base, server) = (client.clone(), base.clone(), &server);
            let (started, latest_deadline) = (started.clone(), latest_deadline.clone());
            async move {
                if i == 0 {
                    // Let every request go out (connect and write take a few
                    // turns), then block until all are answered and late.
                    while started.get() < REQUESTS {
                        yield_now().await;
                    }
                    for _ in 0..50 {
                        yield_now().await;
                    }
                    let give_up = Instant::now() + Duration::from_secs(20);
                    while server.stats().requests_served() < REQUESTS && Instant::now() < give_up {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    assert_eq!(
                        server.stats().requests_served(),
                        REQUESTS,
                        "every request reached the server before the block ended"
                    );
                    let past = latest_deadline.get();
                    while Instant::now() <= past {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    return None;
                }
                let url = format!("{base}/carts/{i}?delay=300");
                // The request's deadline is at most this.
                let bound = Instant::now() + Duration::from_secs(1);
                latest_deadline.set(latest_deadline.get().max(bound));
                started.set(started.get() + 1);
                Some(client.get(&url).await.map(|r| r.status))
            }
        })));
        let failed: Vec<String> = outcomes
            .iter()
            .flatten()
            .filter_map(|o| o.as_ref().err().map(|e| e.to_string()))
            .collect();
        assert!(
            failed.is_empty(),
            "{} of {REQUESTS} failed: {:?}",
            failed.len(),
            failed.first()
        );
        assert!(outcomes[1..].iter().all(|o| matches!(o, Some(Ok(200)))));
    });
}
