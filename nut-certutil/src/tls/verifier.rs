//! The certificate verifiers: the client's check of a server certificate (chain via webpki,
//! then the NUT name rules, `P` peers, `p` distrust, certverify 0) and upsd's check of client
//! certificates. Distrust goes by issuer + serial (see `distrust.rs`) and applies to every
//! certificate of the path that was verified (see `path.rs`). Errors are sentences a user can
//! act on.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, OtherError, RootCertStore,
    SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::KeyUsage;

use super::names::{certificate_matches_certname, certificate_matches_host, certificate_names};
use super::path::{PathError, check_presented, verify_path};
use super::{CertPathKind, TrustMaterial};
use crate::certinfo::{CertInfo, format_time};

/// The handshake signature checks of a verifier trait (the same three methods in
/// [`ServerCertVerifier`] and [`ClientCertVerifier`]), made with the algorithms of the
/// verifier's `provider` (as rustls' own webpki verifiers make them).
macro_rules! signature_checks {
    () => {
        signature_checks!(verify_tls12_signature, verify_tls13_signature);

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    };
    // Each method calls the free function of its name (`rustls::crypto::verify_tls1x_signature`).
    ($($check:ident),+) => {
        $(
            fn $check(
                &self,
                message: &[u8],
                cert: &CertificateDer<'_>,
                dss: &DigitallySignedStruct,
            ) -> Result<HandshakeSignatureValid, Error> {
                $check(message, cert, dss, &self.provider.signature_verification_algorithms)
            }
        )+
    };
}

/// A verification failure with a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyFailure(pub String);

fn fail(msg: String) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
        VerifyFailure(msg),
    ))))
}

/// A certificate of the chain is on its CA's CRL: the sentence for the user (the peer gets the
/// `certificate_revoked` alert, see [`DistrustingClientVerifier`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RevokedFailure(pub String);

fn fail_revoked(msg: String) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
        RevokedFailure(msg),
    ))))
}

/// Whether a verifier error is a revocation.
fn is_revocation(e: &Error) -> bool {
    matches!(e, Error::InvalidCertificate(CertificateError::Other(o))
        if (&*o.0 as &dyn std::error::Error).downcast_ref::<RevokedFailure>().is_some())
}

fn parse_end_entity(end_entity: &CertificateDer<'_>) -> Result<CertInfo, Error> {
    CertInfo::parse(end_entity.as_ref())
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))
}

/// Turn a refused chain into a sentence (`usage`: "server" or "client").
fn explain_chain_error(e: PathError, info: &CertInfo, trust: &TrustMaterial, usage: &str) -> Error {
    use webpki::Error as W;
    let name = info.display_name();
    let e = match e {
        PathError::BadEncoding => return Error::InvalidCertificate(CertificateError::BadEncoding),
        PathError::Refused(why) => return fail(why),
        PathError::Revoked(why) => return fail_revoked(why),
        PathError::Chain(e) => e,
    };
    fail(match e {
        W::CertExpired { .. } | W::InvalidCertValidity => format!(
            "certificate for '{name}' expired on {}",
            format_time(info.not_after)
        ),
        W::CertNotValidYet { .. } => format!(
            "certificate for '{name}' is not valid before {}",
            format_time(info.not_before)
        ),
        W::UnknownIssuer => {
            if trust.distrusted_subjects.contains(&info.issuer) {
                format!("issuer '{}' is explicitly distrusted (p flag)", info.issuer)
            } else if trust.kind == CertPathKind::Store {
                let flag = if usage == "server" { "C" } else { "T" };
                let known = if trust.untrusted_ca_subjects.contains(&info.issuer) {
                    ""
                } else {
                    ", or not in the certificate database"
                };
                format!(
                    "issuer '{}' is not trusted (no {flag} flag{known})",
                    info.issuer
                )
            } else {
                format!(
                    "issuer '{}' is not trusted (not in {})",
                    info.issuer,
                    trust.path.display()
                )
            }
        }
        #[allow(deprecated)]
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => format!(
            "certificate for '{name}' is not valid for TLS {usage} authentication (extendedKeyUsage)"
        ),
        W::InvalidSignatureForPublicKey => {
            format!("certificate for '{name}' has a bad signature")
        }
        W::CaUsedAsEndEntity => format!(
            "certificate for '{name}' is a CA certificate (basicConstraints CA:TRUE), not a \
             TLS {usage} certificate"
        ),
        W::EndEntityUsedAsCa => format!(
            "issuer '{}' of '{name}' is not a CA certificate (basicConstraints)",
            info.issuer
        ),
        other => format!("certificate for '{name}' cannot be verified ({other:?})"),
    })
}

