//! Certificate revocation lists: reading one (PEM or DER, ours or an outside CA's, e.g. from
//! `openssl ca -gencrl`), checking its signature against the CA that issued it, and signing a
//! new one for a CA whose key the store holds. Revocation keys on issuer + serial number, never
//! on the bytes of a certificate.

use std::collections::HashMap;

use rcgen::{
    CertificateRevocationListParams, Issuer, KeyIdMethod, RevokedCertParams, SerialNumber,
};
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::certinfo::{CertInfo, format_time};
use crate::keys::{PrivateKey, hex};
use crate::name::display_name;

/// Entries accepted in one CRL (a bigger one is refused, not parsed into memory).
pub const MAX_CRL_ENTRIES: usize = 1_000_000;

/// A CRL that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrlError {
    /// Not a CRL (neither an `X509 CRL` PEM block nor DER).
    #[error("not a certificate revocation list: {0}")]
    Parse(String),
    /// No CA of the store has the CRL's issuer as subject.
    #[error("the CRL's issuer '{0}' is not a CA in the certificate database: import that CA first")]
    UnknownIssuer(String),
    /// The signature does not verify against the CA.
    #[error(
        "the CRL's signature does not verify against the CA '{0}' of the certificate database: refused (forged, damaged, or signed by another key)"
    )]
    BadSignature(String),
    /// Older than the CRL already stored for that CA (a replay would un-revoke).
    #[error(
        "this CRL of '{issuer}' (issued {this_update}) is older than the one already stored (issued {stored}): refused"
    )]
    Older {
        /// The CA.
        issuer: String,
        /// The new CRL's thisUpdate.
        this_update: String,
        /// The stored CRL's thisUpdate.
        stored: String,
    },
    /// Too many entries.
    #[error("the CRL has more than {MAX_CRL_ENTRIES} entries: refused")]
    TooBig,
    /// The CA's key cannot sign.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    /// rcgen refused to sign.
    #[error("cannot sign the CRL: {0}")]
    Sign(#[from] rcgen::Error),
}

/// Why a certificate was revoked (RFC 5280 CRLReason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason(pub u8);

/// The reason names, as RFC 5280 and `openssl ca -crl_reason` spell them, by code.
const REASONS: &[(u8, &str)] = &[
    (0, "unspecified"),
    (1, "keyCompromise"),
    (2, "CACompromise"),
    (3, "affiliationChanged"),
    (4, "superseded"),
    (5, "cessationOfOperation"),
    (6, "certificateHold"),
    (8, "removeFromCRL"),
    (9, "privilegeWithdrawn"),
    (10, "AACompromise"),
];

