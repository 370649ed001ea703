//! Timeouts on the loop's timers: a connect that never completes, and a
//! server that accepts and never answers.

use homemade::event_loop::EventLoop;
use homemade::http::{Client, Error};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::FromRawFd;
use std::time::Duration;

#[test]
fn request_timeout_against_a_server_that_never_answers() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/carts/1", listener.local_addr().unwrap());
    let client = Client::builder()
        .request_timeout(Duration::from_millis(200))
        .build();
    let result = EventLoop::new().unwrap().block_on(client.get(&url));
    // The kernel completed the handshake (backlog); nobody ever reads or answers.
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_timeout());
    assert!(err.to_string().contains("timed out"));
    drop(listener);
}

/// A listening socket with a backlog of 0 that never accepts: once its
/// queue is full, the kernel drops further SYNs, so connects hang.
fn listener_that_ignores_syns() -> (TcpListener, Vec<TcpStream>, SocketAddr) {
    // SAFETY: plain socket/bind/listen calls on a fresh descriptor we own;
    // every return value is checked, and the fd is handed to TcpListener,
    // which closes it on drop.
    let listener = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let rc = libc::bind(
            fd,
            &addr as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        assert_eq!(rc, 0);
        assert_eq!(libc::listen(fd, 0), 0);
        TcpListener::from_raw_fd(fd)
    };
    let addr = listener.local_addr().unwrap();
    // Fill the accept queue so that the next SYN is dropped.
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            fillers.push(s);
        }
    }
    (listener, fillers, addr)
}

#[test]
fn connect_timeout_when_the_handshake_never_completes() {
    let (listener, fillers, addr) = listener_that_ignores_syns();
    // Check the premise: a blocking connect now times out too.
    // Linux drops SYNs once the accept queue of a backlog-0 listener is
    // full; a kernel that does not is a property of the machine, reported
    // as a failure unless HOMEMADE_ALLOW_FULL_BACKLOG_HANDSHAKES=1 says to skip.
    if TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok() {
        let why = "this kernel completes handshakes beyond a full backlog, so no connect hangs";
        if std::env::var_os("HOMEMADE_ALLOW_FULL_BACKLOG_HANDSHAKES").is_some_and(|v| v == "1") {
            println!("skipped: {why} (HOMEMADE_ALLOW_FULL_BACKLOG_HANDSHAKES=1)");
            return;
        }
        panic!("{why}; set HOMEMADE_ALLOW_FULL_BACKLOG_HANDSHAKES=1 to skip");
    }
    let client = Client::builder()
        .connect_timeout(Duration::from_millis(200))
        .request_timeout(Duration::from_secs(20))
        .build();
    let result = EventLoop::new()
        .unwrap()
        .block_on(client.get(&format!("http://{addr}/")));
    let err = result.unwrap_err();
    assert!(matches!(err, Error::ConnectTimeout { .. }), "{err:?}");
    assert!(err.to_string().contains("connect to"), "{err}");
    drop(fillers);
    drop(listener);
}

#[test]
fn connect_refused_names_the_address() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new();
    let err = EventLoop::new()
        .unwrap()
        .block_on(client.get(&format!("http://127.0.0.1:{port}/")))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("connect to 127.0.0.1:{port} refused")
    );
}
