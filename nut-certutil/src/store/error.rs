//! What went wrong with a store.

use std::path::{Path, PathBuf};

use crate::certinfo::CertParseError;
use crate::keys::KeyError;
use crate::trust::TrustError;

/// What went wrong with a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("certificate database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// No store in this directory.
    #[error(
        "no certificate database in {0} (create one with `nut-certutil -N -d DIR` or `nut-certutil init DIR`)"
    )]
    NotFound(PathBuf),
    /// The store (or its directory) is there but this process may not read it.
    #[error("cannot read {} as user {user}: {fix}", path.display())]
    Unreadable {
        /// The directory or file refused.
        path: PathBuf,
        /// Who this process runs as.
        user: String,
        /// The commands that give the user read access.
        fix: String,
    },
    /// The directory holds an NSS database, not a rnut store.
    #[error(
        "{0} holds an NSS database (cert9.db/key4.db), not a rnut certificate database: import it with `nut-certutil -d NEWDIR init` then `nut-certutil -d NEWDIR import-nss --from {0}`, and point CERTPATH at NEWDIR"
    )]
    NssDatabase(PathBuf),
    /// A store already exists.
    #[error("a certificate database already exists in {0}")]
    AlreadyExists(PathBuf),
    /// Written by a newer rnut.
    #[error(
        "certificate database schema version {found} is newer than this tool supports ({supported})"
    )]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Version this code knows.
        supported: i64,
    },
    /// Trust was to be set without the database password having been given.
    #[error(
        "setting trust on \"{0}\" needs the database password (trust flags are protected by it)"
    )]
    TrustNeedsPassword(String),
    /// Policy rows are protected by the password too.
    #[error(
        "changing the policy ({0}) needs the database password (policy rows are protected by it)"
    )]
    PolicyNeedsPassword(String),
    /// CRL rows are protected by the password too.
    #[error(
        "storing the CRL of {0} needs the database password (CRLs in the database are protected by it)"
    )]
    CrlNeedsPassword(String),
    /// Written by an older rnut and opened read-only: it cannot be migrated.
    #[error(
        "certificate database schema version {found} is older than this tool's ({supported}): run any nut-certutil command on it once (with write access) to upgrade it"
    )]
    SchemaTooOld {
        /// Version in the file.
        found: i64,
        /// Version this code knows.
        supported: i64,
    },
    /// No certificate with that nickname.
    #[error("could not find certificate named \"{0}\"")]
    NoSuchCertificate(String),
    /// The nickname belongs to another certificate.
    #[error("nickname \"{0}\" is already used by another certificate")]
    NicknameTaken(String),
    /// The same certificate is stored under another nickname.
    #[error("this certificate is already stored as \"{0}\"")]
    DuplicateCertificate(String),
    /// The store has no private key for this certificate.
    #[error("no private key for certificate \"{0}\" in the database")]
    NoKeyFor(String),
    /// No key with that id.
    #[error("no private key with id {0}")]
    NoSuchKey(String),
    /// A key problem (wrong password, corrupted row, ...).
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A stored or imported certificate could not be parsed.
    #[error(transparent)]
    Cert(#[from] CertParseError),
    /// Bad trust flags.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// Inconsistent content.
    #[error("certificate database is inconsistent: {0}")]
    Corrupt(String),
    /// Bad policy value.
    #[error("invalid policy: {0}")]
    Policy(String),
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}
