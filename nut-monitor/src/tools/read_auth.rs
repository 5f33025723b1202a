//! Credentials for reads (rnut extension, for servers with `REQUIRE_LOGIN_FOR_READS`): the
//! tools log in right after connecting when given a user.
//!
//! The password is never taken from the command line alone: it comes from a credentials
//! file (`--credentials-file`, refused when its group or others may read or write it) or
//! from the `NUT_PASSWORD` environment variable. The file holds upsmon.conf-style lines,
//! NUT quoting and `#` comments:
//! ```text
//! USERNAME monuser
//! PASSWORD "a secret with spaces"
//! ```
//! `--user` wins over the file's USERNAME; the file's PASSWORD wins over `NUT_PASSWORD`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nut_core::config::Secret;
use nut_core::config::file::{Writers, read_config};

/// The environment variable a password may come from.
pub const PASSWORD_ENV: &str = "NUT_PASSWORD";

/// The command-line side.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReadAuthArgs {
    /// Log in as this user before reading (for servers that require a login for reads);
    /// the password comes from NUT_PASSWORD or --credentials-file.
    #[arg(long = "user", value_name = "name")]
    pub read_user: Option<String>,
    /// File with USERNAME and PASSWORD lines, readable by its owner only (chmod 600).
    #[arg(long = "credentials-file", value_name = "file")]
    pub credentials_file: Option<PathBuf>,
}

/// A user name and its password.
#[derive(Debug, Clone)]
pub struct ReadCredentials {
    /// USERNAME.
    pub user: String,
    /// PASSWORD (wiped on drop, redacted in Debug).
    pub password: Secret,
}

/// Why credentials cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadAuthError {
    /// The file cannot be read.
    #[error("cannot read the credentials file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Others may read the file.
    #[error(
        "the credentials file {path} may be read or changed by its group or other users \
         (mode {mode:04o}): make it readable by its owner only (chmod 600)"
    )]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A line is not `USERNAME x` or `PASSWORD x` (only the keyword is named: the rest may
    /// be a password).
    #[error("{path} line {line}: {what}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line number.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// A user but no password anywhere.
    #[error("no password for user {0}: set NUT_PASSWORD or give --credentials-file")]
    NoPassword(String),
    /// A file with a password but no user.
    #[error("{0} has no USERNAME line and no --user was given")]
    NoUser(PathBuf),
}

impl ReadAuthArgs {
    /// The credentials to log in with, `None` when neither a user nor a file was given.
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<ReadCredentials>, ReadAuthError> {
        let (file_user, file_password) = match &self.credentials_file {
            Some(path) => read_file(path)?,
            None => (None, None),
        };
        let Some(user) = self.read_user.clone().or(file_user) else {
            return match &self.credentials_file {
                Some(path) => Err(ReadAuthError::NoUser(path.clone())),
                None => Ok(None),
            };
        };
        let password = file_password
            .or_else(|| env(PASSWORD_ENV).map(Secret::from))
            .ok_or_else(|| ReadAuthError::NoPassword(user.clone()))?;
        Ok(Some(ReadCredentials { user, password }))
    }
}

/// USERNAME and PASSWORD from a credentials file, after the permission check.
pub fn read_file(path: &Path) -> Result<(Option<String>, Option<Secret>), ReadAuthError> {
    let read_err = |source| ReadAuthError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mode = std::fs::metadata(path).map_err(read_err)?.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(ReadAuthError::Exposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    let text = zeroize::Zeroizing::new(
        read_config(path, Writers::OwnerOnly)
            .map_err(read_err)?
            .into_text(),
    );
    let syntax = |line, what: String| ReadAuthError::Syntax {
        path: path.to_path_buf(),
        line,
        what,
    };
    let (mut user, mut password) = (None, None);
    for (line, words) in nut_core::words::tokenize_text(text.as_bytes()) {
        let mut words = zeroize::Zeroizing::new(words.map_err(|e| syntax(line, e.to_string()))?);
        match words.as_mut_slice() {
            [] => {}
            [key, value] if key.eq_ignore_ascii_case("USERNAME") => user = Some(value.clone()),
            [key, value] if key.eq_ignore_ascii_case("PASSWORD") => {
                password = Some(Secret::from(value.as_str()))
            }
            // The words are not shown: a stray line may be a password.
            _ => {
                return Err(syntax(
                    line,
                    "expected USERNAME <name> or PASSWORD <password>".to_string(),
                ));
            }
        }
    }
    Ok((user, password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn file(text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("creds");
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        (dir, path)
    }

    fn args(user: Option<&str>, path: Option<&Path>) -> ReadAuthArgs {
        ReadAuthArgs {
            read_user: user.map(str::to_string),
            credentials_file: path.map(Path::to_path_buf),
        }
    }

    #[test]
    fn file_user_and_password_with_overrides() {
        let (_d, path) = file("# mine\nUSERNAME mon\nPASSWORD \"two words\"\n", 0o600);
        let c = args(None, Some(&path)).resolve(|_| None).unwrap().unwrap();
        assert_eq!((c.user.as_str(), c.password.expose()), ("mon", "two words"));
        let c = args(Some("other"), Some(&path))
            .resolve(|_| Some("env".into()))
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.user.as_str(), c.password.expose()),
            ("other", "two words")
        );
        let c = args(Some("u"), None)
            .resolve(|k| (k == PASSWORD_ENV).then(|| "envpw".into()))
            .unwrap()
            .unwrap();
        assert_eq!(c.password.expose(), "envpw");
        assert!(args(None, None).resolve(|_| None).unwrap().is_none());
    }

    #[test]
    fn exposed_files_and_missing_parts_are_refused() {
        for mode in [0o640, 0o604, 0o620] {
            let (_d, path) = file("USERNAME a\nPASSWORD b\n", mode);
            assert!(
                matches!(
                    args(None, Some(&path)).resolve(|_| None),
                    Err(ReadAuthError::Exposed { .. })
                ),
                "{mode:o}"
            );
        }
        assert!(matches!(
            args(Some("u"), None).resolve(|_| None),
            Err(ReadAuthError::NoPassword(_))
        ));
        let (_d, path) = file("PASSWORD b\n", 0o600);
        assert!(matches!(
            args(None, Some(&path)).resolve(|_| None),
            Err(ReadAuthError::NoUser(_))
        ));
        let (_d, path) = file("PASSWORD secretword extra\n", 0o600);
        let err = args(None, Some(&path)).resolve(|_| None).unwrap_err();
        assert!(!err.to_string().contains("secretword"), "{err}");
    }
}
