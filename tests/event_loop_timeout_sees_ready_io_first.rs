//! `timeout` lets ready I/O win over a deadline that passed while the loop
//! was blocked.
//!
//! One request; its answer arrives while the loop is blocked past the
//! request's deadline. The reactor has not reported the answer yet when the
//! `timeout` is first polled, but the loop must dispatch ready I/O before it
//! judges a deadline: the read succeeds.

mod event_loop_support;

use std::time::{Duration, Instant};

use event_loop_support::{block_until_past, HeldServer};
use homemade::event_loop::net::TcpStream;
use homemade::event_loop::timeout;

mod event_loop_policies;
use event_loop_policies::each_policy;

#[test]
fn an_answer_that_arrived_during_a_block_beats_the_deadline() {
    each_policy(|lp| {
        let server = HeldServer::start(1);
        let addr = server.addr();
        let got = lp.block_on(async {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"?").await.unwrap();
            let mut buf = [0u8; 8];
            let read = timeout(Duration::from_millis(100), stream.read(&mut buf));
            let bound = Instant::now() + Duration::from_millis(100);
            // Block the loop: the answer arrives, the deadline passes.
            server.go();
            assert_eq!(server.wait_answered(), 1);
            block_until_past(bound);
            match read.await {
                Ok(n) => Ok(buf[..n.unwrap()].to_vec()),
                Err(e) => Err(e),
            }
        });
        assert_eq!(
            got,
            Ok(b"ok".to_vec()),
            "the answer was in the socket before the deadline was judged"
        );
    });
}
