//! A client's `ClientConfig` for one server (host, port): CERTHOST lookup, anchors, identity.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_pki_types::ServerName;

use super::identity::{self, Identity};
use super::{
    ClientTlsSettings, NutServerCertVerifier, TlsError, TrustMaterial, VERSIONS, provider,
};
use crate::policy::Role;
use crate::store::Store;

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

/// Build the client config for `host:port`.
///
/// The CERTHOST row for exactly `host` and `port` (first one wins) decides certverify,
/// forcessl and the name the certificate must carry; without one the defaults apply and the
/// certificate must carry `host`. When CERTPATH is a store, its policy adds CERTHOST rows for
/// hosts the config does not name, and the client CERTIDENT (role upsmon) if none is given.
pub fn build_client_config(
    s: &ClientTlsSettings,
    host: &str,
    port: u16,
) -> Result<ClientTlsPolicy, TlsError> {
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    // The store's policy (when CERTPATH is a store) fills in what the config file leaves out:
    // CERTHOST rows for other hosts, and the client's CERTIDENT.
    let store_policy = match &s.certpath {
        Some(p) if Store::exists(p) => Some(Store::open_read_only(p)?.policy()?),
        _ => None,
    };
    let rule = s
        .certhosts
        .iter()
        .chain(store_policy.iter().flat_map(|p| p.certhosts.iter()))
        .find(|r| r.host == host && r.port == port);
    // Defaults the config file leaves unset come from the store's policy.
    let policy_default = |is_default: bool, value: bool, stored: Option<bool>| match stored {
        Some(v) if is_default => v,
        _ => value,
    };
    let default_certverify = policy_default(
        s.certverify_is_default,
        s.certverify,
        store_policy.as_ref().and_then(|p| p.certverify),
    );
    let default_forcessl = policy_default(
        s.forcessl_is_default,
        s.forcessl,
        store_policy.as_ref().and_then(|p| p.forcessl),
    );
    let certverify = rule.map_or(default_certverify, |r| r.certverify);
    let forcessl = rule.map_or(default_forcessl, |r| r.forcessl);
    let expected = match rule {
        Some(r) if !r.cert_name.is_empty() => r.cert_name.clone(),
        _ => bare_host.to_string(),
    };
    // CERTIDENT's password opens the store CERTPATH names: its trust is then checked.
    let password = s
        .certident_password
        .as_deref()
        .filter(|_| s.certfile.is_none());
    let trust = match (&s.certpath, certverify) {
        (Some(p), true) => Some(TrustMaterial::load_with_password(p, password)?),
        // Not verifying: an unusable CERTPATH only costs the pinned peers and distrust lists.
        (Some(p), false) => TrustMaterial::load_with_password(p, password)
            .map_err(|e| tracing::warn!(certpath = %p.display(), error = %e, "CERTPATH not usable"))
            .ok(),
        (None, true) => return Err(TlsError::NoCertPath),
        (None, false) => None,
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
    let identity = match (
        &s.certfile,
        &s.certpath,
        s.certident_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or_else(|| {
                store_policy
                    .as_ref()
                    .and_then(|p| p.certident.get(&Role::Upsmon))
                    .map(String::as_str)
            }),
    ) {
        (Some(file), _, name) => Some(identity::from_certfile(file, name)?),
        (None, Some(dir), Some(name)) if Store::exists(dir) => Some(identity::from_store(
            dir,
            name,
            s.certident_password.as_deref().unwrap_or(""),
        )?),
        _ => None,
    };
    let config = match identity {
        Some(Identity { chain, key }) => builder.with_client_auth_cert(chain, key)?,
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
