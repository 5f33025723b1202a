//! upsd's `ServerConfig`.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;

use super::identity::{self, Identity};
use super::verifier::DistrustingClientVerifier;
use super::{CertRequest, ServerTlsSettings, TlsError, TrustMaterial, VERSIONS, provider};
use crate::policy::Role;
use crate::store::Store;

/// The CERTREQUEST level: upsd.conf's when it sets one, else a store CERTPATH's policy, else NO.
pub fn effective_certrequest(s: &ServerTlsSettings) -> Result<CertRequest, TlsError> {
    match &s.certpath {
        Some(dir) if s.certrequest_is_default && Store::exists(dir) => {
            Ok(Store::open_read_only(dir)?
                .policy()?
                .certrequest
                .unwrap_or(s.certrequest))
        }
        _ => Ok(s.certrequest),
    }
}

/// Build upsd's TLS config. The private key is decrypted here, once.
///
/// Without a CERTIDENT name, a store CERTPATH's policy names the certificate (`nut-certutil
/// policy set certident upsd NICK`).
pub fn build_server_config(s: &ServerTlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    let Identity { chain, key } = match (&s.certfile, &s.certpath) {
        (Some(file), _) => identity::from_certfile(file, s.certident_name.as_deref())?,
        (None, Some(dir)) => {
            if !Store::exists(dir) {
                return Err(Store::missing(dir).into());
            }
            // upsd.conf's CERTIDENT wins; else the store's policy for upsd.
            let name = match s.certident_name.as_deref().filter(|n| !n.is_empty()) {
                Some(n) => n.to_string(),
                None => Store::open_read_only(dir)?
                    .policy()?
                    .certident
                    .get(&Role::Upsd)
                    .cloned()
                    .ok_or_else(|| TlsError::NoCertIdent(dir.clone()))?,
            };
            identity::from_store(dir, &name, s.certident_password.as_deref().unwrap_or(""))?
        }
        (None, None) => return Err(TlsError::NoCertificate),
    };
    let provider = provider();
    let verifier: Arc<dyn ClientCertVerifier> = match effective_certrequest(s)? {
        CertRequest::No => WebPkiClientVerifier::no_client_auth(),
        level => {
            let path = s.certpath.clone().ok_or(TlsError::NoCertPath)?;
            // CERTIDENT's password opens the store CERTPATH names: its trust is then checked.
            let password = s
                .certident_password
                .as_deref()
                .filter(|_| s.certfile.is_none());
            let trust = TrustMaterial::load_with_password(&path, password)?;
            if trust.client_anchors.is_empty() {
                return Err(TlsError::NoClientCas { level, path });
            }
            let builder = WebPkiClientVerifier::builder_with_provider(
                Arc::new(trust.client_roots()),
                provider.clone(),
            );
            let builder = if level == CertRequest::Request {
                builder.allow_unauthenticated()
            } else {
                builder
            };
            let inner = builder.build().map_err(|e| TlsError::BadCertificate {
                nickname: path.display().to_string(),
                reason: e.to_string(),
            })?;
            Arc::new(DistrustingClientVerifier::new(
                inner,
                trust,
                provider.clone(),
            ))
        }
    };
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}
