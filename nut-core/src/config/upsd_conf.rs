//! `upsd.conf` (config.md section 3, tls.md section 2; C NUT `server/conf.c`).
//!
//! Directives are upper case and case-sensitive, except `DEBUG_MIN`. rnut additions:
//! `HOSTS_ALLOW <file>` and `HOSTS_DENY <file>` (hosts_access(5) files that upsd consults), and
//! `CERTIDENT` and `CERTREQUEST` accept the forms NUT's guide prints but C NUT 2.8.0 rejects
//! (single quotes; `NO`/`REQUEST`/`REQUIRE`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::flat_file::{FlatFile, directive_key, one_arg, read_flat};
use super::unix_socket::{UnixSocketConf, is_socket_path};
use super::upsd_http::{HTTP_DIRECTIVES, HttpConf};
use super::{
    CertIdent, CertRequest, ConfigError, ConfigWarning, DEFAULT_PORT, Line, bool_value,
    cert_expiry_warn, cert_ident, invalid_directive, parse_bool, path_arg, positive_seconds,
    seconds_value, uint_value,
};

/// One `LISTEN <addr> [<port>]` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListenAddr {
    /// Host name, IPv4 or IPv6 address (no brackets), or `*` for both wildcards.
    pub host: String,
    /// TCP port (3493 when omitted).
    pub port: u16,
}

/// A parsed upsd.conf with the C upsd defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsdConf {
    /// The file the text came from (for messages).
    pub file: PathBuf,
    /// `LISTEN` lines in file order; empty means the defaults (see [`UpsdConf::effective_listen`]).
    pub listen: Vec<ListenAddr>,
    /// `MAXAGE` (15 s): data older than this makes a UPS stale.
    pub maxage: Duration,
    /// `TRACKINGDELAY` (3600 s): lifetime of tracking entries.
    pub trackingdelay: Duration,
    /// `ALLOW_NO_DEVICE` (false): start with no ups.conf section.
    pub allow_no_device: bool,
    /// `ALLOW_NOT_ALL_LISTENERS` (false): start if at least one LISTEN works.
    pub allow_not_all_listeners: bool,
    /// `MAXCONN` (None: the open-file limit).
    pub maxconn: Option<u64>,
    /// `STATEPATH` (see [`super::paths::effective_state_dir`] for precedence).
    pub statepath: Option<PathBuf>,
    /// `DATAPATH`: where `cmdvartab` lives.
    pub datapath: Option<PathBuf>,
    /// `CERTFILE`: PEM certificate chain and key.
    pub certfile: Option<PathBuf>,
    /// `CERTPATH`: certificate store directory, CA directory or CA bundle.
    pub certpath: Option<PathBuf>,
    /// `CERTIDENT <name> <password>`.
    pub certident: Option<CertIdent>,
    /// `CERTREQUEST`; `None` when the file does not set it (then a certificate store's policy
    /// may decide it, else NO: directives in the file win over the store).
    pub certrequest: Option<CertRequest>,
    /// `DISABLE_WEAK_SSL` (false): TLS 1.2 and later only.
    pub disable_weak_ssl: bool,
    /// rnut: `CERTEXPIRYWARN <days>` (None: 30): warn while a certificate upsd depends on
    /// expires within this many days (0: never).
    pub certexpirywarn: Option<u32>,
    /// rnut: `ALLOW_EXPIRED_CERT` (false): start even when upsd's own certificate has expired.
    pub allow_expired_cert: bool,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// rnut: `HOSTS_ALLOW <file>` (hosts_access allow file).
    pub hosts_allow: Option<PathBuf>,
    /// rnut: `HOSTS_DENY <file>` (hosts_access deny file).
    pub hosts_deny: Option<PathBuf>,
    /// rnut: the `HTTP_*` directives (metrics, JSON API, status page).
    pub http: HttpConf,
    /// rnut: `LISTEN /path` and the `UNIX_SOCKET_*` directives (the Unix-socket listener).
    pub unix_socket: UnixSocketConf,
    /// rnut: `REQUIRE_LOGIN_FOR_READS` (false): every command but VER, NETVER, PROTVER, HELP,
    /// STARTTLS, USERNAME, PASSWORD and LOGOUT needs valid credentials first.
    pub require_login_for_reads: bool,
    /// Accepted oddities for the binary to log (obsolete ACCEPT/REJECT/ACL).
    pub warnings: Vec<ConfigWarning>,
}

impl Default for UpsdConf {
    fn default() -> Self {
        UpsdConf {
            file: PathBuf::new(),
            listen: Vec::new(),
            maxage: Duration::from_secs(15),
            trackingdelay: Duration::from_secs(3600),
            allow_no_device: false,
            allow_not_all_listeners: false,
            maxconn: None,
            statepath: None,
            datapath: None,
            certfile: None,
            certpath: None,
            certident: None,
            certrequest: None,
            disable_weak_ssl: false,
            certexpirywarn: None,
            allow_expired_cert: false,
            debug_min: None,
            hosts_allow: None,
            hosts_deny: None,
            http: HttpConf::default(),
            unix_socket: UnixSocketConf::default(),
            require_login_for_reads: false,
            warnings: Vec::new(),
        }
    }
}

