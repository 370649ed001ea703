//! Tests of the ring across threads on different cores (the fork-based
//! tests of the whole transport are in `tests/process_pool_*.rs`).

use super::test_ring;
use std::thread;

/// Sends `count` 8-byte messages (their sequence numbers) from one thread
/// to another through a 4 KiB ring, each side pinned to its own core when
/// the machine has two; checks order and a checksum on the reading side.
fn cross_core(count: u64) {
    let (mut tx, mut rx) = test_ring(4096);
    let writer = thread::spawn(move || {
        let _ = super::sys::pin_to_cpu(0);
        let mut next = 0u64;
        let mut batch = Vec::with_capacity(512 * 8);
        while next < count {
            batch.clear();
            let room = tx.room().unwrap() / 8;
            for seq in next..(next + room as u64).min(count) {
                batch.extend_from_slice(&seq.to_le_bytes());
            }
            if batch.is_empty() {
                std::hint::spin_loop();
                continue;
            }
            let n = tx.write(&[&batch[..]]).unwrap();
            assert_eq!(n, batch.len(), "room was promised");
            next += (n / 8) as u64;
        }
    });
    let _ = super::sys::pin_to_cpu(1);
    let mut expect = 0u64;
    let mut sum = 0u64;
    let mut buf = [0u8; 4096];
    let mut carry = Vec::new();
    while expect < count {
        let n = rx.read(&mut buf).unwrap();
        if n == 0 {
            std::hint::spin_loop();
            continue;
        }
        carry.extend_from_slice(&buf[..n]);
        let whole = carry.len() / 8 * 8;
        for m in carry[..whole].chunks_exact(8) {
            let seq = u64::from_le_bytes(m.try_into().unwrap());
            assert_eq!(seq, expect, "messages out of order");
            sum = sum.wrapping_add(seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            expect += 1;
        }
        carry.drain(..whole);
    }
    writer.join().unwrap();
    let want = (0..count).fold(0u64, |s, q| {
        s.wrapping_add(q.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    });
    assert_eq!(sum, want, "checksum");
}

/// Ten million messages: about 3 s in a debug build on a 2-core machine.
#[test]
fn ten_million_messages_on_two_cores_agree() {
    cross_core(10_000_000);
}
