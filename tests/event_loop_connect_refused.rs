//! Connecting to a loopback port where nobody listens gives a clean
//! `ConnectionRefused` error, not a panic or a hang.

use homemade::event_loop::net::TcpStream;
use homemade::event_loop::EventLoop;
use std::net::SocketAddr;

#[test]
fn connect_refused_is_a_clean_error() {
    // Bind then drop a std listener to get a port nobody listens on.
    let addr: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let lp = EventLoop::new().unwrap();
    let err = lp.block_on(TcpStream::connect(addr)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
    assert_eq!(
        lp.stats().io_sources,
        0,
        "the failed socket was deregistered"
    );
}
