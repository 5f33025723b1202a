//! A client's `ClientConfig` for one server (host, port): CERTHOST lookup, anchors, identity,
//! from one visit to a store CERTPATH (opened once, key derived at most once).

use std::sync::Arc;

use nut_core::config::{CertHostRule, find_certhost};
use rustls::ClientConfig;
use rustls::sign::SingleCertAndKey;
use rustls_pki_types::ServerName;

use super::expiry::WatchedCert;
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

/// A client's TLS setup read once (one store visit: opened once, key derived at most once):
/// the store's policy, the trust of CERTPATH and the client identity. [`ClientTls::for_server`]
/// then makes the config of each server without touching the store again; upsmon loads one
/// per start (and per reload) for all its MONITOR lines.
pub struct ClientTls {
    settings: ClientTlsSettings,
    policy: Option<StorePolicy>,
    /// The trust of CERTPATH; `Err` when it is not usable (a server that is verified then
    /// gets the error, read again; one that is not only loses pinned peers and distrust).
    trust: Option<Result<TrustMaterial, ()>>,
    identity: Option<Arc<SingleCertAndKey>>,
    /// The chain this side presents, for expiry warnings.
    watched: Vec<WatchedCert>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("settings", &self.settings)
            .field("policy", &self.policy)
            .field("has_identity", &self.identity.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientTls {
    /// Read what `s` names: a store CERTPATH once (its policy, trust and the CERTIDENT key),
    /// or a PEM CERTPATH / CERTFILE.
    pub fn load(s: &ClientTlsSettings) -> Result<ClientTls, TlsError> {
        // CERTIDENT's password opens the store CERTPATH names: its trust and policy are then
        // checked.
        let password = s
            .certident
            .as_ref()
            .map(|c| &c.password)
            .filter(|_| s.certfile.is_none());
        let visit = StoreVisit::open(s.certpath.as_deref(), password, s.certident_name())?;
        let trust = match (&visit, &s.certpath) {
            (Some(v), _) => Some(Ok(v.trust()?)),
            (None, Some(p)) => Some(TrustMaterial::load(p).map_err(drop)),
            (None, None) => None,
        };
        let name = s.certident_name().or_else(|| {
            visit
                .as_ref()
                .and_then(|v| v.policy.certident.get(&Role::Upsmon))
                .map(String::as_str)
        });
        let identity = match (&s.certfile, &visit, name) {
            (Some(file), _, name) => Some(identity::from_certfile(file, name)?),
            (None, Some(v), Some(name)) => Some(v.identity(name)?),
            _ => None,
        };
        let watched = identity
            .as_ref()
            .map(|i| {
                i.chain
                    .iter()
                    .enumerate()
                    .filter_map(|(n, c)| WatchedCert::of(c.as_ref(), n == 0))
                    .collect()
            })
            .unwrap_or_default();
        let identity = identity.map(|i| i.certified()).transpose()?;
        Ok(ClientTls {
            settings: s.clone(),
            policy: visit.map(|v| v.policy),
            trust,
            identity,
            watched,
        })
    }

    /// The chain this side presents (end entity first), for expiry warnings.
    pub fn watched(&self) -> &[WatchedCert] {
        &self.watched
    }

    /// The config for `host:port`.
    ///
    /// The CERTHOST rule for the server ([`find_certhost`]: `host:port`'s, else `host`'s
    /// without a port) decides the name the certificate must carry; without one the
    /// certificate must carry `host`. When CERTPATH is a store, its policy fills in what the
    /// config file leaves unset (see [`decide`]; a CERTHOST row of the store names the
    /// certificate only when the file has no CERTHOST for the server).
    pub fn for_server(&self, host: &str, port: u16) -> Result<ClientTlsPolicy, TlsError> {
        let s = &self.settings;
        let bare_host = host.trim_start_matches('[').trim_end_matches(']');
        let store_policy = self.policy.as_ref();
        let file_rule = find_certhost(&s.certhosts, bare_host, port);
        let store_rule = store_policy.and_then(|p| find_certhost(&p.certhosts, bare_host, port));
        let decide_field =
            |file_default, store_default: fn(&StorePolicy) -> Option<bool>, field| {
                let store_default = store_policy.and_then(store_default);
                decide(file_rule, file_default, store_rule, store_default, field)
            };
        let certverify = decide_field(s.certverify, |p| p.certverify, |r| r.certverify);
        let forcessl = decide_field(s.forcessl, |p| p.forcessl, |r| r.forcessl);
        let rule = file_rule.or(store_rule);
        let expected = match rule {
            Some(r) if !r.cert_name.is_empty() => r.cert_name.clone(),
            _ => bare_host.to_string(),
        };
        let trust = match (&self.trust, &s.certpath, certverify) {
            (Some(Ok(t)), _, _) => Some(t.clone()),
            // Read again for its error (a PEM CERTPATH: no store, no key derivation).
            (Some(Err(())), Some(p), true) => Some(TrustMaterial::load(p)?),
            // Not verifying: an unusable CERTPATH only costs the pinned peers and distrust
            // lists.
            (Some(Err(())), Some(p), false) => {
                tracing::warn!(certpath = %p.display(), "CERTPATH not usable");
                None
            }
            (_, _, true) => return Err(TlsError::NoCertPath),
            (_, _, false) => None,
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
        let config = match &self.identity {
            Some(id) => builder.with_client_cert_resolver(id.clone()),
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
}

/// Build the client config for `host:port` from scratch: [`ClientTls::load`], then
/// [`ClientTls::for_server`] (one store visit per call; a process that connects to several
/// servers or reconnects keeps a [`ClientTls`] instead).
pub fn build_client_config(
    s: &ClientTlsSettings,
    host: &str,
    port: u16,
) -> Result<ClientTlsPolicy, TlsError> {
    ClientTls::load(s)?.for_server(host, port)
}
