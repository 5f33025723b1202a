//! The store's password: unlocking (the key derived and checked against the stored check
//! value), whether it is empty, and changing it (every key re-encrypted and every trust MAC
//! re-made in one transaction).

use rusqlite::params;

use super::{KDF_ITERATIONS_RANGE, Store, StoreError, crls, put_meta};
use crate::keys::{KeyCipher, Sealed, random_bytes};

impl Store {
    fn kdf_params(&self) -> Result<(Vec<u8>, u32), StoreError> {
        let salt = self.meta("kdf_salt")?;
        let iters = String::from_utf8_lossy(&self.meta("kdf_iterations")?)
            .parse::<u32>()
            .ok()
            // A doctored count must not make every unlock (upsd's included) run for hours.
            .filter(|n| KDF_ITERATIONS_RANGE.contains(n))
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "kdf_iterations out of range ({}..={})",
                    KDF_ITERATIONS_RANGE.start(),
                    KDF_ITERATIONS_RANGE.end()
                ))
            })?;
        Ok((salt, iters))
    }

    /// Derive the key cipher from the password and check it against the stored check value.
    pub fn unlock(&self, password: &str) -> Result<KeyCipher, StoreError> {
        let (salt, iters) = self.kdf_params()?;
        let cipher = KeyCipher::derive(password, &salt, iters);
        let check = Sealed {
            nonce: self.meta("check_nonce")?,
            ciphertext: self.meta("check_value")?,
        };
        cipher.verify_check(&check)?;
        *self.unlocked.lock().unwrap_or_else(|e| e.into_inner()) = Some(cipher.clone());
        Ok(cipher)
    }

    /// Whether the password was given to this handle ([`Store::unlock`]).
    pub fn is_unlocked(&self) -> bool {
        self.unlocked_cipher().is_some()
    }

    /// The database key, if the password was given to this handle.
    pub(crate) fn unlocked_cipher(&self) -> Option<KeyCipher> {
        self.unlocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// True when the store was given an empty password (NSS's `--empty-password`): then no
    /// password is asked for. (Recorded at creation and on password change; the check value
    /// still decides whether a password opens the keys.)
    pub fn has_empty_password(&self) -> bool {
        match self.meta("password_empty") {
            Ok(v) => v == b"1",
            Err(_) => self.unlock("").is_ok(),
        }
    }

    /// The PBKDF2 iteration count of this store.
    pub fn kdf_iterations(&self) -> Result<u32, StoreError> {
        Ok(self.kdf_params()?.1)
    }

    /// Change the password: new salt, new check value, every key re-encrypted, one transaction.
    pub fn change_password(&mut self, old: &str, new: &str) -> Result<(), StoreError> {
        let old_cipher = self.unlock(old)?;
        let (_, iters) = self.kdf_params()?;
        let mut salt = [0u8; 16];
        random_bytes(&mut salt)?;
        let new_cipher = KeyCipher::derive(new, &salt, iters);
        let check = new_cipher.make_check()?;
        let tx = self.conn.transaction()?;
        let rows: Vec<(i64, String, Vec<u8>, Vec<u8>)> = {
            let mut st = tx.prepare("SELECT id, key_id, nonce, ciphertext FROM private_keys")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?
        };
        for (id, key_id, nonce, ciphertext) in rows {
            let plain = old_cipher.open(&Sealed { nonce, ciphertext }, key_id.as_bytes())?;
            let sealed = new_cipher.seal(&plain, key_id.as_bytes())?;
            tx.execute(
                "UPDATE private_keys SET nonce = ?1, ciphertext = ?2 WHERE id = ?3",
                params![sealed.nonce, sealed.ciphertext, id],
            )?;
        }
        // Trust MACs follow the key: re-made for trust that verifies under the old password;
        // trust that does not (it was never protected, or was tampered with) is dropped.
        let trusts: Vec<TrustRow> = {
            let mut st = tx.prepare(
                "SELECT id, nickname, der, trust, trust_mac FROM certificates WHERE trust != ',,'",
            )?;
            st.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?
        };
        for (id, nickname, der, trust, mac) in trusts {
            // The MAC binds the certificate itself (its DER's fingerprint), not a column.
            let fingerprint = crate::certinfo::der_fingerprint(&der);
            let ok = mac
                .as_deref()
                .is_some_and(|m| old_cipher.trust_mac_ok(&fingerprint, &trust, m));
            // Unprotected trust loses everything but distrust (which can only deny).
            let kept = if ok {
                trust.clone()
            } else {
                let t = trust
                    .parse::<crate::trust::TrustFlags>()
                    .unwrap_or_default()
                    .distrust_only()
                    .to_string();
                tracing::warn!(%nickname, %trust, kept = %t, "unprotected trust dropped with the password change");
                t
            };
            let mac = (kept != ",,").then(|| new_cipher.trust_mac(&fingerprint, &kept));
            tx.execute(
                "UPDATE certificates SET trust = ?1, trust_mac = ?2 WHERE id = ?3",
                params![kept, mac, id],
            )?;
        }
        crls::remac(&tx, &old_cipher, &new_cipher)?;
        put_password_meta(&tx, &salt, &check, new.is_empty())?;
        tx.commit()?;
        *self.unlocked.lock().unwrap_or_else(|e| e.into_inner()) = Some(new_cipher);
        tracing::info!(dir = %self.dir.display(), "certificate database password changed");
        Ok(())
    }
}

/// A certificate row's trust as stored: id, nickname, DER, trust, MAC.
type TrustRow = (i64, String, Vec<u8>, String, Option<Vec<u8>>);

/// The password's rows of `meta`: the KDF salt, the check value sealed with the key the
/// password derives, and whether the password is empty.
pub(super) fn put_password_meta(
    tx: &rusqlite::Transaction<'_>,
    salt: &[u8],
    check: &Sealed,
    empty: bool,
) -> Result<(), StoreError> {
    put_meta(tx, "kdf_salt", salt)?;
    put_meta(tx, "check_nonce", &check.nonce)?;
    put_meta(tx, "check_value", &check.ciphertext)?;
    put_meta(tx, "password_empty", if empty { b"1" } else { b"0" })
}
