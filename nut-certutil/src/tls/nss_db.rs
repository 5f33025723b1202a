//! An NSS database (cert9.db / key4.db, made with NSS `certutil` as NUT's security guide
//! says) used directly as CERTPATH: read once, read-only (never written), with CERTIDENT's
//! password. Its trust flags mean what a store's mean; CERTIDENT names the certificate whose
//! key is decrypted (no other key is).

use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;

use super::TlsError;
use super::identity::{Identity, presented_chain};
use super::trust_material::{CertPathKind, TrustMaterial, TrustRecord};
use crate::certinfo::CertInfo;
use crate::nssdb::{self, KeysWanted, NssCert, ReadOptions};

/// The NSS database a CERTPATH names (`DIR` or NSS's `sql:DIR`), when it names one (a legacy
/// cert8.db database is one too: opening it says how to convert it).
pub(crate) fn nss_database_dir(certpath: &Path) -> Option<PathBuf> {
    let dir = certpath
        .to_str()
        .map(|s| PathBuf::from(crate::db_dir::strip_db_prefix(s)))
        .unwrap_or_else(|| certpath.to_path_buf());
    crate::db_dir::is_nss_database(&dir).then_some(dir)
}

/// A certificate of the database with what the TLS side needs of it.
struct Entry {
    cert: NssCert,
    info: CertInfo,
}

/// An NSS database as read for one TLS setup.
pub(crate) struct NssDb {
    dir: PathBuf,
    entries: Vec<Entry>,
}

impl NssDb {
    /// Read `dir`. With `password`, trust is read only where its integrity entry checks out
    /// with the password key (a wrong password is an error); without it, a database with a
    /// password gives its trust as stored, as NSS does when not logged in, and no key.
    /// `identity`: the nickname whose private key is decrypted.
    pub fn open(
        dir: &Path,
        password: Option<&str>,
        identity: Option<&str>,
    ) -> Result<NssDb, TlsError> {
        let nss_err = |source| TlsError::Nss {
            path: dir.to_path_buf(),
            source,
        };
        let dir = nssdb::locate(&dir.to_string_lossy()).map_err(nss_err)?;
        let contents = nssdb::read_with(
            &dir,
            &ReadOptions {
                password,
                keys: identity.map_or(KeysWanted::Nothing, KeysWanted::Of),
                trust_as_stored_without_password: password.is_none(),
            },
        )
        .map_err(nss_err)?;
        for note in &contents.notes {
            tracing::warn!(certpath = %dir.display(), "NSS database: {note}");
        }
        // A certificate that does not parse can be neither trusted nor presented.
        let entries = contents
            .certs
            .into_iter()
            .filter_map(|cert| {
                let info = CertInfo::parse(&cert.der).ok()?;
                Some(Entry { cert, info })
            })
            .collect();
        Ok(NssDb { dir, entries })
    }

    /// The database directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its trust, by the rules of a store's.
    pub fn trust(&self) -> TrustMaterial {
        TrustMaterial::from_records(
            &self.dir,
            CertPathKind::NssDb,
            self.entries.iter().map(|e| TrustRecord {
                nickname: &e.cert.nickname,
                der: &e.cert.der,
                ssl: e.cert.trust.ssl,
                subject: &e.info.subject,
                fingerprint: &e.info.fingerprint,
                is_ca: e.info.is_ca,
            }),
        )
    }

    /// The chain and key of `nickname` (the newest such certificate with a key, as NSS picks),
    /// its issuers found by subject among the database's CAs.
    pub fn identity(&self, nickname: &str) -> Result<Identity, TlsError> {
        let named: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.cert.nickname == nickname)
            .collect();
        let no_cert = || TlsError::BadCertificate {
            nickname: nickname.to_string(),
            reason: format!(
                "no certificate with this nickname in the NSS database {}",
                self.dir.display()
            ),
        };
        if named.is_empty() {
            return Err(no_cert());
        }
        let leaf = named
            .into_iter()
            .filter(|e| e.cert.key.is_some())
            .max_by_key(|e| e.info.not_after)
            .ok_or_else(|| TlsError::BadCertificate {
                nickname: nickname.to_string(),
                reason: format!(
                    "the NSS database {} holds no private key for it",
                    self.dir.display()
                ),
            })?;
        let key = leaf.cert.key.as_ref().ok_or_else(no_cert)?;
        let mut chain: Vec<&Entry> = vec![leaf];
        while chain.len() < 8 {
            let last = chain[chain.len() - 1];
            if last.info.is_self_issued() {
                break;
            }
            let issuer = self.entries.iter().find(|c| {
                c.info.is_ca
                    && c.info.subject_der == last.info.issuer_der
                    && !chain
                        .iter()
                        .any(|x| x.info.fingerprint == c.info.fingerprint)
            });
            match issuer {
                Some(i) => chain.push(i),
                None => break,
            }
        }
        Ok(Identity {
            chain: presented_chain(chain.iter().map(|e| {
                (
                    CertificateDer::from(e.cert.der.clone()),
                    e.info.is_self_issued(),
                )
            })),
            key: key.rustls_key(),
        })
    }
}