/// A chain check shared by both verifiers: what was presented, then the verified path.
fn check_chain(
    trust: &TrustMaterial,
    roots: &RootCertStore,
    provider: &CryptoProvider,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
    usage: Usage,
) -> Result<CertInfo, Error> {
    let info = parse_end_entity(end_entity)?;
    let (word, key_usage) = match usage {
        Usage::Server => ("server", KeyUsage::server_auth()),
        Usage::Client => ("client", KeyUsage::client_auth()),
    };
    let who = match usage {
        Usage::Server => format!("certificate for '{}'", info.display_name()),
        Usage::Client => format!("client certificate '{}'", info.display_name()),
    };
    check_presented(trust, &info, &who, intermediates, now)
        .map_err(|e| explain_chain_error(e, &info, trust, word))?;
    if usage == Usage::Server && trust.peers.contains(&info.fingerprint) {
        // A pinned peer: that exact certificate is trusted; still within its validity.
        check_validity(&info, now)?;
        return Ok(info);
    }
    verify_path(
        trust,
        &who,
        &roots.roots,
        provider.signature_verification_algorithms.all,
        end_entity,
        intermediates,
        now,
        key_usage,
    )
    .map_err(|e| explain_chain_error(e, &info, trust, word))?;
    Ok(info)
}

fn check_validity(info: &CertInfo, now: UnixTime) -> Result<(), Error> {
    let now = now.as_secs() as i64;
    if now > info.not_after.unix_timestamp() {
        return Err(fail(format!(
            "certificate for '{}' expired on {}",
            info.display_name(),
            format_time(info.not_after)
        )));
    }
    if now < info.not_before.unix_timestamp() {
        return Err(fail(format!(
            "certificate for '{}' is not valid before {}",
            info.display_name(),
            format_time(info.not_before)
        )));
    }
    Ok(())
}

/// The client's verifier of server certificates.
#[derive(Debug)]
pub struct NutServerCertVerifier {
    trust: Option<TrustMaterial>,
    roots: RootCertStore,
    expected_name: String,
    from_certhost: bool,
    certverify: bool,
    provider: Arc<CryptoProvider>,
}

impl NutServerCertVerifier {
    /// A verifier for one server. `trust` may be None only when `certverify` is false.
    pub fn new(
        trust: Option<TrustMaterial>,
        expected_name: String,
        from_certhost: bool,
        certverify: bool,
        provider: Arc<CryptoProvider>,
    ) -> NutServerCertVerifier {
        let roots = trust
            .as_ref()
            .map(|t| t.server_roots())
            .unwrap_or_else(RootCertStore::empty);
        NutServerCertVerifier {
            trust,
            roots,
            expected_name,
            from_certhost,
            certverify,
            provider,
        }
    }

    /// The chain part of the check (no name): returns the parsed certificate (accepted
    /// through its chain, or as a pinned `P` peer).
    pub fn verify_chain(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<CertInfo, Error> {
        let Some(trust) = &self.trust else {
            return Err(fail(
                "cannot verify the server certificate: no CERTPATH was given".into(),
            ));
        };
        check_chain(
            trust,
            &self.roots,
            &self.provider,
            end_entity,
            intermediates,
            now,
            Usage::Server,
        )
    }

    fn check_name(&self, info: &CertInfo) -> Result<(), Error> {
        // The string fallbacks are for a CERTHOST certname only: the MONITOR host is a host
        // name, matched by NSS's rules alone.
        let matches = if self.from_certhost {
            certificate_matches_certname(info, &self.expected_name)
        } else {
            certificate_matches_host(info, &self.expected_name)
        };
        if matches {
            return Ok(());
        }
        let what = if self.from_certhost {
            "CERTHOST name"
        } else {
            "host name"
        };
        Err(fail(format!(
            "server certificate name '{}' does not match {what} '{}'",
            certificate_names(info),
            self.expected_name
        )))
    }
}

impl ServerCertVerifier for NutServerCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if !self.certverify {
            tracing::debug!("server certificate not verified (certverify 0)");
            return Ok(ServerCertVerified::assertion());
        }
        // A pinned peer (`P`) must carry the name too, as NSS checks the host of a `P`
        // certificate: a pin vouches for that certificate, not for every host it is shown by.
        let info = self.verify_chain(end_entity, intermediates, now)?;
        self.check_name(&info)?;
        Ok(ServerCertVerified::assertion())
    }

    signature_checks!();
}

