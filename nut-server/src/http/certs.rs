//! The HTTP side's TLS set-up and the certificate expiry figures: upsd's identity (the
//! certificate it presents, from CERTFILE or CERTPATH/CERTIDENT) and every CA it trusts
//! (CERTPATH), read once at startup with nut-certutil's own loaders.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use nut_certutil::certinfo::CertInfo;
use nut_certutil::tls::{ServerTlsSettings, TrustMaterial, build_server_tls};
use nut_core::config::UpsdConf;
use rustls_pki_types::CertificateDer;
use tokio_rustls::TlsAcceptor;

/// One certificate whose expiry `/metrics` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertExpiry {
    /// `identity` (upsd's own) or `ca` (trusted to issue certificates).
    pub role: &'static str,
    /// The subject, NSS style.
    pub subject: String,
    /// notAfter, seconds since the epoch.
    pub not_after: i64,
}

impl CertExpiry {
    /// Seconds from `now` to notAfter (negative once expired).
    pub fn seconds_left(&self, now: SystemTime) -> i64 {
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(_) => 0,
        };
        self.not_after.saturating_sub(now)
    }

    fn from_der(role: &'static str, der: &[u8]) -> Option<CertExpiry> {
        let info = CertInfo::parse(der).ok()?;
        Some(CertExpiry {
            role,
            subject: info.subject.clone(),
            not_after: info.not_after.unix_timestamp(),
        })
    }
}

/// What the HTTP listener needs from the certificate configuration.
#[derive(Default)]
pub struct HttpTls {
    /// The HTTPS acceptor (HTTP_TLS yes), with HTTP_CERTREQUEST's client verification.
    pub acceptor: Option<TlsAcceptor>,
    /// The certificates whose expiry is reported.
    pub certs: Vec<CertExpiry>,
}

impl std::fmt::Debug for HttpTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTls")
            .field("acceptor", &self.acceptor.is_some())
            .field("certs", &self.certs)
            .finish()
    }
}

/// Build the HTTPS acceptor and read the certificates (startup, after the privilege drop,
/// like the STARTTLS acceptor). Without a certificate configured there is neither.
pub fn load(conf: &UpsdConf) -> anyhow::Result<HttpTls> {
    if !conf.tls_configured() {
        return Ok(HttpTls::default());
    }
    let settings = ServerTlsSettings {
        certrequest: Some(conf.http.certrequest),
        ..ServerTlsSettings::from(conf)
    };
    let tls = build_server_tls(&settings).map_err(anyhow::Error::new).with_context(|| {
        format!(
            "TLS for the HTTP listener (HTTP_TLS / HTTP_CERTREQUEST in {}) cannot be initialised",
            conf.file.display()
        )
    })?;
    let mut certs: Vec<CertExpiry> = CertExpiry::from_der("identity", &tls.leaf)
        .into_iter()
        .collect();
    certs.extend(trusted_cas(conf));
    let acceptor = conf.http.tls.then(|| {
        let mut config = (*tls.config).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    });
    Ok(HttpTls { acceptor, certs })
}

/// The CAs of CERTPATH (trusted for server or client certificates), each once. A CERTPATH
/// that cannot be read gives none (the TLS set-up has already said why if it matters).
fn trusted_cas(conf: &UpsdConf) -> Vec<CertExpiry> {
    let Some(path) = &conf.certpath else {
        return Vec::new();
    };
    let password = conf
        .certident
        .as_ref()
        .filter(|_| conf.certfile.is_none())
        .map(|c| c.password.expose());
    let trust = match TrustMaterial::load_with_password(path, password) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(
                "cannot read the trusted CAs of {} for their expiry: {e}",
                path.display()
            );
            return Vec::new();
        }
    };
    let mut seen: Vec<&CertificateDer<'static>> = Vec::new();
    let mut out = Vec::new();
    for der in trust.server_anchors.iter().chain(&trust.client_anchors) {
        if seen.contains(&der) {
            continue;
        }
        seen.push(der);
        out.extend(CertExpiry::from_der("ca", der));
    }
    out
}
