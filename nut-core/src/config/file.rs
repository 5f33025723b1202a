//! The one reader of config and data files (upsd.conf, ups.conf, upsd.users, upsmon.conf,
//! hosts files, dummy-ups `.dev` / `.seq` files, cmdvartab): bounded in size, regular files
//! only, and never blocking.
//!
//! A path that is not a regular file is refused before it is opened (opening a device can act
//! on it); then the file is opened with `O_NONBLOCK` and checked again with `fstat` on the
//! open descriptor before a byte is read, so a FIFO with no writer cannot hang start-up and a
//! device such as `/dev/zero` cannot fill memory, even when the path is swapped between the
//! two checks. A symlink is followed: what
//! counts is its target, which must be a regular file (configuration management often links
//! /etc/nut files). At most [`MAX_CONFIG_FILE_BYTES`] are read; a larger file is refused,
//! also when it grows while being read.

use std::fmt;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// The largest config or data file read (4 MiB). NUT's own files are a few KiB; the largest
/// real ones (a `.dev` dump of a UPS with hundreds of variables) stay far below this.
pub const MAX_CONFIG_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Who besides the owner may write a file that is about to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writers {
    /// No check (data files, files that hold nothing run or trusted).
    Anyone,
    /// Refused when writable by others (mode `o+w`): upsd.conf, ups.conf.
    NotOthers,
    /// Refused when writable by its group or by others (`g+w`, `o+w`): upsmon.conf, which
    /// names the commands upsmon runs as root.
    OwnerOnly,
}

/// Why a file was refused before or while reading it. Reached through the `io::Error` that
/// [`read_config`] returns (`get_ref()` and `downcast_ref`); displayed without the path,
/// which the caller names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileRefusal {
    /// A FIFO, a device, a socket or a directory.
    #[error(
        "not a regular file (a {0}); config and data files must be regular files (a symlink is \
         followed and its target must be one)"
    )]
    NotRegular(FileKind),
    /// Over [`MAX_CONFIG_FILE_BYTES`].
    #[error("larger than {limit} bytes, the limit for config and data files")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Writable by users who must not be able to change it.
    #[error(
        "writable by {who}, who could change what the program does (and what it runs as root); run `chmod {fix}` on it"
    )]
    Writable {
        /// "other users" or "its group or other users".
        who: &'static str,
        /// The chmod argument that fixes it (`o-w`, `go-w`).
        fix: &'static str,
    },
}

/// The kind of a file that is not regular.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A named pipe.
    Fifo,
    /// A character device (`/dev/zero`, a tty).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A Unix socket.
    Socket,
    /// A directory.
    Directory,
    /// Anything else.
    Other,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Fifo => "FIFO",
            FileKind::CharDevice => "character device",
            FileKind::BlockDevice => "block device",
            FileKind::Socket => "socket",
            FileKind::Directory => "directory",
            FileKind::Other => "special file",
        })
    }
}

/// A file read whole: its bytes and its permission bits (from the descriptor it was read
/// through, so both describe the same file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContents {
    /// The bytes, at most [`MAX_CONFIG_FILE_BYTES`].
    pub bytes: Vec<u8>,
    /// `st_mode & 0o7777`.
    pub mode: u32,
}

impl FileContents {
    /// Whether users other than the owner and the group may read the file.
    pub fn readable_by_others(&self) -> bool {
        self.mode & 0o004 != 0
    }

    /// The bytes as text: bytes that are not UTF-8 (a Latin-1 `é` in a comment) become
    /// U+FFFD, which the tokenizer drops as non-ASCII with a warning naming the line.
    pub fn into_text(self) -> String {
        match String::from_utf8(self.bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

fn refused(kind: io::ErrorKind, why: FileRefusal) -> io::Error {
    io::Error::new(kind, why)
}

fn kind_of(ft: std::fs::FileType) -> FileKind {
    if ft.is_fifo() {
        FileKind::Fifo
    } else if ft.is_char_device() {
        FileKind::CharDevice
    } else if ft.is_block_device() {
        FileKind::BlockDevice
    } else if ft.is_socket() {
        FileKind::Socket
    } else if ft.is_dir() {
        FileKind::Directory
    } else {
        FileKind::Other
    }
}

fn refuse_unless_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    if meta.file_type().is_file() {
        Ok(())
    } else {
        Err(refused(
            io::ErrorKind::InvalidInput,
            FileRefusal::NotRegular(kind_of(meta.file_type())),
        ))
    }
}

/// Read a config or data file: a regular file of at most [`MAX_CONFIG_FILE_BYTES`], refused
/// per `writers` when others may change it. The error is the open or read error, or a
/// [`FileRefusal`] inside an `io::Error` (kind `InvalidInput`, `FileTooLarge` or
/// `PermissionDenied`); a missing file keeps `NotFound`.
pub fn read_config(path: &Path, writers: Writers) -> io::Result<FileContents> {
    // The path is looked at first, so that a device named by mistake is not even opened
    // (opening some devices acts: a watchdog arms, a tape rewinds)...
    refuse_unless_regular(&std::fs::metadata(path)?)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)?;
    // ...and what was opened is checked again, in case the path changed in between.
    let meta = file.metadata()?;
    refuse_unless_regular(&meta)?;
    let mode = meta.mode() & 0o7777;
    let forbidden = match writers {
        Writers::Anyone => None,
        Writers::NotOthers => (mode & 0o002 != 0).then_some(("other users", "o-w")),
        Writers::OwnerOnly => (mode & 0o022 != 0).then_some(("its group or other users", "go-w")),
    };
    if let Some((who, fix)) = forbidden {
        return Err(refused(
            io::ErrorKind::PermissionDenied,
            FileRefusal::Writable { who, fix },
        ));
    }
    let too_large = || {
        refused(
            io::ErrorKind::FileTooLarge,
            FileRefusal::TooLarge {
                limit: MAX_CONFIG_FILE_BYTES,
            },
        )
    };
    if meta.len() > MAX_CONFIG_FILE_BYTES {
        return Err(too_large());
    }
    // The size may change under us: read one byte past the limit to notice.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_CONFIG_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_FILE_BYTES {
        return Err(too_large());
    }
    Ok(FileContents { bytes, mode })
}

