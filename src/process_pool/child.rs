//! # The worker: a forked child that serves tasks until told to stop
//!
//! A worker is born in the fork server (see `forkserver.rs`) holding one end
//! of a socket pair; the parent holds the other. Its life:
//!
//! 1. **Die with the parent.** Before `serve` is called, the fork server's
//!    side of the fork (`forkserver.rs`, `spawn`) has already asked the
//!    kernel, with `PR_SET_PDEATHSIG(SIGKILL)`, to kill us when the fork
//!    server dies, and has checked that the fork server is still our parent,
//!    comparing `getppid()` with the pid the fork server read *before*
//!    forking. (Reading the parent's pid after the fork would be too late:
//!    if the fork server had died in between, we would read our new
//!    parent's pid and serve on as an orphan.)
//! 2. **Keep what was inherited.** The worker holds every descriptor the
//!    program had open when it built the pool (a log `File` the closure
//!    captured works here as in the parent), plus its channel. The fork
//!    server closed its copy of the control socket before calling us, and
//!    no other worker's channel is ever open in the fork server when it
//!    forks, so one worker's death still reads as end of file in the parent.
//!    See README.md, "What a worker inherits".
//! 3. **Run the initializer** once, if the pool has one. If it panics, the
//!    worker says so in an [`INIT_FAILED`](super::wire::INIT_FAILED) reply
//!    and exits; the parent then fails the pool's tasks instead of forking
//!    replacements forever.
//! 4. **Serve.** Read a task frame, call the function on each item inside
//!    `catch_unwind` (a panic becomes a `Panicked` item, and the worker
//!    keeps serving), write one reply frame. End of file on the channel means
//!    the pool is closing: exit 0.
//! 5. **Retire** after `max_tasks_per_child` tasks: exit 0 right after the
//!    last reply. The parent knows the budget too and forks a replacement.
//!
//! The worker always leaves with `_exit`, never by returning: returning would
//! run the parent's code that called `fork` a second time, in the child.
//!
//! Read next: `pool.rs` (the parent side of the conversation).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::panic::{self, AssertUnwindSafe};

use crate::panics::panic_message;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::builder::Transport;
use super::shm::WorkerLink;
use super::sys;
use super::wire::{self, FrameBuf};

/// What a worker needs to know besides its function.
#[derive(Clone, Copy, Debug)]
pub struct ChildConfig {
    /// Exit after this many tasks (`None`: serve forever).
    pub max_tasks: Option<u64>,
    /// Largest frame accepted.
    pub max_frame: usize,
    /// How frames travel: the socket itself, or rings in shared memory.
    pub transport: Transport,
}

/// The worker's side of the conversation, under either transport.
enum Link {
    /// Frames go through the socket pair.
    Socket(RawFd),
    /// Frames go through the shared-memory rings (`shm.rs`); the socket
    /// only tells of the parent's end.
    Shm(WorkerLink),
}

impl Link {
    /// Blocks until bytes arrive and appends them to `buf`; `Ok(0)`: stop.
    fn fill(&mut self, buf: &mut FrameBuf) -> io::Result<usize> {
        match self {
            Link::Socket(fd) => buf.fill(*fd),
            Link::Shm(ring) => buf.fill_with(|room| ring.recv(room)),
        }
    }

    /// Sends one whole reply frame.
    fn send_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Link::Socket(fd) => sys::send_all(*fd, bytes),
            Link::Shm(ring) => ring.send_all(bytes),
        }
    }
}

/// Exit code: the parent closed the channel (the normal way to stop).
pub const EXIT_OK: i32 = 0;
/// Exit code: the initializer panicked.
pub const EXIT_INIT_FAILED: i32 = 3;
/// Exit code: the parent sent bytes that are not a task frame.
pub const EXIT_PROTOCOL: i32 = 4;

