//! Shared helpers of the tests that run the real `homemade` binary under a
//! hostile environment (`tests/cli_*.rs`, `tests/carts_cli_*_first.rs`,
//! `tests/carts_cli_pool_cannot_start.rs`).
//!
//! * [`homemade`] builds the command; [`run`] runs it with a time bound
//!   (killed and reaped if it overstays, so no test hangs or leaks it).
//! * [`as_unprivileged`] drops root to `nobody` in the child, for the cases
//!   root would ignore: root bypasses file permissions and `RLIMIT_NPROC`.
//! * [`limit_in_child`] sets a resource limit in the child only, between
//!   `fork` and `exec`, so the test process itself keeps its limits.
//! * [`one_error_line`] is the command line's error rule: exit 1, one line.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output};
use std::sync::mpsc;
use std::time::Duration;

/// The uid and gid of `nobody` on Linux distributions.
pub const NOBODY: u32 = 65534;

/// How long any one run of the binary may take before the test fails.
pub const BOUND: Duration = Duration::from_secs(60);

/// `homemade ARGS`, not started yet.
pub fn homemade(args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(args);
    cmd
}

/// The binary to run. As root the children may run as `nobody`, who must be
/// able to reach the binary; the clone CI tests in may sit below a folder
/// only root can enter, so root runs a copy kept in a world-readable folder
/// of the temporary directory (one per build of the binary, reused).
fn binary() -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static COPY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let original = std::path::PathBuf::from(env!("CARGO_BIN_EXE_homemade"));
    if !is_root() {
        return original;
    }
    COPY.get_or_init(|| {
        let meta = std::fs::metadata(&original).expect("the homemade binary exists");
        let stamp = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "homemade-cli-tests-{:x}",
            stamp ^ meta.len() as u128
        ));
        let copy = dir.join("homemade");
        if std::fs::metadata(&copy).map(|m| m.len()).ok() != Some(meta.len()) {
            std::fs::create_dir_all(&dir).expect("create the folder for the copy");
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            // Copy to a unique name, then rename, so tests running at once
            // never execute a half-written file.
            let partial = dir.join(format!("homemade.{}", std::process::id()));
            std::fs::copy(&original, &partial).expect("copy the binary");
            std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::rename(&partial, &copy).expect("move the copy in place");
        }
        copy
    })
    .clone()
}

/// True when the test runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// When the test runs as root, the child becomes `nobody` before `exec`
/// (std calls setgroups, setgid and setuid in the child, in that order, and
/// only then the `pre_exec` hooks), so that permissions and `RLIMIT_NPROC`
/// apply to it. As any other user nothing changes.
pub fn as_unprivileged(cmd: &mut Command) -> &mut Command {
    if is_root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd
}

/// A resource limit the tests lower in the child.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// `RLIMIT_NPROC`: processes and threads of the user.
    Processes,
    /// `RLIMIT_NOFILE`: open file descriptors.
    OpenFiles,
}

/// Sets `limit` to `soft`/`hard` in the child, after any uid change.
pub fn limit_in_child(cmd: &mut Command, limit: Limit, soft: u64, hard: u64) -> &mut Command {
    let value = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: the hook runs in the forked child before exec and only makes
    // the setrlimit system call, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let rc = match limit {
                Limit::Processes => libc::setrlimit(libc::RLIMIT_NPROC, &value),
                Limit::OpenFiles => libc::setrlimit(libc::RLIMIT_NOFILE, &value),
            };
            if rc == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        })
    };
    cmd
}

/// The hard limit on open files of this process.
pub fn hard_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    #[allow(clippy::useless_conversion)] // `rlim_t` is not `u64` everywhere
    u64::from(limit.rlim_max)
}

/// Starts `cmd` and waits for it at most [`BOUND`]; a child still running
/// then is killed and reaped, and the test fails.
pub fn run(cmd: &mut Command) -> Output {
    let child = cmd.spawn().unwrap_or_else(|e| {
        let hint = if is_root() {
            " (as root the child runs as nobody, uid 65534, who must be able to \
             reach and execute the binary: its folders need o+x)"
        } else {
            ""
        };
        panic!("cannot start {}: {e}{hint}", binary().display())
    });
    wait_bounded(child)
}

/// Waits for `child` at most [`BOUND`] (see [`run`]).
pub fn wait_bounded(child: Child) -> Output {
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(BOUND) {
        Ok(out) => out,
        Err(_) => {
            // SAFETY: kill only sends a signal; the child is not reaped yet
            // (the waiter thread still waits for it), so the pid is still ours.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = rx.recv();
            let _ = waiter.join();
            panic!("homemade was still running after {BOUND:?}");
        }
    };
    waiter.join().unwrap();
    out.expect("wait for homemade")
}

/// Asserts exit status 1 and exactly one stderr line, containing every needle.
pub fn one_error_line(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} not in {stderr:?}");
    }
}

/// A port on 127.0.0.1 that nobody listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
