//! Shared helpers of the `http_*` client tests: hostile peers written in the
//! test, as raw `std::net` servers that send exactly the bytes of the case.
//!
//! * [`RawServer::answering`] accepts connections one after another on
//!   loopback, reads each request head, writes the canned bytes and closes.
//! * Dropping a [`RawServer`] stops it and joins its thread, so a test leaks
//!   neither a thread nor a socket.
#![allow(dead_code)]

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
