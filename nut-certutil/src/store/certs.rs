//! Certificate rows: add (with or without their key, in one transaction), look up, list,
//! delete, and build chains through the store. Their trust: [`super::cert_trust`].

use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::{Store, StoreError, now_unix};
use crate::certinfo::CertInfo;
use crate::keys::{KeyCipher, PrivateKey};
use crate::trust::TrustFlags;

/// One stored certificate.
#[derive(Debug, Clone)]
pub struct CertRecord {
    /// Unique nickname.
    pub nickname: String,
    /// DER.
    pub der: Vec<u8>,
    /// Subject, NSS style.
    pub subject: String,
    /// Issuer, NSS style.
    pub issuer: String,
    /// Serial, hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// SHA-256 fingerprint, hex.
    pub fingerprint: String,
    /// Key id (SHA-1 of the public key).
    pub key_id: String,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// Stored trust (without `u`).
    pub trust: TrustFlags,
    /// The store holds the private key.
    pub has_key: bool,
    /// MAC of the trust flags (None: written without the password, or before protection).
    pub(crate) trust_mac: Option<Vec<u8>>,
}

impl CertRecord {
    /// Trust as NSS prints it: with `u` when the key is present.
    pub fn effective_trust(&self) -> TrustFlags {
        self.trust.with_user(self.has_key)
    }

    /// Parse the DER for everything else.
    pub fn info(&self) -> Result<CertInfo, StoreError> {
        Ok(CertInfo::parse(&self.der)?)
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<CertRecord> {
        let trust: String = r.get(10)?;
        let ts =
            |v: i64| OffsetDateTime::from_unix_timestamp(v).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Ok(CertRecord {
            nickname: r.get(0)?,
            der: r.get(1)?,
            subject: r.get(2)?,
            issuer: r.get(3)?,
            serial: r.get(4)?,
            not_before: ts(r.get(5)?),
            not_after: ts(r.get(6)?),
            fingerprint: r.get(7)?,
            key_id: r.get(8)?,
            is_ca: r.get(9)?,
            trust: trust.parse().unwrap_or_default(),
            has_key: r.get(11)?,
            trust_mac: r.get(12)?,
        })
    }
}

const SELECT: &str = "SELECT c.nickname, c.der, c.subject, c.issuer, c.serial, c.not_before, c.not_after, \
     c.fingerprint, c.key_id, c.is_ca, c.trust, \
     EXISTS(SELECT 1 FROM private_keys k WHERE k.key_id = c.key_id), c.trust_mac FROM certificates c";

/// What [`Store::add_certificate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new row.
    Added,
    /// The same certificate under the same nickname: its trust was updated (NSS `-A` again).
    TrustUpdated,
}

pub(super) fn insert_cert(
    tx: &rusqlite::Transaction<'_>,
    nickname: &str,
    der: &[u8],
    info: &CertInfo,
    trust: TrustFlags,
    mac: Option<&[u8]>,
) -> Result<AddOutcome, StoreError> {
    let existing: Option<String> = tx
        .query_row(
            "SELECT nickname FROM certificates WHERE fingerprint = ?1",
            params![info.fingerprint],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = existing {
        if existing == nickname {
            // The row is rewritten with this certificate's DER: the MAC is over it.
            tx.execute(
                "UPDATE certificates SET trust = ?1, trust_mac = ?2, der = ?3 WHERE nickname = ?4",
                params![trust.without_user().to_string(), mac, der, nickname],
            )?;
            return Ok(AddOutcome::TrustUpdated);
        }
        return Err(StoreError::DuplicateCertificate(existing));
    }
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM certificates WHERE nickname = ?1)",
        params![nickname],
        |r| r.get(0),
    )?;
    if taken {
        return Err(StoreError::NicknameTaken(nickname.to_string()));
    }
    tx.execute(
        "INSERT INTO certificates (nickname, der, subject, issuer, serial, not_before, not_after, fingerprint, \
         key_id, is_ca, trust, added_at, trust_mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            nickname,
            der,
            info.subject,
            info.issuer,
            info.serial,
            info.not_before.unix_timestamp(),
            info.not_after.unix_timestamp(),
            info.fingerprint,
            info.key_id,
            info.is_ca,
            trust.without_user().to_string(),
            now_unix(),
            mac
        ],
    )?;
    Ok(AddOutcome::Added)
}

impl Store {
    /// Add a certificate (DER) under `nickname` with `trust` (`u` is ignored: derived).
    pub fn add_certificate(
        &mut self,
        nickname: &str,
        der: &[u8],
        trust: TrustFlags,
    ) -> Result<AddOutcome, StoreError> {
        self.add_certificate_chain(nickname, der, trust, None, &[])
    }

    /// Add a certificate and its private key in one transaction.
    pub fn add_certificate_with_key(
        &mut self,
        cipher: &KeyCipher,
        nickname: &str,
        der: &[u8],
        trust: TrustFlags,
        key: &PrivateKey,
    ) -> Result<AddOutcome, StoreError> {
        self.add_certificate_chain(nickname, der, trust, Some((cipher, key)), &[])
    }