/// The largest `MAXCONN` accepted: Linux's default `fs.nr_open`, the most descriptors any
/// process may have (C upsd's `atoi` turns larger values into garbage). upsd lowers a value
/// its open-file limit cannot serve, with a warning.
pub const MAX_MAXCONN: u64 = 1 << 20;

const DIRECTIVES: &[&str] = &[
    "LISTEN",
    "MAXAGE",
    "TRACKINGDELAY",
    "ALLOW_NO_DEVICE",
    "ALLOW_NOT_ALL_LISTENERS",
    "MAXCONN",
    "STATEPATH",
    "DATAPATH",
    "CERTFILE",
    "CERTPATH",
    "CERTIDENT",
    "CERTREQUEST",
    "DISABLE_WEAK_SSL",
    "CERTEXPIRYWARN",
    "ALLOW_EXPIRED_CERT",
    "DEBUG_MIN",
    "HOSTS_ALLOW",
    "HOSTS_DENY",
    "UNIX_SOCKET_OWNER",
    "UNIX_SOCKET_GROUP",
    "UNIX_SOCKET_MODE",
    "REQUIRE_LOGIN_FOR_READS",
    "ACCEPT",
    "REJECT",
    "ACL",
];

/// How [`read_flat`] reads this file.
const FLAT: FlatFile<UpsdConf> = FlatFile {
    warnings: |c| &mut c.warnings,
    apply: UpsdConf::apply,
    has_cert_store: UpsdConf::tls_configured,
};

impl UpsdConf {
    /// Parse the text of an upsd.conf; `file` is only used in messages.
    pub fn parse(text: &str, file: &Path) -> Result<UpsdConf, ConfigError> {
        let mut conf = UpsdConf {
            file: file.to_path_buf(),
            ..UpsdConf::default()
        };
        read_flat(&mut conf, text, file, &FLAT)?;
        conf.http.check(conf.tls_configured(), file)?;
        conf.warnings.sort_by_key(|w| w.line);
        Ok(conf)
    }