/// Runs a worker on `chan`; never returns.
pub fn serve<In, Out, F>(chan: OwnedFd, f: &F, init: Option<&dyn Fn()>, cfg: &ChildConfig) -> !
where
    In: DeserializeOwned,
    Out: Serialize,
    F: Fn(In) -> Out,
{
    let fd = chan.as_raw_fd();
    let mut link = match cfg.transport {
        Transport::Socketpair => Link::Socket(fd),
        Transport::SharedMemory => match WorkerLink::accept(fd) {
            Ok(ring) => Link::Shm(ring),
            // The parent closed before greeting us, or sent something else.
            Err(_) => sys::exit_now(EXIT_PROTOCOL),
        },
    };
    let mut out = Vec::with_capacity(64 * 1024);

    if let Some(init) = init {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(init)) {
            let at = wire::begin_frame(&mut out);
            out.extend_from_slice(&wire::INIT_FAILED.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            wire::push_reply_item(
                &mut out,
                wire::TAG_PANIC,
                panic_message(&*payload).as_bytes(),
            );
            if wire::end_frame(&mut out, at).is_ok() {
                let _ = link.send_all(&out);
            }
            sys::exit_now(EXIT_INIT_FAILED);
        }
    }

    let mut served: u64 = 0;
    let mut buf = FrameBuf::new();
    loop {
        match link.fill(&mut buf) {
            Ok(0) | Err(_) => sys::exit_now(EXIT_OK),
            Ok(_) => {}
        }
        loop {
            let payload = match buf.next_frame(cfg.max_frame) {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(_) => sys::exit_now(EXIT_PROTOCOL),
            };
            out.clear();
            if run_task(payload, f, &mut out, cfg.max_frame).is_err() {
                sys::exit_now(EXIT_PROTOCOL);
            }
            if link.send_all(&out).is_err() {
                // EPIPE: the parent is gone or closed us; nobody wants the result.
                sys::exit_now(EXIT_OK);
            }
            served += 1;
            if cfg.max_tasks.is_some_and(|max| served >= max) {
                sys::exit_now(EXIT_OK);
            }
        }
    }
}

/// Runs every item of one task frame, appending the reply frame to `out`.
/// A reply that would be over `limit` bytes is replaced by the short
/// "too large" reply (`wire.rs`), so the parent learns both sizes and this
/// worker stays in service.
fn run_task<In, Out, F>(
    payload: &[u8],
    f: &F,
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<(), wire::FrameError>
where
    In: DeserializeOwned,
    Out: Serialize,
    F: Fn(In) -> Out,
{
    let (id, count, mut rest) = wire::task_header(payload)?;
    let at = wire::begin_frame(out);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    // `out` stops growing one byte past the limit; the rest is only counted.
    let cap = at + wire::HEADER + limit.saturating_add(1);
    let mut dropped = 0;
    for _ in 0..count {
        let bytes = wire::next_item(&mut rest)?;
        let input: In = match wire::decode(bytes) {
            Ok(v) => v,
            Err(msg) => {
                wire::push_reply_item(out, wire::TAG_BAD_INPUT, msg.as_bytes());
                continue;
            }
        };
        match panic::catch_unwind(AssertUnwindSafe(|| f(input))) {
            Ok(value) => {
                out.push(wire::TAG_OK);
                match wire::push_item_capped(out, &value, cap) {
                    Ok(cut) => dropped += cut,
                    Err(msg) => {
                        out.pop();
                        wire::push_reply_item(out, wire::TAG_BAD_OUTPUT, msg.as_bytes());
                    }
                }
            }
            Err(payload) => {
                let msg = panic_message(&*payload);
                wire::push_reply_item(out, wire::TAG_PANIC, msg.as_bytes());
            }
        }
    }
    let len = out.len() - at - wire::HEADER + dropped;
    if len > limit {
        out.truncate(at + wire::HEADER + wire::TASK_HEADER);
        wire::push_too_large(out, len, limit);
    }
    wire::end_frame(out, at)
}
