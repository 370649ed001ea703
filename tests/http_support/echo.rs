//! The HTTP tests' own server: a tiny handler ([`echo`]) on a
//! [`ServerThread`], so that testing HTTP needs nothing of the cart API.
//!
//! | request | answer |
//! |---|---|
//! | any method, any path | `200`, JSON `{"method":M,"path":P,"query":Q,"body":B}` (`Q` the raw query or `null`, `B` the body as text) |
//! | `/status/N` | status `N`, JSON `{"message":"status N"}` |
//! | `/bytes/N` | `200`, a body of `N` bytes, `abc...z` repeated ([`pattern`]) |
//! | `?delay=MS` on any path | waits `MS` ms on the loop's timer first (the thread serves others meanwhile) |

use homemade::event_loop::sleep;
use homemade::http::server::{serve_on_thread, ServerConfig, ServerResponse, ServerThread};
use homemade::http::IncomingRequest;
use std::net::SocketAddr;
use std::time::Duration;

/// The echo handler on `127.0.0.1`, a free port, default settings.
pub fn echo_server() -> ServerThread {
    serve_on_thread(echo).expect("start the echo server on loopback")
}

/// The echo handler on `addr` with these settings (an error if it cannot bind).
pub fn echo_server_on(addr: SocketAddr, config: ServerConfig) -> std::io::Result<ServerThread> {
    ServerThread::start(addr, config, None, echo)
}

/// Answers as the table above says.
pub async fn echo(request: IncomingRequest) -> ServerResponse {
    if let Some(ms) = request.query("delay").and_then(|d| d.parse().ok()) {
        sleep(Duration::from_millis(ms)).await;
    }
    let path = request.path();
    if let Some(status) = path.strip_prefix("/status/").and_then(|s| s.parse().ok()) {
        return ServerResponse::message(status, &format!("status {status}"));
    }
    if let Some(len) = path.strip_prefix("/bytes/").and_then(|s| s.parse().ok()) {
        let mut response = ServerResponse::new(200);
        response.body = pattern(len);
        return response;
    }
    let query = request.target.split_once('?').map(|(_, q)| q.to_string());
    let body = String::from_utf8_lossy(&request.body);
    let json = serde_json::json!({
        "method": request.method,
        "path": path,
        "query": query,
        "body": body,
    });
    ServerResponse::json(200, json.to_string())
}

/// `len` bytes of `abc...z` repeated: the body of `/bytes/{len}`.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

/// The `"path"` an echo answer's body names (panics if it is not one).
pub fn echoed_path(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(body)));
    json["path"].as_str().expect("an echo answer").to_string()
}
