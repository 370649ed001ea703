//! Whom the client trusts without `--cacert`: the system's store, and the
//! bundled Mozilla roots when the store is empty. The store is pointed at
//! with `SSL_CERT_FILE` / `SSL_CERT_DIR` (read by rustls-native-certs, as
//! by OpenSSL), in a child `homemade fetch` for the end-to-end case and in
//! this process (one test, set before any thread reads them) for the roots.

mod cli_support;
mod tls_support;

use homemade::http::tls::{ClientTls, Roots};
use std::process::Stdio;
use tls_support::{https_server, Ca, TempDir};

#[test]
fn the_system_store_is_trusted_and_an_empty_one_falls_back_to_the_bundled_roots() {
    let ca = Ca::new("system store CA");
    let server = https_server(&ca);
    let dir = TempDir::new("tls-trust");
    let store = dir.write("store.pem", &ca.pem);
    let empty_dir = dir.path().join("empty");
    std::fs::create_dir_all(&empty_dir).unwrap();

    // A "system store" holding our CA: fetch trusts it with no --cacert.
    let url = format!("{}/carts/1", server.base_url());
    let out = cli_support::run(
        cli_support::homemade(&["fetch", &url])
            .env("SSL_CERT_FILE", &store)
            .env("SSL_CERT_DIR", &empty_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(r#"{"id":1,"#));

    // The same store in this process: one root, from the system.
    std::env::set_var("SSL_CERT_FILE", &store);
    std::env::set_var("SSL_CERT_DIR", &empty_dir);
    assert_eq!(ClientTls::system().unwrap().roots(), Roots::System(1));

    // An empty store: the bundled roots (well over a hundred), which do not
    // include our test CA.
    std::env::set_var("SSL_CERT_FILE", dir.path().join("missing.pem"));
    let bundled = ClientTls::system().unwrap();
    assert!(
        matches!(bundled.roots(), Roots::Bundled(n) if n > 100),
        "{:?}",
        bundled.roots()
    );
    let out = cli_support::run(
        cli_support::homemade(&["fetch", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    cli_support::one_error_line(&out, &["unknown certificate authority"]);
}
