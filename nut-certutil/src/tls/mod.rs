//! The rustls configs upsd and the clients use, built from a store (NSS style: CERTPATH +
//! CERTIDENT) or from PEM files (OpenSSL style: CERTFILE, CERTPATH as CA directory or bundle).
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
mod identity;
pub mod names;
mod path;
mod server;
#[cfg(test)]
mod tests;
mod trust_material;
mod verifier;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use client::{ClientTlsPolicy, build_client_config};
pub use distrust::CertIdentities;
pub use nut_core::config::{CertHostRule, CertRequest};
pub use server::{build_server_config, effective_certrequest};
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

/// upsd's TLS settings (from upsd.conf, or the store policy).
#[derive(Clone, Default)]
pub struct ServerTlsSettings {
    /// CERTPATH: a store (NSS style) or, with CERTFILE, CAs for client verification.
    pub certpath: Option<PathBuf>,
    /// CERTIDENT name: the nickname in the store, or the name the CERTFILE certificate must match.
    pub certident_name: Option<String>,
    /// CERTIDENT password: the store password (never logged).
    pub certident_password: Option<String>,
    /// CERTFILE: PEM with the certificate chain, then the private key.
    pub certfile: Option<PathBuf>,
    /// CERTREQUEST.
    pub certrequest: CertRequest,
    /// True when `certrequest` is only the default (upsd.conf does not set it): a store
    /// CERTPATH's policy then decides the level. Directives in the config file win.
    pub certrequest_is_default: bool,
}

impl fmt::Debug for ServerTlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTlsSettings")
            .field("certpath", &self.certpath)
            .field("certident_name", &self.certident_name)
            .field(
                "certident_password",
                &self.certident_password.as_ref().map(|_| "<redacted>"),
            )
            .field("certfile", &self.certfile)
            .field("certrequest", &self.certrequest)
            .field("certrequest_is_default", &self.certrequest_is_default)
            .finish()
    }
}

/// A client's TLS settings (from upsmon.conf or the store policy).
#[derive(Clone, Default)]
pub struct ClientTlsSettings {
    /// CERTPATH: a store, a directory of PEM CA files, or a PEM bundle.
    pub certpath: Option<PathBuf>,
    /// CERTIDENT name: nickname of the client certificate in the store (or CERTFILE name).
    pub certident_name: Option<String>,
    /// CERTIDENT password (never logged).
    pub certident_password: Option<String>,
    /// CERTFILE: client certificate chain then key, PEM.
    pub certfile: Option<PathBuf>,
    /// CERTHOST rows (first match for host and port wins).
    pub certhosts: Vec<CertHostRule>,
    /// Default CERTVERIFY.
    pub certverify: bool,
    /// Default FORCESSL.
    pub forcessl: bool,
    /// True when `certverify` is only the default (the config does not set CERTVERIFY): a
    /// store CERTPATH's policy then decides it. Directives in the config file win.
    pub certverify_is_default: bool,
    /// True when `forcessl` is only the default (the config does not set FORCESSL).
    pub forcessl_is_default: bool,
}

impl ClientTlsSettings {
    /// Settings from no configuration at all: CERTVERIFY and FORCESSL are only defaults, which
    /// a store CERTPATH's policy may decide.
    pub fn unconfigured() -> ClientTlsSettings {
        ClientTlsSettings {
            certverify_is_default: true,
            forcessl_is_default: true,
            ..ClientTlsSettings::default()
        }
    }
}

impl fmt::Debug for ClientTlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTlsSettings")
            .field("certpath", &self.certpath)
            .field("certident_name", &self.certident_name)
            .field(
                "certident_password",
                &self.certident_password.as_ref().map(|_| "<redacted>"),
            )
            .field("certfile", &self.certfile)
            .field("certhosts", &self.certhosts)
            .field("certverify", &self.certverify)
            .field("forcessl", &self.forcessl)
            .field("certverify_is_default", &self.certverify_is_default)
            .field("forcessl_is_default", &self.forcessl_is_default)
            .finish()
    }
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
