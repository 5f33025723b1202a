//! The PID file (`<NUT_ALTPIDPATH>/upsd.pid`) and `upsd -c reload|stop`, which signal the
//! running server through it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The PID file's path in `dir`.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join("upsd.pid")
}

/// The PID file `upsd -c` reads: a chrooted upsd (`-r jail`) wrote it inside its jail, so
/// `upsd -r jail -c reload` (the daemon's own command line plus `-c`) finds it there.
pub fn path_for_command(chroot: Option<&Path>, dir: &Path) -> PathBuf {
    let file = path_in(dir);
    match chroot {
        Some(jail) => jail.join(file.strip_prefix("/").unwrap_or(&file)),
        None => file,
    }
}

/// A written PID file, removed on drop.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Write this process's id atomically (temp file + rename).
    pub fn write(path: &Path) -> anyhow::Result<PidFile> {
        let tmp = path.with_extension("pid.tmp");
        std::fs::write(&tmp, format!("{}\n", std::process::id()))
            .with_context(|| format!("cannot write PID file {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot write PID file {}", path.display()))?;
        Ok(PidFile {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Read a PID file.
pub fn read(path: &Path) -> anyhow::Result<i32> {
    let text = nut_core::config::read_config_text(path)
        .with_context(|| format!("cannot read PID file {} (is upsd running?)", path.display()))?;
    let pid: i32 = text
        .trim()
        .parse()
        .with_context(|| format!("PID file {} holds no process id", path.display()))?;
    if pid <= 1 {
        bail!(
            "PID file {} holds an invalid process id {pid}",
            path.display()
        );
    }
    Ok(pid)
}

/// `upsd -c reload|stop`: SIGHUP or SIGTERM to the running server.
pub fn send_command(command: &str, pid: i32) -> anyhow::Result<()> {
    let sig = match command {
        "reload" => Signal::SIGHUP,
        "stop" => Signal::SIGTERM,
        other => bail!("unknown command {other:?}: use reload or stop"),
    };
    kill(Pid::from_raw(pid), sig)
        .with_context(|| format!("cannot signal upsd (pid {pid}) with {sig}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chrooted_pid_file_is_read_inside_the_jail() {
        let dir = Path::new("/run/nut");
        assert_eq!(
            path_for_command(None, dir),
            PathBuf::from("/run/nut/upsd.pid")
        );
        assert_eq!(
            path_for_command(Some(Path::new("/srv/jail")), dir),
            PathBuf::from("/srv/jail/run/nut/upsd.pid")
        );
    }

    #[test]
    fn write_read_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = path_in(dir.path());
        {
            let _f = PidFile::write(&p).expect("write");
            assert_eq!(read(&p).expect("read"), std::process::id() as i32);
        }
        assert!(!p.exists());
        assert!(read(&p).is_err());
        assert!(send_command("bogus", 12345).is_err());
    }
}
