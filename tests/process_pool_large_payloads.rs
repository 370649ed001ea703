//! 16 MiB inputs and outputs cross the socket intact, in both directions at
//! once (several large tasks in flight, so the parent must keep reading
//! replies while it is still writing task frames), and a frame over the
//! size limit is refused with a clear error instead of being sent. Byte
//! payloads wrapped in `Bytes` (encoded as one slice) come back intact at
//! every size around the shared-memory ring's, where a frame just fits,
//! just does not, or streams through in several pieces.

mod common;

use homemade::process_pool::{Bytes, ProcessPool, TaskError};

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

/// The shared-memory ring's data bytes (`RING_BYTES` in src/process_pool/shm.rs).
const RING: usize = MIB;
/// Frame bytes around a one-item task's payload of about a MiB: length
/// prefix 4, task id and count 12, item length 4, postcard varint 3.
const FRAME_OVERHEAD: usize = 4 + 12 + 4 + 3;

fn byte_payloads_around_the_ring_size_round_trip() {
    let pool = ProcessPool::builder(2)
        .max_frame_bytes(8 * MIB)
        .build(|mut b: Bytes| {
            b.reverse();
            b
        })
        .unwrap();
    let mut sizes = vec![0, 1, 1000, 2 * RING + 3, 5 * MIB + 11];
    // A frame one byte short of the ring, exactly the ring, one byte over.
    for d in [-1isize, 0, 1] {
        sizes.push((RING - FRAME_OVERHEAD).wrapping_add_signed(d));
    }
    sizes.push(RING);
    let inputs: Vec<Bytes> = sizes
        .iter()
        .enumerate()
        .map(|(k, &n)| Bytes((0..n).map(|i| (i * 31 + k) as u8).collect()))
        .collect();
    let got = pool.map_chunked(inputs.clone(), 1).unwrap();
    assert_eq!(got.len(), inputs.len());
    for ((g, sent), n) in got.iter().zip(&inputs).zip(&sizes) {
        assert_eq!(g.len(), *n);
        assert!(
            g.iter().rev().eq(sent.iter()),
            "payload of {n} bytes corrupted"
        );
    }
    // Two at once through submit, so both rings carry big frames together.
    let a = pool.submit(inputs[3].clone());
    let b = pool.submit(inputs[4].clone());
    assert!(a.join().unwrap().iter().rev().eq(inputs[3].iter()));
    assert!(b.join().unwrap().iter().rev().eq(inputs[4].iter()));
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
        byte_payloads_around_the_ring_size_round_trip,
        frames_over_the_limit_are_refused
    ])
}
