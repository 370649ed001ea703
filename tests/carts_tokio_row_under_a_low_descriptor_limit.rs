//! The `tokio+rayon` row under a low `RLIMIT_NOFILE` (set in this test
//! process, with the cart server in the same process, so every connection
//! costs two descriptors): 208 carts fetched at once all complete, because
//! the row bounds its connections per host by the limit, as our clients do
//! (`tests/http_client_low_descriptor_limit.rs`).

mod carts_support;

use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{Runtimes, Strategy};
use homemade::http::default_connections_per_host;

/// Sets the soft descriptor limit; the old one comes back on drop.
struct SoftLimit(libc::rlimit);

impl SoftLimit {
    fn set(soft: u64) -> SoftLimit {
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit read and write structs we own.
        unsafe {
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
            let new = libc::rlimit {
                rlim_cur: soft as libc::rlim_t,
                rlim_max: old.rlim_max,
            };
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &new), 0);
        }
        SoftLimit(old)
    }
}

impl Drop for SoftLimit {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &self.0) };
    }
}

#[test]
fn the_tokio_row_fetches_every_cart_under_a_low_limit() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let _limit = SoftLimit::set(160);
    assert_eq!(default_connections_per_host(), (160 - 32) / 3);
    let wl = carts_support::workload(&server.base_url(), (1..=208).collect(), 0.0, Work::Sleep);
    let row = carts_support::ran(Strategy::TokioRayon, &wl, Runtimes { processes: None });
    assert_eq!(row.priced.len(), 208);
}
