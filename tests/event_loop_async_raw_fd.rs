//! Any file descriptor can be registered with the reactor through
//! `mio::unix::SourceFd`: here a pipe whose write end is fed by another
//! thread, read on the loop with `Async::read_with` (no helper thread on the
//! loop side). This is how the process pool watches its workers' pipes.

use homemade::event_loop::{Async, EventLoop};
use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// The read end of a pipe, as a mio source (through `SourceFd`).
struct PipeReader(std::fs::File);

impl Source for PipeReader {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(r, t, i)
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(r, t, i)
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(r)
    }
}

/// A non-blocking read end and a blocking write end.
fn pipe() -> (std::fs::File, std::fs::File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
    assert_eq!(rc, 0, "pipe2: {}", io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let w = std::fs::File::from(w);
    // Make the write end blocking again (pipe2's flag applied to both ends).
    // SAFETY: fcntl on a valid descriptor we own.
    unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETFL, 0) };
    (std::fs::File::from(r), w)
}

#[test]
fn pipe_fed_by_another_thread_is_read_on_the_loop() {
    let (r, mut w) = pipe();
    let writer = std::thread::spawn(move || {
        for i in 0..20u8 {
            w.write_all(&[i; 100]).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        // Dropping `w` closes the pipe: the reader sees EOF.
    });
    let lp = EventLoop::new().unwrap();
    let got = lp.block_on(async {
        let reader = Async::new(PipeReader(r)).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let n = reader.read_with(|p| (&p.0).read(&mut buf)).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        got
    });
    writer.join().unwrap();
    let want: Vec<u8> = (0..20u8).flat_map(|i| [i; 100]).collect();
    assert_eq!(got, want);
    assert_eq!(lp.stats().io_sources, 0);
}
