//! Printing for the three commands (`carts`, `serve`, `fetch`) without panics.
//!
//! `println!` panics when stdout cannot be written (`homemade serve >
//! /dev/full` used to die with "failed printing to stdout", exit 101), and
//! `eprintln!` does the same for stderr. The commands print through these
//! functions instead: they return the error, and the caller applies the
//! command line's rules (DESIGN.md §5.9):
//!
//! * **a closed pipe is a quiet stop.** `homemade carts | head` closes the
//!   pipe once `head` has its lines; the reader has seen what it wanted, so
//!   the command stops and exits 0 without a word. (Rust ignores SIGPIPE, so
//!   the write returns `EPIPE`, [`ErrorKind::BrokenPipe`], instead of killing
//!   the process as it would a C program.)
//! * **any other write error is a failure**: a full disk (`> /dev/full`
//!   gives `ENOSPC`) or an I/O error ends the command with one line on
//!   stderr and exit status 1, so that a lost report is never an exit 0.
//! * **an error line that cannot be written is dropped**: when stderr itself
//!   is broken there is nowhere left to say so; the exit status still tells.
//!
//! Read next: `src/cli/carts/mod.rs`, the longest user of these rules.

use std::io::{self, ErrorKind, Write};
use std::process::ExitCode;

/// Which of the two standard streams to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output: the report, the body, the "listening" line.
    Stdout,
    /// Standard error: errors, and the human report under `carts --json`.
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`, for error messages.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Writes `bytes` to `stream` and flushes, so the text is out (or its error
/// known) when this returns.
pub fn write_all(stream: Stream, bytes: &[u8]) -> io::Result<()> {
    match stream {
        Stream::Stdout => {
            let mut out = io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        Stream::Stderr => {
            let mut err = io::stderr().lock();
            err.write_all(bytes).and_then(|()| err.flush())
        }
    }
}

/// Writes `text` and a newline to `stream`, flushed.
pub fn line(stream: Stream, text: &str) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    write_all(stream, &bytes)
}

/// Prints `homemade COMMAND: MESSAGE` on stderr; a failure to do so is
/// dropped (see the module doc).
pub fn error_line(command: &str, message: &str) {
    let _ = line(Stream::Stderr, &format!("homemade {command}: {message}"));
}

/// Prints the one-line error and returns exit status 1.
pub fn fail(command: &str, message: &str) -> ExitCode {
    error_line(command, message);
    ExitCode::FAILURE
}

/// The exit status for a failed write of `command`'s output to `stream`: a
/// quiet 0 for a closed pipe, otherwise one line on stderr and 1.
pub fn write_failed(command: &str, stream: Stream, error: &io::Error) -> ExitCode {
    if error.kind() == ErrorKind::BrokenPipe {
        ExitCode::SUCCESS
    } else {
        fail(
            command,
            &format!("cannot write to {}: {error}", stream.name()),
        )
    }
}
