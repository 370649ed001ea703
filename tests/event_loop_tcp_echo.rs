//! A loopback TCP echo through one loop: server and clients as tasks,
//! reads and writes on `&self`.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{spawn, EventLoop};
use std::net::Shutdown;

async fn echo_server(listener: TcpListener, connections: usize) {
    let mut hs = Vec::new();
    for _ in 0..connections {
        let (s, _) = listener.accept().await.unwrap();
        hs.push(spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
}

#[test]
fn echo_many_clients() {
    let lp = EventLoop::new().unwrap();
    lp.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn(echo_server(listener, 50));
        let mut clients = Vec::new();
        for c in 0..50u32 {
            clients.push(spawn(async move {
                let s = TcpStream::connect(addr).await.unwrap();
                let msg: Vec<u8> = (0..10_000u32).map(|i| (i + c) as u8).collect();
                s.write_all(&msg).await.unwrap();
                s.shutdown(Shutdown::Write).unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 1500];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                assert_eq!(got, msg);
            }));
        }
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    });
    assert_eq!(lp.stats().io_sources, 0);
}
