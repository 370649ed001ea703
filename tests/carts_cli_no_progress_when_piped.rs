//! The live progress line of `homemade carts` is for a terminal only: with
//! stderr piped (a script, a log, this test) nothing of it is written, with
//! or without `--json` (under which the human report itself is on stderr).
//! A progress line is redrawn with `\r` and ANSI escapes; neither may appear
//! in either stream.

use std::process::{Command, Stdio};

/// Runs `homemade carts ARGS` with both streams piped; returns (stdout, stderr).
fn carts(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .arg("carts")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run homemade");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Panics if `text` holds a carriage return or an escape character.
fn assert_no_redraws(what: &str, text: &str) {
    assert!(!text.contains('\r'), "a \\r in {what}: {text:?}");
    assert!(!text.contains('\x1b'), "an ANSI escape in {what}: {text:?}");
}

#[test]
fn piped_streams_hold_no_progress_line() {
    let args = [
        "--carts",
        "1-4",
        "--unit-ms",
        "5",
        "--only",
        "sequential,threads",
    ];
    let (stdout, stderr) = carts(&args);
    assert!(stdout.contains("sequential "), "{stdout}");
    assert_no_redraws("stdout", &stdout);
    assert_no_redraws("stderr", &stderr);
    assert!(!stderr.contains("fetched"), "{stderr}");

    let mut json = args.to_vec();
    json.push("--json");
    let (stdout, stderr) = carts(&json);
    assert!(
        stderr.contains("sequential "),
        "the report is on stderr: {stderr}"
    );
    assert_no_redraws("stdout", &stdout);
    assert_no_redraws("stderr", &stderr);
    assert!(!stderr.contains("fetched,"), "{stderr}");
}
