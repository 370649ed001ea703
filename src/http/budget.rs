//! How many connections to one host a client keeps open at once by default,
//! sized from the process's descriptor limit, and [`HostGate`], the same
//! bound for the blocking client's threads.
//!
//! ## Why a bound at all
//!
//! Every open connection costs a file descriptor, and a process may only
//! hold `ulimit -n` of them (often 1,024; 256 on some systems). A client
//! that opens one connection per request in flight (208 carts gathered at
//! once, or 208 threads each with a blocking GET) runs out of them, and when
//! the server runs in the same process (the embedded cart server) each
//! connection costs two. So by default a client keeps at most
//! [`default_connections_per_host`] connections to a host open; further
//! requests wait for one to free up, as with an explicit
//! [`max_connections_per_host`](super::ClientBuilder::max_connections_per_host).
//!
//! The default is `(soft limit - RESERVED_DESCRIPTORS) / 3`: a third for
//! the client's sockets, a third for the server's ends of them when it
//! shares the process, a third for everything else (pools' pipes, event
//! loops, files). Under the usual limits (1,024 and up) that is more than
//! 300 and changes nothing for the cart workload; under `ulimit -n 256` it
//! is 74, and every row still finishes. When even one socket cannot be
//! made, the error is [`Error::TooManyOpenFiles`], at once.
//!
//! Read next: `pool.rs` (the event-loop client's cap), `blocking.rs`.

use super::blocking::Deadline;
use super::Error;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, OnceLock};

/// Descriptors left out of the computation for the process's other needs.
pub const RESERVED_DESCRIPTORS: u64 = 32;

/// The default cap on connections open at once to one host (see the module
/// documentation): at least 1, and no cap to speak of when the descriptor
/// limit is unlimited.
pub fn default_connections_per_host() -> usize {
    match crate::sys::open_files_soft_limit() {
        None => usize::MAX,
        Some(soft) => {
            let third = soft.saturating_sub(RESERVED_DESCRIPTORS) / 3;
            usize::try_from(third).unwrap_or(usize::MAX).max(1)
        }
    }
}

/// A process-wide count of the blocking client's open connections per
/// `host:port`: a thread that finds its host at the cap waits (until its
/// deadline) for another to finish.
pub(crate) struct HostGate {
    open: Mutex<HashMap<(String, u16), usize>>,
    freed: Condvar,
}

/// A place inside the gate; leaving it (drop) wakes a waiting thread.
pub(crate) struct Pass {
    key: (String, u16),
}

impl HostGate {
    /// The one gate of the process.
    pub(crate) fn global() -> &'static HostGate {
        static GATE: OnceLock<HostGate> = OnceLock::new();
        GATE.get_or_init(|| HostGate {
            open: Mutex::new(HashMap::new()),
            freed: Condvar::new(),
        })
    }

    /// Waits until `key` has fewer than `cap` connections open, then counts
    /// one more; fails with [`Error::Timeout`] once the deadline passes.
    pub(crate) fn enter(
        &'static self,
        key: (String, u16),
        cap: usize,
        deadline: &Deadline,
    ) -> Result<Pass, Error> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let count = open.entry(key.clone()).or_insert(0);
            if *count < cap {
                *count += 1;
                return Ok(Pass { key });
            }
            let left = deadline.left()?;
            open = self
                .freed
                .wait_timeout(open, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let gate = HostGate::global();
        let mut open = gate.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
        drop(open);
        gate.freed.notify_one();
    }
}
