//! The system's `nut` user, which the privilege tests drop to (Debian's nut-server package
//! creates it; `scripts/install-test-deps` installs that package).

use std::path::Path;

/// The `nut` user, or `None` after a skip (not root, or no such user): `why` names the tests
/// that need it.
pub fn nut_user(why: &str) -> Option<nix::unistd::User> {
    if !crate::require_root(why) {
        return None;
    }
    match nix::unistd::User::from_name("nut") {
        Ok(Some(u)) => Some(u),
        _ => {
            crate::skip("no `nut` user (scripts/test installs nut-server, which makes it)");
            None
        }
    }
}

/// Give group `gid` a tree, as a packager lays one out (root:nut): every file and directory
/// below `path` gets the group; modes are left to the caller.
pub fn grant_group(path: &Path, gid: nix::unistd::Gid) {
    nix::unistd::chown(path, None, Some(gid)).expect("chown");
    if path.is_dir() {
        for e in std::fs::read_dir(path).expect("read dir") {
            grant_group(&e.expect("entry").path(), gid);
        }
    }
}
