//! Interoperability: `curl --cacert` (an HTTPS client we did not write)
//! against `homemade serve --tls-cert --tls-key` (the real binary), and
//! `homemade fetch --cacert` against the same server. The certificate is
//! made now. Without curl the test fails and says what to install.

mod cli_support;
mod tls_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use tls_support::{Ca, TempDir};

/// Kills and reaps the server however the test ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `curl ARGS`, bounded in time, output captured.
fn curl(args: &[&str]) -> Output {
    let mut cmd = Command::new("curl");
    cmd.args(["--silent", "--show-error", "--max-time", "20"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match cmd.spawn() {
        Ok(child) => cli_support::wait_bounded(child),
        Err(e) => panic!("cannot run curl ({e}): install it (apt-get install -y curl)"),
    }
}

#[test]
fn curl_talks_to_homemade_serve_over_https() {
    let ca = Ca::new("curl interop CA");
    let leaf = ca.leaf(&["localhost", "127.0.0.1"]);
    let dir = TempDir::new("tls-curl");
    let cert = dir.write("cert.pem", &leaf.cert_pem);
    let key = dir.write("key.pem", &leaf.key_pem);
    let cacert = dir.write("ca.pem", &ca.pem);
    let child = cli_support::homemade(&["serve", "--port", "0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start homemade serve");
    let mut server = Reaped(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "homemade serve: listening on https://127.0.0.1:PORT (try ...)"
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no https:// address in {line:?}"))
        .to_string();
    let ca_path = cacert.to_str().unwrap();

    // Two carts in one curl run: one TLS connection, reused.
    let out = curl(&[
        "--cacert",
        ca_path,
        "--write-out",
        "\nconnects=%{num_connects}\n",
        &format!("{base}/carts/1"),
        &format!("{base}/carts/2"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(r#"{"id":1,"#) && text.contains(r#"{"id":2,"#),
        "{text}"
    );
    assert!(
        text.contains("connects=1\n") && text.contains("connects=0\n"),
        "{text}"
    );

    // A write with a body, and the status line as curl saw it.
    let body = r#"{"userId":1,"products":[{"id":1,"quantity":2}]}"#;
    let out = curl(&[
        "--cacert",
        ca_path,
        "-i",
        "-H",
        "Content-Type: application/json",
        "-d",
        body,
        &format!("{base}/carts/add"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 201 "), "{text}");

    // curl does not trust our test CA unless told.
    let out = curl(&[&format!("{base}/carts/1")]);
    assert_eq!(
        out.status.code(),
        Some(60),
        "curl's 'peer certificate cannot be authenticated'"
    );

    // `homemade fetch --cacert` against the same server, through the binary.
    let out = cli_support::run(
        cli_support::homemade(&[
            "fetch",
            "-i",
            "--cacert",
            ca_path,
            &format!("{base}/carts/4"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains(r#"{"id":4,"#), "{text}");
}
