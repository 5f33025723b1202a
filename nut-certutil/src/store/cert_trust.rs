//! The trust of stored certificates: written with a MAC keyed by the database password, and
//! read back (with the password known) only when that MAC verifies.

use rusqlite::{OptionalExtension, params};

use super::{CertRecord, Store, StoreError};
use crate::keys::KeyCipher;
use crate::trust::TrustFlags;

impl Store {
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
    pub(super) fn checked(&self, mut rec: CertRecord, cipher: &Option<KeyCipher>) -> CertRecord {
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

    pub(super) fn checked_all(&self, rows: Vec<CertRecord>) -> Vec<CertRecord> {
        let cipher = self.unlocked_cipher();
        rows.into_iter().map(|r| self.checked(r, &cipher)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, PrivateKey};
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
}
