//! Revocation on a store: revoke a certificate one of our CAs issued (and publish that CA's new
//! CRL, signed with its key, in the same transaction), re-sign a CRL before its nextUpdate, and
//! import an outside CA's CRL after checking it against that CA.

use time::{Duration, OffsetDateTime};
use x509_parser::prelude::FromDer;

use crate::certinfo::CertInfo;
use crate::crl::{CrlError, CrlTimes, ParsedCrl, Reason, Revocation, serial_key, sign_crl};
use crate::keys::KeyCipher;
use crate::store::{CertRecord, Store, StoreError};

/// Default time from a CRL we sign to its nextUpdate.
pub const DEFAULT_NEXT_UPDATE_DAYS: u32 = 30;

/// A revocation that cannot be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The CRL could not be made or read.
    #[error(transparent)]
    Crl(#[from] CrlError),
    /// No CA of the store issued the certificate.
    #[error(
        "no CA in the certificate database issued \"{0}\" (its issuer is not here, or its signature does not verify): only certificates our CAs issued can be revoked here"
    )]
    NoIssuer(String),
    /// The CA's key is not in the store.
    #[error("the store does not hold the private key of CA \"{0}\": it cannot sign a CRL")]
    NoCaKey(String),
    /// Already on the CA's CRL.
    #[error("serial {serial} of CA \"{ca}\" is already revoked")]
    AlreadyRevoked {
        /// The serial.
        serial: String,
        /// The CA's nickname.
        ca: String,
    },
    /// The certificate is a CA of its own (self-signed).
    #[error("\"{0}\" is self-signed: a root is removed from trust (`trust NICK p,,`), not revoked")]
    SelfSigned(String),
    /// A serial that is not hex.
    #[error("'{0}' is not a serial number (hex, as `list`/`show` print it)")]
    BadSerial(String),
    /// The new certificate could not be made.
    #[error("cannot re-issue the certificate: {0}")]
    Renew(String),
    /// nextUpdate out of range.
    #[error("next update in {0} days is out of range (1..=3650)")]
    BadNextUpdate(u32),
}

/// Whether `issuer` (a CA certificate) signed `cert`.
pub fn signed_by(cert_der: &[u8], issuer: &CertInfo) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(cert_der) else {
        return false;
    };
    let Ok((_, spki)) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&issuer.spki_der) else {
        return false;
    };
    cert.verify_signature(Some(&spki)).is_ok()
}

/// The stored CA that issued `cert` (same name, and its signature verifies).
pub fn find_issuer(store: &Store, cert: &CertInfo, der: &[u8]) -> Result<CertRecord, RevokeError> {
    for rec in store.certificates()? {
        if !rec.is_ca {
            continue;
        }
        let Ok(info) = rec.info() else { continue };
        if info.subject_der == cert.issuer_der && signed_by(der, &info) {
            return Ok(rec);
        }
    }
    Err(RevokeError::NoIssuer(cert.subject.clone()))
}

/// The stored CA a CRL verifies against (same name, its signature verifies).
pub fn find_crl_issuer(store: &Store, crl: &ParsedCrl) -> Result<CertRecord, RevokeError> {
    let mut named = None;
    for rec in store.certificates()? {
        let Ok(info) = rec.info() else { continue };
        if !info.is_ca || info.subject_der != crl.issuer_der {
            continue;
        }
        match crl.verify(&info) {
            Ok(()) => return Ok(rec),
            Err(e) => named = Some(e),
        }
    }
    Err(named
        .unwrap_or_else(|| CrlError::UnknownIssuer(crl.issuer.clone()))
        .into())
}

fn times(store: &Store, ca: &CertRecord, days: u32) -> Result<CrlTimes, RevokeError> {
    if !(1..=3650).contains(&days) {
        return Err(RevokeError::BadNextUpdate(days));
    }
    let previous = store
        .crl_of(&ca.fingerprint)?
        .and_then(|c| c.crl_number)
        .and_then(|n| u64::from_str_radix(&serial_key(&n), 16).ok())
        .unwrap_or(0);
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    Ok(CrlTimes {
        this_update: now,
        next_update: now + Duration::days(i64::from(days)),
        number: previous.saturating_add(1),
    })
}

