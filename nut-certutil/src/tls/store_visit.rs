//! One visit to a database CERTPATH per TLS setup: a store or an NSS database is opened and
//! read once, the password key is derived at most once, and a store's policy is read once
//! (verified when the password is known). The identity, the trust and the policy of a setup
//! all come from this one handle.

use std::path::Path;

use nut_core::secret::Secret;

use super::TlsError;
use super::identity::{self, Identity};
use super::nss_db::{NssDb, nss_database_dir};
use super::trust_material::TrustMaterial;
use crate::policy::StorePolicy;
use crate::store::Store;

/// The database a CERTPATH names.
pub(crate) enum VisitedDb {
    /// An rnut store.
    Store(Store),
    /// An NSS database, read-only.
    Nss(NssDb),
}

/// An open, possibly unlocked, database and its policy (an NSS database has none: the
/// config files decide).
pub(crate) struct StoreVisit {
    pub db: VisitedDb,
    pub policy: StorePolicy,
}

impl StoreVisit {
    /// Visit `certpath` when it is a store or an NSS database (`None` otherwise). With the
    /// password (a CERTIDENT for this database), it is unlocked: a wrong password is an error,
    /// and trust and policy are then read only where their MAC verifies. A store with an
    /// empty password is always unlocked. Without the password, trust and policy are read as
    /// stored. `nss_identity`: the nickname whose key an NSS database is to give (a store
    /// decrypts keys on demand).
    pub fn open(
        certpath: Option<&Path>,
        password: Option<&Secret>,
        nss_identity: Option<&str>,
    ) -> Result<Option<StoreVisit>, TlsError> {
        let Some(path) = certpath else {
            return Ok(None);
        };
        if !Store::exists(path) {
            return Ok(nss_database_dir(path)
                .map(|dir| NssDb::open(&dir, password.map(Secret::expose), nss_identity))
                .transpose()?
                .map(|nss| StoreVisit {
                    db: VisitedDb::Nss(nss),
                    policy: StorePolicy::default(),
                }));
        }
        let store = Store::open_read_only(path)?;
        match password {
            Some(pw) => {
                store.unlock(pw.expose())?;
            }
            // Only a store without a password is checked here: no derivation is spent on
            // guessing.
            None if store.has_empty_password() => {
                let _ = store.unlock("");
            }
            None => {}
        }
        let policy = store.policy()?;
        Ok(Some(StoreVisit {
            db: VisitedDb::Store(store),
            policy,
        }))
    }

    /// The database directory.
    pub fn dir(&self) -> &Path {
        match &self.db {
            VisitedDb::Store(s) => s.dir(),
            VisitedDb::Nss(n) => n.dir(),
        }
    }

    /// What the database trusts.
    pub fn trust(&self) -> Result<TrustMaterial, TlsError> {
        match &self.db {
            VisitedDb::Store(s) => TrustMaterial::from_store(s),
            VisitedDb::Nss(n) => Ok(n.trust()),
        }
    }

    /// The whole chain of `nickname` in a store (end entity first, up to its root; DER), for
    /// expiry warnings; empty for an NSS database or on error.
    pub fn full_chain(&self, nickname: &str) -> Vec<Vec<u8>> {
        match &self.db {
            VisitedDb::Store(s) => s
                .chain(nickname)
                .map(|c| c.into_iter().map(|r| r.der).collect())
                .unwrap_or_default(),
            VisitedDb::Nss(_) => Vec::new(),
        }
    }

    /// The chain and key of `nickname`.
    pub fn identity(&self, nickname: &str) -> Result<Identity, TlsError> {
        match &self.db {
            VisitedDb::Store(s) => identity::from_store(s, nickname),
            VisitedDb::Nss(n) => n.identity(nickname),
        }
    }
}
