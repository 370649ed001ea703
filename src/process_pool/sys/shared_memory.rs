//! # Shared memory: the region, its mapping, and the futex doorbell
//!
//! The shared-memory transport (`shm.rs`) needs a memory file the parent
//! creates and passes to the worker ([`memfd`]), a `MAP_SHARED` mapping of
//! it on both sides ([`mmap_shared`], [`munmap`]), and a process-shared
//! futex the worker sleeps on ([`futex_wait`], [`futex_wake`]; no
//! `FUTEX_PRIVATE_FLAG`, because the two processes map the word at
//! different addresses). The parent's own doorbell is an eventfd, rung by
//! the worker through `eventfd_ring_raw` (`sys.rs`).
//!
//! Read next: `../shm.rs`, the protocol these calls serve.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::{count_call, cvt, owned};

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
