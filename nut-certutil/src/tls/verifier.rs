//! The certificate verifiers: the client's check of a server certificate (chain via webpki,
//! then the NUT name rules, `P` peers, `p` distrust, certverify 0) and the server's wrapper
//! that refuses distrusted client certificates. Errors are sentences a user can act on.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::server::ParsedCertificate;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, OtherError, RootCertStore,
    SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::names::{certificate_matches_name, certificate_names};
use super::{CertPathKind, TrustMaterial};
use crate::certinfo::{CertInfo, format_time};

/// A verification failure with a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyFailure(pub String);

fn fail(msg: String) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
        VerifyFailure(msg),
    ))))
}

/// Turn a webpki chain error into a sentence.
/// Why a chain is refused because the store marks one of its certificates distrusted (`p`):
/// the end-entity certificate itself or any intermediate that came with it.
fn distrusted_in_chain(
    trust: &TrustMaterial,
    end: &CertInfo,
    intermediates: &[CertificateDer<'_>],
    what: &str,
) -> Option<String> {
    if trust.distrusted.contains(&end.fingerprint) {
        return Some(format!(
            "{what} '{}' is explicitly distrusted (p flag)",
            end.display_name()
        ));
    }
    intermediates
        .iter()
        .filter_map(|i| CertInfo::parse(i.as_ref()).ok())
        .find(|ii| trust.distrusted.contains(&ii.fingerprint))
        .map(|ii| format!("issuer '{}' is explicitly distrusted (p flag)", ii.subject))
}

fn explain_chain_error(e: Error, info: &CertInfo, trust: &TrustMaterial, usage: &str) -> Error {
    let name = info.display_name();
    match e {
        Error::InvalidCertificate(ce) => match ce {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => fail(format!(
                "certificate for '{name}' expired on {}",
                format_time(info.not_after)
            )),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                fail(format!(
                    "certificate for '{name}' is not valid before {}",
                    format_time(info.not_before)
                ))
            }
            CertificateError::UnknownIssuer => {
                if trust.distrusted_subjects.contains(&info.issuer) {
                    fail(format!(
                        "issuer '{}' is explicitly distrusted (p flag)",
                        info.issuer
                    ))
                } else if trust.kind == CertPathKind::Store {
                    let flag = if usage == "server" { "C" } else { "T" };
                    let known = if trust.untrusted_ca_subjects.contains(&info.issuer) {
                        ""
                    } else {
                        ", or not in the certificate database"
                    };
                    fail(format!(
                        "issuer '{}' is not trusted (no {flag} flag{known})",
                        info.issuer
                    ))
                } else {
                    fail(format!(
                        "issuer '{}' is not trusted (not in {})",
                        info.issuer,
                        trust.path.display()
                    ))
                }
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                fail(format!(
                    "certificate for '{name}' is not valid for TLS {usage} authentication (extendedKeyUsage)"
                ))
            }
            CertificateError::BadSignature => {
                fail(format!("certificate for '{name}' has a bad signature"))
            }
            other => Error::InvalidCertificate(other),
        },
        other => other,
    }
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
        let info = CertInfo::parse(end_entity.as_ref())
            .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if let Some(why) = distrusted_in_chain(trust, &info, intermediates, "certificate for") {
            return Err(fail(why));
        }
        if trust.peers.contains(&info.fingerprint) {
            // A pinned peer: that exact certificate is trusted; still within its validity.
            check_validity(&info, now)?;
            return Ok(info);
        }
        let parsed = ParsedCertificate::try_from(end_entity)?;
        let mut all_intermediates: Vec<CertificateDer<'_>> = intermediates.to_vec();
        all_intermediates.extend(trust.intermediates.iter().cloned());
        verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &self.roots,
            &all_intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )
        .map_err(|e| explain_chain_error(e, &info, trust, "server"))?;
        Ok(info)
    }

    fn check_name(&self, info: &CertInfo) -> Result<(), Error> {
        if certificate_matches_name(info, &self.expected_name) {
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

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// upsd's client verifier: webpki (anchors trusted with `T`), refusing `p`-flagged
/// certificates and explaining failures.
#[derive(Debug)]
pub(crate) struct DistrustingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    trust: TrustMaterial,
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
    ) -> DistrustingClientVerifier {
        DistrustingClientVerifier {
            inner,
            trust,
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
        let info = CertInfo::parse(end_entity.as_ref())
            .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
        // The chain the client sent must not pass through a distrusted sub-CA either.
        if let Some(why) =
            distrusted_in_chain(&self.trust, &info, intermediates, "client certificate")
        {
            nut_log::warn_throttled!(
                self.rejections,
                subject = %info.subject,
                error = %why,
                "client certificate rejected"
            );
            return Err(fail(why));
        }
        let r = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
            .map_err(|e| explain_chain_error(e, &info, &self.trust, "client"));
        match &r {
            Ok(_) => tracing::debug!(subject = %info.subject, "client certificate verified"),
            Err(e) => nut_log::warn_throttled!(
                self.rejections,
                subject = %info.subject,
                error = %e,
                "client certificate rejected"
            ),
        }
        r
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
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
    let ee = CertificateDer::from(der.to_vec());
    let provider = super::provider();
    match usage {
        Usage::Server => {
            let v = NutServerCertVerifier::new(
                Some(trust.clone()),
                String::new(),
                false,
                true,
                provider,
            );
            v.verify_chain(&ee, &[], now)
                .map(|_| ())
                .map_err(|e| plain_error(&e))
        }
        Usage::Client => {
            if trust.client_anchors.is_empty() {
                return Err("no CA is trusted for client certificates (flag T)".into());
            }
            let inner = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(trust.client_roots()),
                provider,
            )
            .build()
            .map_err(|e| e.to_string())?;
            let v = DistrustingClientVerifier::new(inner, trust.clone());
            v.verify_client_cert(&ee, &trust.intermediates, now)
                .map(|_| ())
                .map_err(|e| plain_error(&e))
        }
    }
}

/// The user sentence inside a rustls error (without rustls's "invalid peer certificate: ").
pub fn plain_error(e: &Error) -> String {
    match e {
        Error::InvalidCertificate(CertificateError::Other(o)) => o.0.to_string(),
        other => other.to_string(),
    }
}