/// Sign a new CRL for `ca` listing what it revoked plus `extra`, and store it (with `extra`
/// recorded) in one transaction.
fn publish(
    store: &mut Store,
    cipher: &KeyCipher,
    ca: &CertRecord,
    extra: Option<&Revocation>,
    days: u32,
) -> Result<ParsedCrl, RevokeError> {
    if !ca.has_key {
        return Err(RevokeError::NoCaKey(ca.nickname.clone()));
    }
    let key = store.key_for_certificate(cipher, &ca.nickname)?;
    let mut list = store.revocations(&ca.fingerprint)?;
    list.extend(extra.cloned());
    let der = sign_crl(&ca.der, &key, times(store, ca, days)?, &list)?;
    let parsed = ParsedCrl::parse(&der)?;
    store.save_crl(&ca.fingerprint, extra, &parsed, true)?;
    Ok(parsed)
}

/// What to revoke.
#[derive(Debug, Clone)]
pub enum Target {
    /// A certificate in the store, by nickname.
    Nickname(String),
    /// A serial number issued by the CA with this nickname (a certificate not in the store).
    Serial {
        /// The CA's nickname.
        ca: String,
        /// The serial, hex.
        serial: String,
    },
}

/// Revoke `target` (`date`: when, default now) and publish the issuing CA's new CRL. Returns
/// the CA's nickname and the serial revoked.
pub fn revoke(
    store: &mut Store,
    cipher: &KeyCipher,
    target: &Target,
    reason: Reason,
    date: Option<OffsetDateTime>,
    next_update_days: u32,
) -> Result<(String, String), RevokeError> {
    let (ca, serial) = match target {
        Target::Nickname(nick) => {
            let rec = store.certificate(nick)?;
            let info = rec.info()?;
            if info.is_self_issued() {
                return Err(RevokeError::SelfSigned(nick.clone()));
            }
            (find_issuer(store, &info, &rec.der)?, info.serial)
        }
        Target::Serial { ca, serial } => {
            let hex = serial.replace(':', "").to_ascii_lowercase();
            if hex.is_empty() || crate::keys::unhex(&hex).is_none() {
                return Err(RevokeError::BadSerial(serial.clone()));
            }
            (store.certificate(ca)?, hex)
        }
    };
    let serial = serial_key(&serial);
    if store.is_revoked(&ca.fingerprint, &serial)? {
        return Err(RevokeError::AlreadyRevoked {
            serial,
            ca: ca.nickname,
        });
    }
    let now = OffsetDateTime::now_utc();
    let r = Revocation {
        serial: serial.clone(),
        date: date.unwrap_or(now).replace_nanosecond(0).unwrap_or(now),
        reason,
    };
    publish(store, cipher, &ca, Some(&r), next_update_days)?;
    Ok((ca.nickname, serial))
}

/// Re-sign the CRL of our CA `ca_nickname` (same entries, new thisUpdate / nextUpdate).
pub fn update_crl(
    store: &mut Store,
    cipher: &KeyCipher,
    ca_nickname: &str,
    next_update_days: u32,
) -> Result<ParsedCrl, RevokeError> {
    let ca = store.certificate(ca_nickname)?;
    publish(store, cipher, &ca, None, next_update_days)
}

