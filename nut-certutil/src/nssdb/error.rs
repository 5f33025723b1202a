//! Why an NSS database could not be read or written.

use std::path::PathBuf;

/// Why an NSS database could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NssError {
    /// No cert9.db / key4.db.
    #[error("no NSS sql: database (cert9.db and key4.db) in {0}")]
    NotNss(PathBuf),
    /// An old Berkeley DB database.
    #[error(
        "{0} holds a legacy NSS database (cert8.db/key3.db): convert it first with a current NSS, e.g. `certutil -K -d sql:{0}` run once as its owner, then import"
    )]
    LegacyDbm(PathBuf),
    /// SQLite could not read a file.
    #[error("{0}: {1}")]
    Sqlite(PathBuf, String),
    /// The password is wrong.
    #[error("wrong password for the NSS database")]
    WrongPassword,
    /// The database has a password and none was given.
    #[error("the NSS database has a password: give it (a password file, as for NSS's -f)")]
    NeedPassword,
    /// A structure is not what NSS writes.
    #[error("malformed NSS entry: {0}")]
    Malformed(String),
    /// Something NSS can write that this reader does not handle.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// A key could not be rebuilt.
    #[error("invalid private key: {0}")]
    BadKey(String),
    /// The target already holds an NSS database.
    #[error("{0} exists: an NSS database is never overwritten (choose an empty directory)")]
    Exists(PathBuf),
    /// An integrity entry is missing or does not match.
    #[error("integrity check failed: {0}")]
    Integrity(String),
}
