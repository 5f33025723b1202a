//! Revocation in the chain check: the CRLs of a CERTPATH, each verified against the stored CA
//! it was imported or signed for, looked up by issuer name + serial for every certificate of a
//! verified path (and of what the peer presented). A CRL past its nextUpdate is used with a
//! warning, or makes every certificate of its CA refused, as the store's `crl-stale` policy
//! says (default warn). A CA without a CRL revokes nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rustls_pki_types::UnixTime;
use time::OffsetDateTime;

use crate::certinfo::{CertInfo, format_time};
use crate::crl::{ParsedCrl, Revoked, serial_key};
use crate::keys::KeyCipher;
use crate::policy::CrlStale;
use crate::store::StoredCrl;

/// One CA's revocation list, verified.
#[derive(Debug)]
struct CaCrl {
    issuer: String,
    next_update: Option<OffsetDateTime>,
    entries: HashMap<String, Revoked>,
    /// The stale warning is logged once per load.
    warned_stale: AtomicBool,
}

/// Why a certificate is refused for revocation reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RevocationRefusal {
    /// Listed on its CA's CRL.
    Revoked(String),
    /// Its CA's CRL is past its nextUpdate and the policy refuses.
    Stale(String),
}

/// The CRLs a CERTPATH holds, by issuer name (DER).
#[derive(Debug, Default)]
pub struct Revocations {
    by_issuer: HashMap<Vec<u8>, CaCrl>,
    /// CAs whose CRL row does not carry a valid MAC (read with the password): swapped or
    /// written without the password. Their certificates are refused (fail closed: an older
    /// CRL would un-revoke).
    unprotected: HashMap<Vec<u8>, String>,
    stale: CrlStale,
}

impl Revocations {
    /// Build from a store's CRL rows; `cas`: the store's certificates (fingerprint, parsed). A
    /// row whose CA is gone, that does not parse, or whose signature does not verify against
    /// its CA is left out with a warning.
    /// With the database key (`cipher`), a row whose MAC does not verify makes its CA's
    /// certificates refused.
    pub(crate) fn from_rows(
        rows: Vec<StoredCrl>,
        cas: &HashMap<String, CertInfo>,
        stale: CrlStale,
        cipher: Option<&KeyCipher>,
    ) -> Revocations {
        let mut r = Revocations {
            stale,
            ..Revocations::default()
        };
        for row in rows {
            if let Some(c) = cipher {
                if !row.mac_ok(c) {
                    tracing::warn!(
                        issuer = %row.issuer,
                        "the CRL of this CA in the certificate database is not protected by \
                         the database password (changed without it): its certificates are \
                         refused until the CRL is imported (crl import) or re-signed (crl \
                         update) with the password"
                    );
                    if let Ok(crl) = ParsedCrl::parse(&row.der) {
                        r.unprotected.insert(crl.issuer_der, row.issuer.clone());
                    }
                    continue;
                }
            }
            let Some(ca) = cas.get(&row.ca_fingerprint) else {
                tracing::warn!(issuer = %row.issuer, "CRL ignored: its CA is no longer in the certificate database");
                continue;
            };
            let crl = match ParsedCrl::parse(&row.der).and_then(|c| c.verify(ca).map(|()| c)) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(issuer = %row.issuer, error = %e, "CRL ignored");
                    continue;
                }
            };
            r.add(crl);
        }
        r
    }

    /// Build from the `X509 CRL` blocks of a PEM CERTPATH (OpenSSL style: CRLs beside the CA
    /// certificates), each verified against a CA of that CERTPATH; the stale policy is the
    /// default (warn). One that verifies against none is left out with a warning.
    pub(crate) fn from_pem(
        path: &std::path::Path,
        crls: &[Vec<u8>],
        cas: &[CertInfo],
    ) -> Revocations {
        let mut r = Revocations::default();
        for der in crls {
            let crl = match ParsedCrl::parse(der) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "CRL ignored");
                    continue;
                }
            };
            if cas.iter().any(|ca| crl.verify(ca).is_ok()) {
                r.add(crl);
            } else {
                tracing::warn!(
                    path = %path.display(),
                    issuer = %crl.issuer,
                    "CRL ignored: it does not verify against a CA of this CERTPATH"
                );
            }
        }
        r
    }

    /// Add a verified CRL (several for one issuer name: their entries add up, the freshest
    /// nextUpdate counts).
    pub(crate) fn add(&mut self, crl: ParsedCrl) {
        let e = self
            .by_issuer
            .entry(crl.issuer_der.clone())
            .or_insert_with(|| CaCrl {
                issuer: crl.issuer.clone(),
                next_update: crl.next_update,
                entries: HashMap::new(),
                warned_stale: AtomicBool::new(false),
            });
        e.next_update = match (e.next_update, crl.next_update) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        e.entries.extend(crl.entries);
    }

    /// How many CRLs (issuers) are known.
    pub fn len(&self) -> usize {
        self.by_issuer.len()
    }

    /// Whether no CRL is known.
    pub fn is_empty(&self) -> bool {
        self.by_issuer.is_empty() && self.unprotected.is_empty()
    }

    /// Why `info` is refused, if it is: on its issuer's CRL, or that CRL is stale under the
    /// refuse policy. `who` names it in the sentence.
    pub(crate) fn refusal(
        &self,
        info: &CertInfo,
        who: &str,
        now: UnixTime,
    ) -> Option<RevocationRefusal> {
        if let Some(issuer) = self.unprotected.get(&info.issuer_der) {
            return Some(RevocationRefusal::Stale(format!(
                "the CRL of '{issuer}' in the certificate database was changed without its \
                 password: {who} is refused until the CRL is imported or re-signed with it"
            )));
        }
        let crl = self.by_issuer.get(&info.issuer_der)?;
        if let Some(r) = crl.entries.get(&serial_key(&info.serial)) {
            return Some(RevocationRefusal::Revoked(format!(
                "{who} was revoked {} by '{}'",
                r.describe(),
                crl.issuer
            )));
        }
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let next = crl.next_update?;
        if now <= next.unix_timestamp() {
            return None;
        }
        match self.stale {
            CrlStale::Refuse => Some(RevocationRefusal::Stale(format!(
                "the CRL of '{}' is past its next update ({}) and the certificate database's \
                 policy is crl-stale refuse: {who} is refused until a fresh CRL is imported",
                crl.issuer,
                format_time(next)
            ))),
            CrlStale::Warn => {
                if !crl.warned_stale.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        issuer = %crl.issuer,
                        next_update = %format_time(next),
                        "the CRL of this CA is past its next update: used anyway (policy \
                         crl-stale warn); import a fresh one"
                    );
                }
                None
            }
        }
    }
}
