//! # The worker's end of a shared-memory region
//!
//! A worker receives its region and the parent's eventfd over its socket
//! right after the fork ([`WorkerLink::accept`]), then reads task bytes
//! from the task ring and publishes reply bytes into the reply ring. When
//! there is nothing to read (or no room to write) it spins for its adaptive
//! budget, then parks on the futex bell (`shm.rs` explains the doorbell);
//! it rings the parent's eventfd only when the parent said it is about to
//! sleep. Its socket stays silent: end of file there means the parent is
//! gone.
//!
//! Read next: `../ring.rs` (the rings' positions and the crash rule).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::super::ring::{Consumer, Producer};
use super::super::{sys, test_hooks};
use super::{corrupt, Budget, Region, GREETING, PARK_TIMEOUT, RING_BYTES};

/// The worker's end of its region.
pub struct WorkerLink {
    region: Arc<Region>,
    tasks: Consumer,
    replies: Producer,
    /// The parent's eventfd (our copy).
    wake: OwnedFd,
    /// The socket: silent in this transport; end of file means "parent gone".
    chan: RawFd,
    /// Our spin budget.
    spin: Budget,
}

impl WorkerLink {
    /// Receives the region and eventfd on `chan` (sent by the parent right
    /// after the fork) and maps the region.
    pub fn accept(chan: RawFd) -> io::Result<WorkerLink> {
        let mut buf = [0u8; 8];
        let (n, mut fds) = sys::recv_with_fds(chan, &mut buf)?;
        if &buf[..n] != GREETING || fds.len() != 2 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "expected the shared-memory greeting",
            ));
        }
        let wake = fds.pop().expect("two descriptors");
        let memfd = fds.pop().expect("two descriptors");
        let region = Region::map(memfd.as_raw_fd(), RING_BYTES)?;
        let ((_, tasks), (replies, _)) = region.rings();
        Ok(WorkerLink {
            region,
            tasks,
            replies,
            wake,
            chan,
            spin: Budget::new(),
        })
    }

    /// Blocks until task bytes arrive and moves some into `out`; `Ok(0)`
    /// when the parent let us go (or is gone).
    pub fn recv(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.tasks.read(out).map_err(corrupt)?;
            if n > 0 {
                // The parent may be waiting for room to finish a big task.
                self.kick_parent();
                return Ok(n);
            }
            if self.closed() {
                return Ok(0);
            }
            let tasks = &self.tasks;
            if !self.wait(|| tasks.available().map_or(true, |n| n > 0)) {
                return Ok(0);
            }
        }
    }

    /// Publishes all of `bytes`, in pieces if the reply ring is smaller,
    /// waiting for the parent to make room; an error if the parent left.
    pub fn send_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        let kill_at = test_hooks::kill_mid_ring_write_at();
        if kill_at > 0 && bytes.len() >= kill_at {
            self.die_mid_write(bytes);
        }
        while !bytes.is_empty() {
            let n = self.replies.write(&[bytes]).map_err(corrupt)?;
            if n > 0 {
                self.kick_parent();
                bytes = &bytes[n..];
                continue;
            }
            let replies = &self.replies;
            if self.closed() || !self.wait(|| replies.room().map_or(true, |n| n > 0)) {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
        }
        Ok(())
    }

    /// The test hook's crash: publish half of the frame, copy some more
    /// bytes without publishing them, and die by SIGKILL.
    fn die_mid_write(&mut self, bytes: &[u8]) -> ! {
        let half = bytes.len() / 2;
        let _ = self.replies.write(&[&bytes[..half.min(RING_BYTES / 2)]]);
        self.kick_parent();
        let _ = self.replies.write_unpublished(&bytes[half..]);
        sys::kill_self()
    }

    fn closed(&self) -> bool {
        self.region.control().closed.0.load(Ordering::SeqCst) == 1
    }

    /// Rings the parent's eventfd if it said it is going to sleep.
    fn kick_parent(&self) {
        let c = self.region.control();
        fence(Ordering::SeqCst);
        if c.parent_parked.0.load(Ordering::SeqCst) == 1
            && c.parent_parked.0.swap(0, Ordering::SeqCst) == 1
        {
            sys::eventfd_ring_raw(self.wake.as_raw_fd());
        }
    }

    /// Spins, then parks on the bell, until `ready` holds or the parent
    /// lets us go. Returns `false` if the parent is gone.
    fn wait(&self, ready: impl Fn() -> bool) -> bool {
        let c = self.region.control();
        let start = Instant::now();
        let budget = self.spin.get();
        let mut spins = 0u32;
        let mut parked = false;
        loop {
            if ready() {
                self.spin.adapt(!parked);
                return true;
            }
            if c.closed.0.load(Ordering::SeqCst) == 1 {
                return false;
            }
            spins += 1;
            if !parked && (spins % 64 != 0 || start.elapsed() < budget) {
                std::hint::spin_loop();
                continue;
            }
            parked = true;
            // Park: announce it, look once more, then sleep unless the bell
            // moved since we read it.
            let bell = c.worker_bell.0.load(Ordering::SeqCst);
            c.worker_parked.0.store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if ready() || c.closed.0.load(Ordering::SeqCst) == 1 {
                c.worker_parked.0.store(0, Ordering::SeqCst);
                continue;
            }
            sys::futex_wait(&c.worker_bell.0, bell, PARK_TIMEOUT);
            c.worker_parked.0.store(0, Ordering::SeqCst);
            if c.worker_bell.0.load(Ordering::SeqCst) == bell && sys::readable_now(self.chan) {
                // Nobody rang and the socket reads end of file: parent gone.
                return false;
            }
        }
    }
}
