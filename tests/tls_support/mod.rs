//! Shared helper of the `tls_*` tests: a certificate authority and server
//! certificates made at test time with rcgen (nothing secret is committed),
//! written to a temporary folder for the command-line tests, and the cart
//! server over HTTPS.
#![allow(dead_code)]

use homemade::carts::routes::EmbeddedServer;
use homemade::http::tls::{ClientTls, ServerTls};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::path::{Path, PathBuf};

/// A test CA: its certificate (PEM) and what it takes to sign with it.
pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A server certificate and its key, both PEM.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Ca {
    /// A fresh CA named `name`.
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("a CA certificate");
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for these names (DNS names or IP literals), valid now.
    pub fn leaf(&self, names: &[&str]) -> Leaf {
        self.leaf_with(names, |_| {})
    }

    /// A certificate for `localhost` and `127.0.0.1` that expired in 2001.
    pub fn expired_leaf(&self) -> Leaf {
        self.leaf_with(&["localhost", "127.0.0.1"], |p| {
            p.not_before = rcgen::date_time_ymd(2000, 1, 1);
            p.not_after = rcgen::date_time_ymd(2001, 1, 1);
        })
    }

    fn leaf_with(&self, names: &[&str], edit: impl FnOnce(&mut CertificateParams)) -> Leaf {
        let key = KeyPair::generate().expect("a key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "homemade test server");
        edit(&mut params);
        let cert = params.signed_by(&key, &self.issuer).expect("a leaf");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A client that trusts this CA only.
    pub fn client_tls(&self) -> ClientTls {
        ClientTls::with_cacert_pem(self.pem.as_bytes()).expect("the CA is usable")
    }
}

impl Leaf {
    /// The server side of this certificate.
    pub fn server_tls(&self) -> ServerTls {
        ServerTls::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
            .expect("the certificate and key go together")
    }
}

/// The cart server over HTTPS with a certificate for `localhost` and
/// `127.0.0.1` signed by `ca`.
pub fn https_server(ca: &Ca) -> EmbeddedServer {
    let leaf = ca.leaf(&["localhost", "127.0.0.1"]);
    EmbeddedServer::start_tls("127.0.0.1:0".parse().unwrap(), leaf.server_tls())
        .expect("the HTTPS cart server starts")
}

/// A temporary folder, removed with everything in it when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "homemade-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        TempDir(dir)
    }

    /// Writes `contents` to `name` inside the folder and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("a temporary file");
        path
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
