//! One task reads a connection while another task writes to the same
//! connection (`read`/`write` take `&self`): the reactor keeps a reader
//! waker and a writer waker per socket, so neither steals the other's wake.
//! The payload is far larger than the socket buffers, so both tasks block
//! many times and the echo server pushes back.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{spawn, EventLoop};
use std::net::Shutdown;
use std::rc::Rc;

const LEN: usize = 4 << 20;

#[test]
fn concurrent_reader_and_writer_on_one_stream() {
    let lp = EventLoop::new().unwrap();
    let got = lp.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
            s.shutdown(Shutdown::Write).unwrap();
        });
        let stream = Rc::new(TcpStream::connect(addr).await.unwrap());
        let w = stream.clone();
        let writer = spawn(async move {
            let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
            for chunk in data.chunks(65536) {
                w.write_all(chunk).await.unwrap();
            }
            w.shutdown(Shutdown::Write).unwrap();
        });
        let r = stream.clone();
        let reader = spawn(async move {
            let mut got = Vec::with_capacity(LEN);
            let mut buf = vec![0u8; 16384];
            loop {
                let n = r.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            got
        });
        writer.await.unwrap();
        let got = reader.await.unwrap();
        server.await.unwrap();
        got
    });
    assert_eq!(got.len(), LEN);
    assert!(got.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
}
