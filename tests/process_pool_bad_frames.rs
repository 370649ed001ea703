//! Garbage on the wire gives clear errors, never a hang or a panic in the
//! parent: a worker that writes a huge length prefix or a malformed frame is
//! killed and replaced (`TaskError::Protocol`); a result that fails to decode
//! fails only its task (`TaskError::Decode`), and so does an input the
//! worker cannot decode (`TaskError::Encode`); the worker keeps serving.

mod common;

use std::os::fd::RawFd;

use homemade::process_pool::{ProcessPool, TaskError, Transport};
use serde::{Deserialize, Deserializer, Serialize};

/// A value that serializes fine but refuses to deserialize when it is 13.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Picky(u32);

impl<'de> Deserialize<'de> for Picky {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Picky, D::Error> {
        let v = u32::deserialize(d)?;
        if v == 13 {
            return Err(serde::de::Error::custom("13 is not welcome"));
        }
        Ok(Picky(v))
    }
}

/// The worker's channel: its only socket descriptor above stderr.
fn channel_fd() -> RawFd {
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let name = entry.unwrap().file_name();
        let fd: RawFd = name.to_str().unwrap().parse().unwrap();
        if fd > 2 {
            if let Ok(link) = std::fs::read_link(format!("/proc/self/fd/{fd}")) {
                if link.to_string_lossy().starts_with("socket:") {
                    return fd;
                }
            }
        }
    }
    panic!("no channel found")
}

/// Writes raw bytes onto the channel, behind the parent's back.
fn scribble(bytes: &[u8]) {
    // SAFETY: writes a live slice to our own socket descriptor.
    unsafe { libc::write(channel_fd(), bytes.as_ptr().cast(), bytes.len()) };
}

fn work(x: u32) -> u32 {
    match x {
        1 => scribble(&[0xff, 0xff, 0xff, 0x7f, 1, 2, 3]), // 2 GiB length prefix
        2 => scribble(&[3, 0, 0, 0, 9, 9, 9]),             // a 3-byte "reply"
        _ => {}
    }
    x * 10
}

fn garbage_from_a_worker_is_a_protocol_error() {
    let pool = ProcessPool::new(1, work).unwrap();
    for (x, needle) in [(1, "exceeds"), (2, "shorter")] {
        // Under shared memory the socket carries no frames at all: any
        // byte on it is the protocol error, before any frame is parsed.
        let needle = match pool.transport() {
            Transport::SharedMemory => "socket",
            Transport::Socketpair => needle,
        };
        let pid = pool.worker_pids()[0];
        match pool.submit(x).join() {
            Err(TaskError::Protocol { pid: p, message }) => {
                assert_eq!(p, pid);
                assert!(message.contains(needle), "{message}");
            }
            other => panic!("expected a protocol error, got {other:?}"),
        }
        assert_ne!(
            pool.worker_pids(),
            vec![pid],
            "the broken worker was replaced"
        );
        assert_eq!(pool.submit(5).join().unwrap(), 50);
    }
    let err = pool.map_chunked(0..4, 1).unwrap_err().to_string();
    // Over shared memory, the socket and the ring are two channels: when
    // both have news, which came first is unknown, so a reply published
    // just before the garbage may be blamed with it (the running chunk, or
    // the one before it). Over a socket pair, the stream orders them.
    let blamed = match pool.transport() {
        Transport::Socketpair => err.contains("item 1"),
        Transport::SharedMemory => err.contains("item 1") || err.contains("item 0"),
    };
    assert!(blamed && err.contains("wire protocol"), "{err}");
}

fn undecodable_values_fail_only_their_task() {
    let pool = ProcessPool::new(1, |x: u32| Picky(x)).unwrap();
    let pid = pool.worker_pids()[0];
    match pool.submit(13).join() {
        Err(TaskError::Decode { message }) => assert!(
            message.contains("13 is not welcome") || message.contains("decode"),
            "{message}"
        ),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(pool.submit(12).join().unwrap(), Picky(12));
    assert_eq!(pool.worker_pids(), vec![pid], "the worker is fine");

    let pool = ProcessPool::new(1, |p: Picky| p.0).unwrap();
    let pid = pool.worker_pids()[0];
    assert!(matches!(
        pool.submit(Picky(13)).join(),
        Err(TaskError::Encode { .. })
    ));
    assert_eq!(pool.submit(Picky(7)).join().unwrap(), 7);
    assert_eq!(pool.worker_pids(), vec![pid]);
}

fn main() {
    common::run_both(common::cases![
        garbage_from_a_worker_is_a_protocol_error,
        undecodable_values_fail_only_their_task
    ])
}
