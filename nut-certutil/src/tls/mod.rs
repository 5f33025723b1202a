//! The rustls configs upsd and the clients use, built from a store or an NSS database (NSS
//! style: CERTPATH + CERTIDENT) or from PEM files (OpenSSL style: CERTFILE, CERTPATH as CA directory or bundle).
//!
//! - [`build_server_config`]: upsd. TLS 1.2+, the CERTIDENT chain and key (decrypted once,
//!   here), and a client verifier per CERTREQUEST (NO: none; REQUEST: optional, verified when
//!   sent; REQUIRE: mandatory), anchored on CAs trusted with `T`.
//! - [`build_client_config`]: one server host. Anchors are CAs trusted with `C` plus peers
//!   trusted with `P`; `p` distrusts; CERTHOST pins the name; certverify 0 encrypts only.
//!
//! Every config uses the ring provider only.

mod client;
mod distrust;
pub mod expiry;
mod identity;
pub mod names;
mod nss_db;
mod path;
mod revocation;
mod server;
mod settings;
mod store_visit;
#[cfg(test)]
mod tests;
mod trust_material;
mod verifier;

use std::path::PathBuf;
use std::sync::Arc;

pub use client::{ClientTls, ClientTlsPolicy, build_client_config};
pub use distrust::CertIdentities;
pub use nut_core::config::{CertHostRule, CertIdent, CertRequest};
pub use revocation::Revocations;
pub use server::{ServerTls, build_server_config, build_server_tls};
pub use settings::{ClientTlsSettings, ServerTlsSettings};
pub use trust_material::{CertPathKind, TrustMaterial};
pub use verifier::{
    NutServerCertVerifier, Usage, VerifyFailure, handshake_error_text, plain_error,
    validate_certificate,
};

use crate::store::StoreError;

/// A TLS setup that cannot be built. Messages name the file, nickname or certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The store failed (not found, wrong password, no such nickname, ...).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An NSS database CERTPATH could not be read (wrong password, damaged, legacy format).
    #[error("NSS database {path}: {source}")]
    Nss {
        /// The CERTPATH.
        path: PathBuf,
        /// What went wrong.
        source: crate::nssdb::NssError,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Neither CERTFILE nor CERTPATH + CERTIDENT.
    #[error(
        "no server certificate configured: set CERTFILE (PEM), or CERTPATH (certificate database) with CERTIDENT"
    )]
    NoCertificate,
    /// CERTPATH is a store but no CERTIDENT nickname was given.
    #[error(
        "the SSL certificate name is not specified: CERTIDENT is required with a certificate database ({0})"
    )]
    NoCertIdent(PathBuf),
    /// Verification asked for without CERTPATH.
    #[error("cannot verify certificates: no CERTPATH was given")]
    NoCertPath,
    /// A CERTFILE that cannot be used.
    #[error("{path}: {reason}")]
    CertFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// CERTIDENT name does not match the CERTFILE certificate.
    #[error("certificate subject ({subject}) does not match CERTIDENT name ({name})")]
    CertIdentMismatch {
        /// The certificate subject.
        subject: String,
        /// The CERTIDENT name.
        name: String,
    },
    /// CERTREQUEST needs client CA anchors.
    #[error("CERTREQUEST {level} needs a CA trusted for client certificates (flag T) in {path}")]
    NoClientCas {
        /// The level.
        level: CertRequest,
        /// The CERTPATH.
        path: PathBuf,
    },
    /// CERTPATH holds no certificate.
    #[error("{0}: no CA certificates found")]
    NoCertificatesIn(PathBuf),
    /// The host is not a usable server name.
    #[error("'{0}' is not a valid host name or IP address")]
    BadHost(String),
    /// A certificate in the configuration is unusable.
    #[error("certificate \"{nickname}\": {reason}")]
    BadCertificate {
        /// Nickname or file.
        nickname: String,
        /// What is wrong.
        reason: String,
    },
}

/// The ring provider every config is built with.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS 1.3 and 1.2 (never older).
pub(crate) static VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The subject of the peer's (verified) end-entity certificate, for logs.
pub fn peer_subject(conn: &rustls::CommonState) -> Option<String> {
    let der = conn.peer_certificates()?.first()?;
    crate::certinfo::CertInfo::parse(der.as_ref())
        .ok()
        .map(|i| i.subject)
}
