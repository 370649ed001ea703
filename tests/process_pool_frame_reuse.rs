//! The buffer of a large task frame is used again by the next `submit`
//! (`State::take_spare_frame`): its pages are already mapped, so encoding
//! the next large item does not fault them in again (BENCHMARKS.md §3.2,
//! "frame buffers"). These cases check that the buffer really goes round
//! (the pool's own counter, `test_hooks::frames_reused`, so no timing is
//! involved), that a frame encoded into it carries only its own bytes
//! (shorter payloads after longer ones, each with its own fill), that
//! a small task that takes the buffer hands it back, and that a frame
//! encoded into it is sent again intact when its worker dies under it.

mod common;

use homemade::process_pool::{test_hooks, Bytes, ProcessPool};

const MIB: usize = 1 << 20;

fn echo_pool() -> ProcessPool<Bytes, Bytes> {
    ProcessPool::new(1, |b: Bytes| b).unwrap()
}

fn payload(len: usize, fill: u8) -> Bytes {
    Bytes((0..len).map(|i| fill ^ (i % 251) as u8).collect())
}

fn large_frames_reuse_one_buffer_and_carry_only_their_bytes() {
    let pool = echo_pool();
    let before = test_hooks::frames_reused();
    for (len, fill) in [
        (3 * MIB, 1),
        (2 * MIB, 2),
        (3 * MIB / 2, 3),
        (2 * MIB + 7, 4),
    ] {
        let sent = payload(len, fill);
        let back = pool.submit(sent.clone()).join().unwrap();
        assert_eq!(back.len(), len, "a reused buffer must not keep old bytes");
        assert!(back == sent, "payload of {len} bytes corrupted");
    }
    let reused = test_hooks::frames_reused() - before;
    assert!(
        reused >= 3,
        "only {reused} of 3 later submits reused the buffer"
    );
}

fn a_small_task_hands_the_buffer_back() {
    let pool = echo_pool();
    let big = payload(2 * MIB, 9);
    assert!(pool.submit(big.clone()).join().unwrap() == big);
    let before = test_hooks::frames_reused();
    // The small task takes the spare buffer and returns it on completion...
    let small = payload(10, 5);
    assert!(pool.submit(small.clone()).join().unwrap() == small);
    // ...so the next large one finds it again.
    assert!(pool.submit(big.clone()).join().unwrap() == big);
    let reused = test_hooks::frames_reused() - before;
    assert_eq!(reused, 2, "the small task and the large one after it");
}

fn small_tasks_keep_no_buffer() {
    let pool = echo_pool();
    let before = test_hooks::frames_reused();
    for k in 0..50 {
        let small = payload(100, k);
        assert!(pool.submit(small.clone()).join().unwrap() == small);
    }
    assert_eq!(test_hooks::frames_reused() - before, 0);
}

/// Marks the payload whose first attempt kills its worker.
const DOOMED: u8 = 0xAA;

fn a_reused_frame_is_resent_intact_after_its_worker_dies() {
    let attempts = std::env::temp_dir().join(format!(
        "homemade-frame-reuse-{}-{}",
        std::process::id(),
        test_hooks::frames_reused()
    ));
    let _ = std::fs::remove_file(&attempts);
    let path = attempts.clone();
    let pool = ProcessPool::builder(1)
        .retry_idempotent(2)
        .build(move |b: Bytes| {
            if b.first() == Some(&DOOMED) && !path.exists() {
                std::fs::write(&path, b"1").unwrap();
                // SAFETY: kill(getpid(), SIGKILL) takes plain integers.
                unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
            }
            b
        })
        .unwrap();
    let first = payload(3 * MIB, 1);
    assert!(pool.submit(first.clone()).join().unwrap() == first);
    let before = test_hooks::frames_reused();
    let mut doomed = payload(2 * MIB, 6);
    doomed[0] = DOOMED;
    let back = pool.submit(doomed.clone()).join().unwrap();
    assert!(attempts.exists(), "the first attempt did not run");
    assert_eq!(test_hooks::frames_reused() - before, 1);
    assert_eq!(back.len(), doomed.len());
    assert!(back == doomed, "the resent frame was corrupted");
    let _ = std::fs::remove_file(&attempts);
}

fn main() {
    common::run_both(common::cases![
        large_frames_reuse_one_buffer_and_carry_only_their_bytes,
        a_small_task_hands_the_buffer_back,
        small_tasks_keep_no_buffer,
        a_reused_frame_is_resent_intact_after_its_worker_dies,
    ])
}
