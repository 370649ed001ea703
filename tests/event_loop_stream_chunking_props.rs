//! Property: bytes written through a loopback connection arrive intact and
//! in order whatever the writer's chunk sizes, the reader's buffer size and
//! the pauses between writes. This exercises the edge-triggered path: every
//! read runs until `WouldBlock` before the task waits for the next edge.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{spawn, yield_now, EventLoop};
use proptest::prelude::*;
use std::net::Shutdown;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn bytes_arrive_intact_under_any_chunking(
        chunks in proptest::collection::vec((1usize..20_000, 0u8..3), 1..30),
        read_buf in 1usize..9_000,
    ) {
        let lp = EventLoop::new().unwrap();
        let total: usize = chunks.iter().map(|c| c.0).sum();
        let (sent, got) = lp.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let addr = listener.local_addr().unwrap();
            let reader = spawn(async move {
                let (s, _) = listener.accept().await.unwrap();
                let mut got = Vec::new();
                let mut buf = vec![0u8; read_buf];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                got
            });
            let s = TcpStream::connect(addr).await.unwrap();
            let mut sent = Vec::with_capacity(total);
            for (i, (len, pauses)) in chunks.iter().enumerate() {
                let chunk: Vec<u8> = (0..*len).map(|k| (k * 31 + i * 7) as u8).collect();
                s.write_all(&chunk).await.unwrap();
                sent.extend_from_slice(&chunk);
                for _ in 0..*pauses {
                    yield_now().await;
                }
            }
            s.shutdown(Shutdown::Write).unwrap();
            (sent, reader.await.unwrap())
        });
        prop_assert_eq!(got.len(), total);
        prop_assert!(got == sent);
    }
}
