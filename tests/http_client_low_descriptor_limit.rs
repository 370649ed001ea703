//! Few file descriptors on the client side: under a low `RLIMIT_NOFILE`
//! (set in this test process, with our server in the same process, so
//! every connection costs two descriptors), 208 requests gathered at once on
//! the event-loop client and 208 threads each with a blocking GET all
//! complete, because the clients bound their connections per host by the
//! limit; and when not even one socket can be made, the error says "too
//! many open files" at once instead of waiting for a timeout. (The
//! `tokio+rayon` cart row under the same limit:
//! `tests/carts_tokio_row_under_a_low_descriptor_limit.rs`.)

mod fd_limit;
mod http_support;

use fd_limit::SoftLimit;
use homemade::event_loop::{gather, EventLoop};
use homemade::http::{blocking, default_connections_per_host, Client, Error};
use http_support::echo_server;

/// Descriptors open now (the listing's own descriptor left out).
fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64 - 1
}

#[test]
fn every_request_completes_under_a_low_limit_and_exhaustion_is_named() {
    let server = echo_server();
    let urls: Vec<String> = (1..=208)
        .map(|id| server.url(&format!("/items/{id}")))
        .collect();
    let lp = EventLoop::new().unwrap();

    {
        // Not one descriptor to spare: the next socket() fails with EMFILE.
        // (First, while the server holds no connection that could close
        // and free one.)
        let client = Client::new();
        let _limit = SoftLimit::set(open_descriptors() + 8);
        let mut filler = Vec::new();
        while let Ok(f) = std::fs::File::open("/dev/null") {
            filler.push(f); // every descriptor number below the limit taken
        }
        let on_loop = lp.block_on(client.get(&urls[0])).unwrap_err();
        let blocking = blocking::get(&urls[0]).unwrap_err();
        drop(filler);
        for err in [on_loop, blocking] {
            assert!(matches!(err, Error::TooManyOpenFiles(_)), "{err:?}");
            assert!(err.to_string().starts_with("too many open files"), "{err}");
        }
    }

    {
        let _limit = SoftLimit::set(160);
        assert_eq!(default_connections_per_host(), (160 - 32) / 3);
        let client = Client::new();
        let statuses = lp.block_on(gather(urls.iter().map(|url| {
            let client = client.clone();
            async move { client.get(url).await.map(|r| r.status) }
        })));
        for (id, status) in (1..).zip(statuses) {
            assert_eq!(
                status.unwrap_or_else(|e| panic!("event loop, request {id}: {e}")),
                200
            );
        }
        drop(client);
        let statuses: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = urls
                .iter()
                .map(|url| s.spawn(move || blocking::get(url).map(|r| r.status)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (id, status) in (1..).zip(statuses) {
            assert_eq!(
                status.unwrap_or_else(|e| panic!("blocking, request {id}: {e}")),
                200
            );
        }
    }
}
