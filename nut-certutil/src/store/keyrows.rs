//! Private key rows: sealed PKCS#8 keyed by key id (SHA-1 of the public key), so a certificate
//! finds its key and NSS's `u` flag can be derived.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, now_unix};
use crate::keys::{KeyAlgorithm, KeyCipher, PrivateKey, Sealed};

/// One stored key, as `-K` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Key id, hex.
    pub key_id: String,
    /// Algorithm.
    pub algorithm: KeyAlgorithm,
    /// Nickname of a certificate using this key, if any.
    pub nickname: Option<String>,
}

pub(super) fn insert_key(
    tx: &rusqlite::Transaction<'_>,
    key: &PrivateKey,
    sealed: &Sealed,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO private_keys (key_id, algorithm, nonce, ciphertext, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT(key_id) DO NOTHING",
        params![key.key_id(), key.algorithm().db_name(), sealed.nonce, sealed.ciphertext, now_unix()],
    )?;
    Ok(())
}

impl Store {
    /// Store a private key (idempotent). Returns its key id.
    pub fn add_key(&mut self, cipher: &KeyCipher, key: &PrivateKey) -> Result<String, StoreError> {
        let sealed = cipher.seal_key(key)?;
        let tx = self.conn_mut().transaction()?;
        insert_key(&tx, key, &sealed)?;
        tx.commit()?;
        Ok(key.key_id())
    }

    /// Whether a key with this id is stored.
    pub fn has_key(&self, key_id: &str) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM private_keys WHERE key_id = ?1)",
            params![key_id],
            |r| r.get(0),
        )?)
    }

    /// Decrypt a key by id.
    pub fn private_key(&self, cipher: &KeyCipher, key_id: &str) -> Result<PrivateKey, StoreError> {
        let row: Option<(String, Vec<u8>, Vec<u8>)> = self
            .conn()
            .query_row(
                "SELECT algorithm, nonce, ciphertext FROM private_keys WHERE key_id = ?1",
                params![key_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (alg, nonce, ciphertext) =
            row.ok_or_else(|| StoreError::NoSuchKey(key_id.to_string()))?;
        let alg = KeyAlgorithm::from_db_name(&alg)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown key algorithm '{alg}'")))?;
        Ok(cipher.open_key(&Sealed { nonce, ciphertext }, key_id, alg)?)
    }

    /// The private key of a certificate.
    pub fn key_for_certificate(
        &self,
        cipher: &KeyCipher,
        nickname: &str,
    ) -> Result<PrivateKey, StoreError> {
        let rec = self.certificate(nickname)?;
        if !rec.has_key {
            return Err(StoreError::NoKeyFor(nickname.to_string()));
        }
        self.private_key(cipher, &rec.key_id)
    }

    /// Every key with the nickname of a certificate using it (NSS `-K`).
    pub fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let mut st = self.conn().prepare(
            "SELECT k.key_id, k.algorithm, (SELECT c.nickname FROM certificates c WHERE c.key_id = k.key_id \
             ORDER BY c.id LIMIT 1) FROM private_keys k ORDER BY k.id",
        )?;
        let rows = st
            .query_map([], |r| {
                let alg: String = r.get(1)?;
                Ok((r.get::<_, String>(0)?, alg, r.get::<_, Option<String>>(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(key_id, alg, nickname)| {
                let algorithm = KeyAlgorithm::from_db_name(&alg)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown key algorithm '{alg}'")))?;
                Ok(KeyRecord {
                    key_id,
                    algorithm,
                    nickname,
                })
            })
            .collect()
    }

    /// Delete a key by id.
    pub fn delete_key(&mut self, key_id: &str) -> Result<(), StoreError> {
        let n = self.conn().execute(
            "DELETE FROM private_keys WHERE key_id = ?1",
            params![key_id],
        )?;
        if n == 0 {
            return Err(StoreError::NoSuchKey(key_id.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_a_password_change() {
        let t = tempfile::tempdir().expect("tmp");
        let mut s = Store::create_with_kdf(t.path(), "old", 10).expect("create");
        let c = s.unlock("old").expect("unlock");
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let id = s.add_key(&c, &k).expect("add");
        assert_eq!(s.add_key(&c, &k).expect("idempotent"), id);
        assert_eq!(
            s.keys().expect("keys"),
            vec![KeyRecord {
                key_id: id.clone(),
                algorithm: KeyAlgorithm::EcdsaP256,
                nickname: None
            }]
        );
        assert!(matches!(
            s.change_password("wrong", "new"),
            Err(StoreError::Key(_))
        ));
        s.change_password("old", "new").expect("change");
        assert!(s.unlock("old").is_err());
        let c2 = s.unlock("new").expect("unlock new");
        assert_eq!(
            s.private_key(&c2, &id).expect("decrypt").pkcs8_der(),
            k.pkcs8_der()
        );
        assert!(
            s.private_key(&c, &id).is_err(),
            "old cipher must not open re-encrypted keys"
        );
        s.delete_key(&id).expect("delete");
        assert!(!s.has_key(&id).expect("has"));
    }
}
