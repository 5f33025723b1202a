//! What a CERTPATH trusts: our store directory or an NSS database (trust flags decide, the
//! same way for both), a directory of PEM CA files (`<hash>.0`, OpenSSL style), or a single
//! PEM bundle file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;

use super::TlsError;
use super::distrust::CertIdentities;
use super::revocation::Revocations;
use crate::certinfo::CertInfo;
use crate::store::Store;
use crate::trust::FieldFlags;

/// The kind of CERTPATH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertPathKind {
    /// An rnut store directory: trust flags decide.
    Store,
    /// An NSS database (cert9.db / key4.db) read directly: its trust flags decide, as a
    /// store's do.
    NssDb,
    /// A directory of PEM files (OpenSSL `c_rehash` style): every CA is trusted.
    PemDirectory,
    /// One PEM file with CA certificates.
    PemBundle,
}

/// The trust a CERTPATH gives, split by use.
#[derive(Debug, Clone)]
pub struct TrustMaterial {
    /// Where it came from.
    pub path: PathBuf,
    /// What it is.
    pub kind: CertPathKind,
    /// Anchors for server certificates (`C`).
    pub server_anchors: Vec<CertificateDer<'static>>,
    /// Anchors for client certificates (`T`).
    pub client_anchors: Vec<CertificateDer<'static>>,
    /// Pinned peers (`P`): accepted as they are (fingerprints).
    pub peers: HashSet<String>,
    /// Explicitly distrusted (`p`) certificates, and the issuer + serial of every stored one:
    /// distrust and identity go by issuer + serial (and a distrusted CA's key), never bytes.
    pub ids: CertIdentities,
    /// Subjects of distrusted CAs (to name them in errors).
    pub distrusted_subjects: HashSet<String>,
    /// CA certificates known but not anchors (`c` or no flag): usable as intermediates.
    pub intermediates: Vec<CertificateDer<'static>>,
    /// Subjects of CAs in the store without `C` (to explain UnknownIssuer).
    pub untrusted_ca_subjects: HashSet<String>,
    /// The CRLs, verified against their CAs, and the stale-CRL policy.
    pub revocations: Arc<Revocations>,
}

impl TrustMaterial {
    fn empty(path: &Path, kind: CertPathKind) -> TrustMaterial {
        TrustMaterial {
            path: path.to_path_buf(),
            kind,
            server_anchors: Vec::new(),
            client_anchors: Vec::new(),
            peers: HashSet::new(),
            ids: CertIdentities::default(),
            distrusted_subjects: HashSet::new(),
            intermediates: Vec::new(),
            untrusted_ca_subjects: HashSet::new(),
            revocations: Arc::default(),
        }
    }

    /// Load from a CERTPATH.
    pub fn load(path: &Path) -> Result<TrustMaterial, TlsError> {
        TrustMaterial::load_with_password(path, None)
    }

    /// Load from a CERTPATH, with the store's password when the caller has it (a CERTIDENT
    /// for that store). Trust is then read only where its MAC verifies; a store with an empty
    /// password is always checked. Without the password, a store's trust is read as stored.
    pub fn load_with_password(
        path: &Path,
        password: Option<&str>,
    ) -> Result<TrustMaterial, TlsError> {
        if Store::exists(path) {
            let store = Store::open_read_only(path)?;
            match password {
                Some(pw) => {
                    store.unlock(pw)?;
                }
                // A store without a password is always checked (no key derivation is spent
                // on stores that have one).
                None if store.has_empty_password() => {
                    let _ = store.unlock("");
                }
                None => {}
            }
            return TrustMaterial::from_store(&store);
        }
        if let Some(dir) = super::nss_db::nss_database_dir(path) {
            return Ok(super::nss_db::NssDb::open(&dir, password, None)?.trust());
        }
        let io = |source| TlsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        let mut tm;
        let mut ders = Vec::new();
        let mut crls = Vec::new();
        if meta.is_dir() {
            tm = TrustMaterial::empty(path, CertPathKind::PemDirectory);
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for p in entries.into_iter().filter(|p| p.is_file()) {
                if let Ok(data) = std::fs::read(&p) {
                    if data.windows(11).any(|w| w == b"-----BEGIN ") {
                        ders.extend(crate::pem::certificates(&data));
                        crls.extend(crate::pem::crls(&data));
                    }
                }
            }
        } else {
            tm = TrustMaterial::empty(path, CertPathKind::PemBundle);
            let data = std::fs::read(path).map_err(io)?;
            ders = crate::pem::certificates(&data);
            crls = crate::pem::crls(&data);
        }
        if ders.is_empty() {
            return Err(TlsError::NoCertificatesIn(path.to_path_buf()));
        }
        let mut cas = Vec::new();
        for der in ders {
            let Ok(info) = CertInfo::parse(&der) else {
                continue;
            };
            tm.ids.note_stored(&info, &path.display().to_string());
            // Every certificate here is trusted as that exact peer: NUT's guide puts the
            // server's own self-signed certificate in CERTPATH, and OpenSSL 3 makes it CA:TRUE.
            // Validity and name are still checked.
            tm.peers.insert(info.fingerprint.clone());
            if !info.is_ca {
                // A non-CA is never an issuer: its key could otherwise sign certificates for
                // any name.
                continue;
            }
            tm.server_anchors.push(CertificateDer::from(der.clone()));
            tm.client_anchors.push(CertificateDer::from(der));
            cas.push(info);
        }
        tm.revocations = Arc::new(Revocations::from_pem(path, &crls, &cas));
        Ok(tm)
    }

