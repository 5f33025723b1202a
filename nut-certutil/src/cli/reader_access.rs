//! Whether the user a daemon runs as can read the store: doctor usually runs as root, who
//! reads everything, while upsd and upsmon read the store after dropping to `nut` (or
//! upsmon.conf's RUN_AS_USER). Decided from the mode bits of every directory on the way
//! and of the file, as the kernel would for that user (owner, then group, then others).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::unistd::{Gid, User};

/// The first path the user may not search (a directory) or read (the file), if any.
pub fn first_refused(user: &User, file: &Path) -> Option<std::path::PathBuf> {
    if user.uid.is_root() {
        return None;
    }
    let groups = user_groups(user);
    let allowed = |path: &Path, want: u32| -> bool {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        let mode = meta.mode();
        let bits = if meta.uid() == user.uid.as_raw() {
            mode >> 6
        } else if groups.iter().any(|g| g.as_raw() == meta.gid()) {
            mode >> 3
        } else {
            mode
        };
        bits & want == want
    };
    let mut dirs: Vec<&Path> = file.ancestors().skip(1).collect();
    dirs.reverse();
    for dir in dirs.into_iter().filter(|d| !d.as_os_str().is_empty()) {
        if !allowed(dir, 0o1) {
            return Some(dir.to_path_buf());
        }
    }
    (!allowed(file, 0o4)).then(|| file.to_path_buf())
}

fn user_groups(user: &User) -> Vec<Gid> {
    let name = std::ffi::CString::new(user.name.as_str()).unwrap_or_default();
    nix::unistd::getgrouplist(&name, user.gid).unwrap_or_else(|_| vec![user.gid])
}
