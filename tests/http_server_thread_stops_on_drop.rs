//! `http::server::ServerThread`: a handler of the caller's own is served on
//! its own thread; dropping the server stops its loop, joins its thread and
//! closes its listener (a new connection is refused); a port already taken
//! is an error from `start`, with no thread left behind.

use homemade::event_loop::EventLoop;
use homemade::http::server::{serve_on_thread, ServerConfig, ServerResponse, ServerThread};
use homemade::http::Client;
use std::net::TcpStream;

/// Threads of this process now (`/proc/self/task`).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Waits (bounded) until the thread count is back to `expected`: the kernel
/// drops a joined thread's entry a moment after `pthread_join` returns.
fn threads_settle_at(expected: usize) -> usize {
    for _ in 0..200 {
        if threads() == expected {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    threads()
}

#[test]
fn the_handler_is_served_drop_joins_and_a_taken_port_is_an_error() {
    let before = threads();
    let server = serve_on_thread(|request| async move {
        ServerResponse::json(200, format!("\"{} {}\"", request.method, request.path()))
    })
    .unwrap();
    assert_eq!(threads(), before + 1, "one server thread");
    let addr = server.addr();
    let answer = EventLoop::new()
        .unwrap()
        .block_on(Client::new().get(&server.url("/ping")))
        .unwrap();
    assert_eq!(answer.body, br#""GET /ping""#);
    assert_eq!(server.stats().requests_served(), 1);

    drop(server);
    assert_eq!(threads_settle_at(before), before, "the thread was joined");
    let refused = TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);

    // One test function, not two: libtest would run them side by side and
    // each would count the other's server thread.
    let first = serve_on_thread(|_| async { ServerResponse::new(204) }).unwrap();
    let before = threads();
    let again = ServerThread::start(first.addr(), ServerConfig::default(), None, |_| async {
        ServerResponse::new(204)
    });
    let err = again.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
    assert_eq!(threads_settle_at(before), before);
    first.shutdown();
}