    /// Trust from a store's flags.
    pub fn from_store(store: &Store) -> Result<TrustMaterial, TlsError> {
        let records = store.certificates()?;
        let cas: HashMap<String, CertInfo> = records
            .iter()
            .filter(|r| r.is_ca)
            .filter_map(|r| Some((r.fingerprint.clone(), r.info().ok()?)))
            .collect();
        let revocations = Revocations::from_rows(
            store.crls()?,
            &cas,
            store.crl_stale_policy()?.unwrap_or_default(),
            store.unlocked_cipher().as_ref(),
        );
        let mut tm = TrustMaterial::from_records(
            store.dir(),
            CertPathKind::Store,
            records.iter().map(|rec| TrustRecord {
                nickname: &rec.nickname,
                der: &rec.der,
                ssl: rec.trust.ssl,
                subject: &rec.subject,
                fingerprint: &rec.fingerprint,
                is_ca: rec.is_ca,
            }),
        );
        tm.revocations = Arc::new(revocations);
        Ok(tm)
    }

    /// Trust from certificates and their SSL trust flags (a store's rows, an NSS database's
    /// objects): `p` distrusts (by issuer + serial and key, see [`CertIdentities`]), `P`
    /// pins, `C` anchors servers, `T` anchors clients, other CAs link chains.
    pub(crate) fn from_records<'a>(
        path: &Path,
        kind: CertPathKind,
        records: impl Iterator<Item = TrustRecord<'a>>,
    ) -> TrustMaterial {
        let mut tm = TrustMaterial::empty(path, kind);
        for rec in records {
            let ssl = rec.ssl;
            let der = CertificateDer::from(rec.der.to_vec());
            // A stored row that does not parse gives no identity; it cannot anchor either.
            if let Ok(info) = CertInfo::parse(rec.der) {
                tm.ids.note_stored(&info, rec.nickname);
                if ssl.distrusted() {
                    tm.ids.note_distrusted(&info);
                }
            }
            if ssl.distrusted() {
                tm.distrusted_subjects.insert(rec.subject.to_string());
                continue;
            }
            if ssl.trusted_peer() {
                tm.peers.insert(rec.fingerprint.to_string());
            }
            if ssl.trusted_server_ca() {
                tm.server_anchors.push(der.clone());
            }
            if ssl.trusted_client_ca() {
                tm.client_anchors.push(der.clone());
            }
            if rec.is_ca && !ssl.trusted_server_ca() {
                tm.untrusted_ca_subjects.insert(rec.subject.to_string());
            }
            if rec.is_ca {
                tm.intermediates.push(der);
            }
        }
        // A CA stored twice (a re-encoded or cross-signed copy of a distrusted one, its key)
        // never anchors or links a chain.
        if tm.ids.any_distrusted() {
            let ids = tm.ids.clone();
            let clean = |d: &CertificateDer<'_>| {
                CertInfo::parse(d.as_ref()).is_ok_and(|i| ids.distrusted_as(&i).is_none())
            };
            tm.server_anchors.retain(clean);
            tm.client_anchors.retain(clean);
            tm.intermediates.retain(clean);
        }
        tm
    }

    /// A root store of the server anchors (`C`).
    pub fn server_roots(&self) -> RootCertStore {
        roots(&self.server_anchors)
    }

    /// A root store of the client anchors (`T`).
    pub fn client_roots(&self) -> RootCertStore {
        roots(&self.client_anchors)
    }
}

/// One certificate and its SSL trust, as a trust source holds it.
pub(crate) struct TrustRecord<'a> {
    /// Its nickname (to name it in errors).
    pub nickname: &'a str,
    /// The DER.
    pub der: &'a [u8],
    /// The SSL trust flags.
    pub ssl: FieldFlags,
    /// Its subject, NSS style.
    pub subject: &'a str,
    /// Its SHA-256 fingerprint.
    pub fingerprint: &'a str,
    /// Whether it is a CA.
    pub is_ca: bool,
}

fn roots(certs: &[CertificateDer<'static>]) -> RootCertStore {
    let mut r = RootCertStore::empty();
    for c in certs {
        // A certificate webpki cannot use as an anchor is skipped, not fatal.
        let _ = r.add(c.clone());
    }
    r
}
