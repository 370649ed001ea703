//! `homemade fetch -i` prints a status line with no reason phrase as the
//! server sent it (`HTTP/1.1 200`), with no trailing space.

mod http_support;

use http_support::RawServer;
use std::process::Command;

#[test]
fn a_status_line_without_a_reason_has_no_trailing_space() {
    let server = RawServer::answering(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok".to_vec());
    let out = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args(["fetch", "-i", "--timeout", "10", &server.url("/")])
        .output()
        .expect("run homemade fetch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("HTTP/1.1 200\r\n"), "{text:?}");
    assert!(text.ends_with("\r\n\r\nok"), "{text:?}");
}
