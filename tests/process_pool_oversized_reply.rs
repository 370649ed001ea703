//! A reply larger than the frame limit is reported as what it is, a
//! [`TaskError::TooLarge`] naming the reply's size and the limit, and the
//! worker that produced it carries on serving (it did nothing wrong; the
//! result just does not fit). Covered: a 300 MiB reply under the default
//! 256 MiB limit, a reply over 4 GiB (whose size does not fit the frame's
//! 32-bit length prefix), and a `map` chunk whose items only together pass
//! the limit.
//!
//! The large results are strings of zero bytes built from `vec![0; n]`:
//! the kernel hands out such memory lazily, so the worker does not really
//! hold gigabytes, and the worker stops copying a reply once it is over the
//! limit.

mod common;

use homemade::process_pool::{PoolError, ProcessPool, TaskError, DEFAULT_MAX_FRAME};

const MIB: usize = 1 << 20;

fn zeros(n: usize) -> String {
    String::from_utf8(vec![0u8; n]).expect("zero bytes are valid UTF-8")
}

fn expect_too_large(result: Result<String, TaskError>, at_least: usize, limit: usize) {
    match result {
        Err(TaskError::TooLarge { len, limit: l }) => {
            assert!(len >= at_least && len < at_least + 64, "len {len}");
            assert_eq!(l, limit);
        }
        Err(other) => panic!("expected TooLarge, got the error {other}"),
        Ok(s) => panic!("expected TooLarge, got a {}-byte result", s.len()),
    }
}

fn a_300_mib_reply_is_too_large_and_the_worker_lives() {
    let pool = ProcessPool::new(1, zeros).unwrap();
    let pid = pool.worker_pids();
    let err = pool.submit(300 * MIB).join();
    let text = err.as_ref().err().map(ToString::to_string);
    expect_too_large(err, 300 * MIB, DEFAULT_MAX_FRAME);
    let text = text.unwrap();
    assert!(text.contains(&(256 * MIB).to_string()), "{text}");
    assert_eq!(pool.worker_pids(), pid, "the worker was not replaced");
    assert_eq!(pool.submit(3).join().unwrap(), zeros(3));
}

fn a_reply_over_4_gib_is_too_large_not_wrapped() {
    let pool = ProcessPool::new(1, zeros).unwrap();
    let pid = pool.worker_pids();
    let n = (4 << 30) + 100;
    expect_too_large(pool.submit(n).join(), n, DEFAULT_MAX_FRAME);
    assert_eq!(pool.worker_pids(), pid, "the worker was not replaced");
    assert_eq!(pool.submit(5).join().unwrap(), zeros(5));
}

fn a_chunk_over_the_limit_fails_every_item() {
    let limit = 64 * 1024;
    let pool = ProcessPool::builder(1)
        .max_frame_bytes(limit)
        .build(zeros)
        .unwrap();
    let pid = pool.worker_pids();
    // Four items of 20 KiB: each fits, the chunk's reply does not.
    match pool.map_chunked(vec![20 * 1024; 4], 4) {
        Err(PoolError::Task { index: 0, error }) => expect_too_large(Err(error), 80 * 1024, limit),
        other => panic!("expected item 0 to fail with TooLarge, got {other:?}"),
    }
    // In chunks of two, they fit.
    let got = pool.map_chunked(vec![20 * 1024; 4], 2).unwrap();
    assert!(got.iter().all(|s| s.len() == 20 * 1024));
    assert_eq!(pool.worker_pids(), pid, "the worker was not replaced");
}

fn main() {
    common::run_both(common::cases![
        a_300_mib_reply_is_too_large_and_the_worker_lives,
        a_reply_over_4_gib_is_too_large_not_wrapped,
        a_chunk_over_the_limit_fails_every_item
    ])
}
