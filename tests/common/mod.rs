//! A tiny test runner for `harness = false` test binaries.
//!
//! Process-pool tests must create their pools while the process is
//! single-threaded, and libtest runs tests on threads. So these binaries have
//! a plain `fn main()` that runs each case in turn on the main thread,
//! prints `test NAME ... ok` per case and libtest's `test result:` line,
//! and exits non-zero on any failure. A watchdog alarm bounds the runtime.
//!
//! The cases are named once, with [`cases!`]:
//!
//! ```ignore
//! fn main() {
//!     common::run(common::cases![first_case, second_case])
//! }
//! ```
//!
//! and the binary takes libtest's arguments (`args.rs`), so
//! `cargo test --test NAME SOME_CASE` runs only the cases whose names
//! contain `SOME_CASE`, and `-- --list` lists them.
#![allow(dead_code, unused_imports, unused_macros)]

mod args;

pub use args::Args;
use std::panic::{self, AssertUnwindSafe};

/// The list of cases for [`run`] or [`run_both`], each function named once:
/// `cases![a, b]` is `&[("a", a as fn()), ("b", b as fn())]`.
macro_rules! cases {
    ($($case:ident),+ $(,)?) => {
        &[$((stringify!($case), $case as fn())),+]
    };
}
pub(crate) use cases;

/// Runs the cases in order; exits the process with the summary.
pub fn run(cases: &[(&str, fn())]) -> ! {
    watchdog(120);
    let mut runner = Runner::default();
    for (name, case) in cases {
        runner.case(name, case);
    }
    runner.finish()
}

/// Runs the cases once per transport (socket pair, then shared memory),
/// naming each run `NAME[socketpair]` / `NAME[shm]`; exits with the summary.
/// Pools built by a case without choosing a transport get the one of the
/// pass (`test_hooks::set_default_transport`).
pub fn run_both(cases: &[(&str, fn())]) -> ! {
    use homemade::process_pool::{test_hooks, Transport};
    watchdog(240);
    let mut runner = Runner::default();
    for (tag, transport) in [
        ("socketpair", Transport::Socketpair),
        ("shm", Transport::SharedMemory),
    ] {
        test_hooks::set_default_transport(transport);
        for (name, case) in cases {
            runner.case(&format!("{name}[{tag}]"), case);
        }
    }
    runner.finish()
}

/// Arms a watchdog: if the binary is still running after `secs`, SIGALRM ends
/// it (and the pool's workers follow their parent via PR_SET_PDEATHSIG).
pub fn watchdog(secs: u32) {
    // SAFETY: alarm only arms a timer for this process.
    unsafe { libc::alarm(secs) };
}

/// Runs cases one after another on the main thread and counts the outcomes.
/// Cases may be closures that borrow what `main` set up first (a pool, a
/// server), which is why this is a value and not only [`run`]. It reads the
/// command line when made: cases the filters leave out are counted, not run.
pub struct Runner {
    args: Args,
    passed: usize,
    failed: usize,
    filtered_out: usize,
    listed: usize,
}

impl Default for Runner {
    fn default() -> Self {
        Runner {
            args: Args::from_env(),
            passed: 0,
            failed: 0,
            filtered_out: 0,
            listed: 0,
        }
    }
}

impl Runner {
    /// Runs one case (if the command line selects it), catching its panic.
    pub fn case(&mut self, name: &str, case: impl FnOnce()) {
        if !self.args.selects(name) {
            self.filtered_out += 1;
            return;
        }
        if self.args.list {
            println!("{name}: test");
            self.listed += 1;
            return;
        }
        match panic::catch_unwind(AssertUnwindSafe(case)) {
            Ok(()) => {
                println!("test {name} ... ok");
                self.passed += 1;
            }
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("test {name} ... FAILED: {msg}");
                self.failed += 1;
            }
        }
    }

    /// Checks that no child process is left, prints the summary line and
    /// exits; call it after dropping every pool and server.
    pub fn finish(mut self) -> ! {
        if self.args.list {
            println!("\n{} tests, 0 benchmarks", self.listed);
            std::process::exit(0);
        }
        if let Some(pid) = leftover_child() {
            println!("test no_children_left ... FAILED: child {pid} was left behind");
            self.failed += 1;
        }
        let verdict = if self.failed == 0 { "ok" } else { "FAILED" };
        println!(
            "\ntest result: {verdict}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out",
            self.passed, self.failed, self.filtered_out
        );
        std::process::exit(if self.failed == 0 { 0 } else { 1 })
    }
}

/// A child process of ours that is still around (running or zombie), if any.
pub fn leftover_child() -> Option<i32> {
    let mut status = 0;
    // SAFETY: waitpid with WNOHANG only writes the status int.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    // -1/ECHILD: no children at all. 0: a child is still running.
    match pid {
        -1 => None,
        0 => Some(0),
        pid => Some(pid),
    }
}

/// Whether process `pid` exists (and is not a zombie we could reap).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // Field 3 (after "pid (comm)") is the state; Z = zombie.
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next());
            state != Some("Z")
        }
        Err(_) => false,
    }
}

/// Polls `cond` every 10 ms for up to `secs` seconds.
pub fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    cond()
}

/// The descriptors this process has open, listed from `/proc/self/fd`
/// (without the listing's own descriptor, already closed when it returns).
pub fn open_fds() -> Vec<i32> {
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // SAFETY: F_GETFD takes no pointer; a closed descriptor only yields EBADF.
    fds.retain(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1);
    fds.sort_unstable();
    fds
}
