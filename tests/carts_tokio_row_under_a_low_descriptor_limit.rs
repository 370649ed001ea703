//! The `tokio+rayon` row under a low `RLIMIT_NOFILE` (set in this test
//! process, with the cart server in the same process, so every connection
//! costs two descriptors): 208 carts fetched at once all complete, because
//! the row bounds its connections per host by the limit, as our clients do
//! (`tests/http_client_low_descriptor_limit.rs`).

mod carts_support;
mod fd_limit;

use fd_limit::SoftLimit;
use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{Runtimes, Strategy};
use homemade::http::default_connections_per_host;

#[test]
fn the_tokio_row_fetches_every_cart_under_a_low_limit() {
    let server = EmbeddedServer::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let _limit = SoftLimit::set(160);
    assert_eq!(default_connections_per_host(), (160 - 32) / 3);
    let wl = carts_support::workload(&server.base_url(), (1..=208).collect(), 0.0, Work::Sleep);
    let row = carts_support::ran(Strategy::TokioRayon, &wl, Runtimes { processes: None });
    assert_eq!(row.priced.len(), 208);
}
