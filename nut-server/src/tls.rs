//! STARTTLS configuration: the rustls server config built by `nut_certutil::tls` from
//! upsd.conf's CERTPATH + CERTIDENT (our store) or CERTFILE (PEM), with the CERTREQUEST
//! level, at startup and again at each reload. The private key is decrypted there, once per
//! load, never per handshake. A configuration that fails to load stops upsd at startup and
//! refuses the reload later (the previous one stays): it never falls back to plaintext.

use std::sync::Arc;

use anyhow::Context;
use nut_core::config::UpsdConf;
use tokio_rustls::TlsAcceptor;

use crate::cert_expiry::CertExpiry;

/// A loaded TLS setup: the acceptor and the certificates it depends on.
pub struct LoadedTls {
    /// The acceptor for STARTTLS.
    pub acceptor: TlsAcceptor,
    /// Expiry watch of its certificates (checked at load, then daily).
    pub expiry: Arc<CertExpiry>,
}

impl std::fmt::Debug for LoadedTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedTls")
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

/// Build the acceptor, or `None` when upsd.conf configures no TLS (then STARTTLS answers
/// `ERR FEATURE-NOT-CONFIGURED`). An expired identity is refused unless `ALLOW_EXPIRED_CERT`;
/// certificates expiring within `CERTEXPIRYWARN` days are logged.
pub fn acceptor_from(conf: &UpsdConf) -> anyhow::Result<Option<LoadedTls>> {
    if !conf.tls_configured() {
        return Ok(None);
    }
    if let Some(dir) = &conf.certpath {
        if dir.is_dir() && conf.certfile.is_none() {
            crate::privileges::check_store_dir(dir)?;
        }
    }
    if conf
        .certident
        .as_ref()
        .is_some_and(|c| !c.password.is_empty())
    {
        crate::privileges::check_conf_with_secret(&conf.file)?;
    }
    if let Some(file) = &conf.certfile {
        crate::privileges::warn_key_file(file);
    }
    // One store visit: the CERTREQUEST level, the identity and the trust come from it.
    let tls = nut_certutil::tls::build_server_tls(&conf.into())
        .map_err(anyhow::Error::new)
        .with_context(|| {
            format!(
                "TLS is configured in {} but cannot be initialised",
                conf.file.display()
            )
        })?;
    tracing::info!(
        "TLS enabled ({}), client certificates: {}",
        match (&conf.certfile, &conf.certident) {
            (Some(f), _) => format!("CERTFILE {}", f.display()),
            (None, Some(id)) => format!("certificate '{}' from store", id.name),
            (None, None) => "store".to_string(),
        },
        tls.certrequest
    );
    let expiry = Arc::new(CertExpiry::check_new(conf, tls.watched)?);
    Ok(Some(LoadedTls {
        acceptor: TlsAcceptor::from(tls.config),
        expiry,
    }))
}

/// The subject of the client certificate verified in this session, if one was presented.
pub fn peer_subject(conn: &rustls::ServerConnection) -> Option<String> {
    nut_certutil::tls::peer_subject(conn)
}
