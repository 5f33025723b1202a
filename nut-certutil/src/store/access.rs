//! Whether this process can read a store, checked before SQLite is asked: SQLite reports a
//! missing search permission as "no such file" and an unreadable file as "unable to open
//! database file" with its own `file:` URI, where a user needs the path, the user the
//! process runs as, and the command that fixes it.

use std::io::ErrorKind;
use std::path::Path;

use super::StoreError;

/// `Ok(true)`: the store file is there and readable; `Ok(false)`: it is not there (the
/// caller says "no certificate database"); `Err(Unreadable)`: the directory or the file is
/// there but this process may not read it.
pub(super) fn check_readable(dir: &Path, file: &Path) -> Result<bool, StoreError> {
    let denied = |path: &Path| StoreError::Unreadable {
        path: path.to_path_buf(),
        user: current_user(),
        fix: read_fix(dir, file, &current_group()),
    };
    match std::fs::metadata(file) {
        Ok(m) if !m.is_file() => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::PermissionDenied => return Err(denied(dir)),
        Err(_) => return Ok(false),
    }
    match std::fs::File::open(file) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Err(denied(file)),
        Err(_) => Ok(true),
    }
}

/// The user name (or uid) of the effective user.
fn current_user() -> String {
    let uid = nix::unistd::geteuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => format!("uid {uid}"),
    }
}

/// The group name (or gid) of the effective group.
fn current_group() -> String {
    let gid = nix::unistd::getegid();
    match nix::unistd::Group::from_gid(gid) {
        Ok(Some(g)) => g.name,
        _ => gid.to_string(),
    }
}

/// The commands that let `group` read the store, its directory included.
pub fn read_fix(dir: &Path, file: &Path, group: &str) -> String {
    format!(
        "chown root:{group} {dir} {file} && chmod g+rx {dir} && chmod g+r {file}",
        dir = dir.display(),
        file = file.display()
    )
}
