//! Our HTTPS client against our HTTPS server, on loopback, with a CA made at
//! test time: the event-loop client (concurrent GETs, keep-alive reuse of
//! TLS connections, a POST) and the blocking client.

mod tls_support;

use homemade::carts::Cart;
use homemade::event_loop::{gather, EventLoop};
use homemade::http::{blocking, Client};
use tls_support::{https_server, Ca};

#[test]
fn our_client_fetches_carts_from_our_server_over_tls() {
    let ca = Ca::new("homemade test CA");
    let server = https_server(&ca);
    let base = server.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let client = Client::builder().tls(ca.client_tls()).build();
    let urls: Vec<String> = (1..=20).map(|id| format!("{base}/carts/{id}")).collect();
    let ids = EventLoop::new().unwrap().block_on(async {
        // Sequential first: one TLS connection, kept alive and reused.
        for url in &urls[..5] {
            let cart: Cart = client.get(url).await.unwrap().json().unwrap();
            assert!(cart.id >= 1);
        }
        assert_eq!(client.connections_opened(), 1);
        assert_eq!(client.idle_connections(&urls[0]), 1);
        // Then all at once: more connections, every answer right.
        let carts = gather(urls.iter().map(|url| {
            let client = client.clone();
            async move { client.get(url).await?.json::<Cart>() }
        }))
        .await;
        carts.into_iter().map(|c| c.unwrap().id).collect::<Vec<_>>()
    });
    assert_eq!(ids, (1..=20).collect::<Vec<_>>());
    // Over `localhost` too: the certificate names both.
    let url = format!("https://localhost:{}/carts/7", server.addr().port());
    let cart: Cart = EventLoop::new()
        .unwrap()
        .block_on(client.get(&url))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(cart.id, 7);
    // A write, with a body, over the same kind of connection.
    let body = r#"{"userId":1,"products":[{"id":1,"quantity":2}]}"#;
    let posted = EventLoop::new()
        .unwrap()
        .block_on(client.post(&format!("{base}/carts/add"), body))
        .unwrap();
    assert_eq!(posted.status, 201, "{}", posted.text().unwrap());
    assert!(server.stats().requests_served() >= 27);
    assert_eq!(server.stats().tls_handshake_failures(), 0);
}

#[test]
fn the_blocking_client_fetches_over_tls_with_the_process_default() {
    let ca = Ca::new("homemade test CA");
    let server = https_server(&ca);
    let dir = tls_support::TempDir::new("tls-blocking");
    let cacert = dir.write("ca.pem", &ca.pem);
    homemade::http::tls::set_default_cacert(Some(&cacert)).unwrap();
    let carts: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=6)
            .map(|id| {
                let url = format!("{}/carts/{id}", server.base_url());
                s.spawn(move || blocking::get(&url).unwrap().json::<Cart>().unwrap().id)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(carts, (1..=6).collect::<Vec<_>>());
    // The event-loop client with no `tls(...)` uses the same default.
    let cart: Cart = EventLoop::new()
        .unwrap()
        .block_on(Client::new().get(&format!("{}/carts/3", server.base_url())))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(cart.id, 3);
}
