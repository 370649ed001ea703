//! Interoperability: `curl` (an HTTP client we did not write) against
//! `homemade serve` (the real binary). Where curl is not installed the test
//! fails and says what to install (`.ci/run` installs it).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills and reaps the server however the test ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn curl_talks_to_homemade_serve() {
    assert!(
        curl_available(),
        "curl is not installed: install it (apt-get install -y curl)"
    );
    let child = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start homemade serve");
    let mut server = Reaped(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "homemade serve: listening on http://127.0.0.1:PORT (...)"
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the listening line names the URL")
        .to_string();

    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "20"])
            .args(args)
            .output()
            .expect("run curl");
        assert!(out.status.success(), "curl {args:?} failed");
        String::from_utf8(out.stdout).unwrap()
    };
    let answer = curl(&["-i", &format!("{base}/carts/1")]);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\r\n\r\n{\"id\":1,"));

    // Two URLs in one curl run: curl reuses the connection (keep-alive).
    let answer = curl(&[
        "-v",
        &format!("{base}/carts/2"),
        &format!("{base}/carts/3?delay=5"),
    ]);
    assert!(answer.contains("{\"id\":2,") && answer.contains("{\"id\":3,"));
    let verbose = Command::new("curl")
        .args([
            "-sv",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-o",
            "/dev/null",
        ])
        .args([format!("{base}/carts/2"), format!("{base}/carts/3")])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&verbose.stderr);
    assert!(
        log.to_lowercase().contains("re-using") || log.contains("Reusing"),
        "{log}"
    );

    let answer = curl(&["-i", &format!("{base}/carts/0")]);
    assert!(answer.starts_with("HTTP/1.1 404 "));
    assert!(answer.ends_with(r#"{"message":"Cart with id '0' not found"}"#));
    let answer = curl(&["-i", "-X", "POST", "-d", "x=1", &format!("{base}/carts/1")]);
    assert!(answer.starts_with("HTTP/1.1 404 "), "{answer}");
    let add = r#"{"userId":1,"products":[{"id":1,"quantity":2}]}"#;
    let answer = curl(&["-i", "-d", add, &format!("{base}/carts/add")]);
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");
    assert!(answer.contains(r#""totalQuantity":2"#), "{answer}");

    // `homemade fetch` against the same server, through the binary too.
    let out = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args(["fetch", "-i", &format!("{base}/carts/4")])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("HTTP/1.1 200 OK\r\n"));
    let out = Command::new(env!("CARGO_BIN_EXE_homemade"))
        .args(["fetch", "ftp://dummyjson.com/carts/1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unsupported URL scheme"), "{err}");
}
