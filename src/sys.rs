//! The crate's libc calls that no one runtime owns: the limit on open files,
//! the listen backlog of the event loop's TCP listeners, and the clocks and
//! thread id the cart timelines stamp their bars with.
//!
//! Linux starts most processes with a soft `RLIMIT_NOFILE` of 1024 and a far
//! higher hard limit (often 524288). The soft limit is what `accept`,
//! `socket` and `open` run into (`EMFILE`, "too many open files"), and a
//! process may raise it up to the hard limit on its own. Go's runtime does so
//! at start; `homemade serve`, `carts` and `fetch` do the same, once, in
//! `main.rs`, so that a server holding a thousand idle connections, or the
//! `event-loop` row opening a connection per cart, does not hit a limit that
//! only exists by default. The hard limit is left alone.
//!
//! Why a module of its own: `src/process_pool/sys.rs` is the crate's libc
//! home, but it belongs to the process pool, and the layers below the front
//! end (the HTTP client and server) must not import the process pool. This
//! file sits beside the modules, so anything may use it.
//!
//! [`open_files_soft_limit`] reads the limit in force; the HTTP clients size
//! their default per-host connection cap from it (`http/budget.rs`).
//!
//! [`monotonic_ns`], [`thread_cpu_ns`] and [`current_tid`] read the
//! kernel's clocks and the calling thread's id for `carts/bars.rs`.
//!
//! [`set_listen_backlog`] calls `listen(2)` again on a listening socket to
//! ask for a longer accept queue than std's 128 (`event_loop/net.rs` says
//! why), [`is_out_of_descriptors`] names `EMFILE`/`ENFILE`, which both
//! the HTTP client and server look for, and [`has_input_waiting`] tells a
//! listener that hit `EMFILE` whether anyone is waiting to be accepted.
//!
//! Read next: `process_pool/sys.rs`, the process pool's libc calls.

use std::io;
use std::os::fd::AsRawFd;

/// Raises the soft limit on open file descriptors to the hard limit.
///
/// Returns the soft limit now in effect. Where the kernel refuses the hard
/// limit as a soft one (macOS reports an "unlimited" hard limit it will not
/// grant), the soft limit stays as it was and the error is returned; the
/// caller may ignore it, since the process runs as before.
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut limit = nofile_limit()?;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
        limit = raised;
    }
    #[allow(clippy::useless_conversion)] // `rlim_t` is not `u64` everywhere
    Ok(u64::from(limit.rlim_cur))
}

/// The soft limit on this process's open file descriptors (`RLIMIT_NOFILE`,
/// what `ulimit -n` shows), or `None` when it is unlimited or unknown. The
/// HTTP clients size their default per-host connection cap from it.
pub fn open_files_soft_limit() -> Option<u64> {
    let limit = nofile_limit().ok()?;
    (limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// This process's `RLIMIT_NOFILE`, soft and hard.
fn nofile_limit() -> io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` into the struct we own and pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(limit)
}

/// Nanoseconds on the system-wide monotonic clock (`CLOCK_MONOTONIC`):
/// comparable between processes of the same machine, unlike `Instant`.
pub fn monotonic_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// CPU time consumed so far by the calling thread, in nanoseconds
/// (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu_ns() -> u64 {
    clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// Reads one of the kernel's clocks, in nanoseconds.
fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec, and both clocks passed in
    // here (the monotonic clock and the calling thread's CPU clock) always
    // exist on Linux, so the call cannot fail.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The kernel's id for the calling thread (what `top -H` shows).
pub fn current_tid() -> u64 {
    // SAFETY: gettid takes no argument and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as u64 }
}

/// Asks the kernel for an accept queue of `backlog` connections on a socket
/// that is already listening (calling `listen(2)` again on it only updates
/// the backlog; the kernel caps it at `net.core.somaxconn`).
pub fn set_listen_backlog(listener: &std::net::TcpListener, backlog: i32) -> io::Result<()> {
    // SAFETY: `listen` takes a descriptor the borrowed listener keeps open
    // for the whole call, and an integer; it touches no memory of ours.
    let rc = unsafe { libc::listen(listener.as_raw_fd(), backlog as libc::c_int) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether `fd` has input waiting now (`poll(2)` with a zero timeout): for
/// a listening socket, whether a connection waits in its accept queue. It
/// needs no descriptor of its own, so it works when the process has none
/// left, which is when `event_loop/net.rs` asks.
pub fn has_input_waiting(fd: &impl AsRawFd) -> io::Result<bool> {
    let mut poll_fd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `poll_fd` is one valid, writable pollfd and we pass a count of
    // one; the descriptor stays open for the call (the caller borrows it);
    // a zero timeout makes the call return at once.
    let rc = unsafe { libc::poll(&mut poll_fd, 1, 0) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(poll_fd.revents & libc::POLLIN != 0)
}

/// True for `EMFILE` (this process is at its descriptor limit) and `ENFILE`
/// (the whole system is).
pub fn is_out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listening_socket_takes_a_new_backlog_and_a_connection() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        set_listen_backlog(&listener, 4096).unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        assert!(listener.accept().is_ok());
    }

    #[test]
    fn only_the_descriptor_errors_count_as_out_of_descriptors() {
        assert!(is_out_of_descriptors(&io::Error::from_raw_os_error(
            libc::EMFILE
        )));
        assert!(is_out_of_descriptors(&io::Error::from_raw_os_error(
            libc::ENFILE
        )));
        assert!(!is_out_of_descriptors(&io::Error::from_raw_os_error(
            libc::ECONNRESET
        )));
        assert!(!is_out_of_descriptors(&io::Error::other("no os error")));
    }
}
