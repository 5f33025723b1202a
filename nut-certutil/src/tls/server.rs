//! upsd's `ServerConfig`, from one visit to the store or NSS database (opened once, key
//! derived once).

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;

use super::expiry::WatchedCert;
use super::identity::{self, Identity};
use super::store_visit::StoreVisit;
use super::verifier::DistrustingClientVerifier;
use super::{CertRequest, ServerTlsSettings, TlsError, TrustMaterial, VERSIONS, provider};
use crate::policy::Role;
use crate::store::Store;

/// upsd's TLS: the rustls config and the CERTREQUEST level it applies.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The rustls config.
    pub config: Arc<ServerConfig>,
    /// The effective CERTREQUEST: upsd.conf's when it sets one, else a store CERTPATH's
    /// policy, else NO.
    pub certrequest: CertRequest,
    /// What this setup depends on, for expiry warnings: the chain it presents, then the CAs
    /// it trusts for client certificates (when CERTREQUEST asks for them).
    pub watched: Vec<WatchedCert>,
    /// The certificate upsd presents (end entity), for its expiry in upsd's metrics.
    pub leaf: rustls_pki_types::CertificateDer<'static>,
}

/// Build upsd's TLS config (see [`build_server_tls`]).
pub fn build_server_config(s: &ServerTlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    Ok(build_server_tls(s)?.config)
}

/// Build upsd's TLS config and level. A store CERTPATH is opened once and its key derived at
/// most once; the private key is decrypted here, once.
///
/// Without a CERTIDENT name, a store CERTPATH's policy names the certificate (`nut-certutil
/// policy set certident upsd NICK`); a directive in upsd.conf always wins over the store.
pub fn build_server_tls(s: &ServerTlsSettings) -> Result<ServerTls, TlsError> {
    let name = s
        .certident
        .as_ref()
        .map(|c| c.name.as_str())
        .filter(|n| !n.is_empty());
    // CERTIDENT's password opens the store CERTPATH names (not a CERTFILE's CA store).
    let password = s
        .certident
        .as_ref()
        .map(|c| &c.password)
        .filter(|_| s.certfile.is_none());
    let visit = StoreVisit::open(s.certpath.as_deref(), password, name)?;
    // The store's whole chain (up to the root the clients trust) is watched for expiry.
    let mut full_chain = Vec::new();
    let identity: Identity = match (&s.certfile, &s.certpath, &visit) {
        (Some(file), _, _) => identity::from_certfile(file, name)?,
        (None, Some(_), Some(v)) => {
            let name = match name {
                Some(n) => n,
                None => v
                    .policy
                    .certident
                    .get(&Role::Upsd)
                    .map(String::as_str)
                    .ok_or_else(|| TlsError::NoCertIdent(v.dir().to_path_buf()))?,
            };
            full_chain = v.full_chain(name);
            v.identity(name)?
        }
        (None, Some(dir), None) => return Err(Store::missing(dir).into()),
        (None, None, _) => return Err(TlsError::NoCertificate),
    };
    let certrequest = s
        .certrequest
        .or(visit.as_ref().and_then(|v| v.policy.certrequest))
        .unwrap_or_default();
    let provider = provider();
    let presented: Vec<&[u8]> = identity.chain.iter().map(|c| c.as_ref()).collect();
    let chain: Vec<&[u8]> = if full_chain.is_empty() {
        presented
    } else {
        full_chain.iter().map(Vec::as_slice).collect()
    };
    let mut watched: Vec<WatchedCert> = chain
        .iter()
        .enumerate()
        .filter_map(|(i, c)| WatchedCert::of(c, i == 0))
        .collect();
    let verifier: Arc<dyn ClientCertVerifier> = match certrequest {
        CertRequest::No => WebPkiClientVerifier::no_client_auth(),
        level => {
            let path = s.certpath.clone().ok_or(TlsError::NoCertPath)?;
            let trust = match &visit {
                Some(v) => v.trust()?,
                None => TrustMaterial::load(&path)?,
            };
            if trust.client_anchors.is_empty() {
                return Err(TlsError::NoClientCas { level, path });
            }
            watched.extend(
                trust
                    .client_anchors
                    .iter()
                    .filter_map(|c| WatchedCert::of(c.as_ref(), false)),
            );
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
    let leaf = identity
        .chain
        .first()
        .cloned()
        .ok_or(TlsError::NoCertificate)?;
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(identity.certified()?);
    Ok(ServerTls {
        config: Arc::new(config),
        certrequest,
        watched,
        leaf,
    })
}
