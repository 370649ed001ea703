//! # The fork server: one single-threaded process that forks every worker
//!
//! `fork` copies the whole address space but only the calling thread. If the
//! parent had other threads, one of them may have held the allocator's lock
//! (or stdout's, or any mutex) at that instant, and in the child that lock is
//! held forever by a thread that does not exist. So the pool forks only from
//! single-threaded processes: `ProcessPool::new` checks `/proc/self/task`,
//! then forks this **fork server** at once. From then on every worker, and
//! every replacement for a crashed one, is forked by the fork server, which
//! stays single-threaded for its whole life, however many threads the parent
//! starts later. This is the design of Python's `forkserver` start method,
//! except that ours is itself forked (not exec'd), so it already holds the
//! pool's function, the way a forked worker does.
//!
//! The full protocol is described in `README.md` next to this file. In short,
//! the parent and the fork server talk over a `SOCK_SEQPACKET` socket pair
//! (message boundaries kept, descriptors can ride along), one 16-byte
//! request and one 16-byte reply at a time:
//!
//! | request | carries | the fork server | reply |
//! |---|---|---|---|
//! | `SPAWN` | a worker's socket end (`SCM_RIGHTS`) | forks; the child serves on that socket; closes its own copy | `SPAWNED pid` or `FAILED errno` |
//! | `REAP pid grace_ms` | | waits up to `grace_ms` for the worker to exit, then `SIGKILL`s it; `waitpid` | `REAPED status` or `FAILED errno` |
//! | end of file | | kills and reaps any worker left, exits | |
//!
//! Workers are children of the fork server, so only it can `waitpid` them;
//! and since it kills only pids it has not reaped yet, a pid recycled by the
//! kernel for an unrelated process can never be hit by mistake.
//!
//! Read next: `child.rs` (what the forked worker does).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::deadlock::{Watch, WATCH_EVERY};
use super::sys::{self, ExitKind, Forked, Pid};

/// Request: fork a worker on the attached socket.
const SPAWN: u32 = 1;
/// Request: reap a worker (after a grace period, kill it).
const REAP: u32 = 2;
/// Reply: the worker was forked; `pid` is set.
const SPAWNED: u32 = 11;
/// Reply: the worker was reaped; `arg` is its wait status, plus
/// [`DEADLOCKED`] if the fork server killed it for being stuck on a lock.
const REAPED: u32 = 12;
/// Bit of a `REAPED` reply's `arg`: the fork server killed this worker
/// because it was stuck forever on a lock (see `deadlock.rs`).
const DEADLOCKED: u64 = 1 << 32;
/// Reply: the request failed; `arg` is the errno.
const FAILED: u32 = 13;

/// One 16-byte control message: `op u32 | pid i32 | arg u64`, native endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Msg {
    op: u32,
    pid: Pid,
    arg: u64,
}

impl Msg {
    fn encode(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&self.op.to_ne_bytes());
        b[4..8].copy_from_slice(&self.pid.to_ne_bytes());
        b[8..].copy_from_slice(&self.arg.to_ne_bytes());
        b
    }

    fn decode(b: &[u8; 16]) -> Msg {
        Msg {
            op: u32::from_ne_bytes(b[..4].try_into().unwrap()),
            pid: Pid::from_ne_bytes(b[4..8].try_into().unwrap()),
            arg: u64::from_ne_bytes(b[8..].try_into().unwrap()),
        }
    }
}

/// The parent's handle on the fork server.
#[derive(Debug)]
pub struct ForkServer {
    ctl: OwnedFd,
    pid: Pid,
}

/// The error the parent sees once the fork server has gone.
fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the pool's fork server has exited",
    )
}

