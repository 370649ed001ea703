//! # `sys`: the few libc calls the process pool makes, made safe
//!
//! Everything in the process pool that talks to the kernel goes through this
//! module: `fork`, `poll`, `waitpid`, `kill`, `prctl` and an `eventfd` used
//! as a doorbell here; `socketpair`, `send`/`recv` and passing a descriptor
//! over a Unix socket in `sys/sockets.rs`; the shared-memory region and its
//! futex in `sys/shared_memory.rs` (both re-exported, so callers write
//! `sys::send`). The rest of the process pool never writes `unsafe` for a
//! system call.
//!
//! ## The `-1 / errno` convention
//!
//! Almost every system call reports failure by returning `-1` and leaving the
//! reason in the thread-local `errno`. [`cvt`] turns that into an
//! `io::Result`, so callers can use `?`. [`cvt_retry`] does the same but calls
//! again when the reason was `EINTR` ("a signal arrived while you were
//! blocked; nothing happened, try again").
//!
//! ## When *not* to retry `EINTR`
//!
//! `close` is the famous exception: on Linux the descriptor is released even
//! when `close` reports `EINTR`, and by the time we would retry, another
//! thread may have been handed the same number by `open`. Retrying would close
//! somebody else's file. We never call `close` directly anyway: descriptors are
//! [`OwnedFd`]s, whose `Drop` closes exactly once and ignores the result.
//! `poll` is the other case handled differently: an interrupted `poll` simply
//! reports "nothing ready", and the caller's loop recomputes its timeout.
//!
//! ## After `fork`
//!
//! A child of `fork` in a multi-threaded process may only make
//! async-signal-safe calls until it `exec`s. This pool only ever forks from
//! single-threaded processes (see `README.md` next to this file), so the
//! children may allocate, read `/proc` and run ordinary Rust.
//!
//! A child keeps every descriptor it inherits except the few the pool's
//! own code closes by name ([`close_inherited`], an `unsafe fn`: closing a
//! number you do not own is how one file ends up written into another).
//! Nothing here closes descriptors in bulk.
//!
//! This module is private to the process pool: its functions take raw
//! descriptor numbers and are not an API.
//!
//! Read next: `wire.rs` (how bytes become frames), then `forkserver.rs`.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Process id, as the kernel spells it.
pub type Pid = libc::pid_t;

// The kernel's numbers the rest of the module names: signals, `waitpid`
// flags and errno values. Re-exported here so that no other file of the
// process pool needs `libc` at all.
pub use libc::{ECHILD, EINVAL, EIO, SIGKILL, WNOHANG};

mod shared_memory;
mod sockets;

pub use shared_memory::*;
pub use sockets::*;

/// Values a system call returns, where `-1` means "look at `errno`".
pub trait MinusOne: Copy + PartialEq {
    /// The failure value.
    const MINUS_ONE: Self;
}
impl MinusOne for i32 {
    const MINUS_ONE: i32 = -1;
}
impl MinusOne for isize {
    const MINUS_ONE: isize = -1;
}
impl MinusOne for i64 {
    const MINUS_ONE: i64 = -1;
}

/// System calls this process made through this module (every [`cvt`],
/// plus the futex calls): the shared-memory example divides it by round
/// trips. One relaxed add per call, next to a system call's cost.
static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// See [`CALLS`].
pub fn calls_made() -> u64 {
    CALLS.load(std::sync::atomic::Ordering::Relaxed)
}

