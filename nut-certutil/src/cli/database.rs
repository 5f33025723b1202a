//! Finding and opening the certificate store a command line names (`-d DIR`).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use nut_certutil::db_dir::strip_db_prefix;
use nut_certutil::keys::DEFAULT_KDF_ITERATIONS;
use nut_certutil::store::Store;

use super::io::PasswordSource;

/// The store directory from `-d` (with NSS's `sql:`/`dbm:` prefixes removed).
pub fn store_dir(d: Option<&str>) -> Result<PathBuf> {
    match d {
        Some(d) => Ok(PathBuf::from(strip_db_prefix(d))),
        None => bail!("no certificate database directory: give -d DIR"),
    }
}

/// Open an existing store for changes.
pub fn open(dir: &Path) -> Result<Store> {
    Ok(Store::open(dir)?)
}

/// Open an existing store for reading only (works with read access alone, e.g. as the `nut`
/// group member that upsd runs as).
pub fn open_ro(dir: &Path) -> Result<Store> {
    Ok(Store::open_read_only(dir)?)
}

/// PBKDF2 iterations for new stores: `NUT_CERTUTIL_KDF_ITERATIONS` (at least 1000; meant for
/// test suites that create many throw-away stores), else the library default.
pub fn kdf_iterations() -> u32 {
    std::env::var("NUT_CERTUTIL_KDF_ITERATIONS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map(|n| n.max(1000))
        .unwrap_or(DEFAULT_KDF_ITERATIONS)
}

/// Give the store its password when that needs no prompt (a store with an empty password, or
/// a password file given with `-f`), so that trust is read verified: trust whose MAC does not
/// check is then read as none. A wrong password in the file is an error.
pub fn unlock_for_trust(store: &Store, pw: &PasswordSource) -> Result<()> {
    if store.is_unlocked() {
        return Ok(());
    }
    if store.has_empty_password() {
        store.unlock("")?;
    } else if pw.file.is_some() {
        pw.unlock(store)?;
    }
    Ok(())
}
