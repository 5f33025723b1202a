//! Rotation: re-issue a certificate one of our CAs issued before it expires, with the same key
//! or a new one, keeping its subject, names, role and trust; the new certificate takes the
//! nickname (what CERTIDENT names), the old one stays under `NICK (serial S)` until it is
//! revoked or deleted.

use crate::certinfo::CertInfo;
use crate::keys::{KeyCipher, PrivateKey};
use crate::pki::{self, CertProfile, CertRole};
use crate::revoke::{RevokeError, find_issuer};
use crate::store::Store;

/// Longest validity a renewal gives, in months (as `issue`: 100 years).
pub const MAX_MONTHS: u32 = 1200;

/// What a renewal did.
#[derive(Debug, Clone)]
pub struct Renewed {
    /// The nickname the old certificate is now stored under.
    pub old_nickname: String,
    /// The old certificate's serial.
    pub old_serial: String,
    /// The new certificate's serial.
    pub new_serial: String,
    /// The CA that signed both.
    pub ca: String,
}

fn role_of(info: &CertInfo) -> CertRole {
    match (info.server_auth, info.client_auth) {
        (true, true) => CertRole::ServerAndClient,
        (false, true) => CertRole::Client,
        _ => CertRole::Server,
    }
}

/// Re-issue `nickname` for `months` (new key when `new_key`), signed by the CA that issued it.
pub fn renew(
    store: &mut Store,
    cipher: &KeyCipher,
    nickname: &str,
    new_key: bool,
    months: u32,
) -> Result<Renewed, RevokeError> {
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(RevokeError::Renew(format!(
            "a validity of {months} months is out of range (1..={MAX_MONTHS})"
        )));
    }
    let rec = store.certificate(nickname)?;
    let info = rec.info()?;
    if info.is_self_issued() {
        return Err(RevokeError::SelfSigned(nickname.to_string()));
    }
    let ca = find_issuer(store, &info, &rec.der)?;
    if !ca.has_key {
        return Err(RevokeError::NoCaKey(ca.nickname));
    }
    let ca_key = store.key_for_certificate(cipher, &ca.nickname)?;
    let old_key = store.key_for_certificate(cipher, nickname)?;
    let key = if new_key {
        PrivateKey::generate(old_key.algorithm()).map_err(crate::store::StoreError::from)?
    } else {
        old_key
    };
    let sans: Vec<String> = info
        .dns_names
        .iter()
        .cloned()
        .chain(info.ip_addresses.iter().map(|a| a.to_string()))
        .collect();
    let request = pki::make_request(&key, &info.subject, &sans).map_err(renew_error)?;
    let request = pki::read_request(&request).map_err(renew_error)?;
    let profile = CertProfile::for_months(role_of(&info), months);
    let der = pki::sign_request(&request, &profile, &ca.der, &ca_key).map_err(renew_error)?;
    let new_info = CertInfo::parse(&der).map_err(crate::store::StoreError::from)?;
    let old_nickname = format!("{nickname} (serial {})", info.serial);
    store.replace_certificate(
        cipher,
        nickname,
        &old_nickname,
        &der,
        new_key.then_some(&key),
    )?;
    Ok(Renewed {
        old_nickname,
        old_serial: info.serial,
        new_serial: new_info.serial,
        ca: ca.nickname,
    })
}

fn renew_error(e: pki::PkiError) -> RevokeError {
    RevokeError::Renew(e.to_string())
}
