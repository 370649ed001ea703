//! # `sys`: the few libc calls the process pool makes, made safe
//!
//! Everything in the process pool that talks to the kernel goes through this
//! file: `fork`, `socketpair`, `send`/`recv`, `poll`, `waitpid`, `kill`,
//! `prctl`, passing a descriptor over a Unix socket, and an `eventfd` used as
//! a doorbell. The rest of the module never writes `unsafe`.
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
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Process id, as the kernel spells it.
pub type Pid = libc::pid_t;

// The kernel's numbers the rest of the module names: signals, `waitpid`
// flags and errno values. Re-exported here so that no other file of the
// process pool needs `libc` at all.
pub use libc::{ECHILD, EINVAL, EIO, SIGKILL, WNOHANG};

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

/// A connected pair of Unix sockets of the given type, both close-on-exec.
fn socketpair(kind: libc::c_int) -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` is a valid, writable array of two ints, as socketpair requires.
    cvt(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            kind | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    Ok((owned(fds[0]), owned(fds[1])))
}

/// A byte-stream socket pair: one parent/worker channel.
pub fn stream_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    socketpair(libc::SOCK_STREAM)
}

/// A message-preserving socket pair: the parent/fork-server control channel.
pub fn seqpacket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    socketpair(libc::SOCK_SEQPACKET)
}

/// Switches `O_NONBLOCK` on or off.
pub fn set_nonblocking(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: F_GETFL takes no pointer; an invalid fd only yields EBADF.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    let flags = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: F_SETFL with an integer argument; no memory is touched.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, flags) })?;
    Ok(())
}

/// Sends bytes on a socket without raising `SIGPIPE` (a vanished peer is
/// `EPIPE`, an error value, not a signal). `EINTR` is retried.
pub fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: the pointer and length describe the live slice `buf`.
    let n = cvt_retry(|| unsafe {
        libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL)
    })?;
    Ok(n as usize)
}

/// Sends several buffers in one system call (`sendmsg` with an iovec
/// array), without `SIGPIPE`; returns the bytes sent. `EINTR` is retried.
pub fn send_vectored(fd: RawFd, bufs: &[std::io::IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: msghdr is a plain C struct for which all-zero is a valid value.
    let mut hdr: libc::msghdr = unsafe { mem::zeroed() };
    // IoSlice is guaranteed ABI-compatible with `struct iovec` on Unix.
    hdr.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    hdr.msg_iovlen = bufs.len() as _;
    // SAFETY: `hdr` points at `bufs`, live for the duration of the call.
    let n = cvt_retry(|| unsafe { libc::sendmsg(fd, &hdr, libc::MSG_NOSIGNAL) })?;
    Ok(n as usize)
}

/// Receives bytes from a socket; `Ok(0)` is end of file. `EINTR` is retried.
pub fn recv(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the pointer and length describe the live, writable slice `buf`.
    let n = cvt_retry(|| unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) })?;
    Ok(n as usize)
}

/// Sends every byte of `buf` on a blocking socket, looping over short sends.
pub fn send_all(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = send(fd, buf)?;
        buf = &buf[n..];
    }
    Ok(())
}

/// Shuts a socket down in both directions: the peer reads end of file even
/// if duplicates of our descriptor are still open somewhere.
pub fn shutdown(fd: RawFd) -> io::Result<()> {
    // SAFETY: shutdown takes plain integers.
    cvt(unsafe { libc::shutdown(fd, libc::SHUT_RDWR) })?;
    Ok(())
}

/// Sends one message with a descriptor attached (`SCM_RIGHTS`): the kernel
/// installs a duplicate of `fd` in the receiving process.
pub fn send_with_fd(sock: RawFd, msg: &[u8], fd: RawFd) -> io::Result<()> {
    send_with_fds(sock, msg, &[fd])
}

/// Sends one message with up to [`MAX_PASSED_FDS`] descriptors attached.
pub fn send_with_fds(sock: RawFd, msg: &[u8], fds: &[RawFd]) -> io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: msg.as_ptr() as *mut libc::c_void,
        iov_len: msg.len(),
    };
    // Room for one control message carrying the ints, aligned as cmsg needs.
    let mut space = [0u64; 8];
    let data_len = mem::size_of_val(fds) as u32;
    // SAFETY: CMSG_SPACE only computes a size from its argument.
    let space_len = unsafe { libc::CMSG_SPACE(data_len) } as usize;
    if fds.is_empty() || fds.len() > MAX_PASSED_FDS || space_len > mem::size_of_val(&space) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: msghdr is a plain C struct for which all-zero is a valid value.
    let mut hdr: libc::msghdr = unsafe { mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    hdr.msg_control = space.as_mut_ptr().cast();
    hdr.msg_controllen = space_len as _;
    // SAFETY: `hdr` points at `space`, which is large enough for one cmsg
    // carrying `fds` (checked above), so CMSG_FIRSTHDR is non-null and the
    // `fds.len()` ints written from CMSG_DATA on stay inside `space`.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&hdr);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(data_len) as _;
        let data = libc::CMSG_DATA(cmsg).cast::<RawFd>();
        for (i, &fd) in fds.iter().enumerate() {
            std::ptr::write_unaligned(data.add(i), fd);
        }
    }
    // SAFETY: `hdr` and everything it points to (iov, msg, space) live across the call.
    let n = cvt_retry(|| unsafe { libc::sendmsg(sock, &hdr, libc::MSG_NOSIGNAL) })?;
    if n as usize != msg.len() {
        return Err(io::Error::new(io::ErrorKind::WriteZero, "short sendmsg"));
    }
    Ok(())
}

/// The most descriptors one message may carry here (the size of the
/// control buffers below; the pool itself passes one at a time).
const MAX_PASSED_FDS: usize = 8;

/// Receives one message and every descriptor passed with it (installed
/// close-on-exec), in the order sent. `Ok((0, _))` is end of file.
///
/// Each received descriptor becomes an [`OwnedFd`] at once, so one the
/// caller did not expect is closed when the `Vec` is dropped instead of
/// leaking. Descriptors that did not fit the control buffer are closed by
/// the kernel, which reports it with `MSG_CTRUNC`; that is an error here.
pub fn recv_with_fds(sock: RawFd, buf: &mut [u8]) -> io::Result<(usize, Vec<OwnedFd>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut space = [0u64; 8];
    // SAFETY: msghdr is a plain C struct for which all-zero is a valid value.
    let mut hdr: libc::msghdr = unsafe { mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    hdr.msg_control = space.as_mut_ptr().cast();
    hdr.msg_controllen = mem::size_of_val(&space) as _;
    // SAFETY: `hdr` describes live, writable buffers (`buf`, `space`).
    let n = cvt_retry(|| unsafe { libc::recvmsg(sock, &mut hdr, libc::MSG_CMSG_CLOEXEC) })?;
    let mut passed = Vec::new();
    // SAFETY: after a successful recvmsg the kernel has filled `space` with
    // well-formed control messages of total length msg_controllen; the CMSG
    // macros walk exactly that region, and each SCM_RIGHTS message holds
    // (cmsg_len - CMSG_LEN(0)) / 4 ints, every one a descriptor the kernel
    // just installed for us and nobody else owns.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&hdr);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg).cast::<RawFd>();
                let bytes = (*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                for i in 0..bytes / mem::size_of::<RawFd>() {
                    passed.push(owned(std::ptr::read_unaligned(data.add(i))));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&hdr, cmsg);
        }
    }
    if hdr.msg_flags & libc::MSG_CTRUNC != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "more descriptors were passed than fit the control buffer",
        ));
    }
    Ok((n as usize, passed))
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

/// An anonymous memory file of `len` bytes (`memfd_create`, close-on-exec):
/// the shared-memory transport's region, created in the parent and passed
/// to the worker, which maps the same pages.
pub fn memfd(name: &std::ffi::CStr, len: usize) -> io::Result<OwnedFd> {
    // SAFETY: `name` is a valid NUL-terminated string; flags are integers.
    let fd = cvt(unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) })?;
    let fd = owned(fd);
    // SAFETY: ftruncate takes plain integers.
    cvt(unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) })?;
    Ok(fd)
}

/// Maps `len` bytes of `fd` read-write and `MAP_SHARED`: stores by either
/// process are seen by the other. Unmap with [`munmap`].
pub fn mmap_shared(fd: RawFd, len: usize) -> io::Result<*mut u8> {
    // SAFETY: a fresh mapping chosen by the kernel (null hint); it touches
    // no existing memory. Failure is MAP_FAILED, checked below.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(p.cast())
}

/// Unmaps a mapping made by [`mmap_shared`].
///
/// # Safety
/// `(ptr, len)` must be exactly one live mapping from [`mmap_shared`], and
/// nothing may use it afterwards.
pub unsafe fn munmap(ptr: *mut u8, len: usize) {
    // SAFETY: forwarded to the caller's contract above.
    unsafe { libc::munmap(ptr.cast(), len) };
}

/// Sleeps while the 32-bit word at `word` still holds `expected`, for at
/// most `timeout` (`FUTEX_WAIT`, *not* `_PRIVATE`: the word lives in a
/// `MAP_SHARED` region, and the kernel must match waiters across processes
/// by the page, not by this process's address space). Returns at once if
/// the word already differs; spurious returns are possible (the caller
/// re-checks its condition).
pub fn futex_wait(word: &std::sync::atomic::AtomicU32, expected: u32, timeout: Duration) {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    count_call();
    // SAFETY: `word` is a live, aligned 32-bit atomic; `ts` is a live local.
    // EAGAIN (word changed), EINTR and ETIMEDOUT are all "look again".
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &ts as *const libc::timespec,
        )
    };
}

/// Wakes up to `n` processes sleeping in [`futex_wait`] on `word`
/// (`FUTEX_WAKE`, shared between processes like the wait).
pub fn futex_wake(word: &std::sync::atomic::AtomicU32, n: i32) {
    count_call();
    // SAFETY: `word` is a live, aligned 32-bit atomic; no other memory is used.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n) };
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
    let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
    // SAFETY: CPU_SET writes one bit inside the live local `set`.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is live and of the size passed; 0 means this thread.
    cvt(unsafe { libc::sched_setaffinity(0, mem::size_of_val(&set), &set) })?;
    Ok(())
}

/// Ends this process at once with `SIGKILL`, as a crash would (test hooks).
pub fn kill_self() -> ! {
    let _ = kill(getpid(), libc::SIGKILL);
    exit_now(137)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the peer of `sock` has closed every copy of its end.
    fn peer_closed(sock: &OwnedFd) -> bool {
        set_nonblocking(sock.as_raw_fd(), true).unwrap();
        matches!(recv(sock.as_raw_fd(), &mut [0u8; 1]), Ok(0))
    }

    #[test]
    fn every_passed_descriptor_is_received_and_owned() {
        let (a, b) = seqpacket_pair().unwrap();
        // Three sockets whose far ends travel over `a`; we keep the near ends.
        let pairs: Vec<(OwnedFd, OwnedFd)> = (0..3).map(|_| stream_pair().unwrap()).collect();
        let far: Vec<RawFd> = pairs.iter().map(|(_, f)| f.as_raw_fd()).collect();
        send_with_fds(a.as_raw_fd(), b"hi", &far).unwrap();
        let near: Vec<OwnedFd> = pairs.into_iter().map(|(n, _)| n).collect();
        let mut buf = [0u8; 16];
        let (n, passed) = recv_with_fds(b.as_raw_fd(), &mut buf).unwrap();
        assert_eq!(passed.len(), 3);
        assert_eq!(&buf[..n], b"hi");
        // Dropping what we received must close every copy the kernel made.
        drop(passed);
        let closed: Vec<bool> = near.iter().map(peer_closed).collect();
        assert_eq!(closed, [true, true, true], "a passed descriptor leaked");
    }
}
