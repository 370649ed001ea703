//! Interoperability: our client against `python3 -m http.server` (HTTP/1.0,
//! one request per connection), and against a close-delimited HTTP/1.0
//! response (no `Content-Length`). Where python3 is not installed the test
//! fails and says what to install (`.ci/run` installs it).

use homemade::event_loop::EventLoop;
use homemade::http::Client;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills and reaps the child however the test ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `python3 -u ARGS...`; its first line of output names its port
/// (the first word that parses as one after the word "port", or the whole line).
fn python(args: &[&str], dir: &std::path::Path) -> Option<(Reaped, u16)> {
    let child = Command::new("python3")
        .arg("-u")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut child = Reaped(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let port = match line.split_once(" port ") {
        // "Serving HTTP on 127.0.0.1 port 40123 (http://...) ..."
        Some((_, rest)) => rest.split_whitespace().next()?.parse().ok()?,
        None => line.trim().parse().ok()?,
    };
    Some((child, port))
}

const CLOSE_DELIMITED: &str = "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.end_headers()
        self.wfile.write(b'no length, the end of the connection ends me ' * 100)
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
";

#[test]
fn our_client_reads_python_http_server() {
    let dir = std::env::temp_dir().join(format!("homemade-http-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("data.bin"), &content).unwrap();
    const INSTALL: &str = "python3 did not start a server: install it (apt-get install -y python3)";
    let started = python(&["-m", "http.server", "0", "--bind", "127.0.0.1"], &dir)
        .zip(python(&["-c", CLOSE_DELIMITED], &dir));
    let Some(((_server, port), (_close_server, close_port))) = started else {
        let _ = std::fs::remove_dir_all(&dir);
        panic!("{INSTALL}");
    };
    let client = Client::new();
    EventLoop::new().unwrap().block_on(async {
        for _ in 0..3 {
            let r = client
                .get(&format!("http://127.0.0.1:{port}/data.bin"))
                .await
                .unwrap();
            assert_eq!(r.status, 200);
            assert_eq!(r.version, 0, "python's http.server answers HTTP/1.0");
            assert_eq!(r.body, content);
        }
        let r = client
            .get(&format!("http://localhost:{port}/missing"))
            .await
            .unwrap();
        assert_eq!(r.status, 404);
        let r = client
            .get(&format!("http://127.0.0.1:{close_port}/"))
            .await
            .unwrap();
        assert!(r.headers.get("content-length").is_none());
        assert_eq!(r.body.len(), 45 * 100);
        assert!(r.text().unwrap().starts_with("no length"));
    });
    // HTTP/1.0 without keep-alive: no connection was reused.
    assert_eq!(client.connections_opened(), 5);
    let _ = std::fs::remove_dir_all(&dir);
}
