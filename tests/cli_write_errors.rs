//! A write error on stdout or stderr is never a panic nor a lost report: it
//! gives one line on stderr (when stderr still works) and exit status 1. A
//! closed pipe (`homemade carts | head`) is a quiet stop with status 0.
//!
//! `/dev/full` fails every write with ENOSPC; a pipe whose read end the test
//! closes before the child writes fails every write with EPIPE.

mod cli_support;

use cli_support::{closed_port, homemade, one_error_line, run, wait_bounded};
use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Output, Stdio};

/// A small, quick run of `carts`: one cart, one strategy, 1 ms units.
const QUICK: [&str; 7] = [
    "carts",
    "--carts",
    "1",
    "--unit-ms",
    "1",
    "--only",
    "sequential",
];

fn dev_full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

/// Runs `homemade ARGS` with stdout a pipe whose read end is closed before
/// the child starts, so that its very first write fails with EPIPE. (Closing
/// it after `spawn` raced the child: on a loaded machine `serve` could write
/// its banner into the still-open pipe first, and then serve forever.)
fn with_stdout_closed(args: &[&str]) -> Output {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two new descriptors into the array we own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors were just created, and each is owned once.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    let child = homemade(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child)
}

#[test]
fn carts_report_to_a_full_disk_fails_with_one_line() {
    let out = run(homemade(&QUICK).stdout(dev_full()).stderr(Stdio::piped()));
    one_error_line(
        &out,
        &["homemade carts", "cannot write to stdout", "No space"],
    );
}

#[test]
fn carts_json_to_a_full_disk_fails_without_a_panic() {
    let mut args = QUICK.to_vec();
    args.push("--json");
    let out = run(homemade(&args).stdout(dev_full()).stderr(Stdio::piped()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The human report went to stderr; the error is its last line.
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("homemade carts: cannot write to stdout"),
        "{stderr}"
    );
}

#[test]
fn serve_banner_to_a_full_disk_fails_with_one_line() {
    let out = run(homemade(&["serve", "--port", "0"])
        .stdout(dev_full())
        .stderr(Stdio::piped()));
    one_error_line(
        &out,
        &["homemade serve", "cannot write to stdout", "No space"],
    );
}

#[test]
fn an_error_line_to_a_full_stderr_still_exits_1() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = run(homemade(&["carts", "--url", &url, "--only", "sequential"])
        .stdout(Stdio::piped())
        .stderr(dev_full()));
    assert_eq!(out.status.code(), Some(1), "status: {:?}", out.status);
}

#[test]
fn a_closed_pipe_is_a_quiet_exit_0() {
    // The human report: stopped at its first line, silently.
    let out = with_stdout_closed(&QUICK);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // The JSON report: the human lines are on stderr, but no error or panic.
    let mut args = QUICK.to_vec();
    args.push("--json");
    let out = with_stdout_closed(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
    // The server's banner.
    let out = with_stdout_closed(&["serve", "--port", "0"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
