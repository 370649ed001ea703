//! For the tests of a server out of file descriptors: lowering this
//! process's own descriptor limit, and keep-alive requests on a connection
//! kept open (which need no new descriptor).

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Sets the soft `RLIMIT_NOFILE` (capped at the hard limit) and returns the
/// previous one. Only `harness = false` binaries may call it: each is its
/// own process, so the limit hurts no other test.
pub fn set_soft_nofile(soft: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    let old = limit.rlim_cur;
    limit.rlim_cur = soft.min(limit.rlim_max);
    // SAFETY: setrlimit only reads the struct; lowering the soft limit is allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    old
}

/// Sends one keep-alive GET on `stream` and reads its whole response; an
/// `UnexpectedEof` error when the server closed the connection instead.
pub fn keep_alive_get(stream: &mut TcpStream, path: &str) -> io::Result<String> {
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return Ok(text.into_owned());
            }
        }
        match stream.read(&mut buf)? {
            0 => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            n => answer.extend_from_slice(&buf[..n]),
        }
    }
}
