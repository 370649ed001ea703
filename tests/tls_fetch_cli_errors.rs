//! `homemade fetch` over HTTPS when something is wrong: one line on stderr
//! that says what to do, exit 1, never a panic or a hang. Each TLS failure
//! of `tls_errors_by_name.rs` once more, through the binary, plus a bad
//! `--cacert` file and the handshake deadline taken from `--timeout`.

mod cli_support;
mod tls_support;

use homemade::carts::routes::EmbeddedServer;
use homemade::http::tls::ServerTls;
use std::process::{Output, Stdio};
use std::sync::Arc;
use tls_support::{https_server, Ca, TempDir};

fn fetch(args: &[&str]) -> Output {
    let mut all = vec!["fetch"];
    all.extend_from_slice(args);
    cli_support::run(
        cli_support::homemade(&all)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
}

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn every_tls_failure_is_one_line_and_exit_1() {
    let ca = Ca::new("cli CA");
    let dir = TempDir::new("tls-fetch-cli");
    let cacert = dir.write("ca.pem", &ca.pem);
    let cacert = cacert.to_str().unwrap();
    let good = https_server(&ca);
    let wrong_name =
        EmbeddedServer::start_tls(loopback(), ca.leaf(&["other.example"]).server_tls()).unwrap();
    let expired = EmbeddedServer::start_tls(loopback(), ca.expired_leaf().server_tls()).unwrap();
    let plain = EmbeddedServer::start(loopback()).unwrap();
    let mut only_h2 = (*ca.leaf(&["127.0.0.1"]).server_tls().rustls_config()).clone();
    only_h2.alpn_protocols = vec![b"h2".to_vec()];
    let h2 =
        EmbeddedServer::start_tls(loopback(), ServerTls::from_rustls(Arc::new(only_h2))).unwrap();
    let silent = std::net::TcpListener::bind(loopback()).unwrap();

    let https = |server: &EmbeddedServer| format!("https://{}/carts/1", server.addr());
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec![https(&good)],
            vec!["unknown certificate authority", "--cacert"],
        ),
        (
            vec!["--cacert".into(), cacert.into(), https(&wrong_name)],
            vec!["not valid for \"127.0.0.1\""],
        ),
        (
            vec!["--cacert".into(), cacert.into(), https(&expired)],
            vec!["has expired"],
        ),
        (
            vec!["--cacert".into(), cacert.into(), https(&plain)],
            vec!["did not answer in TLS", "http://"],
        ),
        (
            vec![format!("http://{}/carts/1", good.addr())],
            vec!["answered in TLS", "https://"],
        ),
        (
            vec!["--cacert".into(), cacert.into(), https(&h2)],
            vec!["alert no_application_protocol"],
        ),
        (
            vec![
                "--timeout".into(),
                "0.5".into(),
                format!("https://{}/carts/1", silent.local_addr().unwrap()),
            ],
            vec!["handshake did not complete within 500ms"],
        ),
        (
            vec![
                "--cacert".into(),
                "/nonexistent/ca.pem".into(),
                https(&good),
            ],
            vec!["--cacert", "cannot read the CA file"],
        ),
        (
            vec![
                "--cacert".into(),
                dir.write("junk.pem", "not a certificate")
                    .to_str()
                    .unwrap()
                    .into(),
                https(&good),
            ],
            vec!["--cacert", "holds no PEM certificate"],
        ),
    ];
    for (args, needles) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = fetch(&args);
        cli_support::one_error_line(&out, &needles);
    }
    // The good case, for contrast.
    let out = fetch(&["--cacert", cacert, &https(&good)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(r#"{"id":1,"#));
}
