//! A future that always finds data, and so spends the whole I/O budget on
//! every poll, cannot escape its `timeout`: when the inner future itself
//! used the budget up, the deadline is judged at once (the exception that
//! tokio PR #4314 added to the same rule; see `timeout` in
//! `combinators.rs`).

use homemade::event_loop::{timeout, Async};
use std::io::Write;
use std::time::Duration;

mod event_loop_policies;
use event_loop_policies::each_policy;

#[test]
fn an_always_ready_reader_still_times_out() {
    each_policy(|lp| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut writer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        writer.write_all(b"always here").unwrap();
        reader.set_nonblocking(true).unwrap();
        let (result, peeks) = lp.block_on(async {
            let io = Async::new(mio::net::TcpStream::from_std(reader)).unwrap();
            let mut peeks = 0u64;
            let result = timeout(Duration::from_millis(20), async {
                let mut buf = [0u8; 16];
                loop {
                    // Peeking never drains the socket: it is always ready.
                    let n = io.read_with(|s| s.peek(&mut buf)).await.unwrap();
                    assert!(n > 0);
                    peeks += 1;
                    assert!(peeks < 2_000_000, "the timeout never fired");
                }
            })
            .await;
            (result, peeks)
        });
        assert!(result.is_err(), "the deadline was judged");
        assert!(peeks > 0);
    });
}