/// Import a CRL (PEM or DER) of a CA in the store: refused unless it verifies against that CA,
/// and when older than the one stored. Returns the CA's nickname and the CRL.
pub fn import_crl(store: &mut Store, data: &[u8]) -> Result<(String, ParsedCrl), RevokeError> {
    let der = crate::pem::crl(data)
        .ok_or_else(|| CrlError::Parse("no X509 CRL block in the input".into()))?;
    let crl = ParsedCrl::parse(&der)?;
    let ca = find_crl_issuer(store, &crl)?;
    if let Some(stored) = store.crl_of(&ca.fingerprint)? {
        let old = ParsedCrl::parse(&stored.der)?;
        if crl.is_older_than(&old) {
            return Err(CrlError::Older {
                issuer: crl.issuer.clone(),
                this_update: crate::certinfo::format_time(crl.this_update),
                stored: crate::certinfo::format_time(old.this_update),
            }
            .into());
        }
    }
    store.save_crl(&ca.fingerprint, None, &crl, false)?;
    Ok((ca.nickname, crl))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, PrivateKey};
    use crate::pki::{CertProfile, CertRole, issue, self_signed};
    use crate::policy::CrlStale;
    use crate::tls::{TrustMaterial, Usage, validate_certificate};
    use crate::trust::TrustFlags;
    use rustls_pki_types::UnixTime;

    fn key() -> PrivateKey {
        PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key")
    }

    /// A new key and a self-signed CA "CN=Lifecycle CA" for it: the test CA, or (made again)
    /// a rogue CA of the same name.
    fn lifecycle_ca() -> (PrivateKey, Vec<u8>) {
        let ca_key = key();
        let ca = self_signed(
            &ca_key,
            "CN=Lifecycle CA",
            &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
        )
        .expect("ca");
        (ca_key, ca)
    }

    /// A CRL's times from now (whole seconds) to tomorrow, numbered `number`; and now.
    fn crl_times(number: u64) -> (OffsetDateTime, CrlTimes) {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("ns");
        let times = CrlTimes {
            this_update: now,
            next_update: now + Duration::days(1),
            number,
        };
        (now, times)
    }

    /// A store with CA "CA" (key held, `CT,,`) and client certificate "cli" it issued.
    fn store(dir: &std::path::Path) -> (Store, KeyCipher, Vec<u8>) {
        let mut s = Store::create_with_kdf(dir, "", 10).expect("create");
        let cipher = s.unlock("").expect("unlock");
        let (ca_key, ca) = lifecycle_ca();
        let trust = |t: &str| t.parse::<TrustFlags>().expect("trust");
        s.add_certificate_with_key(&cipher, "CA", &ca, trust("CT,,"), &ca_key)
            .expect("add ca");
        let cli_key = key();
        let cli = issue(
            &cli_key,
            "CN=upsmon host",
            &CertProfile::for_months(CertRole::Client, 12),
            &ca,
            &ca_key,
        )
        .expect("client");
        s.add_certificate_with_key(&cipher, "cli", &cli, trust(",,"), &cli_key)
            .expect("add client");
        (s, cipher, cli)
    }

    fn check(s: &Store, der: &[u8], at: OffsetDateTime) -> Result<(), String> {
        let tm = TrustMaterial::from_store(s).expect("trust");
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(at.unix_timestamp()).expect("time"),
        ));
        validate_certificate(&tm, der, Usage::Client, at)
    }

    #[test]
    fn a_revoked_certificate_is_refused_with_date_and_reason() {
        let t = tempfile::tempdir().expect("tmp");
        let (mut s, cipher, cli) = store(t.path());
        let now = OffsetDateTime::now_utc();
        check(&s, &cli, now).expect("valid before");
        let date = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("date");
        let reason = Reason::parse("keycompromise").expect("reason");
        revoke(
            &mut s,
            &cipher,
            &Target::Nickname("cli".into()),
            reason,
            Some(date),
            30,
        )
        .expect("revoke");
        let e = check(&s, &cli, now).expect_err("revoked");
        assert!(
            e.contains("client certificate 'upsmon host' was revoked on 2027-01-15")
                && e.contains("(keyCompromise) by 'CN=Lifecycle CA'"),
            "{e}"
        );
        let again = revoke(
            &mut s,
            &cipher,
            &Target::Nickname("cli".into()),
            reason,
            None,
            30,
        );
        assert!(
            matches!(again, Err(RevokeError::AlreadyRevoked { .. })),
            "{again:?}"
        );
        // The CRL is ours, signed by the CA, numbered, and listed.
        let crls = s.crls().expect("crls");
        assert_eq!(crls.len(), 1);
        assert!(crls[0].ours);
        assert_eq!(crls[0].entries, 1);
        assert_eq!(
            crls[0].crl_number.as_deref().map(serial_key).as_deref(),
            Some("01")
        );
    }

    #[test]
    fn a_forged_or_older_crl_is_refused_on_import() {
        let t = tempfile::tempdir().expect("tmp");
        let (mut s, cipher, cli) = store(t.path());
        // A CA of the same name with another key signs a CRL revoking "cli".
        let (rogue_key, rogue) = lifecycle_ca();
        let (now, times) = crl_times(99);
        let serial = CertInfo::parse(&cli).expect("info").serial;
        let entry = Revocation {
            serial,
            date: now,
            reason: Reason(1),
        };
        let forged = sign_crl(&rogue, &rogue_key, times, &[entry]).expect("forged");
        let e = import_crl(&mut s, &forged).expect_err("forged");
        assert!(
            matches!(e, RevokeError::Crl(CrlError::BadSignature(_))),
            "{e}"
        );
        assert!(s.crls().expect("crls").is_empty());
        // Garbage is refused as not a CRL.
        let e = import_crl(&mut s, b"not a crl").expect_err("garbage");
        assert!(matches!(e, RevokeError::Crl(CrlError::Parse(_))), "{e}");
        // A partitioned CRL (issuingDistributionPoint) of the right CA: only part of the
        // picture, refused.
        let ca = s.certificate("CA").expect("ca").der;
        let ca_key = s.key_for_certificate(&cipher, "CA").expect("key");
        let idp = rcgen::CertificateRevocationListParams {
            this_update: now,
            next_update: now + Duration::days(1),
            crl_number: rcgen::SerialNumber::from(7u64),
            issuing_distribution_point: Some(rcgen::CrlIssuingDistributionPoint {
                distribution_point: rcgen::CrlDistributionPoint {
                    uris: vec!["http://crl.example/part1.crl".into()],
                },
                scope: Some(rcgen::CrlScope::UserCertsOnly),
            }),
            revoked_certs: Vec::new(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        let issuer = rcgen::Issuer::from_ca_cert_der(
            &rustls_pki_types::CertificateDer::from(ca.as_slice()),
            ca_key.key_pair().expect("kp"),
        )
        .expect("issuer");
        let part = idp.signed_by(&issuer).expect("idp crl").der().to_vec();
        let e = import_crl(&mut s, &part).expect_err("partitioned");
        assert!(e.to_string().contains("partitioned"), "{e}");
        // Ours, twice: the first (number 1) cannot be imported over the second (number 2).
        let first = update_crl(&mut s, &cipher, "CA", 30).expect("crl 1");
        update_crl(&mut s, &cipher, "CA", 30).expect("crl 2");
        let e = import_crl(&mut s, &first.der).expect_err("replay");
        assert!(matches!(e, RevokeError::Crl(CrlError::Older { .. })), "{e}");
        check(&s, &cli, OffsetDateTime::now_utc()).expect("still valid");
    }

    #[test]
    fn a_stale_crl_warns_by_default_and_refuses_under_the_policy() {
        let t = tempfile::tempdir().expect("tmp");
        let (mut s, cipher, cli) = store(t.path());
        update_crl(&mut s, &cipher, "CA", 1).expect("crl");
        let later = OffsetDateTime::now_utc() + Duration::days(2);
        check(&s, &cli, later).expect("stale CRL, policy warn (default): used");
        s.set_crl_stale(Some(CrlStale::Refuse)).expect("policy");
        let e = check(&s, &cli, later).expect_err("stale, refuse");
        assert!(
            e.contains("the CRL of 'CN=Lifecycle CA' is past its next update")
                && e.contains("crl-stale refuse"),
            "{e}"
        );
        check(&s, &cli, OffsetDateTime::now_utc()).expect("fresh: accepted");
        s.set_crl_stale(Some(CrlStale::Warn)).expect("policy");
        check(&s, &cli, later).expect("policy warn");
    }

    /// A CRL row changed behind the tool's back (a broken signature, or a replayed older CRL
    /// that would un-revoke) is refused by a reader with the password: the CA's certificates
    /// fail closed. A password change keeps intact rows valid.
    #[test]
    fn a_crl_row_changed_behind_the_tool_fails_closed() {
        let t = tempfile::tempdir().expect("tmp");
        let (mut s, cipher, cli) = store(t.path());
        let before = update_crl(&mut s, &cipher, "CA", 30)
            .expect("empty CRL")
            .der;
        revoke(
            &mut s,
            &cipher,
            &Target::Nickname("cli".into()),
            Reason(0),
            None,
            30,
        )
        .expect("revoke");
        let now = OffsetDateTime::now_utc();
        s.change_password("", "new pw").expect("passwd");
        let e = check(&s, &cli, now).expect_err("still revoked after passwd");
        assert!(e.contains("was revoked on"), "{e}");
        // Replay the older CRL (validly signed, without the revocation).
        s.conn()
            .execute("UPDATE crls SET der = ?1", rusqlite::params![before])
            .expect("replay");
        let e = check(&s, &cli, now).expect_err("replayed");
        assert!(e.contains("was changed without its password"), "{e}");
        // A broken signature: the same.
        s.conn()
            .execute(
                "UPDATE crls SET der = CAST(substr(der, 1, length(der) - 1) || x'00' AS BLOB)",
                [],
            )
            .expect("tamper");
        let e = check(&s, &cli, now).expect_err("tampered");
        assert!(e.contains("was changed without its password"), "{e}");
        // Without the password, a CRL that does not verify is ignored (signature only).
        let ro = Store::open_read_only(t.path()).expect("ro");
        let tm = TrustMaterial::from_store(&ro).expect("trust");
        validate_certificate(&tm, &cli, Usage::Client, UnixTime::now()).expect("ignored");
        // Importing needs the password.
        let mut ro = Store::open(t.path()).expect("open");
        let e = import_crl(&mut ro, &before).expect_err("no password");
        assert!(e.to_string().contains("needs the database password"), "{e}");
    }

    /// OpenSSL style: a PEM CERTPATH holding the CA and its CRL refuses what the CRL lists; a
    /// CRL in it that no CA of the file signed is ignored.
    #[test]
    fn a_pem_certpath_with_a_crl_refuses_the_revoked_certificate() {
        use crate::pem;
        let t = tempfile::tempdir().expect("tmp");
        let (mut s, cipher, cli) = store(&t.path().join("db"));
        let ca = s.certificate("CA").expect("ca").der;
        revoke(
            &mut s,
            &cipher,
            &Target::Nickname("cli".into()),
            Reason(4),
            None,
            30,
        )
        .expect("revoke");
        let crl = s.crls().expect("crls").remove(0).der;
        let (rogue_key, rogue) = lifecycle_ca();
        let (_, times) = crl_times(5);
        let forged = sign_crl(&rogue, &rogue_key, times, &[]).expect("forged");
        let at = UnixTime::now();
        let bundle = |crls: &[&[u8]]| {
            let mut text = pem::encode("CERTIFICATE", &ca);
            for c in crls {
                text.push_str(&pem::encode("X509 CRL", c));
            }
            let p = t.path().join("bundle.pem");
            std::fs::write(&p, text).expect("write");
            TrustMaterial::load(&p).expect("load")
        };
        let tm = bundle(&[&forged]);
        validate_certificate(&tm, &cli, Usage::Client, at).expect("forged CRL ignored");
        let tm = bundle(&[&forged, &crl]);
        let e = validate_certificate(&tm, &cli, Usage::Client, at).expect_err("revoked");
        assert!(
            e.contains("was revoked on") && e.contains("(superseded)"),
            "{e}"
        );
        // The same in a directory of PEM files.
        let dir = t.path().join("certs");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("ca.pem"), pem::encode("CERTIFICATE", &ca)).expect("ca");
        std::fs::write(dir.join("ca.crl"), pem::encode("X509 CRL", &crl)).expect("crl");
        let tm = TrustMaterial::load(&dir).expect("load dir");
        assert!(validate_certificate(&tm, &cli, Usage::Client, at).is_err());
    }
}
