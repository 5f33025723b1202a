//! rnut's Unix-socket listener settings in upsd.conf (docs/PROTOCOL-EXTENSIONS.md):
//! `LISTEN /path/to/upsd.sock` (a LISTEN address starting with `/`), and the socket file's
//! `UNIX_SOCKET_OWNER <user>`, `UNIX_SOCKET_GROUP <group>` and `UNIX_SOCKET_MODE <octal>`.
//! Parsing only: upsd checks the directory and applies owner, group and mode at start.

use std::path::{Path, PathBuf};

use super::{ConfigError, Line, expect_args};

/// Mode of the socket file when `UNIX_SOCKET_MODE` is not set: owner and group may connect.
pub const DEFAULT_UNIX_SOCKET_MODE: u32 = 0o660;

/// The Unix-socket part of upsd.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSocketConf {
    /// `LISTEN /path` lines in file order (deduplicated).
    pub paths: Vec<PathBuf>,
    /// `UNIX_SOCKET_OWNER`; `None`: the user upsd runs as.
    pub owner: Option<String>,
    /// `UNIX_SOCKET_GROUP`; `None`: the primary group of the user upsd runs as.
    pub group: Option<String>,
    /// `UNIX_SOCKET_MODE` (permission bits only, at most 0777).
    pub mode: u32,
}

impl Default for UnixSocketConf {
    fn default() -> Self {
        UnixSocketConf {
            paths: Vec::new(),
            owner: None,
            group: None,
            mode: DEFAULT_UNIX_SOCKET_MODE,
        }
    }
}

/// True when a LISTEN address names a Unix socket (an absolute path).
pub fn is_socket_path(addr: &str) -> bool {
    crate::net::system_name::is_unix_socket_host(addr)
}

impl UnixSocketConf {
    /// `LISTEN /path`: a path and nothing after it (a socket has no port).
    pub(crate) fn listen(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
        let args = expect_args(
            line,
            1,
            "</path/to/socket> (a Unix socket takes no port)",
            file,
        )?;
        let path = PathBuf::from(&args[0]);
        if path.file_name().is_none() {
            return Err(ConfigError::new(
                file,
                line.number,
                "LISTEN: a Unix socket path must end in a file name",
            ));
        }
        if !self.paths.contains(&path) {
            self.paths.push(path);
        }
        Ok(())
    }

    /// Apply one `UNIX_SOCKET_*` directive; false when `key` is none of them.
    pub(crate) fn apply(
        &mut self,
        key: &str,
        line: &Line,
        file: &Path,
    ) -> Result<bool, ConfigError> {
        match key {
            "UNIX_SOCKET_OWNER" => self.owner = Some(name_arg(line, "user name", file)?),
            "UNIX_SOCKET_GROUP" => self.group = Some(name_arg(line, "group name", file)?),
            "UNIX_SOCKET_MODE" => {
                let v = &expect_args(line, 1, "octal mode", file)?[0];
                self.mode = parse_mode(v).ok_or_else(|| {
                    ConfigError::new(
                        file,
                        line.number,
                        format!("UNIX_SOCKET_MODE: invalid mode {v:?} (expected octal, 0 to 0777, e.g. 0660)"),
                    )
                })?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn name_arg(line: &Line, usage: &str, file: &Path) -> Result<String, ConfigError> {
    let v = &expect_args(line, 1, usage, file)?[0];
    if v.is_empty() {
        return Err(ConfigError::new(
            file,
            line.number,
            format!("{}: empty {usage}", line.words[0]),
        ));
    }
    Ok(v.clone())
}

/// Octal permission bits, `0660` or `660`; no setuid/setgid/sticky bits.
fn parse_mode(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(text, 8).ok().filter(|&m| m <= 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_octal_permission_bits() {
        assert_eq!(parse_mode("0660"), Some(0o660));
        assert_eq!(parse_mode("600"), Some(0o600));
        assert_eq!(parse_mode("0"), Some(0));
        for bad in ["", "0888", "4755", "01777", "rw", "-1", "00660"] {
            assert_eq!(parse_mode(bad), None, "{bad}");
        }
    }
}
