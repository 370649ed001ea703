//! Shared helper of the `event_loop_*` timeout tests: a loopback server
//! thread that answers only when told to.
//!
//! [`HeldServer`] accepts `n` connections, reads one request byte from each,
//! and then *holds* its answers until the test calls [`HeldServer::go`]. It
//! then writes `b"ok"` to every connection and reports, through
//! [`HeldServer::wait_answered`], that every answer is in its socket (on
//! loopback, a returned `write` means the bytes sit in the peer's receive
//! buffer). That lets a test block the event loop while the answers arrive,
//! which is the situation the timeout tests are about. Every wait is bounded,
//! and dropping the server closes the connections and joins the thread.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any step of the server may wait before it gives up.
const PATIENCE: Duration = Duration::from_secs(20);

/// The server thread and its two signals.
pub struct HeldServer {
    addr: SocketAddr,
    go: Option<Sender<()>>,
    answered: Receiver<usize>,
    thread: Option<JoinHandle<()>>,
}

impl HeldServer {
    /// Starts a server for `n` connections on 127.0.0.1.
    pub fn start(n: usize) -> HeldServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (go_tx, go_rx) = channel::<()>();
        let (answered_tx, answered) = channel();
        let thread = std::thread::spawn(move || {
            let conns = accept_and_read(&listener, n);
            // Hold the answers until the test says go (or gives up).
            let _ = go_rx.recv_timeout(PATIENCE);
            let mut written = 0;
            for mut c in &conns {
                if c.write_all(b"ok").is_ok() {
                    written += 1;
                }
            }
            let _ = answered_tx.send(written);
            // Keep the connections open until the test drops us.
            let _ = go_rx.recv_timeout(PATIENCE);
        });
        HeldServer {
            addr,
            go: Some(go_tx),
            answered,
            thread: Some(thread),
        }
    }

    /// The address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Lets the server write its answers.
    pub fn go(&self) {
        if let Some(tx) = &self.go {
            let _ = tx.send(());
        }
    }

    /// Waits until every answer is written; returns how many were.
    pub fn wait_answered(&self) -> usize {
        self.answered
            .recv_timeout(PATIENCE)
            .expect("the server answered in time")
    }
}

impl Drop for HeldServer {
    fn drop(&mut self) {
        drop(self.go.take()); // wakes the thread's last wait at once
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Accepts `n` connections and reads one byte from each (bounded in time).
fn accept_and_read(listener: &TcpListener, n: usize) -> Vec<TcpStream> {
    let give_up = Instant::now() + PATIENCE;
    listener.set_nonblocking(true).unwrap();
    let mut conns = Vec::with_capacity(n);
    while conns.len() < n && Instant::now() < give_up {
        match listener.accept() {
            Ok((c, _)) => {
                c.set_nonblocking(false).unwrap();
                c.set_read_timeout(Some(PATIENCE)).unwrap();
                conns.push(c);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    for mut c in &conns {
        let mut byte = [0u8; 1];
        let _ = c.read_exact(&mut byte);
    }
    conns
}

/// Blocks the calling thread (and so the event loop running on it) until
/// `instant` has passed.
pub fn block_until_past(instant: Instant) {
    while Instant::now() <= instant {
        std::thread::sleep(
            instant.saturating_duration_since(Instant::now()) + Duration::from_millis(1),
        );
    }
}