impl ForkServer {
    /// Forks the fork server. In the child, `worker` is what each forked
    /// worker runs on its socket; it must never return normally (it ends
    /// with `_exit`), but if it does, the worker exits too.
    ///
    /// # Safety
    /// The calling process must be single-threaded (the pool checks
    /// `/proc/self/task` first), because the fork server uses the allocator
    /// and forks again.
    pub unsafe fn start(worker: &dyn Fn(OwnedFd)) -> io::Result<ForkServer> {
        let (parent_end, server_end) = sys::seqpacket_pair()?;
        let parent = sys::getpid();
        // SAFETY: the caller guarantees we are single-threaded.
        match unsafe { sys::fork() }? {
            Forked::Parent(pid) => {
                drop(server_end);
                Ok(ForkServer {
                    ctl: parent_end,
                    pid,
                })
            }
            Forked::Child => {
                // The parent's end is the parent's: our copy would keep the
                // control channel open after the parent closed it.
                drop(parent_end);
                // Never unwind out of here: that would run the parent's code.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                    if !die_with(parent) {
                        return;
                    }
                    serve(server_end.as_raw_fd(), worker);
                }));
                sys::exit_now(0)
            }
        }
    }

    /// The fork server's pid.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// One request, one reply.
    fn call(&self, req: Msg, fd: Option<RawFd>) -> io::Result<Msg> {
        let bytes = req.encode();
        let sent = match fd {
            Some(fd) => sys::send_with_fd(self.ctl.as_raw_fd(), &bytes, fd),
            None => sys::send(self.ctl.as_raw_fd(), &bytes).map(|_| ()),
        };
        sent.map_err(|_| gone())?;
        let mut reply = [0u8; 16];
        match sys::recv(self.ctl.as_raw_fd(), &mut reply) {
            Ok(16) => Ok(Msg::decode(&reply)),
            _ => Err(gone()),
        }
    }

    /// Forks a worker serving on `worker_end`; returns its pid. Our copy of
    /// `worker_end` is closed when this returns.
    pub fn spawn(&self, worker_end: OwnedFd) -> io::Result<Pid> {
        let req = Msg {
            op: SPAWN,
            pid: 0,
            arg: 0,
        };
        let reply = self.call(req, Some(worker_end.as_raw_fd()))?;
        drop(worker_end);
        match reply.op {
            SPAWNED => Ok(reply.pid),
            _ => Err(io::Error::from_raw_os_error(reply.arg as i32)),
        }
    }

    /// Waits up to `grace` for worker `pid` to exit, kills it if it has not,
    /// reaps it and says how it ended.
    pub fn reap(&self, pid: Pid, grace: Duration) -> io::Result<ExitKind> {
        let req = Msg {
            op: REAP,
            pid,
            arg: grace.as_millis() as u64,
        };
        let reply = self.call(req, None)?;
        match reply.op {
            REAPED if reply.arg & DEADLOCKED != 0 => Ok(ExitKind::Deadlocked),
            REAPED => Ok(sys::decode_status(reply.arg as u32 as i32)),
            _ => Err(io::Error::from_raw_os_error(reply.arg as i32)),
        }
    }

    /// Closes the control socket (the fork server kills and reaps any worker
    /// still alive, then exits) and reaps the fork server.
    ///
    /// `shutdown(2)` first: processes forked from this program while the
    /// pool was alive (another pool's fork server and workers) hold copies
    /// of our end, and a plain close would leave the fork server waiting
    /// for them. Shut down, the socket reads as end of file at once.
    pub fn shutdown(self) -> io::Result<()> {
        let _ = sys::shutdown(self.ctl.as_raw_fd());
        drop(self.ctl);
        sys::waitpid(self.pid, 0).map(|_| ())
    }
}

