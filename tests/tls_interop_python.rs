//! Interoperability: our HTTPS clients against Python's `ssl` module (a TLS
//! stack we did not write: OpenSSL underneath) serving HTTP/1.1 with
//! keep-alive. The certificate is made now, signed by a CA made now.
//! Without python3 the test fails and says what to install: a silent pass
//! would hide that the peer was never tried.

mod tls_support;

use homemade::event_loop::{gather, EventLoop};
use homemade::http::{blocking, Client};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tls_support::{Ca, TempDir};

/// Kills and reaps the child however the test ends.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SERVER: &str = r#"
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({'path': self.path, 'tls': self.connection.version()}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.set_alpn_protocols(['http/1.1'])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

#[test]
fn our_clients_talk_to_pythons_ssl_server() {
    let ca = Ca::new("interop CA");
    let leaf = ca.leaf(&["localhost", "127.0.0.1"]);
    let dir = TempDir::new("tls-python");
    let cert = dir.write("cert.pem", &leaf.cert_pem);
    let key = dir.write("key.pem", &leaf.key_pem);
    let cacert = dir.write("ca.pem", &ca.pem);
    let child = Command::new("python3")
        .args(["-u", "-c", SERVER])
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}): install it (apt-get install -y python3)")
        });
    let mut server = Reaped(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("python's ssl server did not start: {line:?}"));
    let base = format!("https://127.0.0.1:{port}");

    let client = Client::builder().tls(ca.client_tls()).build();
    EventLoop::new().unwrap().block_on(async {
        // Keep-alive over one TLS session.
        for i in 0..5 {
            let r = client.get(&format!("{base}/seq/{i}")).await.unwrap();
            assert_eq!(r.status, 200);
            let json: serde_json::Value = r.json().unwrap();
            assert_eq!(json["path"], format!("/seq/{i}"));
            assert!(
                json["tls"].as_str().unwrap().starts_with("TLSv1."),
                "{json}"
            );
        }
        assert_eq!(client.connections_opened(), 1);
        // Concurrent requests over several sessions.
        let urls: Vec<String> = (0..8).map(|i| format!("{base}/par/{i}")).collect();
        let answers = gather(urls.iter().map(|url| {
            let client = client.clone();
            async move { client.get(url).await }
        }))
        .await;
        for (i, r) in answers.into_iter().enumerate() {
            let json: serde_json::Value = r.unwrap().json().unwrap();
            assert_eq!(json["path"], format!("/par/{i}"));
        }
    });
    // The blocking client, trusting the CA through the process default.
    homemade::http::tls::set_default_cacert(Some(&cacert)).unwrap();
    let r = blocking::get(&format!("https://localhost:{port}/blocking")).unwrap();
    let json: serde_json::Value = r.json().unwrap();
    assert_eq!(json["path"], "/blocking");
}