    /// Add a certificate (with its private key, if given) and the rest of its chain in one
    /// transaction: either all of it is stored or nothing. Chain certificates already in the
    /// store (same fingerprint) are skipped; the others are stored without trust as
    /// `<nickname> #2`, `#3`, ... in the order given (NSS's numbering of a multi-certificate
    /// import).
    pub fn add_certificate_chain(
        &mut self,
        nickname: &str,
        der: &[u8],
        trust: TrustFlags,
        key: Option<(&KeyCipher, &PrivateKey)>,
        chain: &[Vec<u8>],
    ) -> Result<AddOutcome, StoreError> {
        let info = CertInfo::parse(der)?;
        let sealed = match key {
            Some((cipher, key)) => {
                if info.key_id != key.key_id() {
                    return Err(StoreError::Corrupt(format!(
                        "the private key does not belong to certificate \"{nickname}\""
                    )));
                }
                Some((key, cipher.seal_key(key)?))
            }
            None => None,
        };
        let chain_infos = chain
            .iter()
            .map(|der| CertInfo::parse(der))
            .collect::<Result<Vec<_>, _>>()?;
        let mac = self.trust_mac_for(nickname, &info.fingerprint, trust, key.map(|(c, _)| c))?;
        let tx = self.conn_mut().transaction()?;
        if let Some((key, sealed)) = &sealed {
            super::keyrows::insert_key(&tx, key, sealed)?;
        }
        let out = insert_cert(&tx, nickname, der, &info, trust, mac.as_deref())?;
        let mut added = Vec::new();
        for (i, (der, info)) in chain.iter().zip(&chain_infos).enumerate() {
            let present: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM certificates WHERE fingerprint = ?1)",
                params![info.fingerprint],
                |r| r.get(0),
            )?;
            if present {
                continue;
            }
            let name = format!("{nickname} #{}", i + 2);
            insert_cert(&tx, &name, der, info, TrustFlags::NONE, None)?;
            added.push((name, &info.subject));
        }
        tx.commit()?;
        if sealed.is_some() {
            tracing::info!(nickname, subject = %info.subject, "certificate and key stored");
        } else {
            tracing::info!(nickname, subject = %info.subject, "certificate stored");
        }
        for (name, subject) in added {
            tracing::info!(nickname = %name, %subject, "chain certificate stored");
        }
        Ok(out)
    }

    /// Every certificate, in insertion order.
    pub fn certificates(&self) -> Result<Vec<CertRecord>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(&format!("{SELECT} ORDER BY c.id"))?;
        let rows = st
            .query_map([], CertRecord::from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.checked_all(rows))
    }

    /// Nicknames and printed trust only (what `-L` shows), without reading the DER.
    pub fn list_trust(&self) -> Result<Vec<(String, TrustFlags)>, StoreError> {
        let mut st = self.conn().prepare_cached(
            "SELECT c.nickname, c.trust, EXISTS(SELECT 1 FROM private_keys k WHERE k.key_id = c.key_id) \
             FROM certificates c ORDER BY c.id",
        )?;
        let rows = st
            .query_map([], |r| {
                let t: String = r.get(1)?;
                let has_key: bool = r.get(2)?;
                Ok((
                    r.get(0)?,
                    t.parse::<TrustFlags>()
                        .unwrap_or_default()
                        .with_user(has_key),
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A certificate by nickname, if present.
    pub fn find_certificate(&self, nickname: &str) -> Result<Option<CertRecord>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(&format!("{SELECT} WHERE c.nickname = ?1"))?;
        Ok(st
            .query_row(params![nickname], CertRecord::from_row)
            .optional()?
            .map(|r| self.checked(r, &self.unlocked_cipher())))
    }

    /// A certificate by nickname.
    pub fn certificate(&self, nickname: &str) -> Result<CertRecord, StoreError> {
        self.find_certificate(nickname)?
            .ok_or_else(|| StoreError::NoSuchCertificate(nickname.to_string()))
    }

    /// Certificates whose subject equals `subject` (NSS-style string), CAs first.
    pub fn certificates_by_subject(&self, subject: &str) -> Result<Vec<CertRecord>, StoreError> {
        let mut st = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE c.subject = ?1 ORDER BY c.is_ca DESC, c.id"
        ))?;
        let rows = st
            .query_map(params![subject], CertRecord::from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.checked_all(rows))
    }

    /// Delete a certificate (NSS `-D`); with `with_key` its private key too (NSS `-F`).
    pub fn delete_certificate(&mut self, nickname: &str, with_key: bool) -> Result<(), StoreError> {
        let rec = self.certificate(nickname)?;
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "DELETE FROM certificates WHERE nickname = ?1",
            params![nickname],
        )?;
        if with_key {
            tx.execute(
                "DELETE FROM private_keys WHERE key_id = ?1",
                params![rec.key_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The chain of a certificate through the store: the certificate first, then each issuer
    /// found by subject (stops at a self-issued certificate or a missing issuer).
    pub fn chain(&self, nickname: &str) -> Result<Vec<CertRecord>, StoreError> {
        let leaf = self.certificate(nickname)?;
        let mut chain = vec![leaf];
        while chain.len() < 8 {
            let last = &chain[chain.len() - 1];
            if last.subject == last.issuer {
                break;
            }
            let issuer = self
                .certificates_by_subject(&last.issuer)?
                .into_iter()
                .find(|c| c.is_ca && !chain.iter().any(|x| x.fingerprint == c.fingerprint));
            match issuer {
                Some(i) => chain.push(i),
                None => break,
            }
        }
        Ok(chain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyAlgorithm;
    use crate::pki::{self, CertProfile, CertRole};

    /// A chain is stored whole or not at all: a clash on a chain certificate's nickname
    /// leaves the store as it was, the leaf included.
    #[test]
    fn a_chain_import_is_one_transaction() {
        let t = tempfile::tempdir().expect("tmp");
        let mut s = Store::create_with_kdf(t.path(), "", 10).expect("create");
        let profile = |role| CertProfile::for_months(role, 12);
        let ck = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let ca =
            pki::self_signed(&ck, "CN=CA", &profile(CertRole::Ca { path_len: None })).expect("ca");
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let leaf =
            pki::issue(&k, "CN=localhost", &profile(CertRole::Server), &ca, &ck).expect("leaf");
        let ok = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let squatter =
            pki::self_signed(&ok, "CN=Other", &profile(CertRole::Server)).expect("other");
        s.add_certificate("srv #2", &squatter, TrustFlags::NONE)
            .expect("squatter");
        let c = s.unlock("").expect("unlock");
        let refused = s.add_certificate_chain(
            "srv",
            &leaf,
            "P,,".parse().expect("t"),
            Some((&c, &k)),
            std::slice::from_ref(&ca),
        );
        assert!(matches!(refused, Err(StoreError::NicknameTaken(n)) if n == "srv #2"));
        let names = |s: &Store| -> Vec<String> {
            let certs = s.certificates().expect("list");
            certs.into_iter().map(|c| c.nickname).collect()
        };
        assert_eq!(
            names(&s),
            ["srv #2"],
            "nothing of the refused chain was kept"
        );
        assert!(!s.has_key(&k.key_id()).expect("keys"), "no key either");
        // Under a free nickname the whole chain goes in; a certificate already present is
        // skipped, not refused.
        s.add_certificate_chain(
            "web",
            &leaf,
            TrustFlags::NONE,
            Some((&c, &k)),
            &[ca.clone(), squatter.clone()],
        )
        .expect("chain");
        assert_eq!(names(&s), ["srv #2", "web", "web #2"]);
    }

    #[test]
    fn add_list_trust_delete_and_chain() {
        let t = tempfile::tempdir().expect("tmp");
        let mut s = Store::create_with_kdf(t.path(), "", 10).expect("create");
        let c = s.unlock("").expect("unlock");
        let ck = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let ca = pki::self_signed(
            &ck,
            "CN=CA",
            &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
        )
        .expect("ca");
        s.add_certificate_with_key(&c, "My Root CA", &ca, "CT,,".parse().expect("t"), &ck)
            .expect("add");
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let leaf = pki::issue(
            &k,
            "CN=localhost",
            &CertProfile::for_months(CertRole::Server, 3),
            &ca,
            &ck,
        )
        .expect("leaf");
        assert_eq!(
            s.add_certificate("server", &leaf, TrustFlags::NONE)
                .expect("add"),
            AddOutcome::Added
        );
        assert_eq!(
            s.add_certificate("server", &leaf, "P,,".parse().expect("t"))
                .expect("again"),
            AddOutcome::TrustUpdated
        );
        assert!(matches!(
            s.add_certificate("other", &leaf, TrustFlags::NONE),
            Err(StoreError::DuplicateCertificate(_))
        ));
        assert!(matches!(
            s.add_certificate("x", &ca, TrustFlags::NONE),
            Err(StoreError::DuplicateCertificate(_))
        ));
        let ok = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let other = pki::self_signed(
            &ok,
            "CN=Other",
            &CertProfile::for_months(CertRole::Server, 1),
        )
        .expect("other");
        assert!(matches!(
            s.add_certificate("server", &other, TrustFlags::NONE),
            Err(StoreError::NicknameTaken(_))
        ));
        let list = s.list_trust().expect("list");
        assert_eq!(
            list[0],
            ("My Root CA".to_string(), "CTu,u,u".parse().expect("t"))
        );
        assert_eq!(list[1].1.to_string(), "P,,");
        let chain = s.chain("server").expect("chain");
        assert_eq!(
            chain
                .iter()
                .map(|c| c.nickname.as_str())
                .collect::<Vec<_>>(),
            vec!["server", "My Root CA"]
        );
        s.set_trust("server", ",,".parse().expect("t"))
            .expect("trust");
        assert_eq!(
            s.certificate("server")
                .expect("get")
                .effective_trust()
                .to_string(),
            ",,"
        );
        s.delete_certificate("server", true).expect("delete");
        assert!(matches!(
            s.certificate("server"),
            Err(StoreError::NoSuchCertificate(_))
        ));
        assert!(matches!(
            s.set_trust("server", TrustFlags::NONE),
            Err(StoreError::NoSuchCertificate(_))
        ));
    }
}
