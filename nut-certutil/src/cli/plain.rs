//! Plain subcommands for people who never used NSS: the clap definition and its mapping onto
//! the subcommand modules (`init`, `ca create`, `request`, `sign`, `issue`, `import`,
//! `import-nss`, `export`, `export-nss`, `list`, `show`, `trust`, `delete`, `passwd`,
//! `verify`, `policy`, `revoke`, `enroll`, `renew`, `crl`, `doctor`).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use super::crl_cmd::{self, CrlCmd, RevokeArgs};
use super::database::{open, open_ro, store_dir};
use super::enroll_cmd::{self, EnrollArgs};
use super::io::PasswordSource;
use super::policy_cmd::{self, PolicyCmd};
use super::renew_cmd::{self, RenewArgs};
use super::{
    ca, delete, doctor, export, export_nss, import, import_nss, init, issue, list, passwd, request,
    show, sign, trust, verify,
};

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

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Create a new database in DIR (or -d).
    Init(init::InitArgs),
    /// Certificate authorities.
    Ca {
        #[command(subcommand)]
        cmd: ca::CaCmd,
    },
    /// Make a key (kept in the database) and a certificate request.
    Request(request::RequestArgs),
    /// Sign a request with a CA of the database.
    Sign(sign::SignArgs),
    /// Make a key and a certificate signed by a CA, both stored in the database.
    Issue(issue::IssueArgs),
    /// Import a certificate (PEM or DER); a PEM that also holds the key imports the key too.
    Import(import::ImportArgs),
    /// Import every certificate (with its trust flags) and private key of an NSS database
    /// (cert9.db + key4.db: C NUT's CERTPATH) into this database.
    ImportNss(import_nss::ImportNssArgs),
    /// Write the certificates (with their trust flags) and private keys of this database into
    /// a new NSS database, for C NUT built with NSS (its CERTPATH).
    ExportNss(export_nss::ExportNssArgs),
    /// Export a certificate, a CERTFILE (chain then key), or a `<hash>.0` CA directory.
    Export(export::ExportArgs),
    /// List certificates with their trust and notAfter; --keys lists keys.
    List(list::ListArgs),
    /// Show one certificate.
    Show(show::ShowArgs),
    /// Change trust flags.
    Trust(trust::TrustArgs),
    /// Delete a certificate (and with --with-key its private key).
    Delete(delete::DeleteArgs),
    /// Change the database password (re-encrypts every key in one transaction).
    Passwd(passwd::PasswdArgs),
    /// Check a certificate against the database's trust for a usage.
    Verify(verify::VerifyArgs),
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
    Doctor(doctor::DoctorArgs),
}

/// The plain subcommands' clap definition (for the man page and shell completions).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Run a plain command line. Returns the exit code.
pub fn run(args: &[String]) -> Result<i32> {
    let cli =
        Cli::parse_from(std::iter::once("nut-certutil".to_string()).chain(args.iter().cloned()));
    let pw = PasswordSource {
        file: cli.password_file.clone(),
        ..Default::default()
    };
    let global_dir = cli.dir.as_deref();
    let dir = || store_dir(global_dir);
    match cli.cmd {
        Cmd::Init(a) => init::plain(global_dir, &pw, a)?,
        Cmd::Ca { cmd } => ca::plain(&mut open(&dir()?)?, &pw, cmd)?,
        Cmd::Request(a) => request::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::Sign(a) => sign::plain(&open_ro(&dir()?)?, &pw, a)?,
        Cmd::Issue(a) => issue::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::Import(a) => import::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::ImportNss(a) => import_nss::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::ExportNss(a) => export_nss::plain(|| open_ro(&dir()?), &pw, a)?,
        Cmd::Export(a) => export::plain(&open_ro(&dir()?)?, &pw, a)?,
        Cmd::List(a) => list::plain(&open_ro(&dir()?)?, a)?,
        Cmd::Show(a) => show::plain(&open_ro(&dir()?)?, a)?,
        Cmd::Trust(a) => trust::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::Delete(a) => delete::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::Passwd(a) => passwd::plain(&mut open(&dir()?)?, &pw, a)?,
        Cmd::Verify(a) => return verify::plain(&open_ro(&dir()?)?, &pw, a),
        Cmd::Policy { cmd } => policy_cmd::plain(global_dir, &pw, cmd)?,
        Cmd::Revoke(a) => crl_cmd::run_revoke(&dir()?, &pw, a)?,
        Cmd::Crl { cmd } => crl_cmd::run(&dir()?, &pw, cmd)?,
        Cmd::Renew(a) => renew_cmd::run(&dir()?, &pw, a)?,
        Cmd::Enroll(a) => enroll_cmd::run(&dir()?, &pw, a)?,
        Cmd::Doctor(a) => return doctor::plain(global_dir, cli.password_file.clone(), a),
    }
    Ok(0)
}
