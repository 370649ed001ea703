//! Shared helpers of the `http_*` client tests: hostile peers written in the
//! test, as raw `std::net` servers that send exactly the bytes of the case.
//!
//! * [`RawServer::answering`] accepts connections one after another on
//!   loopback, reads each request head, writes the canned bytes and closes.
//! * Dropping a [`RawServer`] stops it and joins its thread, so a test leaks
//!   neither a thread nor a socket.
//! * [`send_raw`] and [`call`] go the other way, for the `http_cart_*` server
//!   tests: one request over a raw socket, exactly the bytes given, and the
//!   [`Answer`] taken apart.
//! * [`echo_server`] (`echo.rs`) is our own server with a tiny handler of the
//!   tests' own, for the tests of HTTP itself (they need no cart route).
//! * [`set_soft_nofile`] and [`keep_alive_get`] (`fd_limit.rs`) serve the
//!   tests of a server out of file descriptors.
#![allow(dead_code)]

mod echo;
mod fd_limit;
#[allow(unused_imports)] // not every http test binary uses the echo server
pub use echo::*;
#[allow(unused_imports)] // only the out-of-descriptor tests use these
pub use fd_limit::*;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A loopback server thread run by a test.
pub struct RawServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    /// Answers every connection with `bytes` (after reading the request
    /// head), then closes it.
    pub fn answering(bytes: Vec<u8>) -> RawServer {
        RawServer::with(move |mut stream| {
            read_head(&mut stream);
            let _ = stream.write_all(&bytes);
        })
    }

    /// Runs `each` on every accepted connection, one at a time, until dropped.
    pub fn with(each: impl Fn(TcpStream) + Send + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        RawServer::on(listener, each)
    }

    /// The same on a listener the test bound itself (an IPv6 one, say).
    pub fn on(listener: TcpListener, each: impl Fn(TcpStream) + Send + 'static) -> RawServer {
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(5)))
                            .unwrap();
                        each(stream);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        RawServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://ADDR/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads until the empty line that ends a request head (or EOF, or 5 s).
pub fn read_head(stream: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&byte[..n]),
        }
    }
}

/// An answer: status, head (status line and headers) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }

    /// The `{"message": ...}` of an error answer.
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The value of a header (the first, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends `raw` (a whole request) on a new connection and reads the answer
/// until the server closes (the request should say `Connection: close`, or
/// be one the server refuses); bounded by a 10 s read timeout.
pub fn send_raw(addr: SocketAddr, raw: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(raw);
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .expect("the server answers and closes within 10 s");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// `METHOD target` with a JSON `body` (if any), `Connection: close`.
pub fn call(addr: SocketAddr, method: &str, target: &str, body: Option<&str>) -> Answer {
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    if let Some(body) = body {
        raw.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        raw.push_str("\r\n");
    }
    send_raw(addr, raw.as_bytes())
}
