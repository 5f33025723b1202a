//! The POWERDOWNFLAG file: written when this upsmon initiates a shutdown, checked by
//! `upsmon -K` late in the OS shutdown to decide whether to power the UPS off.

use std::io::{self, Read};
use std::path::Path;

/// Exact content of the flag file (no newline).
pub const MAGIC: &str = "upsmon-shutdown-file";

/// What is found at the POWERDOWNFLAG path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagState {
    /// No file.
    Absent,
    /// A file whose first line starts with the magic string.
    Ours,
    /// Some other file: upsmon will not touch it.
    Foreign,
}

/// Inspect the flag file.
pub fn check(path: &Path) -> io::Result<FlagState> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(FlagState::Absent),
        Err(e) => return Err(e),
    };
    let mut head = vec![0u8; MAGIC.len()];
    let mut got = 0;
    while got < head.len() {
        let n = f.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(if &head[..got] == MAGIC.as_bytes() {
        FlagState::Ours
    } else {
        FlagState::Foreign
    })
}

/// Create (or truncate) the flag file with the magic content.
pub fn write(path: &Path) -> io::Result<()> {
    std::fs::write(path, MAGIC)
}

/// Startup handling: delete our stale flag; refuse to use a path holding a foreign file.
/// Returns whether POWERDOWNFLAG stays enabled.
pub fn clear_at_startup(path: &Path) -> io::Result<bool> {
    match check(path)? {
        FlagState::Absent => Ok(true),
        FlagState::Ours => {
            std::fs::remove_file(path)?;
            Ok(true)
        }
        FlagState::Foreign => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_file_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("killpower");
        assert_eq!(check(&p).unwrap(), FlagState::Absent);
        write(&p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"upsmon-shutdown-file");
        assert_eq!(check(&p).unwrap(), FlagState::Ours);
        assert!(clear_at_startup(&p).unwrap());
        assert!(!p.exists());
        std::fs::write(&p, "something else").unwrap();
        assert_eq!(check(&p).unwrap(), FlagState::Foreign);
        assert!(!clear_at_startup(&p).unwrap());
        assert!(p.exists(), "a foreign file is left alone");
    }
}