fn count_call() {
    CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Turns a raw system call result into `io::Result`, reading `errno` on `-1`.
pub fn cvt<T: MinusOne>(ret: T) -> io::Result<T> {
    count_call();
    if ret == T::MINUS_ONE {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Like [`cvt`], but calls `f` again while it fails with `EINTR`.
/// Only for calls that are safe to repeat (never `close`).
pub fn cvt_retry<T: MinusOne>(mut f: impl FnMut() -> T) -> io::Result<T> {
    loop {
        match cvt(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Wraps a descriptor that a successful system call just handed us.
fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY: callers pass a descriptor freshly returned by the kernel, which
    // nothing else owns yet; OwnedFd becomes its only owner.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// What `fork` returned, seen from one side.
pub enum Forked {
    /// We are the parent; this is the child's pid.
    Parent(Pid),
    /// We are the new child.
    Child,
}

/// Forks the calling process.
///
/// # Safety
/// The caller must be single-threaded (or the child must only make
/// async-signal-safe calls). The pool checks this before calling.
pub unsafe fn fork() -> io::Result<Forked> {
    // SAFETY: forwarded to the caller's contract above.
    let pid = cvt(unsafe { libc::fork() })?;
    Ok(if pid == 0 {
        Forked::Child
    } else {
        Forked::Parent(pid)
    })
}

/// Ends the calling process at once, without running destructors, `atexit`
/// handlers or flushing stdio buffers inherited from the parent.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit has no preconditions; it never returns.
    unsafe { libc::_exit(code) }
}

/// Asks the kernel to send `signal` to us when our parent thread dies.
pub fn set_parent_death_signal(signal: i32) -> io::Result<()> {
    // SAFETY: PR_SET_PDEATHSIG takes a plain integer argument.
    cvt(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

/// Our parent's pid (1 or a subreaper if it already died).
pub fn getppid() -> Pid {
    // SAFETY: getppid cannot fail and touches no memory.
    unsafe { libc::getppid() }
}

/// Our own pid.
pub fn getpid() -> Pid {
    // SAFETY: getpid cannot fail and touches no memory.
    unsafe { libc::getpid() }
}

/// Sends `signal` to process `pid`.
pub fn kill(pid: Pid, signal: i32) -> io::Result<()> {
    // SAFETY: kill takes plain integers.
    cvt(unsafe { libc::kill(pid, signal) })?;
    Ok(())
}

/// Waits for a child: `Ok(None)` when `WNOHANG` was given and it is still
/// running, `Ok(Some(status))` once reaped. `EINTR` is retried.
pub fn waitpid(pid: Pid, flags: i32) -> io::Result<Option<i32>> {
    let mut status = 0;
    // SAFETY: `status` is a valid, writable int.
    let got = cvt_retry(|| unsafe { libc::waitpid(pid, &mut status, flags) })?;
    Ok(if got == 0 { None } else { Some(status) })
}

/// How a reaped process ended, decoded from its wait status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// It called `exit`/`_exit` with this code.
    Exited(i32),
    /// A signal killed it.
    Signaled(i32),
    /// Not a wait status but the fork server's verdict: it killed the
    /// worker because it was stuck forever on a lock (`deadlock.rs`).
    Deadlocked,
}

/// Decodes a raw `waitpid` status.
pub fn decode_status(status: i32) -> ExitKind {
    if libc::WIFSIGNALED(status) {
        ExitKind::Signaled(libc::WTERMSIG(status))
    } else {
        ExitKind::Exited(libc::WEXITSTATUS(status))
    }
}

/// Waits until one of `fds` is ready or `timeout` passes (`None` = forever).
/// Returns how many entries have events; an interrupted wait returns 0.
pub fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<usize> {
    let ms = match timeout {
        None => -1,
        // Round up so we never wake a hair before a deadline and spin.
        Some(d) => d.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32,
    };
    // SAFETY: the pointer and length describe the live slice `fds`.
    match cvt(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) }) {
        Ok(n) => Ok(n as usize),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
        Err(e) => Err(e),
    }
}

/// A non-blocking, close-on-exec `eventfd`: a counter any thread can bump to
/// wake a thread blocked in `poll` on it.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: eventfd takes plain integers and returns a new descriptor.
    let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
    Ok(owned(fd))
}

/// Adds one to an eventfd counter (makes it readable).
pub fn eventfd_ring(fd: &OwnedFd) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: writes 8 bytes from a live local array, as eventfd expects.
    // A full counter (EAGAIN) already means "readable", so errors are ignored.
    let _ = cvt_retry(|| unsafe { libc::write(fd.as_raw_fd(), one.as_ptr().cast(), 8) });
}

/// Resets an eventfd counter to zero (makes it not readable).
pub fn eventfd_drain(fd: &OwnedFd) {
    let mut buf = [0u8; 8];
    // SAFETY: reads 8 bytes into a live local array. EAGAIN (already zero) is fine.
    let _ = cvt_retry(|| unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) });
}

/// Duplicates a descriptor (close-on-exec), e.g. to register it separately
/// with a reactor.
pub fn dup(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC takes an integer; it returns a fresh descriptor.
    let new = cvt(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) })?;
    Ok(owned(new))
}

/// Closes, in a freshly forked child, this process's copy of a descriptor
/// that belongs to an [`OwnedFd`] up the stack of the code that forked.
///
/// # Safety
/// `fd` must be open, nothing in this process may use it afterwards, and
/// the `OwnedFd` that owns it must never be dropped in this process (true
/// for a child that leaves with [`exit_now`] and never returns to the frame
/// holding it). Errors are ignored and `close` is never retried (see the
/// module docs).
pub unsafe fn close_inherited(fd: RawFd) {
    // SAFETY: forwarded to the caller's contract above.
    unsafe { libc::close(fd) };
}

/// How many threads this process has, counted in `/proc/self/task`.
pub fn thread_count() -> io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")?.count())
}

/// A pidfd for process `pid` (`pidfd_open`, Linux 5.3 and later; always
/// close-on-exec). It becomes readable once the process has exited, whether
/// or not it is our child, and only then: the pid cannot be recycled while
/// the process is unreaped, so a pidfd opened before the reap names it
/// exactly.
pub fn pidfd_open(pid: Pid) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two plain integers and returns a new descriptor.
    let fd = cvt(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    Ok(owned(fd as RawFd))
}

/// Whether `fd` is readable right now (a `poll` with a zero timeout).
pub fn readable_now(fd: RawFd) -> bool {
    matches!(wait_readable(fd, Some(Duration::ZERO)), Ok(true))
}

/// Waits until `fd` is readable (or at end of file, or in error) or
/// `timeout` passes (`None` = forever): `Ok(true)` when it is, `Ok(false)`
/// when the time ran out or a signal interrupted the wait.
pub fn wait_readable(fd: RawFd, timeout: Option<Duration>) -> io::Result<bool> {
    let mut p = [libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }];
    Ok(poll(&mut p, timeout)? > 0)
}

/// Adds one to the eventfd `fd` (a raw number: the worker's copy of the
/// parent's wake-up eventfd); errors are ignored like [`eventfd_ring`]'s.
pub fn eventfd_ring_raw(fd: RawFd) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: writes 8 bytes from a live local array, as eventfd expects.
    let _ = cvt_retry(|| unsafe { libc::write(fd, one.as_ptr().cast(), 8) });
}

/// Pins the calling thread to CPU `cpu` (`sched_setaffinity`); fails on
/// a machine without that CPU.
#[cfg(test)]
pub fn pin_to_cpu(cpu: usize) -> io::Result<()> {
    // SAFETY: cpu_set_t is a plain bit set for which all-zero is valid.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes one bit inside the live local `set`.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is live and of the size passed; 0 means this thread.
    cvt(unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) })?;
    Ok(())
}

/// Ends this process at once with `SIGKILL`, as a crash would (test hooks).
pub fn kill_self() -> ! {
    let _ = kill(getpid(), libc::SIGKILL);
    exit_now(137)
}