/// The fork server's loop; never returns.
fn serve(ctl: RawFd, worker: &dyn Fn(OwnedFd)) -> ! {
    let mut children: Vec<Pid> = Vec::new();
    // Workers killed for being stuck on a lock, not reaped yet.
    let mut stuck: Vec<Pid> = Vec::new();
    let mut watch = Watch::default();
    let mut next_look = Instant::now() + WATCH_EVERY;
    loop {
        // Between requests, look at the workers every WATCH_EVERY.
        if Instant::now() >= next_look {
            for pid in watch.stuck(&children) {
                if !stuck.contains(&pid) {
                    let _ = sys::kill(pid, sys::SIGKILL);
                    stuck.push(pid);
                }
            }
            next_look = Instant::now() + WATCH_EVERY;
        }
        match sys::wait_readable(
            ctl,
            Some(next_look.saturating_duration_since(Instant::now())),
        ) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(_) => break,
        }
        let mut buf = [0u8; 16];
        // A request with the wrong number of descriptors fails; any extra
        // ones are closed when `fds` is dropped.
        let (n, mut fds) = match sys::recv_with_fds(ctl, &mut buf) {
            Ok(got) => got,
            Err(_) => break,
        };
        if n == 0 {
            break; // the parent closed the pool (or died)
        }
        let req = Msg::decode(&buf);
        let reply = match (req.op, fds.len()) {
            (SPAWN, 1) => spawn(ctl, fds.remove(0), worker, &mut children),
            (REAP, _) => {
                let mut reply = reap(req.pid, Duration::from_millis(req.arg), &mut children);
                if let Some(at) = stuck.iter().position(|&p| p == req.pid) {
                    stuck.swap_remove(at);
                    if reply.op == REAPED {
                        reply.arg |= DEADLOCKED;
                    }
                }
                reply
            }
            _ => failed(sys::EINVAL),
        };
        if sys::send(ctl, &reply.encode()).is_err() {
            break;
        }
    }
    for pid in children {
        let _ = sys::kill(pid, sys::SIGKILL);
        let _ = sys::waitpid(pid, 0);
    }
    sys::exit_now(0)
}

/// A `FAILED` reply.
fn failed(errno: i32) -> Msg {
    Msg {
        op: FAILED,
        pid: 0,
        arg: errno as u64,
    }
}

/// The errno inside an `io::Error` (EIO if it has none).
fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(sys::EIO)
}

/// Asks the kernel to kill us (`SIGKILL`) when our parent dies, then checks
/// that `parent`, the pid our parent read *before* it forked us, is still
/// our parent. If it died before the `prctl` (the race the `prctl` man page
/// warns about), `getppid` already names whoever adopted us, and the answer
/// is `false`: the caller must exit at once.
fn die_with(parent: Pid) -> bool {
    sys::set_parent_death_signal(sys::SIGKILL).is_ok() && sys::getppid() == parent
}

/// Forks one worker on `chan`.
fn spawn(ctl: RawFd, chan: OwnedFd, worker: &dyn Fn(OwnedFd), children: &mut Vec<Pid>) -> Msg {
    let me = sys::getpid();
    // SAFETY: the fork server is single-threaded for its whole life.
    match unsafe { sys::fork() } {
        Ok(Forked::Child) => {
            super::test_hooks::worker_forked(me);
            if !die_with(me) {
                sys::exit_now(0);
            }
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: in the new child, `ctl` is our copy of the control
                // socket, owned by `start`'s frame, which this process never
                // returns to (it leaves with `_exit`); nothing else uses it.
                // Closing it keeps the worker off the control channel.
                unsafe { sys::close_inherited(ctl) };
                worker(chan);
            }));
            sys::exit_now(0)
        }
        Ok(Forked::Parent(pid)) => {
            drop(chan);
            children.push(pid);
            Msg {
                op: SPAWNED,
                pid,
                arg: 0,
            }
        }
        Err(e) => failed(errno(&e)),
    }
}

/// Reaps one worker, killing it after `grace` if it is still running.
fn reap(pid: Pid, grace: Duration, children: &mut Vec<Pid>) -> Msg {
    if !children.contains(&pid) {
        return failed(sys::ECHILD);
    }
    let deadline = Instant::now() + grace;
    let status = loop {
        match sys::waitpid(pid, sys::WNOHANG) {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Ok(None) => {
                let _ = sys::kill(pid, sys::SIGKILL);
                break sys::waitpid(pid, 0).map(|s| s.unwrap_or(0));
            }
            Err(e) => break Err(e),
        }
    };
    children.retain(|&c| c != pid);
    match status {
        Ok(status) => Msg {
            op: REAPED,
            pid,
            arg: status as u32 as u64,
        },
        Err(e) => failed(errno(&e)),
    }
}
