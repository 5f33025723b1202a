//! One visit to a store CERTPATH per TLS setup: the store is opened once, the password key
//! is derived at most once, and the policy is read once (verified when the password is
//! known). The identity, the trust and the policy of a setup all come from this one handle.

use std::path::Path;

use nut_core::secret::Secret;

use super::TlsError;
use crate::policy::StorePolicy;
use crate::store::Store;

/// An open, possibly unlocked, store and its policy.
pub(crate) struct StoreVisit {
    pub store: Store,
    pub policy: StorePolicy,
}

impl StoreVisit {
    /// Visit `certpath` when it is a store (`None` otherwise). With the password (a CERTIDENT
    /// for this store), the store is unlocked: a wrong password is an error, and trust and
    /// policy rows are then read only where their MAC verifies. A store with an empty password
    /// is always unlocked. Without the password, trust and policy are read as stored.
    pub fn open(
        certpath: Option<&Path>,
        password: Option<&Secret>,
    ) -> Result<Option<StoreVisit>, TlsError> {
        let Some(dir) = certpath.filter(|p| Store::exists(p)) else {
            return Ok(None);
        };
        let store = Store::open_read_only(dir)?;
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
        Ok(Some(StoreVisit { store, policy }))
    }
}
