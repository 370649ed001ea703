//! 16 MiB inputs and outputs cross the socket intact, in both directions at
//! once (several large tasks in flight, so the parent must keep reading
//! replies while it is still writing task frames), and a frame over the
//! size limit is refused with a clear error instead of being sent.

mod common;

use homemade::process_pool::{ProcessPool, TaskError};

const MIB: usize = 1 << 20;

fn big(len: usize, seed: u8) -> String {
    (0..len)
        .map(|i| (b'a' + ((i as u8).wrapping_add(seed)) % 26) as char)
        .collect()
}

fn sixteen_mib_in_and_out() {
    let pool = ProcessPool::new(2, |s: String| s.to_uppercase()).unwrap();
    let inputs: Vec<String> = (0..3).map(|k| big(16 * MIB, k)).collect();
    let want: Vec<String> = inputs.iter().map(|s| s.to_uppercase()).collect();
    let got = pool.map_chunked(inputs, 1).unwrap();
    assert_eq!(got.len(), 3);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.len(), 16 * MIB);
        assert!(g == w, "payload corrupted");
    }
    // And through submit/join.
    let one = pool.submit(big(16 * MIB, 9)).join().unwrap();
    assert_eq!(one, big(16 * MIB, 9).to_uppercase());
}

fn sixteen_mib_byte_vector_output() {
    let pool = ProcessPool::new(1, |n: usize| vec![7u8; n]).unwrap();
    let v = pool.submit(16 * MIB).join().unwrap();
    assert_eq!(v.len(), 16 * MIB);
    assert!(v.iter().all(|&b| b == 7));
}

fn frames_over_the_limit_are_refused() {
    let pool = ProcessPool::builder(1)
        .max_frame_bytes(64 * 1024)
        .build(|n: usize| "x".repeat(n))
        .unwrap();
    let pid = pool.worker_pids()[0];
    // A result over the limit: the worker measures it, sends a short
    // "too large" reply instead, and stays.
    match pool.submit(MIB).join() {
        Err(TaskError::TooLarge { len, limit }) => {
            assert!(len > MIB, "{len}");
            assert_eq!(limit, 64 * 1024);
        }
        other => panic!("expected a TooLarge error, got {other:?}"),
    }
    assert_eq!(pool.worker_pids(), vec![pid]);
    // Small results still work.
    assert_eq!(pool.submit(3).join().unwrap(), "xxx");

    // An input over the limit never leaves the parent.
    let echo = ProcessPool::builder(1)
        .max_frame_bytes(64 * 1024)
        .build(|s: String| s.len())
        .unwrap();
    let pid = echo.worker_pids()[0];
    match echo.submit("y".repeat(MIB)).join() {
        Err(TaskError::Encode { message }) => assert!(message.contains("exceeds"), "{message}"),
        other => panic!("expected an encode error, got {other:?}"),
    }
    assert_eq!(echo.worker_pids(), vec![pid], "worker untouched");
    assert_eq!(echo.submit("abc".into()).join().unwrap(), 3);
}

fn main() {
    common::run_both(common::cases![
        sixteen_mib_in_and_out,
        sixteen_mib_byte_vector_output,
        frames_over_the_limit_are_refused
    ])
}
