//! Whom the client trusts, and what the server presents: [`ClientTls`] and
//! [`ServerTls`].
//!
//! ## Trust on the client
//!
//! [`ClientTls::system`] trusts the operating system's certificate store
//! (`/etc/ssl/certs` and friends, read by `rustls-native-certs`; the
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` variables point it elsewhere, as
//! they do OpenSSL), the same roots curl and Python use on this machine. A minimal container may have
//! no store at all; then Mozilla's root set bundled in `webpki-roots` is
//! used instead, so `https://` still works. [`ClientTls::with_cacert`]
//! trusts exactly the CA certificates of one PEM file instead (`--cacert
//! FILE`, as in curl): the way to reach a server with a private CA, a test
//! server among them. There is no switch that turns verification off.
//!
//! Both offer ALPN `http/1.1` and keep rustls's in-memory session cache, so
//! a second connection to the same server resumes instead of redoing the
//! full handshake.
//!
//! ## The process default
//!
//! The cart strategies fetch through `Client::new()` and
//! `http::blocking::get`, from threads, forked workers and tokio tasks. The
//! command line sets the trust once, at start ([`set_default_cacert`]), and
//! every `https://` connection that was not given a [`ClientTls`] of its own
//! uses [`default_client`]: the `--cacert` file if one was given, else the
//! system store (loaded on first use, then shared).
//!
//! Read next: `stream.rs`.

use super::error::TlsError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The ALPN protocol both sides offer.
const ALPN_HTTP11: &[u8] = b"http/1.1";

/// A client's TLS settings: the roots it trusts. Cheap to clone.
#[derive(Clone)]
pub struct ClientTls {
    config: Arc<rustls::ClientConfig>,
    roots: Roots,
}

/// Where a [`ClientTls`]'s trusted roots came from, and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Roots {
    /// The system's certificate store.
    System(usize),
    /// Mozilla's roots bundled in the binary (the system had none).
    Bundled(usize),
    /// A `--cacert` file (or PEM bytes).
    CaFile(usize),
    /// A rustls configuration made by hand ([`ClientTls::from_rustls`]).
    Custom,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("roots", &self.roots)
            .finish()
    }
}

impl ClientTls {
    /// Trusts the system's store, or the bundled Mozilla roots where the
    /// system has none.
    pub fn system() -> Result<ClientTls, TlsError> {
        let mut roots = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _unparsable) = roots.add_parsable_certificates(found.certs);
        let source = if added == 0 {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Roots::Bundled(roots.len())
        } else {
            Roots::System(added)
        };
        ClientTls::with_roots(roots, source)
    }

    /// Trusts exactly the CA certificates in the PEM file at `path`.
    pub fn with_cacert(path: &Path) -> Result<ClientTls, TlsError> {
        let shown = path.display();
        let pem = std::fs::read(path)
            .map_err(|e| TlsError::Config(format!("cannot read the CA file {shown}: {e}")))?;
        ClientTls::with_cacert_pem(&pem)
            .map_err(|e| TlsError::Config(format!("the CA file {shown}: {e}")))
    }

    /// Trusts exactly the CA certificates in these PEM bytes.
    pub fn with_cacert_pem(pem: &[u8]) -> Result<ClientTls, String> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("not a PEM certificate: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("not a usable CA certificate: {e}"))?;
        }
        if roots.is_empty() {
            return Err("holds no PEM certificate".into());
        }
        let source = Roots::CaFile(roots.len());
        ClientTls::with_roots(roots, source).map_err(|e| e.to_string())
    }

    /// Trusts these roots.
    fn with_roots(roots: RootCertStore, source: Roots) -> Result<ClientTls, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        Ok(ClientTls {
            config: Arc::new(config),
            roots: source,
        })
    }

    /// Where the trusted roots came from.
    pub fn roots(&self) -> Roots {
        self.roots
    }

    /// The rustls configuration (for a tokio-rustls connector, say).
    pub fn rustls_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.config)
    }

    /// Any rustls client configuration made by hand (a client certificate,
    /// other protocol versions, ...). Verification stays rustls's: there is
    /// no way through here to skip it that rustls itself does not offer.
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> ClientTls {
        ClientTls {
            config,
            roots: Roots::Custom,
        }
    }
}

/// What the process uses when nobody said otherwise (see "The process default").
static DEFAULT: Mutex<Option<ClientTls>> = Mutex::new(None);

/// Makes `--cacert FILE` the trust of every `https://` connection of this
/// process that was not given its own [`ClientTls`]; `None` goes back to
/// the system store.
pub fn set_default_cacert(path: Option<&Path>) -> Result<(), TlsError> {
    let tls = path.map(ClientTls::with_cacert).transpose()?;
    *DEFAULT.lock().unwrap_or_else(|p| p.into_inner()) = tls;
    Ok(())
}

/// The process default trust: the `--cacert` file, or the system store
/// (loaded once, on first use).
pub fn default_client() -> Result<ClientTls, TlsError> {
    let mut slot = DEFAULT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(tls) = slot.as_ref() {
        return Ok(tls.clone());
    }
    let tls = ClientTls::system()?;
    *slot = Some(tls.clone());
    Ok(tls)
}

/// A server's certificate chain and key. Cheap to clone.
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerTls")
    }
}

impl ServerTls {
    /// Loads the certificate chain (PEM, leaf first) and its private key
    /// (PEM: PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<ServerTls, TlsError> {
        let read = |path: &Path, what: &str| {
            std::fs::read(path).map_err(|e| {
                TlsError::Config(format!("cannot read the {what} {}: {e}", path.display()))
            })
        };
        ServerTls::from_pem(&read(cert, "certificate")?, &read(key, "key")?)
    }

    /// The same, from PEM bytes.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<ServerTls, TlsError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Config(format!("the certificate is not PEM: {e}")))?;
        if chain.is_empty() {
            return Err(TlsError::Config(
                "the certificate file holds no PEM certificate".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| TlsError::Config(format!("the key file holds no usable key: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                TlsError::Config(format!("the certificate and key do not go together: {e}"))
            })?;
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        Ok(ServerTls {
            config: Arc::new(config),
        })
    }

    /// The rustls configuration.
    pub fn rustls_config(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(&self.config)
    }

    /// Any rustls server configuration made by hand (client certificates,
    /// other ALPN protocols, ...).
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> ServerTls {
        ServerTls { config }
    }
}
