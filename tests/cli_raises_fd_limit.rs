//! `homemade` raises its soft limit on open files to the hard limit at start
//! (as Go's runtime does), so a default soft limit of 1024 does not starve a
//! busy server or client. The test starts `serve` with a soft limit of 64 and
//! reads the limit the running process has from `/proc/PID/limits`. `main.rs`
//! raises it in one place for every command; `serve` is the one that stays
//! up long enough to be looked at.

mod cli_support;

use cli_support::{hard_fd_limit, homemade, limit_in_child, wait_bounded, Limit};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// The soft and hard "Max open files" of process `pid`.
fn open_files_limits(pid: u32) -> (String, String) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("a Max open files line");
    let mut fields = line["Max open files".len()..].split_whitespace();
    let soft = fields.next().unwrap().to_string();
    let hard = fields.next().unwrap().to_string();
    (soft, hard)
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "reads /proc/PID/limits")]
fn serve_runs_with_the_soft_limit_raised_to_the_hard_one() {
    let hard = hard_fd_limit();
    assert!(
        hard > 64,
        "the test needs a hard limit above 64, got {hard}"
    );
    let mut cmd = homemade(&["serve", "--port", "0"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    limit_in_child(&mut cmd, Limit::OpenFiles, 64, hard);
    let mut child = cmd.spawn().unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    // Read only once the banner is out, i.e. after main's start-up.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id()))
        .map(|_| open_files_limits(child.id()));
    child.kill().unwrap();
    let _ = wait_bounded(child);
    assert!(banner.contains("listening on"), "{banner:?}");
    let (soft, hard_seen) = limits.unwrap();
    assert_eq!(hard_seen, hard.to_string());
    assert_eq!(soft, hard.to_string(), "the soft limit stayed low");
}
