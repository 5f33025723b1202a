//! Certificate rows: add (with or without their key, in one transaction), look up, list,
//! change trust, delete, and build chains through the store.

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

    /// Change the trust of a certificate (NSS `-M`). Trust other than none needs the
    /// database password first ([`Store::unlock`]): it is written with its MAC.
    pub fn set_trust(&mut self, nickname: &str, trust: TrustFlags) -> Result<(), StoreError> {
        let der: Vec<u8> = self
            .conn()
            .query_row(
                "SELECT der FROM certificates WHERE nickname = ?1",
                params![nickname],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchCertificate(nickname.to_string()))?;
        // The MAC binds the certificate as stored (its DER), whatever the other columns say.
        let fingerprint = crate::certinfo::der_fingerprint(&der);
        let mac = self.trust_mac_for(nickname, &fingerprint, trust, None)?;
        self.conn().execute(
            "UPDATE certificates SET trust = ?1, trust_mac = ?2 WHERE nickname = ?3",
            params![trust.without_user().to_string(), mac, nickname],
        )?;
        Ok(())
    }

    /// The MAC to store with `trust`: none for no trust; for any other, computed with the
    /// given or the unlocked database key, and refused without one.
    pub(super) fn trust_mac_for(
        &self,
        nickname: &str,
        fingerprint: &str,
        trust: TrustFlags,
        cipher: Option<&KeyCipher>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let trust = trust.without_user();
        if trust == TrustFlags::NONE {
            return Ok(None);
        }
        let cipher = cipher.cloned().or_else(|| self.unlocked_cipher());
        match cipher {
            Some(c) => Ok(Some(c.trust_mac(fingerprint, &trust.to_string()))),
            None => Err(StoreError::TrustNeedsPassword(nickname.to_string())),
        }
    }

    /// With the database key known, a record whose trust does not carry a valid MAC (set
    /// without the password, or written into the file by someone who does not know it) is
    /// read as untrusted, with a warning. Without the key, trust is read as stored.
    fn checked(&self, mut rec: CertRecord, cipher: &Option<KeyCipher>) -> CertRecord {
        let Some(c) = cipher else {
            return rec;
        };
        let trust = rec.trust.without_user();
        if trust == TrustFlags::NONE {
            return rec;
        }
        // The MAC binds the certificate itself: the fingerprint of the DER read, not the
        // fingerprint column (a row whose DER was swapped keeps its old column).
        let fingerprint = crate::certinfo::der_fingerprint(&rec.der);
        let ok = fingerprint == rec.fingerprint
            && rec
                .trust_mac
                .as_deref()
                .is_some_and(|m| c.trust_mac_ok(&fingerprint, &trust.to_string(), m));
        if ok {
            return rec;
        }
        // Distrust is kept: it can only deny (so unprotected distrust loses nothing and is
        // not warned about).
        rec.trust = trust.distrust_only();
        if rec.trust != trust && self.first_warning(&rec.nickname) {
            tracing::warn!(
                nickname = %rec.nickname,
                trust = %trust,
                "the trust of this certificate is not protected by the database password (set by \
                 an older nut-certutil, or changed without the password): it is ignored; set it \
                 again with `nut-certutil -M -d DIR -n NICKNAME -t TRUST`"
            );
        }
        rec
    }

    fn checked_all(&self, rows: Vec<CertRecord>) -> Vec<CertRecord> {
        let cipher = self.unlocked_cipher();
        rows.into_iter().map(|r| self.checked(r, &cipher)).collect()
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

    /// Trust carries a MAC keyed by the database password: setting it needs the password,
    /// and trust written into the file without it is read as none by whoever has the
    /// password; a password change keeps the protected trust and drops the rest.
    #[test]
    fn trust_written_without_the_password_is_not_trusted() {
        let t = tempfile::tempdir().expect("tmp");
        let dir = t.path();
        let mut s = Store::create_with_kdf(dir, "pw", 10).expect("create");
        let profile = |role| CertProfile::for_months(role, 12);
        let ck = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let ca =
            pki::self_signed(&ck, "CN=CA", &profile(CertRole::Ca { path_len: None })).expect("ca");
        let ok = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let rogue = pki::self_signed(
            &ok,
            "CN=Rogue CA",
            &profile(CertRole::Ca { path_len: None }),
        )
        .expect("rogue");
        s.add_certificate("rogue", &rogue, TrustFlags::NONE)
            .expect("no trust needs no password");
        assert!(matches!(
            s.add_certificate("CA", &ca, "CT,,".parse().expect("t")),
            Err(StoreError::TrustNeedsPassword(n)) if n == "CA"
        ));
        assert!(matches!(
            s.set_trust("rogue", "C,,".parse().expect("t")),
            Err(StoreError::TrustNeedsPassword(_))
        ));
        s.unlock("pw").expect("unlock");
        s.add_certificate("CA", &ca, "CT,,".parse().expect("t"))
            .expect("with the password");
        drop(s);
        // Someone who can write the file, not knowing the password, trusts the rogue CA.
        let raw = rusqlite::Connection::open(Store::db_path(dir)).expect("raw");
        raw.execute(
            "UPDATE certificates SET trust = 'CT,,' WHERE nickname = 'rogue'",
            [],
        )
        .expect("tamper");
        drop(raw);
        let trust_of = |s: &Store, n: &str| s.certificate(n).expect(n).trust.to_string();
        // A reader that gave the password.
        let unlocked = |pw: &str| {
            let r = Store::open_read_only(dir).expect("open");
            r.unlock(pw).expect("unlock");
            r
        };
        let reader = Store::open_read_only(dir).expect("open");
        assert_eq!(
            trust_of(&reader, "rogue"),
            "CT,,",
            "without the password: as stored"
        );
        reader.unlock("pw").expect("unlock");
        assert_eq!(
            trust_of(&reader, "rogue"),
            ",,",
            "with it: the forged trust is ignored"
        );
        assert_eq!(trust_of(&reader, "CA"), "CT,,");
        let tm = crate::tls::TrustMaterial::load_with_password(dir, Some("pw")).expect("trust");
        assert_eq!(tm.server_roots().len(), 1, "only the real CA is an anchor");
        drop(reader);
        // Swapping the DER of the trusted row (its fingerprint column, trust and MAC left
        // alone) does not carry the trust over: the MAC binds the DER.
        let raw = rusqlite::Connection::open(Store::db_path(dir)).expect("raw");
        let real_ca: Vec<u8> = raw
            .query_row(
                "SELECT der FROM certificates WHERE nickname = 'CA'",
                [],
                |r| r.get(0),
            )
            .expect("der");
        raw.execute(
            "UPDATE certificates SET der = ?1 WHERE nickname = 'CA'",
            [&rogue],
        )
        .expect("swap");
        drop(raw);
        let reader = unlocked("pw");
        assert_eq!(
            trust_of(&reader, "CA"),
            ",,",
            "a swapped DER is not trusted"
        );
        drop(reader);
        let raw = rusqlite::Connection::open(Store::db_path(dir)).expect("raw");
        raw.execute(
            "UPDATE certificates SET der = ?1 WHERE nickname = 'CA'",
            [&real_ca],
        )
        .expect("restore");
        // Distrust needs no protection: forged or not, it is kept (it can only deny).
        raw.execute(
            "UPDATE certificates SET trust = 'p,,' WHERE nickname = 'rogue'",
            [],
        )
        .expect("distrust");
        drop(raw);
        let reader = unlocked("pw");
        assert_eq!(trust_of(&reader, "rogue"), "p,,");
        drop(reader);
        let mut s = Store::open(dir).expect("open");
        s.change_password("pw", "new pw").expect("change");
        let reader = unlocked("new pw");
        assert_eq!(
            trust_of(&reader, "CA"),
            "CT,,",
            "kept under the new password"
        );
        assert_eq!(
            trust_of(&reader, "rogue"),
            "p,,",
            "distrust kept, protected now"
        );
    }

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