impl Reason {
    /// Parse a reason name (any case) or its number.
    pub fn parse(s: &str) -> Option<Reason> {
        if let Ok(n) = s.parse::<u8>() {
            return REASONS.iter().any(|(c, _)| *c == n).then_some(Reason(n));
        }
        REASONS
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(s))
            .map(|(c, _)| Reason(*c))
    }

    /// Every name, for help texts.
    pub fn names() -> String {
        REASONS
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn rcgen(self) -> Option<rcgen::RevocationReason> {
        use rcgen::RevocationReason as R;
        Some(match self.0 {
            1 => R::KeyCompromise,
            2 => R::CaCompromise,
            3 => R::AffiliationChanged,
            4 => R::Superseded,
            5 => R::CessationOfOperation,
            6 => R::CertificateHold,
            8 => R::RemoveFromCrl,
            9 => R::PrivilegeWithdrawn,
            10 => R::AaCompromise,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match REASONS.iter().find(|(c, _)| *c == self.0) {
            Some((_, n)) => f.write_str(n),
            None => write!(f, "reason {}", self.0),
        }
    }
}

/// A serial number as compared for revocation: lower-case hex without leading zero bytes (a
/// DER INTEGER may carry one to stay positive; writers differ).
pub fn serial_key(hex_serial: &str) -> String {
    let s = hex_serial.to_ascii_lowercase();
    let mut t = s.as_str();
    while t.len() > 2 && t.starts_with("00") {
        t = &t[2..];
    }
    t.to_string()
}

/// One revoked certificate of a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// When.
    pub date: OffsetDateTime,
    /// Why, when the CRL says.
    pub reason: Option<Reason>,
}

impl Revoked {
    /// `on 2026-12-07 21:00:00 UTC (keyCompromise)`.
    pub fn describe(&self) -> String {
        match self.reason {
            Some(r) => format!("on {} ({r})", format_time(self.date)),
            None => format!("on {}", format_time(self.date)),
        }
    }
}

/// A parsed CRL (its signature not yet checked: see [`ParsedCrl::verify`]).
#[derive(Debug, Clone)]
pub struct ParsedCrl {
    /// The DER.
    pub der: Vec<u8>,
    /// Issuer, NSS style.
    pub issuer: String,
    /// Raw DER of the issuer name.
    pub issuer_der: Vec<u8>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate, if given.
    pub next_update: Option<OffsetDateTime>,
    /// cRLNumber, hex, if given.
    pub crl_number: Option<String>,
    /// Revoked serials ([`serial_key`]) and their dates and reasons.
    pub entries: HashMap<String, Revoked>,
}

impl ParsedCrl {
    /// Parse a DER CRL.
    pub fn parse(der: &[u8]) -> Result<ParsedCrl, CrlError> {
        let (rest, crl) =
            x509_parser::parse_x509_crl(der).map_err(|e| CrlError::Parse(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CrlError::Parse("trailing data after the CRL".into()));
        }
        // One complete CRL per CA: a delta CRL or one scoped by an issuing distribution point
        // lists only part of what is revoked, and stored in place of the full one it would
        // un-revoke the rest.
        for ext in crl.extensions() {
            let oid = ext.oid.to_id_string();
            if oid == "2.5.29.27" || oid == "2.5.29.28" {
                return Err(CrlError::Parse(format!(
                    "a {} CRL lists only part of its CA's revocations: give the complete CRL",
                    if oid == "2.5.29.27" {
                        "delta"
                    } else {
                        "partitioned (issuingDistributionPoint)"
                    }
                )));
            }
        }
        let mut entries = HashMap::new();
        for (n, r) in crl.iter_revoked_certificates().enumerate() {
            if n >= MAX_CRL_ENTRIES {
                return Err(CrlError::TooBig);
            }
            let reason = r.reason_code().map(|(_, c)| Reason(c.0));
            entries.insert(
                serial_key(&hex(r.raw_serial())),
                Revoked {
                    date: r.revocation_date.to_datetime(),
                    reason,
                },
            );
        }
        Ok(ParsedCrl {
            der: der.to_vec(),
            issuer: display_name(crl.issuer()),
            issuer_der: crl.issuer().as_raw().to_vec(),
            this_update: crl.last_update().to_datetime(),
            next_update: crl.next_update().map(|t| t.to_datetime()),
            crl_number: crl.crl_number().map(|n| hex(&n.to_bytes_be())),
            entries,
        })
    }

    /// Whether this CRL names `ca` as issuer and carries a signature by its key.
    pub fn verify(&self, ca: &CertInfo) -> Result<(), CrlError> {
        if ca.subject_der != self.issuer_der {
            return Err(CrlError::UnknownIssuer(self.issuer.clone()));
        }
        let bad = || CrlError::BadSignature(ca.subject.clone());
        let (_, crl) = x509_parser::parse_x509_crl(&self.der).map_err(|_| bad())?;
        let (_, spki) =
            <x509_parser::x509::SubjectPublicKeyInfo<'_> as x509_parser::prelude::FromDer<
                '_,
                x509_parser::error::X509Error,
            >>::from_der(&ca.spki_der)
            .map_err(|_| bad())?;
        crl.verify_signature(&spki).map_err(|_| bad())
    }

    /// Past its nextUpdate at `now` (a CRL without one never goes stale).
    pub fn is_stale(&self, now: OffsetDateTime) -> bool {
        self.next_update.is_some_and(|n| now > n)
    }

    /// Whether `other` (the same CA's) is newer than this one: a higher cRLNumber when both
    /// have one, else a later thisUpdate.
    pub fn is_older_than(&self, other: &ParsedCrl) -> bool {
        match (&self.crl_number, &other.crl_number) {
            (Some(a), Some(b)) => number_less(a, b),
            _ => self.this_update < other.this_update,
        }
    }
}

/// `a < b` for hex numbers of any length.
fn number_less(a: &str, b: &str) -> bool {
    let (a, b) = (serial_key(a), serial_key(b));
    (a.len(), a.as_str()) < (b.len(), b.as_str())
}

/// One entry of a CRL to sign.
#[derive(Debug, Clone)]
pub struct Revocation {
    /// Serial, hex.
    pub serial: String,
    /// When.
    pub date: OffsetDateTime,
    /// Why.
    pub reason: Reason,
}

/// What a new CRL says besides its entries.
#[derive(Debug, Clone, Copy)]
pub struct CrlTimes {
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: OffsetDateTime,
    /// cRLNumber.
    pub number: u64,
}

/// Sign a CRL for the CA `ca_der` with its key.
pub fn sign_crl(
    ca_der: &[u8],
    ca_key: &PrivateKey,
    times: CrlTimes,
    revoked: &[Revocation],
) -> Result<Vec<u8>, CrlError> {
    let mut revoked_certs = Vec::with_capacity(revoked.len());
    for r in revoked {
        let bytes = crate::keys::unhex(&serial_key(&r.serial))
            .ok_or_else(|| CrlError::Parse(format!("bad serial '{}'", r.serial)))?;
        revoked_certs.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(&bytes),
            revocation_time: r.date,
            reason_code: r.reason.rcgen(),
            invalidity_date: None,
        });
    }
    let params = CertificateRevocationListParams {
        this_update: times.this_update,
        next_update: times.next_update,
        crl_number: SerialNumber::from_slice(&times.number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let kp = ca_key.key_pair()?;
    let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(ca_der), kp)?;
    Ok(params.signed_by(&issuer)?.der().to_vec())
}
