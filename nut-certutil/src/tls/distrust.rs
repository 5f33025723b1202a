//! Trust tied to a certificate's identity, as NSS ties it: issuer + serial number, never the
//! bytes. An ECDSA signature (r, s) re-encoded as (r, n-s) still verifies and changes the DER
//! (and so the fingerprint), so distrust keyed on a fingerprint is bypassed by anyone who holds
//! a copy of the distrusted certificate. Here:
//!
//! - a certificate is distrusted when its issuer + serial equals a `p` certificate's, or, for a
//!   distrusted CA, when it carries that CA's public key (a re-issued or cross-signed copy);
//! - a presented certificate whose issuer + serial equals a stored certificate's but whose
//!   bytes differ is refused (NSS: `SEC_ERROR_REUSED_ISSUER_AND_SERIAL`).

use std::collections::HashMap;

use crate::certinfo::CertInfo;

/// Issuer (DER) + serial number: what names one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CertId {
    issuer: Vec<u8>,
    serial: String,
}

impl CertId {
    fn of(info: &CertInfo) -> CertId {
        CertId {
            issuer: info.issuer_der.clone(),
            serial: info.serial.clone(),
        }
    }
}

/// One stored certificate, as far as identity goes.
#[derive(Debug, Clone)]
struct Stored {
    fingerprint: String,
    label: String,
}

/// The identities a CERTPATH knows: what is distrusted, and which bytes each stored
/// issuer + serial has.
#[derive(Debug, Clone, Default)]
pub struct CertIdentities {
    distrusted: HashMap<CertId, String>,
    distrusted_ca_keys: HashMap<Vec<u8>, String>,
    stored: HashMap<CertId, Vec<Stored>>,
}

impl CertIdentities {
    /// Remember a certificate of the CERTPATH (`label`: its nickname or file).
    pub(crate) fn note_stored(&mut self, info: &CertInfo, label: &str) {
        self.stored
            .entry(CertId::of(info))
            .or_default()
            .push(Stored {
                fingerprint: info.fingerprint.clone(),
                label: label.to_string(),
            });
    }

    /// Remember a certificate flagged `p`: its issuer + serial, and its key when it is a CA.
    pub(crate) fn note_distrusted(&mut self, info: &CertInfo) {
        let name = info.subject.clone();
        self.distrusted.insert(CertId::of(info), name.clone());
        if info.is_ca {
            self.distrusted_ca_keys.insert(info.spki_der.clone(), name);
        }
    }

    /// Whether anything is distrusted at all.
    pub fn any_distrusted(&self) -> bool {
        !self.distrusted.is_empty()
    }

    /// The subject of the distrusted certificate `info` is (by issuer + serial) or whose CA
    /// key it carries, if any.
    pub fn distrusted_as(&self, info: &CertInfo) -> Option<&str> {
        self.distrusted
            .get(&CertId::of(info))
            .or_else(|| self.distrusted_ca_keys.get(&info.spki_der))
            .map(String::as_str)
    }

    /// The stored certificate `info` impersonates: same issuer + serial, other bytes.
    pub fn impersonated(&self, info: &CertInfo) -> Option<&str> {
        let same_id = self.stored.get(&CertId::of(info))?;
        if same_id.iter().any(|s| s.fingerprint == info.fingerprint) {
            return None;
        }
        same_id.first().map(|s| s.label.as_str())
    }

    /// Why a certificate of a chain is refused, if it is; `who` names it in the sentence
    /// (`certificate for 'ups1'`, `issuer 'CN=Sub CA'`).
    pub fn refusal(&self, info: &CertInfo, who: &str) -> Option<String> {
        if let Some(subject) = self.distrusted_as(info) {
            let copy = if subject == info.subject {
                String::new()
            } else {
                format!(" (a copy of '{subject}')")
            };
            return Some(format!("{who} is explicitly distrusted (p flag){copy}"));
        }
        self.impersonated(info).map(|label| {
            format!(
                "{who} has the issuer and serial number of the stored certificate '{label}' \
                 but different contents (a forged or re-encoded copy): refused"
            )
        })
    }
}
