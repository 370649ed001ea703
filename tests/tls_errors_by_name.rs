//! Each TLS failure a user meets comes back as its own named error, never a
//! hang or a panic: an unknown CA, a name mismatch, an expired certificate,
//! a plain-HTTP server on an `https://` URL, a TLS server on an `http://`
//! URL, a handshake that never completes, and a fatal alert from the peer.
//! All on loopback, certificates made at test time.

mod tls_support;

use homemade::carts::routes::EmbeddedServer;
use homemade::event_loop::EventLoop;
use homemade::http::tls::{ServerTls, TlsError};
use homemade::http::{blocking, Client, Error};
use std::sync::Arc;
use std::time::Duration;
use tls_support::{https_server, Ca};

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// One GET with our event-loop client trusting `ca`, bounded in time.
fn get(ca: &Ca, url: &str) -> Result<homemade::http::Response, Error> {
    let client = Client::builder()
        .tls(ca.client_tls())
        .connect_timeout(Duration::from_millis(500))
        .request_timeout(Duration::from_secs(5))
        .build();
    EventLoop::new().unwrap().block_on(client.get(url))
}

#[test]
fn a_certificate_from_an_unknown_ca() {
    let (ours, theirs) = (Ca::new("our CA"), Ca::new("someone else's CA"));
    let server = https_server(&theirs);
    let url = format!("{}/carts/1", server.base_url());
    let err = get(&ours, &url).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::UnknownIssuer { server }) if server == "127.0.0.1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("--cacert"), "{err}");
    // Our client's alert reached the server, which counts the failure.
    for _ in 0..200 {
        if server.stats().tls_handshake_failures() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.stats().tls_handshake_failures(), 1);
}

#[test]
fn a_certificate_for_another_name() {
    let ca = Ca::new("our CA");
    let leaf = ca.leaf(&["other.example"]);
    let server = EmbeddedServer::start_tls(loopback(), leaf.server_tls()).unwrap();
    let err = get(&ca, &format!("{}/carts/1", server.base_url())).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::NameMismatch { server, .. }) if server == "127.0.0.1"),
        "{err:?}"
    );
}

#[test]
fn an_expired_certificate() {
    let ca = Ca::new("our CA");
    let server = EmbeddedServer::start_tls(loopback(), ca.expired_leaf().server_tls()).unwrap();
    let err = get(&ca, &format!("{}/carts/1", server.base_url())).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::Expired { .. })),
        "{err:?}"
    );
}

#[test]
fn a_plain_http_server_on_an_https_url() {
    let ca = Ca::new("our CA");
    let plain = EmbeddedServer::start(loopback()).unwrap();
    let url = format!("https://{}/carts/1", plain.addr());
    let err = get(&ca, &url).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::NotTls { first_bytes }) if first_bytes.starts_with("HTTP/1.1 400")),
        "{err:?}"
    );
    assert!(err.to_string().contains("http://"), "{err}");
}

#[test]
fn a_tls_server_on_an_http_url() {
    let ca = Ca::new("our CA");
    let server = https_server(&ca);
    let url = format!("http://{}/carts/1", server.addr());
    let err = get(&ca, &url).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::ServerSpeaksTls)),
        "{err:?}"
    );
    // The blocking client reads the same bytes through the same parser.
    let err = blocking::get(&url).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::ServerSpeaksTls)),
        "{err:?}"
    );
}

#[test]
fn a_handshake_that_never_completes() {
    // A server that accepts and never says a word.
    let silent = std::net::TcpListener::bind(loopback()).unwrap();
    let url = format!("https://{}/carts/1", silent.local_addr().unwrap());
    let ca = Ca::new("our CA");
    let err = get(&ca, &url).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::HandshakeTimeout { after }) if *after == Duration::from_millis(500)),
        "{err:?}"
    );
    // The request's deadline bounds the handshake too, and names it.
    let client = Client::builder()
        .tls(ca.client_tls())
        .request_timeout(Duration::from_millis(300))
        .build();
    let err = EventLoop::new()
        .unwrap()
        .block_on(client.get(&url))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::HandshakeTimeout { after }) if *after == Duration::from_millis(300)),
        "{err:?}"
    );
    // The blocking client, within its deadline.
    let err = blocking::get_within(&url, Duration::from_millis(300)).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::HandshakeTimeout { .. })),
        "{err:?}"
    );
}

#[test]
fn a_fatal_alert_from_the_server() {
    // A server that speaks only h2: rustls refuses our `http/1.1` offer
    // with the `no_application_protocol` alert.
    let ca = Ca::new("our CA");
    let leaf = ca.leaf(&["127.0.0.1"]);
    let tls = leaf.server_tls().rustls_config();
    let mut only_h2 = (*tls).clone();
    only_h2.alpn_protocols = vec![b"h2".to_vec()];
    let server =
        EmbeddedServer::start_tls(loopback(), ServerTls::from_rustls(Arc::new(only_h2))).unwrap();
    let err = get(&ca, &format!("{}/carts/1", server.base_url())).unwrap_err();
    assert!(
        matches!(&err, Error::Tls(TlsError::Alert { alert }) if alert == "no_application_protocol"),
        "{err:?}"
    );
}
