//! Plain subcommands for people who never used NSS: `init`, `ca create`, `request`, `sign`,
//! `issue`, `import`, `import-nss`, `export`, `export-nss`, `list`, `show`, `trust`, `delete`, `passwd`, `policy`, `revoke`, `crl`, `doctor`,
//! `verify`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use nut_certutil::der::pem;
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::pki::CertRole;
use nut_certutil::tls::{TrustMaterial, Usage, validate_certificate};
use nut_certutil::trust::TrustFlags;

use super::crl_cmd::{self, CrlCmd, RevokeArgs};
use super::doctor::{self, DoctorInput};
use super::enroll_cmd::{self, EnrollArgs};
use super::io::{PasswordSource, read_input, write_output};
use super::ops::{self, NewCert};
use super::policy_cmd;
use super::renew_cmd::{self, RenewArgs};

#[derive(Debug, Parser)]
#[command(
    name = "nut-certutil",
    disable_version_flag = true,
    about = "rnut certificate database tool (also accepts NSS certutil command lines)"
)]
struct Cli {
    /// Certificate database directory (what CERTPATH names); `sql:` prefix accepted.
    #[arg(short = 'd', long = "dir", global = true)]
    dir: Option<String>,
    /// File holding the database password (first line).
    #[arg(short = 'f', long = "password-file", global = true)]
    password_file: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Server,
    Client,
    Both,
}

impl RoleArg {
    fn role(self) -> CertRole {
        match self {
            RoleArg::Server => CertRole::Server,
            RoleArg::Client => CertRole::Client,
            RoleArg::Both => CertRole::ServerAndClient,
        }
    }
}

#[derive(Debug, Args)]
struct KeyArgs {
    /// Key type: ec (default), rsa, ed25519.
    #[arg(long = "key-type", short = 'k')]
    key_type: Option<String>,
    /// RSA size in bits (2048, 3072, 4096).
    #[arg(long, short = 'g')]
    bits: Option<u32>,
    /// EC curve: nistp256 (default), nistp384.
    #[arg(long, short = 'q')]
    curve: Option<String>,
}

