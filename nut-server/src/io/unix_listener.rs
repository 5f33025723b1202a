//! The Unix-socket listener (`LISTEN /path` in upsd.conf, rnut extension): checked and bound
//! at start, as root before the privilege drop, like the TCP listeners.
//!
//! The socket file is the only gate in front of it (hosts.allow/deny name IP addresses and
//! do not apply), so its place is checked before anything is bound: the directory must be
//! owned by root or the socket's owner, and writable by nobody else (group-writable only
//! for the socket owner's own group, as Debian's `root:nut 0770` /run/nut) — otherwise
//! someone could replace the socket with their own and collect the passwords clients send.
//! The file is created under umask 0177 (no one can connect before its mode is set), then
//! given `UNIX_SOCKET_OWNER`/`UNIX_SOCKET_GROUP` (default: the user upsd runs as and its
//! group) and `UNIX_SOCKET_MODE` (default 0660). A stale socket left by a killed upsd is
//! replaced; a live one (another upsd answers) or any other file is an error.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use nix::sys::stat::{Mode, umask};
use nix::unistd::{Gid, Group, Uid, User, chown};
use nut_core::config::UnixSocketConf;

/// Why a Unix socket cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnixSocketError {
    /// The directory is missing or unreadable.
    #[error("LISTEN {path}: cannot use the directory {dir}: {source}")]
    Dir {
        /// The socket path.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Someone other than root and the socket's owner could replace the socket.
    #[error(
        "LISTEN {path}: the directory {dir} (mode {mode:04o}, uid {uid}, gid {gid}) {why}; \
         make it owned by root or the socket's owner and writable by no one else (chmod go-w)"
    )]
    UnsafeDir {
        /// The socket path.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// The directory's permission bits.
        mode: u32,
        /// Its owner.
        uid: u32,
        /// Its group.
        gid: u32,
        /// What is wrong.
        why: &'static str,
    },
    /// A file that is not a socket is in the way.
    #[error("LISTEN {0}: a file that is not a socket is in the way (remove it)")]
    NotASocket(PathBuf),
    /// Another server answers on the socket.
    #[error("LISTEN {0}: another server is listening on this socket")]
    InUse(PathBuf),
    /// `UNIX_SOCKET_OWNER` names no user.
    #[error("UNIX_SOCKET_OWNER: no user {0:?}")]
    UnknownUser(String),
    /// `UNIX_SOCKET_GROUP` names no group.
    #[error("UNIX_SOCKET_GROUP: no group {0:?}")]
    UnknownGroup(String),
    /// A system call failed.
    #[error("LISTEN {path}: cannot {action}: {source}")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// Why.
        source: io::Error,
    },
}

/// Who owns the socket file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOwner {
    /// Owner.
    pub uid: Uid,
    /// Group.
    pub gid: Gid,
}

impl SocketOwner {
    /// `UNIX_SOCKET_OWNER` / `UNIX_SOCKET_GROUP`, defaulting to `run_as` (the user upsd drops
    /// to) and its primary group, else the current user and group.
    pub fn resolve(conf: &UnixSocketConf, run_as: Option<&User>) -> Result<Self, UnixSocketError> {
        let (mut uid, mut gid) = match run_as {
            Some(u) => (u.uid, u.gid),
            None => (Uid::effective(), Gid::effective()),
        };
        if let Some(name) = &conf.owner {
            let u = User::from_name(name)
                .ok()
                .flatten()
                .ok_or_else(|| UnixSocketError::UnknownUser(name.clone()))?;
            uid = u.uid;
            if conf.group.is_none() {
                gid = u.gid;
            }
        }
        if let Some(name) = &conf.group {
            gid = Group::from_name(name)
                .ok()
                .flatten()
                .ok_or_else(|| UnixSocketError::UnknownGroup(name.clone()))?
                .gid;
        }
        Ok(SocketOwner { uid, gid })
    }
}

/// A bound socket and its path (removed again when upsd exits).
#[derive(Debug)]
pub struct BoundSocket {
    /// The socket file.
    pub path: PathBuf,
    /// The listener (non-blocking).
    pub listener: UnixListener,
}

