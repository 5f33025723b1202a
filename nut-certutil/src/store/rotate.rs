//! Replacing a certificate under its nickname (rotation): the old row keeps its place under a
//! new nickname (so it can still be revoked by name), the new certificate (and its new key, if
//! any) takes the nickname, in one transaction.

use rusqlite::params;

use super::certs::insert_cert;
use super::{Store, StoreError};
use crate::certinfo::CertInfo;
use crate::keys::{KeyCipher, PrivateKey};

impl Store {
    /// Rename `nickname`'s certificate to `old_as` and store `der` (with `new_key`, when the
    /// key changed) under `nickname` with the old trust, in one transaction.
    pub fn replace_certificate(
        &mut self,
        cipher: &KeyCipher,
        nickname: &str,
        old_as: &str,
        der: &[u8],
        new_key: Option<&PrivateKey>,
    ) -> Result<(), StoreError> {
        let old = self.certificate(nickname)?;
        let info = CertInfo::parse(der)?;
        let sealed = match new_key {
            Some(k) if k.key_id() == info.key_id => Some((k, cipher.seal_key(k)?)),
            Some(_) => {
                return Err(StoreError::Corrupt(format!(
                    "the new key does not belong to the new certificate \"{nickname}\""
                )));
            }
            None if info.key_id != old.key_id => {
                return Err(StoreError::NoKeyFor(nickname.to_string()));
            }
            None => None,
        };
        let mac = self.trust_mac_for(nickname, &info.fingerprint, old.trust, Some(cipher))?;
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "UPDATE certificates SET nickname = ?1 WHERE nickname = ?2",
            params![old_as, nickname],
        )?;
        if let Some((key, sealed)) = &sealed {
            super::keyrows::insert_key(&tx, key, sealed)?;
        }
        insert_cert(&tx, nickname, der, &info, old.trust, mac.as_deref())?;
        tx.commit()?;
        tracing::info!(nickname, old = %old_as, "certificate replaced");
        Ok(())
    }
}
