//! `timeout` does not blame the I/O budget on the deadline.
//!
//! The reduction of issue 10 item 7: 200 futures gathered in one task, 199
//! of them a loopback request with a 1 s `timeout`, and one that blocks the
//! loop until every answer is in its socket and every deadline has passed.
//! When the loop comes back, the task's first 128 reads (`COOP_BUDGET`) use
//! up its I/O budget, and the remaining 71 reads are refused although their
//! data is there. Those `timeout`s must not judge their deadline then (the
//! inner future did not get its chance); they wait for the next poll, with a
//! fresh budget, and every request succeeds.

mod event_loop_support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use event_loop_support::{block_until_past, HeldServer};
use homemade::event_loop::{gather, timeout, yield_now, Async, COOP_BUDGET};
use std::io::{Read, Write};

mod event_loop_policies;
use event_loop_policies::each_policy;

const REQUESTS: usize = 199;

/// What one gathered future reports.
#[derive(Debug, PartialEq)]
enum Outcome {
    Blocker,
    Answered(Vec<u8>),
    TimedOut,
}

#[test]
fn ready_responses_beyond_the_budget_are_not_timed_out() {
    each_policy(|lp| {
        assert!(
            REQUESTS > COOP_BUDGET as usize,
            "the scenario needs more reads than budget"
        );
        let server = HeldServer::start(REQUESTS);
        let addr = server.addr();
        // Connect up front (blocking, one at a time), so that the loop's part
        // is only the requests: 199 connects at once could overflow the
        // listener's backlog, and a dropped SYN is retried a second later.
        let mut streams: Vec<Option<std::net::TcpStream>> = (0..REQUESTS)
            .map(|_| Some(std::net::TcpStream::connect(addr).unwrap()))
            .collect();
        for s in streams.iter().flatten() {
            s.set_nonblocking(true).unwrap();
        }
        let written = Rc::new(Cell::new(0usize));
        let latest_deadline = Rc::new(Cell::new(Instant::now()));
        let outcomes = lp.block_on(gather((0..=REQUESTS).map(|i| {
            let (written, latest_deadline, server) =
                (written.clone(), latest_deadline.clone(), &server);
            let std_stream = if i == 0 { None } else { streams[i - 1].take() };
            async move {
                if i == 0 {
                    // The blocker: once every request is out, let the server
                    // answer, and keep the loop busy until all answers are in
                    // their sockets and every deadline has passed.
                    while written.get() < REQUESTS {
                        yield_now().await;
                    }
                    server.go();
                    assert_eq!(server.wait_answered(), REQUESTS);
                    block_until_past(latest_deadline.get());
                    return Outcome::Blocker;
                }
                let stream = std_stream.expect("one stream per request");
                let stream = Async::new(mio::net::TcpStream::from_std(stream)).unwrap();
                let sent = stream.write_with(|mut s| s.write(b"?")).await.unwrap();
                assert_eq!(sent, 1);
                let mut buf = [0u8; 8];
                let read = timeout(
                    Duration::from_secs(1),
                    stream.read_with(|mut s| s.read(&mut buf)),
                );
                // `read`'s deadline is at most this.
                let bound = Instant::now() + Duration::from_secs(1);
                latest_deadline.set(latest_deadline.get().max(bound));
                written.set(written.get() + 1);
                match read.await {
                    Ok(n) => Outcome::Answered(buf[..n.unwrap()].to_vec()),
                    Err(_) => Outcome::TimedOut,
                }
            }
        })));
        let timed_out = outcomes.iter().filter(|o| **o == Outcome::TimedOut).count();
        assert_eq!(
            timed_out, 0,
            "requests answered long ago were reported as timed out"
        );
        assert_eq!(outcomes[0], Outcome::Blocker);
        assert!(outcomes[1..]
            .iter()
            .all(|o| *o == Outcome::Answered(b"ok".to_vec())));
    });
}