    fn apply(&mut self, line: &Line, file: &Path) -> Result<(), ConfigError> {
        let (n, word, key) = (line.number, line.words[0].as_str(), directive_key(line));
        let one = |usage: &str| one_arg(line, usage, file);
        if self.unix_socket.apply(key, line, file)? {
            return Ok(());
        }
        match key {
            "LISTEN" if line.words.get(1).is_some_and(|a| is_socket_path(a)) => {
                self.unix_socket.listen(line, file)?
            }
            "LISTEN" => {
                let args = &line.words[1..];
                let (host, port) = match args {
                    [host] => (host, DEFAULT_PORT),
                    [host, port] => (host, listen_port(port, file, n)?),
                    _ => {
                        return Err(ConfigError::new(
                            file,
                            n,
                            format!(
                                "LISTEN: expected <address> [<port>], got {} arguments",
                                args.len()
                            ),
                        ));
                    }
                };
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host);
                if host.is_empty() {
                    return Err(ConfigError::new(file, n, "LISTEN: empty address"));
                }
                self.listen.push(ListenAddr {
                    host: host.to_string(),
                    port,
                });
            }
            "MAXAGE" => self.maxage = positive_seconds(key, one("seconds")?, file, n)?,
            "TRACKINGDELAY" => self.trackingdelay = seconds_value(key, one("seconds")?, file, n)?,
            "ALLOW_NO_DEVICE" => self.allow_no_device = allow_bool(key, one("boolean")?, file, n)?,
            "ALLOW_NOT_ALL_LISTENERS" => {
                self.allow_not_all_listeners = allow_bool(key, one("boolean")?, file, n)?
            }
            "MAXCONN" => {
                let max: u64 = uint_value(key, one("number of connections")?, file, n)?;
                if !(1..=MAX_MAXCONN).contains(&max) {
                    return Err(ConfigError::new(
                        file,
                        n,
                        format!(
                            "MAXCONN must be between 1 and {MAX_MAXCONN} (each connection \
                             holds a file descriptor; Linux allows no process more than \
                             {MAX_MAXCONN} by default)"
                        ),
                    ));
                }
                self.maxconn = Some(max);
            }
            "STATEPATH" => self.statepath = Some(path_arg(line, "directory", file)?),
            "DATAPATH" => self.datapath = Some(path_arg(line, "directory", file)?),
            "CERTFILE" => self.certfile = Some(path_arg(line, "PEM file", file)?),
            "CERTPATH" => self.certpath = Some(path_arg(line, "directory or file", file)?),
            "CERTIDENT" => self.certident = Some(cert_ident(line, file)?),
            "CERTREQUEST" => {
                let v = one("0|1|2 or NO|REQUEST|REQUIRE")?;
                self.certrequest = Some(CertRequest::parse(v).ok_or_else(|| {
                    ConfigError::new(
                        file,
                        n,
                        format!("CERTREQUEST: invalid value {v:?} (expected 0, 1, 2, NO, REQUEST or REQUIRE)"),
                    )
                })?);
            }
            "DISABLE_WEAK_SSL" => {
                self.disable_weak_ssl = bool_value(key, one("boolean")?, file, n)?
            }
            "CERTEXPIRYWARN" => {
                self.certexpirywarn = Some(cert_expiry_warn(key, one("days")?, file, n)?)
            }
            "ALLOW_EXPIRED_CERT" => {
                self.allow_expired_cert = allow_bool(key, one("boolean")?, file, n)?
            }
            "DEBUG_MIN" => self.debug_min = Some(uint_value(key, one("level")?, file, n)?),
            "HOSTS_ALLOW" => self.hosts_allow = Some(path_arg(line, "hosts_access file", file)?),
            "HOSTS_DENY" => self.hosts_deny = Some(path_arg(line, "hosts_access file", file)?),
            "REQUIRE_LOGIN_FOR_READS" => {
                self.require_login_for_reads = bool_value(key, one("boolean")?, file, n)?
            }
            "ACCEPT" | "REJECT" | "ACL" => self.warnings.push(ConfigWarning::new(
                file,
                n,
                format!("{key} is no longer supported - switch to LISTEN (line ignored)"),
            )),
            _ if self.http.apply(line, file)? => {}
            _ => {
                let known = [DIRECTIVES, HTTP_DIRECTIVES].concat();
                return Err(invalid_directive(file, n, word, "upsd.conf", &known));
            }
        }
        Ok(())
    }

    /// The addresses to listen on: the `LISTEN` lines, with `*` standing for `0.0.0.0` and
    /// `::`, or `127.0.0.1` and `::1` on port 3493 when there is none. Unix-socket LISTEN
    /// lines are not counted here: with only those, the TCP defaults still apply.
    pub fn effective_listen(&self) -> Vec<ListenAddr> {
        if self.listen.is_empty() {
            return ["127.0.0.1", "::1"]
                .into_iter()
                .map(|h| ListenAddr {
                    host: h.to_string(),
                    port: DEFAULT_PORT,
                })
                .collect();
        }
        let mut out: Vec<ListenAddr> = Vec::new();
        for l in &self.listen {
            let hosts: &[&str] = if l.host == "*" {
                &["0.0.0.0", "::"]
            } else {
                &[l.host.as_str()]
            };
            for h in hosts {
                let a = ListenAddr {
                    host: (*h).to_string(),
                    port: l.port,
                };
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// Whether any TLS directive is set (upsd then initialises TLS and fails if it cannot).
    pub fn tls_configured(&self) -> bool {
        self.certfile.is_some() || self.certpath.is_some()
    }

    /// Apply the `ALLOW_NO_DEVICE` / `ALLOW_NOT_ALL_LISTENERS` environment variables, which
    /// override the file. Values are matched by prefix, case-insensitively (`TRUE`, `YES`,
    /// `ON`, `1` / `FALSE`, `NO`, `OFF`, `0`), as C upsd does; anything else is ignored.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        if let Some(v) = env("ALLOW_NO_DEVICE").and_then(|v| env_bool(&v)) {
            self.allow_no_device = v;
        }
        if let Some(v) = env("ALLOW_NOT_ALL_LISTENERS").and_then(|v| env_bool(&v)) {
            self.allow_not_all_listeners = v;
        }
    }
}

fn listen_port(port: &str, file: &Path, n: usize) -> Result<u16, ConfigError> {
    let p: u16 = uint_value("LISTEN port", port, file, n)?;
    if p == 0 {
        return Err(ConfigError::new(
            file,
            n,
            "LISTEN port must be between 1 and 65535",
        ));
    }
    Ok(p)
}

/// `ALLOW_*`: a boolean word, or any value starting with a digit taken as a number != 0.
fn allow_bool(key: &str, value: &str, file: &Path, n: usize) -> Result<bool, ConfigError> {
    if let Some(b) = parse_bool(value) {
        return Ok(b);
    }
    if value.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let n: u64 = uint_value(key, value, file, n)?;
        return Ok(n != 0);
    }
    bool_value(key, value, file, n)
}

fn env_bool(value: &str) -> Option<bool> {
    let v = value.to_ascii_uppercase();
    if ["TRUE", "YES", "ON", "1"].iter().any(|p| v.starts_with(p)) {
        Some(true)
    } else if ["FALSE", "NO", "OFF", "0"].iter().any(|p| v.starts_with(p)) {
        Some(false)
    } else {
        None
    }
}