/// Check and bind every `LISTEN /path` of the configuration.
pub fn bind_all(
    conf: &UnixSocketConf,
    owner: SocketOwner,
) -> Result<Vec<BoundSocket>, UnixSocketError> {
    let mut out = Vec::new();
    for path in &conf.paths {
        let listener = bind_one(path, owner, conf.mode)?;
        tracing::info!(
            "listening on unix:{} (uid {}, gid {}, mode {:04o})",
            path.display(),
            owner.uid,
            owner.gid,
            conf.mode
        );
        out.push(BoundSocket {
            path: path.clone(),
            listener,
        });
    }
    Ok(out)
}

fn bind_one(path: &Path, owner: SocketOwner, mode: u32) -> Result<UnixListener, UnixSocketError> {
    check_dir(path, owner)?;
    clear_stale(path)?;
    let io_err = |action| {
        move |source| UnixSocketError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    // Created 0600 whatever the process umask: nobody connects before the mode is set.
    let old = umask(Mode::from_bits_truncate(0o177));
    let bound = UnixListener::bind(path);
    umask(old);
    let listener = bound.map_err(io_err("bind"))?;
    chown(path, Some(owner.uid), Some(owner.gid))
        .map_err(|e| io_err("set the owner")(io::Error::from(e)))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(io_err("set the mode"))?;
    listener
        .set_nonblocking(true)
        .map_err(io_err("make the socket non-blocking"))?;
    Ok(listener)
}

/// The directory rule of the module documentation.
fn check_dir(path: &Path, owner: SocketOwner) -> Result<(), UnixSocketError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("/"),
    };
    let meta = std::fs::metadata(dir).map_err(|source| UnixSocketError::Dir {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        source,
    })?;
    let unsafe_dir = |why| UnixSocketError::UnsafeDir {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        why,
    };
    if !meta.is_dir() {
        return Err(unsafe_dir("is not a directory"));
    }
    let trusted_owner = meta.uid() == 0 || meta.uid() == owner.uid.as_raw();
    if !trusted_owner {
        return Err(unsafe_dir(
            "belongs to a user other than root and the socket's owner",
        ));
    }
    if meta.mode() & 0o002 != 0 {
        return Err(unsafe_dir("is writable by others"));
    }
    if meta.mode() & 0o020 != 0 && meta.gid() != owner.gid.as_raw() {
        return Err(unsafe_dir("is writable by a group other than the socket's"));
    }
    Ok(())
}

/// Remove a socket left by a server that is gone; refuse a live one or another file.
fn clear_stale(path: &Path) -> Result<(), UnixSocketError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(UnixSocketError::Io {
                path: path.to_path_buf(),
                action: "inspect the existing file",
                source,
            });
        }
    };
    if !meta.file_type().is_socket() {
        return Err(UnixSocketError::NotASocket(path.to_path_buf()));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(UnixSocketError::InUse(path.to_path_buf()));
    }
    tracing::info!("removing the stale socket {}", path.display());
    std::fs::remove_file(path).map_err(|source| UnixSocketError::Io {
        path: path.to_path_buf(),
        action: "remove the stale socket",
        source,
    })
}

/// Remove the socket files on exit (best effort: after the privilege drop the directory
/// may no longer be writable; the next start replaces a stale socket anyway).
pub fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> SocketOwner {
        SocketOwner {
            uid: Uid::effective(),
            gid: Gid::effective(),
        }
    }

    fn conf(path: PathBuf, mode: u32) -> UnixSocketConf {
        UnixSocketConf {
            paths: vec![path],
            mode,
            ..UnixSocketConf::default()
        }
    }

    #[test]
    fn binds_with_the_mode_and_replaces_a_stale_socket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("upsd.sock");
        let bound = bind_all(&conf(path.clone(), 0o640), me()).expect("bind");
        let meta = std::fs::symlink_metadata(&path).expect("stat");
        assert_eq!(meta.mode() & 0o777, 0o640);
        assert!(matches!(
            bind_all(&conf(path.clone(), 0o640), me()),
            Err(UnixSocketError::InUse(_))
        ));
        drop(bound);
        // The file is left behind, nobody answers: replaced.
        bind_all(&conf(path, 0o600), me()).expect("rebind over a stale socket");
    }

    #[test]
    fn refuses_an_open_directory_and_a_plain_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        let err = bind_all(&conf(dir.path().join("s"), 0o660), me()).expect_err("unsafe");
        assert!(
            matches!(&err, UnixSocketError::UnsafeDir { why, .. } if why.contains("others")),
            "{err}"
        );
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").expect("write");
        assert!(matches!(
            bind_all(&conf(file, 0o660), me()),
            Err(UnixSocketError::NotASocket(_))
        ));
    }
}
