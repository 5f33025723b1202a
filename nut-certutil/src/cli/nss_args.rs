//! NSS `certutil`'s options, parsed as NSS does: one command letter, single-letter options
//! with attached or separate values, `--long` options; and what they mean (the store
//! directory, passwords, trust, key type, SANs, and the interactive `-1`/`-6`/`-2` questions
//! read from stdin in NSS's order).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::pki::CertRole;
use nut_certutil::trust::TrustFlags;

use super::cert_spec::NewCert;
use super::common_args::key_algorithm;
use super::database::store_dir;
use super::io::{PasswordSource, Questions};

/// The NSS commands.
const COMMANDS: &[char] = &[
    'N', 'S', 'R', 'C', 'A', 'L', 'K', 'M', 'D', 'F', 'V', 'W', 'H',
];
/// Single-letter options that take a value.
const WITH_VALUE: &[char] = &[
    'd', 'n', 's', 't', 'c', 'i', 'o', 'f', 'z', 'k', 'g', 'q', 'v', 'm', 'u', 'w', 'Z', 'h', 'P',
    '8', '@', '7', 'y', 'p', 'l', 'X', 'b', 'j',
];

/// True when the command line is in NSS form (a command letter such as `-L` is present).
pub fn is_nss_command_line(args: &[String]) -> bool {
    args.iter().any(|a| {
        let b = a.as_bytes();
        b.len() == 2 && b[0] == b'-' && COMMANDS.contains(&(b[1] as char))
    })
}

/// Parsed NSS options.
#[derive(Debug, Default)]
pub struct NssArgs {
    /// The command letter (`-L`, ...).
    pub command: Option<char>,
    opts: std::collections::HashMap<char, String>,
    flags: std::collections::HashSet<char>,
    long: std::collections::HashMap<String, Option<String>>,
}

const LONG_WITH_VALUE: &[&str] = &[
    "extSAN",
    "keyUsage",
    "extKeyUsage",
    "nsCertType",
    "password-file",
    "extAIA",
    "extSIA",
    "extCP",
    "extPM",
    "extPC",
    "extIA",
    "extNC",
    "pss-sign",
    "dbdir",
    "simple-self-signed",
    "source-dir",
    "source-prefix",
    "upgrade-id",
    "upgrade-token-name",
];

