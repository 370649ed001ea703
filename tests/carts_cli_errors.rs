//! `homemade carts` fails cleanly: an unreachable `--url` (a closed port), a
//! missing cart (404) and a malformed response each give one line on stderr
//! naming the problem, and exit status 1; nothing panics or hangs.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

/// Runs `homemade carts ARGS` and returns its output.
fn carts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homemade"))
        .arg("carts")
        .args(args)
        .output()
        .expect("run homemade")
}

/// Asserts exit status 1 and a single stderr line containing `needle`.
fn fails_with(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr:?}");
}

/// A port on 127.0.0.1 that nobody listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_closed_url_port_gives_one_line_and_exit_1() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = carts(&["--url", &url, "--only", "sequential"]);
    fails_with(&out, "cannot reach the cart server");
    fails_with(&out, "refused");
    // The same with every strategy selected: the process pool is made first
    // and must be torn down cleanly on the way out.
    let out = carts(&["--url", &url]);
    fails_with(&out, "cannot reach the cart server");
}

#[test]
fn a_missing_cart_gives_one_line_and_exit_1() {
    let out = carts(&["--carts", "209", "--unit-ms", "1", "--only", "sequential"]);
    fails_with(&out, "cart 209 is missing");
    fails_with(&out, "404");
}

#[test]
fn a_malformed_response_gives_one_line_and_exit_1() {
    // A server that answers every request with 200 and a body that is not a cart.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let mut served = 0;
        // Bounded: the CLI makes one request before it gives up.
        while served < 1 {
            let Ok((mut conn, _)) = listener.accept() else {
                break;
            };
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let body = "this is not json";
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            served += 1;
        }
    });
    let out = carts(&["--url", &url, "--carts", "1", "--only", "sequential"]);
    server.join().unwrap();
    fails_with(&out, "malformed response");
}

#[test]
fn bad_arguments_are_refused_before_anything_runs() {
    let out = carts(&["--carts", "5-1"]);
    fails_with(&out, "--carts");
    let out = carts(&["--url", "ftp://example.com"]);
    fails_with(&out, "--url");
}
