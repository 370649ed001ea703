//! `--timeline` may name a named pipe (FIFO) whose reader is already there:
//! the reader gets the whole picture and then the end of the stream, once.
//! The check made before the run (`preflight.rs`) must not open and close
//! the pipe, which would hand the reader an empty stream and leave the final
//! write waiting for a reader that has gone.
//!
//! The test is its reader. It opens the pipe non-blocking, so it is a reader
//! before `homemade` starts, and `poll`s it: on Linux a FIFO's reader sees
//! POLLHUP only once a writer has come and gone, so the first end of stream
//! it reads is the end of the first writer's stream, whoever that was.

mod cli_support;

use cli_support::{homemade, wait_bounded};
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Reads `pipe` until the end of its first writer's stream (or a time bound).
fn read_first_stream(pipe: &mut std::fs::File) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        let mut fds = libc::pollfd {
            fd: pipe.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd that we own, for a descriptor that stays open.
        unsafe { libc::poll(&mut fds, 1, 100) };
        match pipe.read(&mut buf) {
            Ok(0) if fds.revents & libc::POLLHUP != 0 => return got,
            Ok(0) => {}
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("reading the pipe: {e}"),
        }
    }
    got
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "relies on Linux's POLLHUP rule for FIFOs"
)]
fn a_named_pipe_with_a_reader_gets_the_whole_picture() {
    let dir = std::env::temp_dir().join(format!("homemade-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("picture.svg");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let mut reader = std::fs::File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();

    let args = [
        "carts",
        "--carts",
        "1",
        "--unit-ms",
        "1",
        "--only",
        "sequential",
    ];
    let child = homemade(&args)
        .arg("--timeline")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let picture = read_first_stream(&mut reader);
    drop(reader);
    // Removed before the wait, so that a failing run leaves nothing behind.
    std::fs::remove_dir_all(&dir).unwrap();
    let out = wait_bounded(child);

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let picture = String::from_utf8_lossy(&picture);
    assert!(
        picture.starts_with("<?xml"),
        "the stream began {:?}",
        &picture[..picture.len().min(80)]
    );
    assert!(
        picture.trim_end().ends_with("</svg>"),
        "the picture was cut short"
    );
}