impl KeyArgs {
    fn algorithm(&self) -> Result<KeyAlgorithm> {
        let kind = self.key_type.as_deref().or(if self.bits.is_some() {
            Some("rsa")
        } else {
            None
        });
        Ok(KeyAlgorithm::from_options(
            kind,
            self.bits,
            self.curve.as_deref(),
        )?)
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Create a new database in DIR (or -d).
    Init {
        /// The directory.
        dir: Option<String>,
        /// No password (as NSS's --empty-password).
        #[arg(long)]
        empty_password: bool,
    },
    /// Certificate authorities.
    Ca {
        #[command(subcommand)]
        cmd: CaCmd,
    },
    /// Make a key (kept in the database) and a certificate request.
    Request {
        /// Subject, e.g. "CN=ups1.example.com,O=Example".
        #[arg(short = 's', long)]
        subject: String,
        /// Extra SANs (dns:NAME, ip:ADDR, or bare names/addresses), repeatable or comma-separated.
        #[arg(long)]
        san: Vec<String>,
        /// Output file (stdout if absent).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// Write DER instead of PEM.
        #[arg(long)]
        der: bool,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Sign a request with a CA of the database.
    Sign {
        /// Nickname of the CA.
        #[arg(long, short = 'c')]
        ca: String,
        /// The request (PEM or DER; stdin if absent).
        #[arg(short = 'i', long = "in")]
        input: Option<PathBuf>,
        /// Output certificate (stdout if absent).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// What the certificate is for.
        #[arg(long, value_enum, default_value = "server")]
        role: RoleArg,
        /// Validity in months.
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// Extra SANs.
        #[arg(long)]
        san: Vec<String>,
        /// Write DER instead of PEM.
        #[arg(long)]
        der: bool,
    },
    /// Make a key and a certificate signed by a CA, both stored in the database.
    Issue {
        /// Nickname of the CA.
        #[arg(long, short = 'c')]
        ca: String,
        /// Nickname of the new certificate.
        #[arg(short = 'n', long)]
        nickname: String,
        /// Subject.
        #[arg(short = 's', long)]
        subject: String,
        /// What the certificate is for.
        #[arg(long, value_enum, default_value = "server")]
        role: RoleArg,
        /// Validity in months.
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// Extra SANs.
        #[arg(long)]
        san: Vec<String>,
        /// Trust flags.
        #[arg(short = 't', long, default_value = ",,")]
        trust: String,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Import a certificate (PEM or DER); a PEM that also holds the key imports the key too.
    Import {
        /// Nickname.
        #[arg(short = 'n', long)]
        nickname: String,
        /// Input file (stdin if absent).
        #[arg(short = 'i', long = "in")]
        input: Option<PathBuf>,
        /// Trust flags, e.g. "CT,," for a CA, "P,," for a pinned peer.
        #[arg(short = 't', long, default_value = ",,")]
        trust: String,
    },
    /// Import every certificate (with its trust flags) and private key of an NSS database
    /// (cert9.db + key4.db: C NUT's CERTPATH) into this database.
    ImportNss {
        /// The NSS database directory (`sql:DIR` or `DIR`).
        #[arg(long = "from", value_name = "DIR")]
        from: String,
        /// File holding the NSS database's password (first line), as NSS's -f.
        #[arg(long = "from-password-file", value_name = "FILE")]
        from_password_file: Option<PathBuf>,
        /// Import only this nickname (repeatable; default: all).
        #[arg(short = 'n', long)]
        nickname: Vec<String>,
    },
    /// Write the certificates (with their trust flags) and private keys of this database into
    /// a new NSS database, for C NUT built with NSS (its CERTPATH).
    ExportNss {
        /// Directory of the new NSS database (`sql:DIR` or `DIR`; must not hold one).
        #[arg(long = "to", value_name = "DIR")]
        to: String,
        /// File holding the new NSS database's password (first line).
        #[arg(long = "to-password-file", value_name = "FILE")]
        to_password_file: Option<PathBuf>,
        /// Give the NSS database an empty password.
        #[arg(long = "to-empty-password", conflicts_with = "to_password_file")]
        to_empty_password: bool,
        /// Export only this nickname (repeatable; default: all).
        #[arg(short = 'n', long)]
        nickname: Vec<String>,
    },
    /// Export a certificate, a CERTFILE (chain then key), or a `<hash>.0` CA directory.
    Export {
        /// Nickname (not needed with --ca-dir).
        #[arg(short = 'n', long)]
        nickname: Option<String>,
        /// pem, der, or certfile (certificate chain then private key, for upsd CERTFILE).
        #[arg(long, default_value = "pem")]
        format: String,
        /// Output file (stdout if absent).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// Write every CA trusted with C (and P peers) as <hash>.0 into this directory.
        #[arg(long)]
        ca_dir: Option<PathBuf>,
    },
    /// List certificates with their trust and notAfter; --keys lists keys.
    List {
        /// List keys instead.
        #[arg(long)]
        keys: bool,
    },
    /// Show one certificate.
    Show {
        /// Nickname.
        nickname: String,
    },
    /// Change trust flags.
    Trust {
        /// Nickname.
        nickname: String,
        /// Trust flags, e.g. "CT,,".
        trust: String,
    },
    /// Delete a certificate (and with --with-key its private key).
    Delete {
        /// Nickname.
        nickname: String,
        /// Delete the private key too.
        #[arg(long)]
        with_key: bool,
    },
    /// Change the database password (re-encrypts every key in one transaction).
    Passwd {
        /// File with the new password.
        #[arg(long)]
        new_password_file: Option<PathBuf>,
        /// Set an empty password.
        #[arg(long)]
        empty_password: bool,
    },
    /// Check a certificate against the database's trust for a usage.
    Verify {
        /// Nickname.
        nickname: String,
        /// server or client.
        #[arg(long, default_value = "server")]
        usage: String,
    },
    /// Policy stored in the database.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
    /// Revoke a certificate a CA of this database issued, and update that CA's CRL.
    Revoke(RevokeArgs),
    /// Issue an identity for a new upsmon or upsd host and write its certificate database,
    /// config lines and password file into one directory.
    Enroll(EnrollArgs),
    /// Re-issue a certificate (same key, or --new-key) under its nickname; the old one is
    /// kept as "NICK (serial S)" until revoked.
    Renew(RenewArgs),
    /// Certificate revocation lists: list, export, import (outside CAs'), update (re-sign).
    Crl {
        #[command(subcommand)]
        cmd: CrlCmd,
    },
    /// Report problems: expiry, missing keys, untrusted chains, permissions, password.
    Doctor {
        /// upsd.conf to check with the store.
        #[arg(long)]
        upsd_conf: Option<PathBuf>,
        /// upsmon.conf to check with the store.
        #[arg(long)]
        upsmon_conf: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum CaCmd {
    /// Create a self-signed CA (key and certificate in the database, trusted "CT,,").
    Create {
        /// Nickname.
        #[arg(short = 'n', long)]
        nickname: String,
        /// Subject.
        #[arg(short = 's', long)]
        subject: String,
        /// Validity in months.
        #[arg(long, default_value_t = 120)]
        months: u32,
        /// Trust flags.
        #[arg(short = 't', long, default_value = "CT,,")]
        trust: String,
        /// Path length constraint.
        #[arg(long)]
        path_len: Option<u8>,
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCmd {
    /// Set: certident upsd|upsmon NICK, certverify 0|1, forcessl 0|1, certrequest LEVEL,
    /// crl-stale refuse|warn, certhost HOST[:PORT] NAME CERTVERIFY FORCESSL.
    Set {
        /// Key and values.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// Remove a policy value or CERTHOST row.
    Unset {
        /// Key and values.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// Print the effective policy and where each value comes from.
    Show {
        /// upsd.conf (its directives win over the store).
        #[arg(long)]
        upsd_conf: Option<PathBuf>,
        /// upsmon.conf (its directives win over the store).
        #[arg(long)]
        upsmon_conf: Option<PathBuf>,
    },
}

fn spec(
    subject: String,
    role: CertRole,
    months: u32,
    sans: Vec<String>,
    key: KeyAlgorithm,
) -> NewCert {
    NewCert {
        subject,
        role,
        months,
        warp: 0,
        serial: None,
        sans,
        key,
    }
}

/// Run a plain command line. Returns the exit code.
/// The plain subcommands' clap definition (for the man page and shell completions).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn run(args: &[String]) -> Result<i32> {
    let cli =
        Cli::parse_from(std::iter::once("nut-certutil".to_string()).chain(args.iter().cloned()));
    let pw = PasswordSource {
        file: cli.password_file.clone(),
        ..Default::default()
    };
    let dir = || ops::store_dir(cli.dir.as_deref());
    match cli.cmd {
        Cmd::Init {
            dir: d,
            empty_password,
        } => {
            let d = ops::store_dir(d.as_deref().or(cli.dir.as_deref()))?;
            ops::create(
                &d,
                &PasswordSource {
                    empty: empty_password,
                    ..pw
                },
            )?;
            println!("created certificate database in {}", d.display());
        }
        Cmd::Ca {
            cmd:
                CaCmd::Create {
                    nickname,
                    subject,
                    months,
                    trust,
                    path_len,
                    key,
                },
        } => {
            let mut store = ops::open(&dir()?)?;
            let s = spec(
                subject,
                CertRole::Ca { path_len },
                months,
                Vec::new(),
                key.algorithm()?,
            );
            let rec = ops::create_certificate(
                &mut store,
                &pw,
                &nickname,
                trust.parse::<TrustFlags>()?,
                None,
                &s,
            )?;
            println!(
                "created CA \"{}\" ({}), trust {}",
                rec.nickname,
                rec.subject,
                rec.effective_trust()
            );
        }
        Cmd::Request {
            subject,
            san,
            out,
            der,
            key,
        } => {
            let mut store = ops::open(&dir()?)?;
            let d = ops::create_request(&mut store, &pw, &subject, &san, key.algorithm()?)?;
            if der {
                write_output(out.as_deref(), &d, 0o644)?;
            } else {
                write_output(
                    out.as_deref(),
                    pem("CERTIFICATE REQUEST", &d).as_bytes(),
                    0o644,
                )?;
            }
        }
        Cmd::Sign {
            ca,
            input,
            out,
            role,
            months,
            san,
            der,
        } => {
            let store = ops::open_ro(&dir()?)?;
            let req = read_input(input.as_deref())?;
            let s = spec(
                String::new(),
                role.role(),
                months,
                san,
                KeyAlgorithm::EcdsaP256,
            );
            let d = ops::sign_request(&store, &pw, &ca, &req, &s)?;
            if der {
                write_output(out.as_deref(), &d, 0o644)?;
            } else {
                write_output(out.as_deref(), pem("CERTIFICATE", &d).as_bytes(), 0o644)?;
            }
        }
        Cmd::Issue {
            ca,
            nickname,
            subject,
            role,
            months,
            san,
            trust,
            key,
        } => {
            let mut store = ops::open(&dir()?)?;
            let s = spec(subject, role.role(), months, san, key.algorithm()?);
            let rec = ops::create_certificate(
                &mut store,
                &pw,
                &nickname,
                trust.parse::<TrustFlags>()?,
                Some(&ca),
                &s,
            )?;
            println!(
                "issued \"{}\" ({}) signed by \"{ca}\"",
                rec.nickname, rec.subject
            );
        }
        Cmd::Import {
            nickname,
            input,
            trust,
        } => {
            let mut store = ops::open(&dir()?)?;
            let data = read_input(input.as_deref())?;
            ops::import(
                &mut store,
                &pw,
                &nickname,
                &data,
                trust.parse::<TrustFlags>()?,
            )?;
            let rec = store.certificate(&nickname)?;
            println!(
                "imported \"{}\" ({}), trust {}",
                rec.nickname,
                rec.subject,
                rec.effective_trust()
            );
        }
        Cmd::ImportNss {
            from,
            from_password_file,
            nickname,
        } => {
            let mut store = ops::open(&dir()?)?;
            let report = ops::import_nss(
                &mut store,
                &pw,
                &from,
                from_password_file.as_deref(),
                &nickname,
            )?;
            for (nick, subject, trust) in &report.imported {
                println!("imported \"{nick}\" ({subject}), trust {trust}");
            }
            for note in &report.notes {
                eprintln!("note: {note}");
            }
        }
        Cmd::ExportNss {
            to,
            to_password_file,
            to_empty_password,
            nickname,
        } => {
            let to_password = match (&to_password_file, to_empty_password) {
                (Some(f), _) => {
                    let pw = super::io::read_password_file(f)?;
                    if pw.is_empty() {
                        bail!(
                            "{} holds an empty password: say --to-empty-password if that is meant",
                            f.display()
                        );
                    }
                    pw
                }
                (None, true) => zeroize::Zeroizing::new(String::new()),
                (None, false) => bail!(
                    "give the new NSS database a password with --to-password-file FILE, or --to-empty-password"
                ),
            };
            let store = ops::open_ro(&dir()?)?;
            let written = ops::export_nss(&store, &pw, &to, &to_password, &nickname)?;
            for nick in written {
                println!("exported \"{nick}\"");
            }
        }
        Cmd::Export {
            nickname,
            format,
            out,
            ca_dir,
        } => {
            let store = ops::open_ro(&dir()?)?;
            ops::unlock_for_trust(&store, &pw)?;
            if let Some(cd) = ca_dir {
                for name in ops::export_ca_dir(&store, &cd)? {
                    println!("{}", cd.join(name).display());
                }
                return Ok(0);
            }
            let nickname = nickname.context("give -n NICKNAME (or --ca-dir DIR)")?;
            match format.as_str() {
                "pem" => ops::export_cert(&store.certificate(&nickname)?, true, out.as_deref())?,
                "der" => ops::export_cert(&store.certificate(&nickname)?, false, out.as_deref())?,
                "certfile" => ops::export_certfile(&store, &pw, &nickname, out.as_deref())?,
                other => bail!("unknown format '{other}' (pem, der, certfile)"),
            }
        }
        Cmd::List { keys } => {
            let store = ops::open_ro(&dir()?)?;
            if keys {
                print!("{}", ops::format_keys(&store)?);
            } else {
                print!("{}", ops::format_list_with_expiry(&store)?);
            }
        }
        Cmd::Show { nickname } => {
            let store = ops::open_ro(&dir()?)?;
            print!("{}", ops::describe(&store.certificate(&nickname)?)?);
        }
        Cmd::Trust { nickname, trust } => {
            let mut store = ops::open(&dir()?)?;
            // As `-M`: changing trust needs the database password.
            pw.unlock(&store)?;
            store.set_trust(&nickname, trust.parse::<TrustFlags>()?)?;
        }
        Cmd::Delete { nickname, with_key } => {
            let mut store = ops::open(&dir()?)?;
            if with_key {
                pw.unlock(&store)?;
            }
            store.delete_certificate(&nickname, with_key)?;
        }
        Cmd::Passwd {
            new_password_file,
            empty_password,
        } => {
            let mut store = ops::open(&dir()?)?;
            let old = pw.existing(&store)?;
            let newsrc = PasswordSource {
                new_file: new_password_file,
                empty: empty_password,
                ..pw
            };
            let new = newsrc.new_password(true)?;
            store.change_password(&old, &new)?;
            println!("password changed; every key re-encrypted");
        }
        Cmd::Verify { nickname, usage } => {
            let store = ops::open_ro(&dir()?)?;
            ops::unlock_for_trust(&store, &pw)?;
            let rec = store.certificate(&nickname)?;
            let usage = match usage.as_str() {
                "server" => Usage::Server,
                "client" => Usage::Client,
                other => bail!("unknown usage '{other}' (server, client)"),
            };
            let trust = TrustMaterial::from_store(&store)?;
            match validate_certificate(&trust, &rec.der, usage, rustls_pki_types::UnixTime::now()) {
                Ok(()) => println!("certificate \"{nickname}\" is valid"),
                Err(e) => {
                    println!("certificate \"{nickname}\" is invalid: {e}");
                    return Ok(1);
                }
            }
        }
        Cmd::Policy { cmd } => match cmd {
            // As `-M`: changing the policy needs the database password (rows carry its MAC).
            PolicyCmd::Set { words } => {
                let mut store = ops::open(&dir()?)?;
                pw.unlock(&store)?;
                policy_cmd::set(&mut store, &words)?
            }
            PolicyCmd::Unset { words } => {
                let mut store = ops::open(&dir()?)?;
                pw.unlock(&store)?;
                policy_cmd::unset(&mut store, &words)?
            }
            PolicyCmd::Show {
                upsd_conf,
                upsmon_conf,
            } => {
                let store = match cli.dir.as_deref() {
                    Some(_) => Some(ops::open_ro(&dir()?)?),
                    None => None,
                };
                // Given the password without a prompt, rows that do not verify are left out.
                if let Some(s) = &store {
                    ops::unlock_for_trust(s, &pw)?;
                }
                print!(
                    "{}",
                    policy_cmd::show(store.as_ref(), upsd_conf.as_deref(), upsmon_conf.as_deref())?
                );
            }
        },
        Cmd::Revoke(args) => crl_cmd::run_revoke(&dir()?, &pw, args)?,
        Cmd::Crl { cmd } => crl_cmd::run(&dir()?, &pw, cmd)?,
        Cmd::Renew(args) => renew_cmd::run(&dir()?, &pw, args)?,
        Cmd::Enroll(args) => enroll_cmd::run(&dir()?, &pw, args)?,
        Cmd::Doctor {
            upsd_conf,
            upsmon_conf,
        } => {
            let input = DoctorInput {
                dir: cli
                    .dir
                    .as_deref()
                    .map(|d| ops::store_dir(Some(d)))
                    .transpose()?,
                password_file: cli.password_file.clone(),
                upsd_conf,
                upsmon_conf,
            };
            let report = doctor::run(&input)?;
            for l in &report.lines {
                println!("{l}");
            }
            if report.problems > 0 {
                println!("{} problem(s) found", report.problems);
                return Ok(1);
            }
            println!("no problem found");
        }
    }
    Ok(0)
}
