//! # Sockets: pairs, sends and receives, and descriptors passed over them
//!
//! The worker's channel is one end of a `SOCK_STREAM` pair (frames, `wire.rs`);
//! the fork server's is a `SOCK_SEQPACKET` pair (one message per request,
//! `forkserver.rs`), over which new workers' descriptors travel as
//! `SCM_RIGHTS` control messages. Every call goes through [`cvt`] or
//! [`cvt_retry`] (`sys.rs`), so each is counted and `EINTR` is handled in
//! one place.
//!
//! Read next: `shared_memory.rs`, the shared-memory transport's calls.

use std::io;
use std::mem;
use std::os::fd::{OwnedFd, RawFd};

use super::{cvt, cvt_retry, owned};

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

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
