//! A server that accepts and at once resets the connection: the connect
//! succeeded, so the error must be a connection error, not "connect to ...
//! failed". The loop is kept busy while the reset arrives, so the client
//! sees it when it first checks its connect (the case that used to be
//! misreported), every time.

mod http_support;

use homemade::event_loop::{gather, EventLoop};
use homemade::http::{Client, Error, Response};
use http_support::RawServer;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

#[test]
fn a_reset_right_after_accept_is_not_a_connect_failure() {
    let server = RawServer::with(|stream| {
        // SO_LINGER with a zero timeout: close sends RST instead of FIN.
        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: `fd` is the open socket `stream` owns for this whole
        // call; `linger` is a valid `struct linger` of the size passed.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0);
        drop(stream);
    });
    let url = server.url("/items/1");
    let client = Client::builder()
        .request_timeout(Duration::from_secs(5))
        .build();
    type Either<'a> = Pin<Box<dyn Future<Output = Option<Result<Response, Error>>> + 'a>>;
    let results = EventLoop::new().unwrap().block_on(gather(vec![
        Box::pin(async { Some(client.get(&url).await) }) as Either<'_>,
        // Polled right after the request started its connect: holds the
        // loop's thread while the server accepts and resets.
        Box::pin(async {
            std::thread::sleep(Duration::from_millis(300));
            None
        }),
    ]));
    let err = results
        .into_iter()
        .flatten()
        .next()
        .expect("the request's result")
        .unwrap_err();
    assert!(!matches!(err, Error::Connect { .. }), "{err:?}: {err}");
    assert!(!err.to_string().starts_with("connect to"), "{err}");
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionReset)
            || matches!(err, Error::ConnectionClosed),
        "{err:?}"
    );
}
