//! 10,000 concurrent loopback TCP connections echoing through one loop.
//!
//! Both ends of 10,000 connections need 20,000 descriptors, and this
//! machine's hard RLIMIT_NOFILE is 20,000, so the clients run in a child
//! process (this same test binary, re-executed with an environment variable
//! that selects the client role). The server side, 10,000 connections plus
//! the listener, runs on one homemade loop in the test process. The soft
//! limit is raised to the hard limit with `setrlimit`; if even that is too
//! low the test uses as many connections as fit and says so.
//!
//! The server counts connections that are open at the same time: the
//! clients keep every connection open until all echoes are done, so the
//! maximum must equal the number of connections.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{gather, sleep, spawn, EventLoop};
use std::cell::Cell;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

const WANTED: usize = 10_000;
const CLIENT_ENV: &str = "HOMEMADE_10K_CLIENT";
const TEST_NAME: &str = "ten_thousand_connections_echo_through_one_loop";

/// Raises the soft descriptor limit to the hard one; returns the new limit.
fn raise_nofile() -> usize {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid, writable rlimit struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } != 0 {
        return 1024;
    }
    rl.rlim_cur = rl.rlim_max;
    // SAFETY: `rl` is a valid rlimit struct; raising soft up to hard is allowed.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) };
    rl.rlim_cur as usize
}

/// How many connections fit under the limit (with room for the rest).
fn connections() -> usize {
    let limit = raise_nofile();
    let n = WANTED.min(limit.saturating_sub(256));
    if n < WANTED {
        eprintln!("RLIMIT_NOFILE is {limit}: using {n} connections instead of {WANTED}");
    }
    n
}

/// The child process: opens `n` connections, echoes on all, then closes all.
fn client(addr: SocketAddr, n: usize) {
    let lp = EventLoop::new().unwrap();
    lp.block_on(async move {
        let mut streams = Vec::with_capacity(n);
        // Connect in waves so the listen backlog is never overrun.
        for wave in (0..n).collect::<Vec<_>>().chunks(1000) {
            let conns = gather(wave.iter().map(|_| TcpStream::connect(addr))).await;
            for c in conns {
                streams.push(Rc::new(c.expect("connect")));
            }
        }
        // Every connection is open now; echo on all of them concurrently.
        let echoes = streams.iter().enumerate().map(|(i, s)| {
            let s = s.clone();
            async move {
                let msg = (i as u64).to_le_bytes();
                s.write_all(&msg).await.unwrap();
                let mut buf = [0u8; 8];
                let mut got = 0;
                while got < 8 {
                    let k = s.read(&mut buf[got..]).await.unwrap();
                    assert!(k > 0, "server closed early");
                    got += k;
                }
                assert_eq!(buf, msg);
            }
        });
        gather(echoes).await;
        drop(streams);
    });
    println!("client done: {n} connections echoed");
}

#[test]
fn ten_thousand_connections_echo_through_one_loop() {
    if let Ok(spec) = std::env::var(CLIENT_ENV) {
        let (addr, n) = spec.split_once(',').unwrap();
        raise_nofile();
        client(addr.parse().unwrap(), n.parse().unwrap());
        return;
    }
    let n = connections();
    let lp = EventLoop::new().unwrap();
    let open = Rc::new(Cell::new(0usize));
    let max_open = Rc::new(Cell::new(0usize));
    let echoed = Rc::new(Cell::new(0usize));
    let status = lp.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
            .env(CLIENT_ENV, format!("{addr},{n}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (o, m, e) = (open.clone(), max_open.clone(), echoed.clone());
        let server = spawn(async move {
            let mut conns = Vec::with_capacity(n);
            for _ in 0..n {
                let (s, _) = listener.accept().await.unwrap();
                o.set(o.get() + 1);
                m.set(m.get().max(o.get()));
                let (o, e) = (o.clone(), e.clone());
                conns.push(spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        let k = s.read(&mut buf).await.unwrap_or(0);
                        if k == 0 {
                            break;
                        }
                        s.write_all(&buf[..k]).await.unwrap();
                        e.set(e.get() + k);
                    }
                    o.set(o.get() - 1);
                }));
            }
            for c in conns {
                c.await.unwrap();
            }
        });
        // Wait for the child without blocking the loop (bounded: 120 s).
        let started = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("client process did not finish in time");
            }
            sleep(Duration::from_millis(20)).await;
        };
        let out = child.wait_with_output().unwrap();
        if !status.success() {
            panic!(
                "client failed: {status}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        server.await.unwrap();
        status
    });
    assert!(status.success());
    assert_eq!(max_open.get(), n, "all connections were open at once");
    assert_eq!(echoed.get(), n * 8, "every byte was echoed");
    assert_eq!(open.get(), 0);
    assert_eq!(lp.stats().io_sources, 0);
}
