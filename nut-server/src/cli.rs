//! upsd's command line, with C upsd's flags: `upsd [-c reload|stop] [-P pid] [-D...] [-F]
//! [-B] [-q] [-r chroot] [-u user] [-4|-6] [-h] [-V]`, plus rnut's `--hosts-allow` /
//! `--hosts-deny`.

use std::path::PathBuf;

use clap::Parser;

/// The NUT data server.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "upsd",
    disable_version_flag = true,
    about = "Network UPS Tools data server (rnut)",
    disable_help_flag = false
)]
pub struct Cli {
    /// Send a command to the running upsd: `reload` (re-read the configuration) or `stop`.
    #[arg(short = 'c', value_name = "reload|stop", value_parser = ["reload", "stop"])]
    pub command: Option<String>,

    /// With -c: signal this process id instead of the one in the PID file.
    #[arg(short = 'P', value_name = "pid")]
    pub pid: Option<i32>,

    /// Raise the debug level (repeatable); implies foreground.
    #[arg(short = 'D', action = clap::ArgAction::Count)]
    pub debug: u8,

    /// Stay in the foreground (`-FF`: and still write the PID file).
    #[arg(short = 'F', action = clap::ArgAction::Count)]
    pub foreground: u8,

    /// Go to the background even with -D.
    #[arg(short = 'B')]
    pub background: bool,

    /// Log less (repeatable).
    #[arg(short = 'q', action = clap::ArgAction::Count)]
    pub quiet: u8,

    /// chroot to this directory before reading the configuration.
    #[arg(short = 'r', value_name = "dir")]
    pub chroot: Option<PathBuf>,

    /// Drop privileges to this user (and its groups) after binding the ports; started as
    /// root without it, upsd becomes `nut` (`-u root` keeps root).
    #[arg(short = 'u', value_name = "user")]
    pub user: Option<String>,

    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,

    /// hosts.allow file (rnut; overrides upsd.conf HOSTS_ALLOW).
    #[arg(long = "hosts-allow", value_name = "file")]
    pub hosts_allow: Option<PathBuf>,

    /// hosts.deny file (rnut; overrides upsd.conf HOSTS_DENY).
    #[arg(long = "hosts-deny", value_name = "file")]
    pub hosts_deny: Option<PathBuf>,

    /// Show the version and exit.
    #[arg(short = 'V', long = "version")]
    pub version: bool,

    /// Read a password from standard input and print its `$argon2id$` hash for upsd.users
    /// (rnut), then exit.
    #[arg(long = "hash-password")]
    pub hash_password: bool,
}

impl Cli {
    /// Whether upsd stays attached to the terminal (C: `-F`, or `-D` without `-B`).
    pub fn stays_foreground(&self) -> bool {
        self.foreground > 0 || (self.debug > 0 && !self.background)
    }

    /// The address family restriction.
    pub fn family(&self) -> crate::io::listener::Family {
        use crate::io::listener::Family;
        if self.ipv4 {
            Family::V4
        } else if self.ipv6 {
            Family::V6
        } else {
            Family::Any
        }
    }
}
