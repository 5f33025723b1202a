//! The privilege split of C upsmon without `fork()`: the root parent re-executes the current
//! binary as the monitoring child, handing it the write end of a pipe as its standard input.
//! The child drops privileges before any network work; the parent only waits for the single
//! byte 0x01 that means "run SHUTDOWNCMD now" (upsmon.md section 7).

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::{Gid, Uid, User, setgid, setgroups, setuid};

use nut_core::config::ShutdownExit;

/// The hidden argument that marks the re-executed child.
pub const CHILD_ARG: &str = "--privsep-child";

/// Start the child: this binary again, with `args` plus [`CHILD_ARG`], the pipe's write end
/// as its stdin. Returns the child and the parent's read end.
pub fn spawn_child(args: &[String]) -> anyhow::Result<(Child, File)> {
    let (read, write) = nix::unistd::pipe().context("pipe")?;
    fcntl(read.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).context("fcntl")?;
    let exe = std::env::current_exe().context("locating the upsmon binary")?;
    let child = Command::new(exe)
        .args(args)
        .arg(CHILD_ARG)
        .stdin(Stdio::from(write))
        .spawn()
        .context("starting the upsmon child")?;
    Ok((child, File::from(read)))
}

/// In the child: the pipe to the parent (our standard input).
pub fn child_pipe() -> anyhow::Result<File> {
    let fd: OwnedFd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .context("dup stdin")?;
    Ok(File::from(fd))
}

/// Whether the other end of `pipe` is gone (the parent died): a zero-timeout poll.
pub fn peer_gone(pipe: &File) -> bool {
    let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLOUT)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(n) if n > 0 => fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP)),
        _ => false,
    }
}

/// Drop root privileges to `user` (supplementary groups, group, then user). Not root: no-op
/// with a warning.
pub fn drop_privileges(user: &str) -> anyhow::Result<()> {
    if !nix::unistd::geteuid().is_root() {
        tracing::debug!("not running as root, keeping the current user");
        return Ok(());
    }
    let entry = User::from_name(user)
        .with_context(|| format!("looking up user {user}"))?
        .ok_or_else(|| anyhow!("user {user} not found"))?;
    set_ids(entry.uid, entry.gid).with_context(|| format!("switching to user {user}"))?;
    tracing::debug!("running as user {user}");
    Ok(())
}

fn set_ids(uid: Uid, gid: Gid) -> nix::Result<()> {
    setgroups(&[gid])?;
    setgid(gid)?;
    setuid(uid)
}

/// Write POWERDOWNFLAG (when given) and run SHUTDOWNCMD through `sh -c`.
pub async fn run_shutdown(cmd: Option<&str>, powerdownflag: Option<&Path>) {
    if let Some(flag) = powerdownflag {
        match super::powerdown::write(flag) {
            Ok(()) => tracing::info!("Wrote POWERDOWNFLAG {}", flag.display()),
            Err(e) => tracing::error!("Failed to create power down flag {}: {e}", flag.display()),
        }
    }
    let Some(cmd) = cmd else {
        tracing::error!("Unable to call shutdown command: SHUTDOWNCMD is not set");
        return;
    };
    match tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .await
    {
        Ok(s) if s.success() => {}
        Ok(s) => tracing::error!("Unable to call shutdown command: {cmd} exited with {s}"),
        Err(e) => tracing::error!("Unable to call shutdown command {cmd}: {e}"),
    }
}

/// The privileged parent: wait for the child's request, run the shutdown, exit. SIGTERM and
/// SIGINT are passed on to the child (C NUT's parent simply dies and leaves the child
/// running without a way to shut down; passing the signal on stops both cleanly).
pub async fn parent_loop(
    mut pipe: File,
    mut child: Child,
    shutdowncmd: Option<String>,
    powerdownflag: Option<std::path::PathBuf>,
    shutdownexit: ShutdownExit,
) -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    // Registering handlers keeps these signals from killing the parent.
    let mut keep = Vec::new();
    for kind in [
        SignalKind::hangup(),
        SignalKind::user_defined1(),
        SignalKind::user_defined2(),
    ] {
        if let Ok(s) = signal(kind) {
            keep.push(s);
        }
    }
    let child_pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let forward = async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return std::future::pending::<()>().await;
        };
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            let _ = nix::sys::signal::kill(child_pid, nix::sys::signal::Signal::SIGTERM);
        }
    };
    tokio::spawn(forward);

    let byte = tokio::task::spawn_blocking(move || {
        let mut b = [0u8; 1];
        loop {
            match pipe.read(&mut b) {
                Ok(0) => return None,
                Ok(_) => return Some(b[0]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            }
        }
    })
    .await
    .ok()
    .flatten();
    match byte {
        None => {
            let _ = child.wait();
            tracing::info!("upsmon parent: exiting (child exited)");
            1
        }
        Some(1) => {
            run_shutdown(shutdowncmd.as_deref(), powerdownflag.as_deref()).await;
            let wait = match shutdownexit {
                ShutdownExit::Yes => Some(Duration::ZERO),
                ShutdownExit::No => None,
                ShutdownExit::After(d) => Some(d),
            };
            let start = Instant::now();
            loop {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
                if wait.is_some_and(|d| start.elapsed() >= d) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            0
        }
        Some(other) => {
            tracing::error!("upsmon parent: got bogus pipe command {other}");
            let _ = child.kill();
            let _ = child.wait();
            1
        }
    }
}