/// upsd's client verifier: webpki for the chain (anchors trusted with `T`), with distrust by
/// identity on every certificate of the verified path; `inner` decides whether a certificate is
/// asked for or required, and checks handshake signatures.
#[derive(Debug)]
pub(crate) struct DistrustingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    trust: TrustMaterial,
    roots: RootCertStore,
    provider: Arc<CryptoProvider>,
    /// Anyone who can connect can send certificates to reject: the warnings are rate-limited.
    rejections: nut_log::Throttle,
}

/// Rejected client certificates logged per [`REJECTIONS_WINDOW`] before a summary.
const REJECTIONS_BURST: u32 = 5;
const REJECTIONS_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

impl DistrustingClientVerifier {
    pub(crate) fn new(
        inner: Arc<dyn ClientCertVerifier>,
        trust: TrustMaterial,
        provider: Arc<CryptoProvider>,
    ) -> DistrustingClientVerifier {
        DistrustingClientVerifier {
            inner,
            roots: trust.client_roots(),
            trust,
            provider,
            rejections: nut_log::Throttle::new(
                "client certificates rejected",
                REJECTIONS_BURST,
                REJECTIONS_WINDOW,
            ),
        }
    }
}

impl ClientCertVerifier for DistrustingClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let r = check_chain(
            &self.trust,
            &self.roots,
            &self.provider,
            end_entity,
            intermediates,
            now,
            Usage::Client,
        );
        // The subject is the peer's claim (not verified when refused): logged as data.
        let subject = CertInfo::parse(end_entity.as_ref()).map(|i| i.subject);
        let subject = subject.as_deref().unwrap_or("(unparsable)");
        match &r {
            Ok(_) => tracing::debug!(subject = %subject, "client certificate verified"),
            Err(e) => nut_log::warn_throttled!(
                self.rejections,
                subject = %subject,
                error = %plain_error(e),
                "client certificate rejected"
            ),
        }
        match r {
            Ok(_) => Ok(ClientCertVerified::assertion()),
            // The client learns why through the alert: certificate_revoked.
            Err(e) if is_revocation(&e) => {
                Err(Error::InvalidCertificate(CertificateError::Revoked))
            }
            Err(e) => Err(e),
        }
    }

    signature_checks!();
}

/// A use of a certificate, for `nut-certutil -V -u` and `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// TLS server (NSS `-u V`): chains to a CA trusted with `C`, or is a `P` peer.
    Server,
    /// TLS client (NSS `-u C`): chains to a CA trusted with `T`.
    Client,
}

/// Validate a certificate against a CERTPATH's trust for a usage (no name check). The error
/// is a sentence for the user.
pub fn validate_certificate(
    trust: &TrustMaterial,
    der: &[u8],
    usage: Usage,
    now: UnixTime,
) -> Result<(), String> {
    let roots = match usage {
        Usage::Server => trust.server_roots(),
        Usage::Client if trust.client_anchors.is_empty() => {
            return Err("no CA is trusted for client certificates (flag T)".into());
        }
        Usage::Client => trust.client_roots(),
    };
    let ee = CertificateDer::from(der.to_vec());
    check_chain(trust, &roots, &super::provider(), &ee, &[], now, usage)
        .map(|_| ())
        .map_err(|e| plain_error(&e))
}

/// The user sentence inside a rustls error (without rustls's "invalid peer certificate: ").
pub fn plain_error(e: &Error) -> String {
    match e {
        Error::InvalidCertificate(CertificateError::Other(o)) => o.0.to_string(),
        other => other.to_string(),
    }
}

/// The user sentence of a failed TLS handshake (an I/O error from tokio-rustls): the verifier's
/// sentence when a certificate was refused, never rustls's debug form
/// (`Other(OtherError(...))`).
pub fn handshake_error_text(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(Error::InvalidCertificate(CertificateError::Other(o))) => {
            format!("invalid peer certificate: {}", o.0)
        }
        Some(Error::PeerMisbehaved(rustls::PeerMisbehaved::ServerNameMustContainOneHostName)) => {
            "the client sent a TLS server name (SNI) that is not a host name (C upsmon sends its \
             CERTHOST certificate name), which rustls 0.23 cannot accept: give the server \
             certificate a host name (CN and subjectAltName) and name that host in the client's \
             CERTHOST"
                .to_string()
        }
        Some(tls) => tls.to_string(),
        None => e.to_string(),
    }
}
