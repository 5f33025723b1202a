//! Chain verification for both sides: webpki builds and verifies a path to an anchor, and every
//! certificate of that path (the end entity and each intermediate webpki used, whether the peer
//! sent it or the CERTPATH supplied it) must pass the CERTPATH's distrust by identity. Anchors
//! are checked once, when the trust material is loaded. What the peer presented is checked too,
//! even when webpki would not use it: a peer that sends a distrusted certificate is refused.

use std::cell::RefCell;

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::pki_types::{SignatureVerificationAlgorithm, TrustAnchor};
use webpki::{EndEntityCert, KeyUsage, VerifiedPath};

use super::TrustMaterial;
use super::revocation::RevocationRefusal;
use crate::certinfo::CertInfo;

/// Why a chain is refused.
#[derive(Debug)]
pub(crate) enum PathError {
    /// The end entity does not parse.
    BadEncoding,
    /// A sentence for the user (distrust, impersonation, a stale CRL refused by policy).
    Refused(String),
    /// A sentence for the user: a certificate of the chain is on its CA's CRL.
    Revoked(String),
    /// webpki's reason (no path, expired, wrong purpose, ...), explained by the caller.
    Chain(webpki::Error),
}

/// Why one certificate of a chain is refused (distrust, impersonation, revocation), if it is.
fn refusal(trust: &TrustMaterial, info: &CertInfo, who: &str, now: UnixTime) -> Option<PathError> {
    if let Some(why) = trust.ids.refusal(info, who) {
        return Some(PathError::Refused(why));
    }
    trust.revocations.refusal(info, who, now).map(|r| match r {
        RevocationRefusal::Revoked(why) => PathError::Revoked(why),
        RevocationRefusal::Stale(why) => PathError::Refused(why),
    })
}

/// Refuse a presented chain (end entity first) holding a distrusted or revoked certificate, or
/// one that impersonates a stored certificate (same issuer + serial, other bytes).
pub(crate) fn check_presented(
    trust: &TrustMaterial,
    end: &CertInfo,
    end_who: &str,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<(), PathError> {
    if let Some(e) = refusal(trust, end, end_who, now) {
        return Err(e);
    }
    for der in intermediates {
        // An intermediate that does not parse cannot be checked: it is refused, not skipped.
        let info = CertInfo::parse(der.as_ref()).map_err(|_| {
            PathError::Refused(format!(
                "a certificate sent along with '{}' is not valid X.509",
                end.display_name()
            ))
        })?;
        if let Some(e) = refusal(trust, &info, &format!("issuer '{}'", info.subject), now) {
            return Err(e);
        }
    }
    Ok(())
}

/// Why a certificate of a verified path is refused, if it is.
fn path_refusal(
    trust: &TrustMaterial,
    path: &VerifiedPath<'_>,
    end_who: &str,
    now: UnixTime,
) -> Option<PathError> {
    let ee = path.end_entity().der();
    let ders = std::iter::once(ee).chain(path.intermediate_certificates().map(|c| c.der()));
    for (i, der) in ders.enumerate() {
        let Ok(info) = CertInfo::parse(der.as_ref()) else {
            return Some(PathError::Refused(
                "a certificate of the chain is not valid X.509".into(),
            ));
        };
        let who = if i == 0 {
            end_who.to_string()
        } else {
            format!("issuer '{}'", info.subject)
        };
        if let Some(e) = refusal(trust, &info, &who, now) {
            return Some(e);
        }
    }
    None
}

/// Verify `end_entity` for `usage` to one of `anchors`, through the presented intermediates and
/// the CERTPATH's CA certificates; a path holding a distrusted or revoked certificate does not
/// count (webpki then tries the others). `end_who` names the end entity in sentences.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_path(
    trust: &TrustMaterial,
    end_who: &str,
    anchors: &[TrustAnchor<'static>],
    algs: &[&dyn SignatureVerificationAlgorithm],
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
    usage: KeyUsage,
) -> Result<(), PathError> {
    let ee = EndEntityCert::try_from(end_entity).map_err(|_| PathError::BadEncoding)?;
    let mut all: Vec<CertificateDer<'_>> = intermediates.to_vec();
    all.extend(trust.intermediates.iter().cloned());
    let refused: RefCell<Option<PathError>> = RefCell::new(None);
    let check = |path: &VerifiedPath<'_>| match path_refusal(trust, path, end_who, now) {
        Some(why) => {
            refused.borrow_mut().get_or_insert(why);
            Err(webpki::Error::CertDistrusted)
        }
        None => Ok(()),
    };
    match ee.verify_for_usage(algs, anchors, &all, now, usage, None, Some(&check)) {
        Ok(_) => Ok(()),
        Err(e) => match refused.into_inner() {
            Some(why) => Err(why),
            None => Err(PathError::Chain(e)),
        },
    }
}
