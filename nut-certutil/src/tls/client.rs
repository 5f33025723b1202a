//! A client's `ClientConfig` for one server (host, port): CERTHOST lookup, anchors, identity,
//! from one visit to a store CERTPATH (opened once, key derived at most once).

use std::sync::Arc;

use nut_core::config::{CertHostRule, find_certhost};
use rustls::ClientConfig;
use rustls_pki_types::ServerName;

use super::identity;
use super::store_visit::StoreVisit;
use super::{
    ClientTlsSettings, NutServerCertVerifier, TlsError, TrustMaterial, VERSIONS, provider,
};
use crate::policy::{Role, StorePolicy};

/// What a client needs to connect to one server.
#[derive(Debug, Clone)]
pub struct ClientTlsPolicy {
    /// The rustls config (verifier and optional client identity).
    pub config: Arc<ClientConfig>,
    /// The name to hand to rustls (an IP address sends no SNI).
    pub server_name: ServerName<'static>,
    /// Effective certverify for this host (CERTHOST, else CERTVERIFY).
    pub certverify: bool,
    /// Effective forcessl for this host: refuse plaintext before sending credentials.
    pub forcessl: bool,
}

/// certverify and forcessl for one server, field by field: the config file's CERTHOST rule for
/// the server, else the file's CERTVERIFY / FORCESSL, else the store's CERTHOST row, else the
/// store's default, else off. A directive in the file always wins over the store.
fn decide(
    file_rule: Option<&CertHostRule>,
    file_default: Option<bool>,
    store_rule: Option<&CertHostRule>,
    store_default: Option<bool>,
    field: fn(&CertHostRule) -> bool,
) -> bool {
    file_rule
        .map(field)
        .or(file_default)
        .or(store_rule.map(field))
        .or(store_default)
        .unwrap_or(false)
}

/// Build the client config for `host:port`.
///
/// The CERTHOST rule for the server ([`find_certhost`]: `host:port`'s, else `host`'s without a
/// port) decides the name the certificate must carry; without one the certificate must carry
/// `host`. When CERTPATH is a store, its policy fills in what the config file leaves unset
/// (see [`decide`]; a CERTHOST row of the store names the certificate only when the file has
/// no CERTHOST for the server), and the client CERTIDENT (role upsmon) if none is given.
pub fn build_client_config(
    s: &ClientTlsSettings,
    host: &str,
    port: u16,
) -> Result<ClientTlsPolicy, TlsError> {
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    // CERTIDENT's password opens the store CERTPATH names: its trust and policy are then
    // checked.
    let password = s
        .certident
        .as_ref()
        .map(|c| &c.password)
        .filter(|_| s.certfile.is_none());
    let visit = StoreVisit::open(s.certpath.as_deref(), password)?;
    let store_policy: Option<&StorePolicy> = visit.as_ref().map(|v| &v.policy);
    let file_rule = find_certhost(&s.certhosts, bare_host, port);
    let store_rule = store_policy.and_then(|p| find_certhost(&p.certhosts, bare_host, port));
    let certverify = decide(
        file_rule,
        s.certverify,
        store_rule,
        store_policy.and_then(|p| p.certverify),
        |r| r.certverify,
    );
    let forcessl = decide(
        file_rule,
        s.forcessl,
        store_rule,
        store_policy.and_then(|p| p.forcessl),
        |r| r.forcessl,
    );
    let rule = file_rule.or(store_rule);
    let expected = match rule {
        Some(r) if !r.cert_name.is_empty() => r.cert_name.clone(),
        _ => bare_host.to_string(),
    };
    let trust = match (&visit, &s.certpath, certverify) {
        (Some(v), _, _) => Some(TrustMaterial::from_store(&v.store)?),
        (None, Some(p), true) => Some(TrustMaterial::load(p)?),
        // Not verifying: an unusable CERTPATH only costs the pinned peers and distrust lists.
        (None, Some(p), false) => TrustMaterial::load(p)
            .map_err(|e| tracing::warn!(certpath = %p.display(), error = %e, "CERTPATH not usable"))
            .ok(),
        (None, None, true) => return Err(TlsError::NoCertPath),
        (None, None, false) => None,
    };
    let provider = provider();
    let verifier = NutServerCertVerifier::new(
        trust,
        expected,
        rule.is_some_and(|r| !r.cert_name.is_empty()),
        certverify,
        provider.clone(),
    );
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let name = s.certident_name().or_else(|| {
        store_policy
            .and_then(|p| p.certident.get(&Role::Upsmon))
            .map(String::as_str)
    });
    let identity = match (&s.certfile, &visit, name) {
        (Some(file), _, name) => Some(identity::from_certfile(file, name)?),
        (None, Some(v), Some(name)) => Some(identity::from_store(&v.store, name)?),
        _ => None,
    };
    let config = match identity {
        Some(id) => builder.with_client_cert_resolver(id.certified()?),
        None => builder.with_no_client_auth(),
    };
    let server_name = ServerName::try_from(bare_host.to_string())
        .map_err(|_| TlsError::BadHost(host.to_string()))?;
    Ok(ClientTlsPolicy {
        config: Arc::new(config),
        server_name,
        certverify,
        forcessl,
    })
}