impl NssArgs {
    /// Parse NSS-style arguments (without the program name).
    pub fn parse(args: &[String]) -> Result<NssArgs> {
        let mut a = NssArgs::default();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            if let Some(name) = arg.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (name.to_string(), None),
                };
                let value = if inline.is_some() {
                    inline
                } else if LONG_WITH_VALUE.contains(&name.as_str()) {
                    let v = args
                        .get(i)
                        .cloned()
                        .with_context(|| format!("option --{name} needs a value"))?;
                    i += 1;
                    Some(v)
                } else {
                    None
                };
                a.long.insert(name, value);
                continue;
            }
            let Some(rest) = arg.strip_prefix('-') else {
                bail!("unexpected argument '{arg}'");
            };
            let mut chars = rest.chars();
            let Some(c) = chars.next() else {
                bail!("unexpected argument '-'")
            };
            let attached: String = chars.collect();
            if COMMANDS.contains(&c) && attached.is_empty() {
                if let Some(prev) = a.command {
                    if prev != c {
                        bail!("only one command at a time (got -{prev} and -{c})");
                    }
                }
                a.command = Some(c);
            } else if WITH_VALUE.contains(&c) {
                let v = if !attached.is_empty() {
                    attached
                } else {
                    let v = args
                        .get(i)
                        .cloned()
                        .with_context(|| format!("option -{c} needs a value"))?;
                    i += 1;
                    v
                };
                a.opts.insert(c, v);
            } else if attached.is_empty() {
                a.flags.insert(c);
            } else {
                bail!("unknown option '{arg}'");
            }
        }
        Ok(a)
    }

    pub fn opt(&self, c: char) -> Option<&str> {
        self.opts.get(&c).map(String::as_str)
    }

    pub fn need(&self, c: char, what: &str) -> Result<&str> {
        self.opt(c)
            .with_context(|| format!("{what} is required (-{c})"))
    }

    pub fn flag(&self, c: char) -> bool {
        self.flags.contains(&c)
    }

    pub fn long_value(&self, name: &str) -> Option<&str> {
        self.long.get(name).and_then(|v| v.as_deref())
    }

    pub fn passwords(&self) -> PasswordSource {
        PasswordSource {
            file: self
                .opt('f')
                .or(self.long_value("password-file"))
                .map(PathBuf::from),
            new_file: self.opt('@').map(PathBuf::from),
            empty: self.long.contains_key("empty-password"),
            ..Default::default()
        }
    }

    pub fn dir(&self) -> Result<PathBuf> {
        store_dir(self.opt('d').or(self.long_value("dbdir")))
    }

    pub fn out(&self) -> Option<&Path> {
        self.opt('o').map(Path::new)
    }

    pub fn input(&self) -> Option<&Path> {
        self.opt('i').map(Path::new)
    }

    pub fn trust(&self) -> Result<TrustFlags> {
        Ok(self.need('t', "trust attributes")?.parse::<TrustFlags>()?)
    }

    pub fn key_algorithm(&self) -> Result<KeyAlgorithm> {
        let bits = self
            .opt('g')
            .map(|g| g.parse::<u32>())
            .transpose()
            .context("-g takes a number of bits")?;
        key_algorithm(self.opt('k'), bits, self.opt('q'))
    }

    pub fn sans(&self) -> Vec<String> {
        let mut sans = Vec::new();
        if let Some(s) = self.long_value("extSAN") {
            sans.push(s.to_string());
        }
        if let Some(s) = self.opt('8') {
            sans.extend(s.split(',').map(|x| format!("dns:{}", x.trim())));
        }
        sans
    }

    /// The role from `-1`/`-6`/`-2` answers (asked in NSS's order) and the non-interactive
    /// `--extKeyUsage`.
    pub fn role(&self, q: &mut Questions) -> CertRole {
        if self.flag('1') {
            // Key usage menu: answers consumed, the CA policy decides the key usage.
            loop {
                let a = q.ask("\t\t0 - Digital Signature\n\t\t1 - Non-repudiation\n\t\t2 - Key encipherment\n\t\t3 - Data encipherment\n\t\t4 - Key agreement\n\t\t5 - Cert signing key\n\t\t6 - CRL signing key\n\t\tOther to finish\n > ");
                if !matches!(a.parse::<i32>(), Ok(0..=6)) {
                    break;
                }
            }
            q.yes("Is this a critical extension [y/N]?\n");
        }
        let (mut server, mut client) = (false, false);
        if self.flag('6') {
            loop {
                let a = q.ask("\t\t0 - Server Auth\n\t\t1 - Client Auth\n\t\t2 - Code Signing\n\t\t3 - Email Protection\n\t\t4 - Timestamp\n\t\t5 - OCSP Responder\n\t\t6 - Step-up\n\t\t7 - Microsoft Trust List Signing\n\t\tOther to finish\n > ");
                match a.parse::<i32>() {
                    Ok(0) => server = true,
                    Ok(1) => client = true,
                    Ok(2..=7) => {}
                    _ => break,
                }
            }
            q.yes("Is this a critical extension [y/N]?\n");
        }
        if let Some(eku) = self.long_value("extKeyUsage") {
            for part in eku.split(',') {
                match part.trim() {
                    "serverAuth" => server = true,
                    "clientAuth" => client = true,
                    _ => {}
                }
            }
        }
        if self.flag('2') {
            let ca = q.yes("Is this a CA certificate [y/N]?\n");
            let pl = q
                .ask("Enter the path length constraint, enter to skip [<0 for unlimited path]: > ");
            q.yes("Is this a critical extension [y/N]?\n");
            if ca {
                let path_len = pl
                    .parse::<i32>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .map(|n| n.min(255) as u8);
                return CertRole::Ca { path_len };
            }
        }
        match (server, client) {
            (true, false) => CertRole::Server,
            (false, true) => CertRole::Client,
            _ => CertRole::ServerAndClient,
        }
    }

    pub fn new_cert(&self, subject: String, role: CertRole) -> Result<NewCert> {
        Ok(NewCert {
            subject,
            role,
            months: self
                .opt('v')
                .map(|v| v.parse::<u32>())
                .transpose()
                .context("-v takes a number of months")?
                .unwrap_or(3),
            warp: self
                .opt('w')
                .map(|v| v.parse::<i32>())
                .transpose()
                .context("-w takes a number of months")?
                .unwrap_or(0),
            serial: self.opt('m').map(parse_serial).transpose()?,
            sans: self.sans(),
            key: self.key_algorithm()?,
        })
    }

    pub fn check_hash(&self) -> Result<()> {
        match self.opt('Z').map(|z| z.to_ascii_uppercase()) {
            None => Ok(()),
            Some(z)
                if [
                    "SHA256", "SHA-256", "SHA384", "SHA-384", "SHA512", "SHA-512",
                ]
                .contains(&z.as_str()) =>
            {
                Ok(())
            }
            Some(z) => bail!(
                "hash algorithm {z} is not supported (rnut signs with SHA-256 for P-256/RSA, SHA-384 for P-384)"
            ),
        }
    }
}

fn parse_serial(s: &str) -> Result<u64> {
    let v = if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16)
    } else {
        s.parse::<u64>()
    };
    let v = v.with_context(|| format!("invalid serial number '{s}'"))?;
    if v == 0 {
        bail!("the serial number must be positive");
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parses_the_guide_command_lines() {
        let a = NssArgs::parse(&v(&[
            "-S",
            "-d",
            "sql:CA_db",
            "-n",
            "My Root CA",
            "-s",
            "CN=My CA,O=MyCompany",
            "-t",
            "CT,,",
            "-x",
            "-2",
        ]))
        .expect("parse");
        assert_eq!(a.command, Some('S'));
        assert_eq!(a.dir().expect("dir"), PathBuf::from("CA_db"));
        assert!(a.flag('x') && a.flag('2'));
        assert_eq!(a.trust().expect("trust").to_string(), "CT,,");
        let a = NssArgs::parse(&v(&[
            "-C",
            "-d",
            "db",
            "-c",
            "CA",
            "-a",
            "-i",
            "r",
            "-o",
            "c",
            "-2",
            "-6",
            "--extSAN",
            "dns:localhost,ip:127.0.0.1",
            "-m5",
        ]))
        .expect("parse");
        assert_eq!(a.opt('m'), Some("5"));
        assert_eq!(a.sans(), vec!["dns:localhost,ip:127.0.0.1".to_string()]);
        assert!(NssArgs::parse(&v(&["-L", "-K"])).is_err());
        assert!(NssArgs::parse(&v(&["-L", "-d"])).is_err());
        assert!(is_nss_command_line(&v(&["-N", "-d", "x"])));
        assert!(!is_nss_command_line(&v(&["list", "-d", "x"])));
        assert_eq!(parse_serial("0x10").expect("hex"), 16);
        assert!(parse_serial("0").is_err());
    }
}