/// The [`FileRefusal`] inside an error from [`read_config`], if that is what it is.
pub fn refusal(e: &io::Error) -> Option<&FileRefusal> {
    e.get_ref().and_then(|inner| inner.downcast_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn reads_a_regular_file_and_its_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("upsd.conf");
        std::fs::write(&f, "MAXAGE 15\n").expect("write");
        chmod(&f, 0o640);
        let c = read_config(&f, Writers::OwnerOnly).expect("read");
        assert_eq!(c.bytes, b"MAXAGE 15\n");
        assert_eq!(c.mode, 0o640);
        assert!(!c.readable_by_others());
        let e = read_config(&dir.path().join("missing"), Writers::Anyone).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn dev_zero_is_refused_without_reading() {
        let e = read_config(Path::new("/dev/zero"), Writers::Anyone).unwrap_err();
        assert_eq!(
            refusal(&e),
            Some(&FileRefusal::NotRegular(FileKind::CharDevice))
        );
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn symlink_to_a_device_is_refused_and_to_a_file_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let to_dev = dir.path().join("ups.conf");
        std::os::unix::fs::symlink("/dev/zero", &to_dev).expect("symlink");
        let e = read_config(&to_dev, Writers::Anyone).unwrap_err();
        assert!(matches!(refusal(&e), Some(FileRefusal::NotRegular(_))));
        let real = dir.path().join("real");
        std::fs::write(&real, "x\n").expect("write");
        let to_file = dir.path().join("upsmon.conf");
        std::os::unix::fs::symlink(&real, &to_file).expect("symlink");
        assert_eq!(
            read_config(&to_file, Writers::Anyone).expect("read").bytes,
            b"x\n"
        );
    }

    #[test]
    fn fifo_without_writer_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("upsd.conf");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .expect("mkfifo");
        // Opened in a thread so that a regression (a blocking open) fails the test instead of
        // hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read_config(&path, Writers::Anyone).map_err(|e| e.to_string()));
        });
        let started = Instant::now();
        let result = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("reading a FIFO with no writer must not block");
        let e = result.unwrap_err();
        assert!(e.contains("not a regular file (a FIFO)"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn directory_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = read_config(dir.path(), Writers::Anyone).unwrap_err();
        assert_eq!(
            refusal(&e),
            Some(&FileRefusal::NotRegular(FileKind::Directory))
        );
    }

    #[test]
    fn size_limit_is_exact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("big.dev");
        let file = std::fs::File::create(&f).expect("create");
        file.set_len(MAX_CONFIG_FILE_BYTES).expect("set_len");
        assert_eq!(
            read_config(&f, Writers::Anyone)
                .expect("at the limit")
                .bytes
                .len() as u64,
            MAX_CONFIG_FILE_BYTES
        );
        file.set_len(MAX_CONFIG_FILE_BYTES + 1).expect("set_len");
        let e = read_config(&f, Writers::Anyone).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(matches!(refusal(&e), Some(FileRefusal::TooLarge { .. })));
    }

    #[test]
    fn writable_by_others_is_refused_as_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("ups.conf");
        std::fs::write(&f, "x\n").expect("write");
        chmod(&f, 0o666);
        read_config(&f, Writers::Anyone).expect("no check");
        let e = read_config(&f, Writers::NotOthers).unwrap_err();
        assert!(e.to_string().contains("chmod o-w"), "{e}");
        chmod(&f, 0o664);
        read_config(&f, Writers::NotOthers).expect("group-writable is fine for ups.conf");
        let e = read_config(&f, Writers::OwnerOnly).unwrap_err();
        assert!(e.to_string().contains("chmod go-w"), "{e}");
        chmod(&f, 0o644);
        read_config(&f, Writers::OwnerOnly).expect("owner-writable");
    }
}
