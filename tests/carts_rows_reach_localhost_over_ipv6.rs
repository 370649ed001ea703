//! `localhost` is `127.0.0.1` and `::1`: the cart rows that fetch over HTTP
//! (sequential, event loop, tokio+rayon) reach a cart server listening on
//! `[::1]` only through `http://localhost:PORT`, each address tried in turn.
//! Needs the IPv6 loopback. (The same for our two HTTP clients alone:
//! `tests/http_localhost_tries_every_address.rs`.)

mod carts_support;

use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{Runtimes, Strategy};

#[test]
fn the_cart_rows_reach_a_cart_server_on_ipv6_loopback_as_localhost() {
    let server = EmbeddedServer::start("[::1]:0".parse().unwrap())
        .expect("this test needs the IPv6 loopback [::1]");
    let base = format!("http://localhost:{}", server.addr().port());
    let wl = carts_support::workload(&base, vec![1, 2], 1.0, Work::Sleep);
    for row in [
        Strategy::Sequential,
        Strategy::EventLoop,
        Strategy::TokioRayon,
    ] {
        let result = carts_support::ran(row, &wl, Runtimes { processes: None });
        assert_eq!(result.priced.len(), 2, "{}", row.name());
    }
}
