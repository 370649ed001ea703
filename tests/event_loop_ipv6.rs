//! TCP over IPv6 loopback ([::1]). A machine without IPv6 loopback fails
//! this test with a message saying so, unless `HOMEMADE_ALLOW_NO_IPV6=1` is
//! set, which turns the failure into a printed skip: a missing premise is
//! never a silent pass.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{spawn, EventLoop};

#[test]
fn echo_over_ipv6_loopback() {
    if let Err(e) = std::net::TcpListener::bind("[::1]:0") {
        let why = format!("IPv6 loopback [::1] is unavailable here ({e})");
        if std::env::var_os("HOMEMADE_ALLOW_NO_IPV6").is_some_and(|v| v == "1") {
            eprintln!("skipped: {why} (HOMEMADE_ALLOW_NO_IPV6=1)");
            return;
        }
        panic!("{why}: enable IPv6 on `lo`, or set HOMEMADE_ALLOW_NO_IPV6=1 to skip");
    }
    let lp = EventLoop::new().unwrap();
    lp.block_on(async {
        let listener = TcpListener::bind("[::1]:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.is_ipv6());
        let server = spawn(async move {
            let (s, peer) = listener.accept().await.unwrap();
            assert!(peer.is_ipv6());
            let mut buf = [0u8; 5];
            let mut got = 0;
            while got < 5 {
                got += s.read(&mut buf[got..]).await.unwrap();
            }
            s.write_all(&buf).await.unwrap();
        });
        let c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        let mut buf = [0u8; 5];
        let mut got = 0;
        while got < 5 {
            got += c.read(&mut buf[got..]).await.unwrap();
        }
        assert_eq!(&buf, b"hello");
        server.await.unwrap();
    });
}
