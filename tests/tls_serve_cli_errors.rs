//! `homemade serve --tls-cert --tls-key` with files it cannot use: one line
//! naming the problem, exit 1, before anything is bound.

mod cli_support;
mod tls_support;

use std::process::Stdio;
use tls_support::{Ca, TempDir};

#[test]
fn unusable_certificate_or_key_files_are_one_line_and_exit_1() {
    let ca = Ca::new("serve CA");
    let (one, other) = (ca.leaf(&["127.0.0.1"]), ca.leaf(&["127.0.0.1"]));
    let dir = TempDir::new("tls-serve-cli");
    let cert = dir.write("cert.pem", &one.cert_pem);
    let key = dir.write("key.pem", &one.key_pem);
    let other_key = dir.write("other-key.pem", &other.key_pem);
    let junk = dir.write("junk.pem", "neither a certificate nor a key");
    let missing = dir.path().join("missing.pem");
    let cases = [
        (&missing, &key, "cannot read the certificate"),
        (&cert, &missing, "cannot read the key"),
        (&junk, &key, "holds no PEM certificate"),
        (&cert, &junk, "holds no usable key"),
        (&cert, &other_key, "do not go together"),
    ];
    for (cert, key, needle) in cases {
        let out = cli_support::run(
            cli_support::homemade(&["serve", "--port", "0", "--tls-cert"])
                .arg(cert)
                .arg("--tls-key")
                .arg(key)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        cli_support::one_error_line(&out, &["homemade serve: ", needle]);
        assert!(out.stdout.is_empty(), "no banner: nothing was served");
    }
}
