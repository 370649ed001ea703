//! `homemade carts --url https://127.0.0.1:PORT --cacert CA.pem` end to end:
//! all eight strategies fetch over TLS (our reactor's sessions, the blocking
//! client's, tokio-rustls in the `tokio+rayon` row) and every one of them
//! reports the data's grand total: 17130.47 for carts 1..5, 3834278.63 for
//! all 208. The HTTPS server runs in this process, with a CA made now.

mod cli_support;
mod tls_support;

use cli_support::{homemade, run};
use std::process::{Command, Output, Stdio};
use tls_support::{https_server, Ca, TempDir};

/// Runs the command, bounded in time, with its output captured.
fn piped(mut cmd: Command) -> Output {
    run(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()))
}

/// Runs `carts --json` over HTTPS and checks every row's total.
fn every_row_totals(selection: &[&str], expected_cents: i64) {
    let ca = Ca::new("homemade test CA");
    let server = https_server(&ca);
    let dir = TempDir::new("tls-carts");
    let cacert = dir.write("ca.pem", &ca.pem);
    let url = server.base_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let mut args = vec!["carts", "--url", &url, "--cacert"];
    let cacert = cacert.to_str().unwrap();
    args.push(cacert);
    args.extend_from_slice(selection);
    args.extend_from_slice(&["--unit-ms", "0.01", "--json"]);
    let out = piped(homemade(&args));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["expected_cents"].as_i64(), Some(expected_cents));
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let peers = cfg!(feature = "peers");
    for row in rows
        .iter()
        .filter(|r| peers || r["strategy"] != "tokio+rayon")
    {
        let name = &row["strategy"];
        assert_eq!(row["available"], true, "{name}");
        assert_eq!(
            row["row"]["total_cents"].as_i64(),
            Some(expected_cents),
            "{name}"
        );
        assert_eq!(row["row"]["correct"], true, "{name}");
    }
    // Every request went over TLS, and no handshake failed.
    assert!(server.stats().requests_served() > 0);
    assert_eq!(server.stats().tls_handshake_failures(), 0);
}

#[test]
fn every_strategy_totals_carts_1_to_5_over_https() {
    every_row_totals(&["--carts", "1-5"], 1_713_047);
}

#[test]
fn every_strategy_totals_all_208_carts_over_https() {
    every_row_totals(&["--all"], 383_427_863);
}

#[test]
fn without_the_ca_the_run_stops_at_the_first_cart_with_one_line() {
    let ca = Ca::new("homemade test CA");
    let server = https_server(&ca);
    let url = server.base_url();
    let out = piped(homemade(&["carts", "--url", &url, "--carts", "1-2"]));
    cli_support::one_error_line(&out, &["unknown certificate authority", "--cacert"]);
}
