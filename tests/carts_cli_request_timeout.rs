//! `homemade carts --timeout S`: every row gives up on a request after S
//! seconds, whatever the server does: the blocking rows against a server
//! that trickles its answer, the event-loop and `tokio+rayon` rows against
//! one that accepts and never answers. Each run must end, with one line on
//! stderr naming the timeout and exit status 1.

mod http_support;

use http_support::{read_head, RawServer};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `homemade carts --url URL --carts 1 --only ROW --timeout 1`, and
/// fails if it is still running after 20 s.
fn carts_against(url: &str, row: &str) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args(["carts", "--url", url, "--carts", "1", "--unit-ms", "1"])
        .args(["--only", row, "--timeout", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run homemade carts");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => {
            waiter.join().unwrap();
            out.expect("wait for homemade carts")
        }
        Err(_) => {
            // Do not leave the hung process behind.
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            waiter.join().unwrap();
            panic!("`carts --only {row} --timeout 1` was still running after 20 s");
        }
    }
}

fn assert_timed_out(out: &std::process::Output, row: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{row}: {stderr}");
    assert!(stderr.contains("timed out after 1s"), "{row}: {stderr}");
}

#[test]
fn every_row_gives_up_on_a_trickling_server() {
    let server = RawServer::with(|mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        for _ in 0..100 {
            if stream.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    for row in [
        "sequential",
        "threads",
        "threads+gil",
        "event-loop",
        "tokio+rayon",
    ] {
        assert_timed_out(&carts_against(&server.url(""), row), row);
    }
}

#[test]
fn every_event_driven_row_gives_up_on_a_server_that_never_answers() {
    // The kernel completes the handshakes (backlog); nobody ever accepts.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    for row in ["tokio+rayon", "event-loop"] {
        assert_timed_out(&carts_against(&url, row), row);
    }
}
