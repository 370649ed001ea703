//! `homemade carts --url` asks the server for the first cart before it prints
//! anything, so an unreachable server is the one thing the user sees: one
//! line on stderr, exit 1, nothing on stdout. It used to print the banner and
//! the table header first.

mod cli_support;

use cli_support::{closed_port, homemade, one_error_line, run};
use std::process::Stdio;

#[test]
fn a_closed_port_is_reported_before_the_banner() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let quick = ["--carts", "1", "--unit-ms", "1", "--only", "sequential"];
    let mut args = vec!["carts", "--url", &url];
    args.extend(quick);
    let out = run(homemade(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()));
    one_error_line(&out, &["cannot reach the cart server", "refused"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    // Under --json the human report goes to stderr: still only the error.
    args.push("--json");
    let out = run(homemade(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()));
    one_error_line(&out, &["cannot reach the cart server", "refused"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}
