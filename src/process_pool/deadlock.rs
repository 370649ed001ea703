//! # Spotting a worker stuck forever on a lock that `fork` copied locked
//!
//! `fork` copies memory as it is, locks included. A `Mutex` that some
//! thread of your program held when the pool was built (or a `OnceLock`
//! whose initializer was running: the pool's own `get_or_init`, say) is
//! held in the fork server and in every worker, and no thread there will
//! ever release it. A task that takes it sleeps forever.
//!
//! Nothing in the parent can see that before forking (a lock does not say
//! who holds it), but the stuck worker is easy to recognise from outside:
//! Linux lists, in `/proc/PID/syscall`, the system call a sleeping thread
//! is blocked in and its arguments. A worker is stuck for good when
//!
//! - it has a single thread (`/proc/PID/stat`, field 20), so no thread of
//!   its own can wake it;
//! - that thread sleeps in `futex(FUTEX_WAIT | FUTEX_PRIVATE_FLAG, ...)`
//!   (or `FUTEX_WAIT_BITSET`), which is how std's and parking_lot's locks,
//!   `Once` and glibc's mutexes sleep. A *private* futex can only be woken
//!   from inside the same process, so no other process can wake it either;
//! - with no timeout (the fourth argument is a null pointer).
//!
//! The fork server (`forkserver.rs`) looks at each of its workers every
//! [`WATCH_EVERY`]; a worker found in that state twice in a row, in the
//! very same call, is killed, and the parent's task fails with
//! `TaskError::Deadlocked` instead of hanging. The cost is two small
//! `/proc` reads per worker per look, in the otherwise idle fork server.
//!
//! What it cannot see: a worker with a second thread of its own (a task
//! that started threads could be woken by them), a wait with a timeout
//! (it ends by itself), a lock shared with another process, or a spin
//! loop. If `/proc` cannot be read (an unusual sandbox), nothing is
//! detected and such a task hangs as before; a task timeout still ends it.
//!
//! Read next: `forkserver.rs` (the loop that calls [`Watch::stuck`]).

use std::time::Duration;

use super::sys::Pid;

/// How often the fork server looks at its workers.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// `FUTEX_WAIT`, `FUTEX_WAIT_BITSET` and the flags that may be or-ed in.
const FUTEX_WAIT: u64 = libc::FUTEX_WAIT as u64;
const FUTEX_WAIT_BITSET: u64 = libc::FUTEX_WAIT_BITSET as u64;
const FUTEX_PRIVATE: u64 = libc::FUTEX_PRIVATE_FLAG as u64;
const FUTEX_CLOCK_REALTIME: u64 = libc::FUTEX_CLOCK_REALTIME as u64;

/// What the fork server saw at its previous look.
#[derive(Debug, Default)]
pub struct Watch {
    /// Workers asleep forever at the last look, with the `/proc` line seen.
    asleep: Vec<(Pid, String)>,
}

impl Watch {
    /// Looks at each of `children`; returns those found asleep forever at
    /// this look and at the previous one, in the same call.
    pub fn stuck(&mut self, children: &[Pid]) -> Vec<Pid> {
        let now: Vec<(Pid, String)> = children
            .iter()
            .filter_map(|&pid| asleep_forever(pid).map(|line| (pid, line)))
            .collect();
        let stuck = now
            .iter()
            .filter(|seen| self.asleep.contains(seen))
            .map(|&(pid, _)| pid)
            .collect();
        self.asleep = now;
        stuck
    }
}

/// The `/proc/PID/syscall` line if `pid` is single-threaded and asleep in
/// an untimed wait on a private futex; `None` otherwise (or if unreadable).
fn asleep_forever(pid: Pid) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after "pid (comm)": state is field 3, num_threads field 20.
    let threads: u64 = stat
        .rsplit(')')
        .next()?
        .split_whitespace()
        .nth(17)?
        .parse()
        .ok()?;
    if threads != 1 {
        return None;
    }
    let line = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    untimed_private_futex_wait(&line).then_some(line)
}

/// Whether a `/proc/PID/syscall` line ("nr arg0 ... arg5 sp pc", the
/// arguments in hex) is an untimed wait on a private futex.
fn untimed_private_futex_wait(line: &str) -> bool {
    let mut fields = line.split_whitespace();
    let nr: Option<i64> = fields.next().and_then(|f| f.parse().ok());
    let args: Vec<u64> = fields
        .take(4)
        .filter_map(|f| u64::from_str_radix(f.trim_start_matches("0x"), 16).ok())
        .collect();
    let (Some(nr), [_, op, _, timeout]) = (nr, args.as_slice()) else {
        return false;
    };
    let cmd = op & !(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    nr == libc::SYS_futex
        && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)
        && op & FUTEX_PRIVATE != 0
        && *timeout == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_untimed_private_futex_waits() {
        let futex = libc::SYS_futex;
        let forever = format!("{futex} 0x5600 0x89 0x2 0x0 0x0 0xffffffff 0x7ffd 0x7f00\n");
        assert!(untimed_private_futex_wait(&forever));
        let plain_wait = format!("{futex} 0x5600 0x80 0x2 0x0 0x0 0x0 0x7ffd 0x7f00");
        assert!(untimed_private_futex_wait(&plain_wait));
        let timed = format!("{futex} 0x5600 0x89 0x2 0x7ffd1000 0x0 0xffffffff 0x7ffd 0x7f00");
        assert!(!untimed_private_futex_wait(&timed));
        let shared = format!("{futex} 0x5600 0x9 0x2 0x0 0x0 0xffffffff 0x7ffd 0x7f00");
        assert!(!untimed_private_futex_wait(&shared));
        let wake = format!("{futex} 0x5600 0x81 0x1 0x0 0x0 0x0 0x7ffd 0x7f00");
        assert!(!untimed_private_futex_wait(&wake));
        assert!(!untimed_private_futex_wait("running\n"));
        assert!(!untimed_private_futex_wait(
            "45 0x3 0x7f00 0x10000 0x0 0x0 0x0 0x1 0x2"
        ));
    }

    #[test]
    fn a_thread_of_ours_asleep_on_a_lock_is_not_single_threaded() {
        // This test process has several threads, so it is never "stuck".
        assert_eq!(asleep_forever(std::process::id() as Pid), None);
    }
}
