//! Privileges: `-r dir` (chroot), `-u user` (drop to the user and its groups after binding),
//! and the permission checks upsd insists on before it serves anything.

use std::ffi::CString;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, bail};
use nix::unistd::{Gid, Uid, User};

/// Look the user up (before any chroot, while /etc/passwd is reachable).
pub fn resolve_user(name: &str) -> anyhow::Result<User> {
    match User::from_name(name) {
        Ok(Some(u)) => Ok(u),
        Ok(None) => bail!("user {name:?} does not exist"),
        Err(e) => Err(e).with_context(|| format!("cannot look up user {name:?}")),
    }
}

/// The groups of a user (primary group included), read before a chroot hides /etc/group.
pub fn user_groups(user: &User) -> anyhow::Result<Vec<Gid>> {
    let cname = CString::new(user.name.as_str()).context("user name contains a NUL byte")?;
    nix::unistd::getgrouplist(&cname, user.gid)
        .with_context(|| format!("cannot read the groups of {}", user.name))
}

/// chroot into `dir` and make `/` the working directory.
pub fn chroot(dir: &Path) -> anyhow::Result<()> {
    nix::unistd::chroot(dir).with_context(|| format!("cannot chroot to {}", dir.display()))?;
    nix::unistd::chdir("/").context("cannot chdir to / after chroot")?;
    Ok(())
}

/// Become `user`: supplementary groups, then gid, then uid (in that order: once the uid is
/// dropped the others can no longer be changed). Verifies the drop cannot be undone.
pub fn drop_to(user: &User, groups: &[Gid]) -> anyhow::Result<()> {
    let current = Uid::effective();
    if current == user.uid && Gid::effective() == user.gid {
        return Ok(());
    }
    if current.is_root() {
        nix::unistd::setgroups(groups)
            .with_context(|| format!("setgroups for {} failed", user.name))?;
    }
    nix::unistd::setgid(user.gid).with_context(|| format!("setgid({}) failed", user.gid))?;
    nix::unistd::setuid(user.uid).with_context(|| format!("setuid({}) failed", user.uid))?;
    if !user.uid.is_root() && nix::unistd::setuid(Uid::from_raw(0)).is_ok() {
        bail!(
            "privilege drop to {} did not stick: could become root again",
            user.name
        );
    }
    Ok(())
}

/// upsd.users holds passwords: refuse to start when others may read it.
pub fn check_users_file(path: &Path) -> anyhow::Result<()> {
    refuse_world_readable(path, "passwords")
}

/// A file holding `secret` must not be readable by others: the error names the chmod.
fn refuse_world_readable(path: &Path, secret: &str) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.mode() & 0o004 != 0 {
        bail!(
            "{} is readable by other users and holds {secret}: run `chmod 0640 {}` (and `chown root:nut {}` so upsd can still read it)",
            path.display(),
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// The certificate store directory must not be writable by others (anyone could swap
/// the server identity or the trusted CAs).
pub fn check_store_dir(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read certificate store {}", path.display()))?;
    if meta.mode() & 0o002 != 0 {
        bail!(
            "certificate store {} is writable by other users: run `chmod o-w {}` (and `chown -R root:nut {}`)",
            path.display(),
            path.display(),
            path.display()
        );
    }
    // The database and SQLite's journal files: writable by others, anyone could add a
    // trusted CA or swap the server identity.
    let db = nut_certutil::store::Store::db_path(path);
    let side = |suffix| nut_certutil::store::side_file(&db, suffix);
    for file in [db.clone(), side("-wal"), side("-shm")] {
        if let Ok(m) = std::fs::metadata(&file) {
            if m.mode() & 0o002 != 0 {
                bail!(
                    "{} is writable by other users: run `chmod o-w {}`",
                    file.display(),
                    file.display()
                );
            }
        }
    }
    Ok(())
}

/// upsd.conf with a CERTIDENT password must not be readable by others (the password opens
/// the server's private key).
pub fn check_conf_with_secret(path: &Path) -> anyhow::Result<()> {
    refuse_world_readable(path, "the CERTIDENT password")
}

/// A private key file readable by others is only warned about (C NUT's guide asks for 0640).
pub fn warn_key_file(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.mode() & 0o004 != 0 {
            tracing::warn!(
                "{} holds a private key and is readable by other users: run `chmod 0640 {}`",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A check that refuses a file others can read, and accepts it at 0640.
    fn refuses_world_readable(name: &str, check: fn(&Path) -> anyhow::Result<()>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join(name);
        std::fs::write(&f, "x\n").expect("write");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let e = check(&f).expect_err("world readable");
        assert!(e.to_string().contains("chmod 0640"), "{e}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        check(&f).expect("ok");
    }

    #[test]
    fn users_file_modes() {
        refuses_world_readable("upsd.users", check_users_file);
    }

    #[test]
    fn store_dir_modes() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        let e = check_store_dir(dir.path()).expect_err("world writable");
        assert!(e.to_string().contains("chmod o-w"), "{e}");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o750))
            .expect("chmod");
        check_store_dir(dir.path()).expect("ok");
        // The database file itself, writable by others: refused too.
        let db = nut_certutil::store::Store::db_path(dir.path());
        std::fs::write(&db, b"").expect("write");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let e = check_store_dir(dir.path()).expect_err("db world writable");
        assert!(e.to_string().contains("chmod o-w"), "{e}");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        check_store_dir(dir.path()).expect("ok");
    }

    #[test]
    fn a_conf_holding_the_store_password_is_not_for_everyone() {
        refuses_world_readable("upsd.conf", check_conf_with_secret);
    }
}
