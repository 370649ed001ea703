//! # One worker, seen from the parent: its channel and what is in flight
//!
//! The worker-I/O role of the pool's state: a [`Worker`] owns the parent's
//! end of one worker's socket (and, under shared memory, its rings), the
//! buffer of reply bytes not yet cut into frames, and the queue of tasks in
//! flight with the write cursor of the frame being sent. Its fields are
//! private to the `state` module; the rest of the pool (`handle.rs`,
//! `pool.rs`) sees only the accessors below.
//!
//! Read next: `dispatch.rs` (how tasks get onto a worker) and `state.rs`
//! (how replies come off it).

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::Instant;

use super::super::recorder::TaskId;
use super::super::shm::{Shared, ShmLink};
use super::super::sys::{self, Pid};
use super::super::wire::FrameBuf;
use super::lifecycle::Loss;

/// One live worker, seen from the parent.
#[derive(Debug)]
pub struct Worker {
    /// Its pid.
    pub(super) pid: Pid,
    /// Our end of its socket (non-blocking).
    pub(super) chan: OwnedFd,
    /// A pidfd for the worker, readable once it has exited: how its death is
    /// seen even when a grandchild keeps the socket open. `None` on kernels
    /// without `pidfd_open` (then end of file is the only sign).
    pub(super) pidfd: Option<OwnedFd>,
    /// The shared-memory rings, under [`Transport::SharedMemory`]; the
    /// socket then carries no frames, only the end of file at death.
    pub(super) shm: Option<ShmLink>,
    /// Under shared memory: a leader's `poll` saw the socket or pidfd
    /// readable, so the next pump must look at them (see `State::quick`).
    pub(super) news: bool,
    /// Socket pair: task bytes went out since the socket was last read.
    /// A blocked waiter's first pump then skips reading it: the reply to
    /// what was just sent is almost never there yet, and if it is, the
    /// waiter's `poll` says so at once (`State::service`, `Look::Busy`).
    pub(super) sent_since_read: bool,
    pub(super) inbuf: FrameBuf,
    /// Tasks sent (or being sent), oldest first; the oldest is running.
    pub(super) inflight: VecDeque<TaskId>,
    /// Index in `inflight` of the frame being written, and bytes written of it.
    pub(super) write_idx: usize,
    pub(super) write_off: usize,
    /// When the oldest task in flight started running.
    pub(super) head_started: Instant,
    /// Tasks handed to this worker in its life.
    pub(super) dispatched: u64,
}

impl Worker {
    /// Its pid.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Whether it has tasks in flight.
    pub fn busy(&self) -> bool {
        !self.inflight.is_empty()
    }

    /// Our end of its socket.
    pub fn chan_fd(&self) -> RawFd {
        self.chan.as_raw_fd()
    }

    /// Its pidfd, if the kernel has them.
    pub fn pidfd_fd(&self) -> Option<RawFd> {
        self.pidfd.as_ref().map(AsRawFd::as_raw_fd)
    }

    /// What lock-free waiters need of its rings, under shared memory.
    pub fn shared(&self) -> Option<&Arc<Shared>> {
        self.shm.as_ref().map(ShmLink::shared)
    }

    /// Whether some task frame is not fully written yet.
    pub fn wants_write(&self) -> bool {
        self.write_idx < self.inflight.len()
    }

    /// Writes some of `bufs` to the worker, by socket or ring.
    pub(super) fn send_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match &mut self.shm {
            Some(link) => link.send_vectored(bufs),
            None => {
                let sent = sys::send_vectored(self.chan.as_raw_fd(), bufs)?;
                self.sent_since_read |= sent > 0;
                Ok(sent)
            }
        }
    }

    /// Reads what the worker sent into `buf`, by socket or ring.
    pub(super) fn fill(&mut self, buf: &mut FrameBuf) -> io::Result<usize> {
        match &mut self.shm {
            Some(link) => buf.fill_with(|room| link.recv(room)),
            None => {
                self.sent_since_read = false;
                buf.fill(self.chan.as_raw_fd())
            }
        }
    }

    /// Under shared memory the socket carries no frames: what it says if
    /// it became readable. End of file is the worker's death; bytes are a
    /// protocol error (nothing may write there).
    pub(super) fn shm_socket_news(&self) -> Option<Loss> {
        if self.shm.is_none() || !sys::readable_now(self.chan.as_raw_fd()) {
            return None;
        }
        match sys::recv(self.chan.as_raw_fd(), &mut [0u8; 1]) {
            Ok(1) => Some(Loss::Protocol(
                "bytes on the socket of a shared-memory worker".into(),
            )),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
            _ => Some(Loss::Gone),
        }
    }
}
