//! chroot and privilege dropping (C `chroot_start`, `become_user`), all through `nix`.

use std::path::Path;

use nix::unistd::{Gid, Group, User};
use nut_core::config::paths::DEFAULT_USER;

use crate::error::DriverError;

/// The group id for a group name.
pub fn group_id(name: &str) -> Result<Gid, DriverError> {
    match Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid),
        Ok(None) => Err(DriverError::Usage(format!("unknown group {name}"))),
        Err(e) => Err(DriverError::Usage(format!(
            "cannot look up group {name}: {e}"
        ))),
    }
}

/// The user a driver switches to: `-u` or ups.conf `user =` when given; otherwise, when
/// started as root, the build's default user (C drivers become the configured RUN_AS_USER),
/// so that upsd running as that user can open the socket. None: stay who we are.
pub fn wanted_user(configured: Option<&str>) -> Option<&str> {
    configured.or_else(|| nix::unistd::geteuid().is_root().then_some(DEFAULT_USER))
}

/// Look up a user (before a chroot hides /etc/passwd).
pub fn lookup_user(name: &str) -> Result<User, DriverError> {
    match User::from_name(name) {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err(DriverError::Privileges {
            user: name.to_string(),
            message: format!(
                "no such user; a driver started as root runs as `{DEFAULT_USER}` unless \
                 ups.conf names another with `user =` (or -u): create the user or set `user =`"
            ),
        }),
        Err(e) => Err(DriverError::Privileges {
            user: name.to_string(),
            message: e.to_string(),
        }),
    }
}

/// chroot into `dir` and change to its root.
pub fn chroot_to(dir: &Path) -> Result<(), DriverError> {
    let fail =
        |e: nix::Error| DriverError::Usage(format!("cannot chroot to {}: {e}", dir.display()));
    nix::unistd::chroot(dir).map_err(fail)?;
    nix::unistd::chdir("/").map_err(fail)?;
    Ok(())
}

/// The groups `user` is a member of (its primary group included), as `initgroups` would
/// set them: read before a chroot hides /etc/group.
pub fn user_groups(user: &User) -> Result<Vec<Gid>, DriverError> {
    let name = std::ffi::CString::new(user.name.as_str()).map_err(|_| DriverError::Privileges {
        user: user.name.clone(),
        message: "the user name contains a NUL byte".into(),
    })?;
    nix::unistd::getgrouplist(&name, user.gid).map_err(|e| DriverError::Privileges {
        user: user.name.clone(),
        message: format!("cannot read its groups: {e}"),
    })
}

/// Switch to `user` with its supplementary `groups` (C's `become_user` calls `initgroups`:
/// a driver keeps e.g. `dialout` to reopen its serial port). Does nothing when not running
/// as root, as C NUT does.
pub fn become_user(user: &User, groups: &[Gid]) -> Result<(), DriverError> {
    if !nix::unistd::geteuid().is_root() {
        if nix::unistd::geteuid() != user.uid {
            tracing::warn!(
                "not running as root: staying uid {} instead of becoming {}",
                nix::unistd::geteuid(),
                user.name
            );
        }
        return Ok(());
    }
    let fail = |what: &str, e: nix::Error| DriverError::Privileges {
        user: user.name.clone(),
        message: format!("{what}: {e}"),
    };
    nix::unistd::setgroups(groups).map_err(|e| fail("setgroups", e))?;
    nix::unistd::setgid(user.gid).map_err(|e| fail("setgid", e))?;
    nix::unistd::setuid(user.uid).map_err(|e| fail("setuid", e))?;
    Ok(())
}
