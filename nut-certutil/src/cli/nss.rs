//! NSS `certutil` command lines, verbatim: `-N -S -R -C -A -L -K -M -D -F -V -W` with their
//! options, including the interactive `-1`/`-6`/`-2` questions read from stdin in NSS's order.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nut_certutil::der::pem;
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::pki::CertRole;
use nut_certutil::tls::{TrustMaterial, Usage, validate_certificate};
use nut_certutil::trust::TrustFlags;

use super::io::{PasswordSource, Questions, read_input, write_output};
use super::ops::{self, NewCert};

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
    command: Option<char>,
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

    fn opt(&self, c: char) -> Option<&str> {
        self.opts.get(&c).map(String::as_str)
    }

    fn need(&self, c: char, what: &str) -> Result<&str> {
        self.opt(c)
            .with_context(|| format!("{what} is required (-{c})"))
    }

    fn flag(&self, c: char) -> bool {
        self.flags.contains(&c)
    }

    fn long_value(&self, name: &str) -> Option<&str> {
        self.long.get(name).and_then(|v| v.as_deref())
    }

    fn passwords(&self) -> PasswordSource {
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

    fn dir(&self) -> Result<PathBuf> {
        ops::store_dir(self.opt('d').or(self.long_value("dbdir")))
    }

    fn out(&self) -> Option<&Path> {
        self.opt('o').map(Path::new)
    }

    fn input(&self) -> Option<&Path> {
        self.opt('i').map(Path::new)
    }

    fn trust(&self) -> Result<TrustFlags> {
        Ok(self.need('t', "trust attributes")?.parse::<TrustFlags>()?)
    }

    fn key_algorithm(&self) -> Result<KeyAlgorithm> {
        let bits = self
            .opt('g')
            .map(|g| g.parse::<u32>())
            .transpose()
            .context("-g takes a number of bits")?;
        // NSS's default key type is RSA; rnut's is ECDSA P-256, unless -g asks for a size.
        let kind = self
            .opt('k')
            .or(if bits.is_some() { Some("rsa") } else { None });
        Ok(KeyAlgorithm::from_options(kind, bits, self.opt('q'))?)
    }

    fn sans(&self) -> Vec<String> {
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
    fn role(&self, q: &mut Questions) -> CertRole {
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

    fn new_cert(&self, subject: String, role: CertRole) -> Result<NewCert> {
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

    fn check_hash(&self) -> Result<()> {
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

/// Run an NSS command line. Returns the exit code.
pub fn run(args: &[String]) -> Result<i32> {
    let a = NssArgs::parse(args)?;
    let Some(cmd) = a.command else {
        bail!("no command given (use -N, -S, -R, -C, -A, -L, -K, -M, -D, -V or -W)")
    };
    if cmd == 'H' {
        println!("{}", super::USAGE);
        return Ok(0);
    }
    if let Some(z) = a.opt('z') {
        // Noise files are accepted for compatibility; ring's generator does not need them.
        std::fs::metadata(z).with_context(|| format!("noise file {z}"))?;
    }
    a.check_hash()?;
    let dir = a.dir()?;
    let pw = a.passwords();
    match cmd {
        'N' => {
            ops::create(&dir, &pw)?;
        }
        'S' => {
            let mut store = ops::open(&dir)?;
            let nickname = a.need('n', "a nickname")?;
            let subject = a.need('s', "a subject")?.to_string();
            let trust = a.trust()?;
            let issuer = if a.flag('x') {
                None
            } else {
                Some(a.need('c', "an issuer (-c) or -x")?)
            };
            let mut q = Questions::stdin();
            let role = a.role(&mut q);
            let spec = a.new_cert(subject, role)?;
            eprintln!("\n\nGenerating key.  This may take a few moments...\n");
            ops::create_certificate(&mut store, &pw, nickname, trust, issuer, &spec)?;
        }
        'R' => {
            let mut store = ops::open(&dir)?;
            let subject = a.need('s', "a subject")?;
            eprintln!("\n\nGenerating key.  This may take a few moments...\n");
            let der = ops::create_request(&mut store, &pw, subject, &a.sans(), a.key_algorithm()?)?;
            if a.flag('a') {
                write_output(
                    a.out(),
                    pem("NEW CERTIFICATE REQUEST", &der).as_bytes(),
                    0o644,
                )?;
            } else {
                write_output(a.out(), &der, 0o644)?;
            }
        }
        'C' => {
            let store = ops::open_ro(&dir)?;
            let issuer = a.need('c', "the issuer nickname")?;
            let request = read_input(a.input())?;
            let mut q = Questions::stdin();
            let role = a.role(&mut q);
            let spec = a.new_cert(String::new(), role)?;
            let der = ops::sign_request(&store, &pw, issuer, &request, &spec)?;
            if a.flag('a') {
                write_output(a.out(), pem("CERTIFICATE", &der).as_bytes(), 0o644)?;
            } else {
                write_output(a.out(), &der, 0o644)?;
            }
        }
        'A' => {
            let mut store = ops::open(&dir)?;
            let nickname = a.need('n', "a nickname")?;
            let trust = a.trust()?;
            if trust != TrustFlags::NONE {
                // Granting trust needs the database password, as in NSS.
                pw.unlock(&store)?;
            }
            let data = read_input(a.input())?;
            ops::import(&mut store, &pw, nickname, &data, trust)?;
        }
        'L' => {
            let store = ops::open_ro(&dir)?;
            match a.opt('n') {
                None => write_output(a.out(), ops::format_list(&store)?.as_bytes(), 0o644)?,
                Some(n) => {
                    let rec = store.certificate(n)?;
                    if a.flag('a') || a.flag('r') {
                        ops::export_cert(&rec, a.flag('a'), a.out())?;
                    } else {
                        write_output(a.out(), ops::describe(&rec)?.as_bytes(), 0o644)?;
                    }
                }
            }
        }
        'K' => {
            let store = ops::open_ro(&dir)?;
            // Listing the keys needs the database password, as in NSS.
            pw.unlock(&store)?;
            eprintln!(
                "certutil: Checking token \"NSS Certificate DB\" in slot \"NSS User Private Key and Certificate Services\""
            );
            print!("{}", ops::format_keys(&store)?);
        }
        'M' => {
            let mut store = ops::open(&dir)?;
            // Changing trust needs the database password, as in NSS.
            pw.unlock(&store)?;
            store.set_trust(a.need('n', "a nickname")?, a.trust()?)?;
        }
        'D' => {
            let mut store = ops::open(&dir)?;
            store.delete_certificate(a.need('n', "a nickname")?, false)?;
        }
        'F' => {
            let mut store = ops::open(&dir)?;
            let n = a.need('n', "a nickname")?;
            // The password is needed to delete a key, as in NSS.
            pw.unlock(&store)?;
            store.delete_certificate(n, true)?;
        }
        'V' => {
            let store = ops::open_ro(&dir)?;
            ops::unlock_for_trust(&store, &pw)?;
            let n = a.need('n', "a nickname")?;
            let rec = store.certificate(n)?;
            let usages = a.need('u', "a usage")?;
            let trust = TrustMaterial::from_store(&store)?;
            let now = nut_certutil::rustls::pki_types::UnixTime::now();
            for u in usages.chars() {
                let usage = match u {
                    'V' => Usage::Server,
                    'C' => Usage::Client,
                    other => {
                        bail!("usage '{other}' is not supported (V: SSL server, C: SSL client)")
                    }
                };
                if let Err(e) = validate_certificate(&trust, &rec.der, usage, now) {
                    println!("certutil: certificate is invalid: {e}");
                    return Ok(255);
                }
            }
            println!("certutil: certificate is valid");
        }
        'W' => {
            let mut store = ops::open(&dir)?;
            let old = pw.existing(&store)?;
            let new = pw.new_password(true)?;
            store.change_password(&old, &new)?;
            println!("Password changed successfully.");
        }
        other => bail!("command -{other} is not supported"),
    }
    Ok(0)
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
