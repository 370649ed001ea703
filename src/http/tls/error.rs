//! [`TlsError`]: what went wrong in a TLS handshake or session, named so
//! that a user knows what to do next.
//!
//! rustls reports precise but low-level errors (`InvalidCertificate(
//! UnknownIssuer)`, `InvalidMessage(InvalidContentType)`, ...). The
//! [`classify`] function turns them into the handful of cases a person
//! meets in practice, each with one line that says what to try: give the
//! private CA with `--cacert`, use the host name the certificate was made
//! for, renew the certificate, use `http://` for a plain server, and so on.
//!
//! The errors travel inside an `io::Error` (`io::Error::other(TlsError)`)
//! through the socket-shaped APIs of `stream.rs` and `blocking.rs`, and the
//! conversion `From<io::Error> for http::Error` unwraps them again into
//! [`Error::Tls`](crate::http::Error::Tls), so every `?` in the clients keeps
//! the name.
//!
//! Read next: `stream.rs`.

use std::fmt;
use std::time::Duration;

/// A TLS failure, as the user should hear about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsError {
    /// The server's certificate chain ends at a CA we do not trust.
    UnknownIssuer {
        /// The name we connected to.
        server: String,
    },
    /// The certificate is valid, but for other names than the one we asked for.
    NameMismatch {
        /// The name we connected to.
        server: String,
        /// The names the certificate is for, as rustls reports them.
        detail: String,
    },
    /// The certificate's validity period is over.
    Expired {
        /// The name we connected to.
        server: String,
    },
    /// Any other problem with the certificate (not yet valid, wrong usage, ...).
    BadCertificate {
        /// The name we connected to.
        server: String,
        /// What rustls said.
        detail: String,
    },
    /// The peer answered the TLS handshake with something that is not TLS:
    /// typically a plain HTTP server reached with an `https://` URL.
    NotTls {
        /// The first bytes the peer sent, printable.
        first_bytes: String,
    },
    /// A plain `http://` request was answered with a TLS record: the server
    /// speaks HTTPS on this port.
    ServerSpeaksTls,
    /// The peer closed the connection in the middle of the handshake.
    ClosedDuringHandshake,
    /// The handshake did not complete within the connect timeout.
    HandshakeTimeout {
        /// The limit it ran under.
        after: Duration,
    },
    /// The peer ended the handshake or the session with a fatal alert.
    Alert {
        /// The alert's name (`handshake_failure`, `unknown_ca`, ...).
        alert: String,
    },
    /// The peer closed the connection without `close_notify` in the middle
    /// of a body that ends at close: the body may be cut short (an attacker
    /// can close a TCP connection, but cannot forge `close_notify`).
    Truncated,
    /// A certificate, key or CA file could not be used.
    Config(String),
    /// Any other TLS protocol error.
    Protocol(String),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TlsError::*;
        match self {
            UnknownIssuer { server } => write!(
                f,
                "TLS: the certificate of {server} is signed by an unknown certificate authority (for a private CA, pass its certificate with --cacert FILE)"
            ),
            NameMismatch { server, detail } => write!(
                f,
                "TLS: the certificate is not valid for {server:?} ({detail}); use a name the certificate was issued for"
            ),
            Expired { server } => write!(
                f,
                "TLS: the certificate of {server} has expired (renew it, or check this machine's clock)"
            ),
            BadCertificate { server, detail } => {
                write!(f, "TLS: the certificate of {server} was refused: {detail}")
            }
            NotTls { first_bytes } if first_bytes.is_empty() => write!(
                f,
                "TLS: the server did not answer in TLS: is it a plain HTTP server? try http://"
            ),
            NotTls { first_bytes } => write!(
                f,
                "TLS: the server did not answer in TLS (it sent {first_bytes:?}): is it a plain HTTP server? try http://"
            ),
            ServerSpeaksTls => write!(
                f,
                "the server answered in TLS: this port speaks HTTPS, use an https:// URL"
            ),
            ClosedDuringHandshake => write!(
                f,
                "TLS: the server closed the connection during the handshake (is it an HTTPS server?)"
            ),
            HandshakeTimeout { after } => {
                write!(f, "TLS: the handshake did not complete within {after:?}")
            }
            Alert { alert } => write!(f, "TLS: the peer ended the handshake with the alert {alert}"),
            Truncated => write!(
                f,
                "TLS: the server closed the connection without close_notify before the end of a body that ends at close (it may be truncated)"
            ),
            Config(why) => write!(f, "TLS setup: {why}"),
            Protocol(why) => write!(f, "TLS protocol error: {why}"),
        }
    }
}

impl std::error::Error for TlsError {}

impl From<TlsError> for std::io::Error {
    fn from(e: TlsError) -> Self {
        std::io::Error::other(e)
    }
}

/// True for the first byte of a TLS record (change_cipher_spec, alert,
/// handshake, application_data).
pub(crate) fn is_tls_record_start(byte: u8) -> bool {
    (0x14..=0x17).contains(&byte)
}

/// Names a rustls error. `server` is the name we connected to (empty on
/// the server side); `first_bytes` what the peer sent first, to recognise a
/// peer that does not speak TLS at all.
pub(crate) fn classify(error: rustls::Error, server: &str, first_bytes: &[u8]) -> TlsError {
    use rustls::CertificateError as C;
    let server = server.to_string();
    if first_bytes
        .first()
        .is_some_and(|&b| !is_tls_record_start(b))
    {
        return TlsError::NotTls {
            first_bytes: String::from_utf8_lossy(first_bytes).into_owned(),
        };
    }
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => TlsError::UnknownIssuer { server },
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsError::NameMismatch {
                server,
                detail: format!("{cert:?}"),
            },
            C::Expired | C::ExpiredContext { .. } => TlsError::Expired { server },
            other => TlsError::BadCertificate {
                server,
                detail: format!("{other:?}"),
            },
        },
        rustls::Error::AlertReceived(alert) => TlsError::Alert {
            alert: alert_name(alert),
        },
        other => TlsError::Protocol(other.to_string()),
    }
}

/// Names the error of a TLS stack that reports rustls errors inside an
/// `io::Error` (tokio-rustls, in the cart workload's tokio row); other I/O
/// errors stay what they were.
#[cfg_attr(not(feature = "peers"), allow(dead_code))]
pub(crate) fn name_io_error(e: std::io::Error, server: &str) -> crate::http::Error {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match tls {
        // No sniffed bytes here: a record that is not TLS is named by rustls.
        Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => {
            crate::http::Error::Tls(TlsError::NotTls {
                first_bytes: String::new(),
            })
        }
        Some(error) => crate::http::Error::Tls(classify(error, server, &[])),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            crate::http::Error::Tls(TlsError::ClosedDuringHandshake)
        }
        None => e.into(),
    }
}

/// `BadCertificate` as `bad_certificate`, the spelling of RFC 8446.
fn alert_name(alert: rustls::AlertDescription) -> String {
    let debug = format!("{alert:?}");
    let mut name = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_common_failures() {
        let e = classify(
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            "example.test",
            &[0x16, 0x03],
        );
        assert_eq!(
            e,
            TlsError::UnknownIssuer {
                server: "example.test".into()
            }
        );
        let e = classify(
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            "h",
            b"HTTP/1.1 400 Bad",
        );
        assert!(
            matches!(e, TlsError::NotTls { first_bytes } if first_bytes.starts_with("HTTP/1.1"))
        );
        let e = classify(
            rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
            "h",
            &[0x15],
        );
        assert_eq!(
            e,
            TlsError::Alert {
                alert: "handshake_failure".into()
            }
        );
    }
}
