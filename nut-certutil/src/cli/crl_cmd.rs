//! `revoke` and `crl list|export|import|update`: the certificate lifecycle's end, on top of
//! [`nut_certutil::revoke`].

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nut_certutil::certinfo::format_time;
use nut_certutil::crl::Reason;
use nut_certutil::pem;
use nut_certutil::revoke::{self, Target};
use nut_certutil::store::Store;
use time::OffsetDateTime;

use super::database;
use super::io::{PasswordSource, read_input, write_output};

/// `crl` subcommands.
#[derive(Debug, Subcommand)]
pub enum CrlCmd {
    /// List the CRLs in the database: issuer, entries, this/next update, ours or imported.
    List,
    /// Write a CA's CRL (PEM, or DER with --der).
    Export {
        /// Nickname of the CA.
        #[arg(short = 'n', long)]
        nickname: String,
        /// Output file (stdout if absent).
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
        /// Write DER instead of PEM.
        #[arg(long)]
        der: bool,
    },
    /// Import a CRL (PEM or DER) of a CA in the database: refused unless its signature
    /// verifies against that CA, or when it is older than the one stored. Needs the database
    /// password (stored CRLs are protected by it).
    Import {
        /// Input file (stdin if absent).
        #[arg(short = 'i', long = "in")]
        input: Option<PathBuf>,
    },
    /// Re-sign our CA's CRL with a new next update (same entries).
    Update {
        /// Nickname of the CA.
        #[arg(short = 'n', long)]
        nickname: String,
        /// Days until the next update.
        #[arg(long = "next-update", default_value_t = revoke::DEFAULT_NEXT_UPDATE_DAYS)]
        next_update: u32,
    },
}

/// `revoke` arguments.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// Nickname of the certificate to revoke (issued by a CA of this database).
    #[arg(required_unless_present = "serial", conflicts_with = "serial")]
    nickname: Option<String>,
    /// Revoke by serial number (hex) instead: a certificate of CA --ca not in the database.
    #[arg(long, requires = "ca")]
    serial: Option<String>,
    /// The CA that issued --serial.
    #[arg(long, short = 'c')]
    ca: Option<String>,
    /// Reason: unspecified, keyCompromise, CACompromise, affiliationChanged, superseded,
    /// cessationOfOperation, certificateHold, privilegeWithdrawn, AACompromise.
    #[arg(long, default_value = "unspecified")]
    reason: String,
    /// When it was revoked (RFC 3339, or YYYY-MM-DD); now if absent.
    #[arg(long)]
    date: Option<String>,
    /// Days until the CRL's next update.
    #[arg(long = "next-update", default_value_t = revoke::DEFAULT_NEXT_UPDATE_DAYS)]
    next_update: u32,
}

fn parse_date(s: &str) -> Result<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let day = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("bad date '{s}' (RFC 3339, or YYYY-MM-DD)"))?;
    Ok(day.midnight().assume_utc())
}

/// `revoke`.
pub fn run_revoke(dir: &Path, pw: &PasswordSource, a: RevokeArgs) -> Result<()> {
    let reason = Reason::parse(&a.reason)
        .with_context(|| format!("unknown reason '{}' ({})", a.reason, Reason::names()))?;
    let date = a.date.as_deref().map(parse_date).transpose()?;
    let target = match (a.nickname, a.serial, a.ca) {
        (Some(n), None, _) => Target::Nickname(n),
        (None, Some(serial), Some(ca)) => Target::Serial { ca, serial },
        _ => bail!("give the NICKNAME to revoke, or --serial HEX with --ca CA"),
    };
    let mut store = database::open(dir)?;
    let cipher = pw.unlock(&store)?;
    let (ca, serial) = revoke::revoke(&mut store, &cipher, &target, reason, date, a.next_update)?;
    println!("revoked serial {serial} of CA \"{ca}\" ({reason}); its CRL is updated");
    Ok(())
}

fn list(store: &Store) -> Result<String> {
    let mut out = format!(
        "{:<40} {:>7}  {:<23}  {:<23}  {}\n",
        "Issuer", "Entries", "This update", "Next update", "Source"
    );
    for c in store.crls()? {
        let next = c.next_update.map_or_else(|| "-".to_string(), format_time);
        let source = if c.ours { "ours" } else { "imported" };
        out.push_str(&format!(
            "{:<40} {:>7}  {:<23}  {:<23}  {source}\n",
            c.issuer,
            c.entries,
            format_time(c.this_update),
            next
        ));
    }
    Ok(out)
}

/// `crl ...`.
pub fn run(dir: &Path, pw: &PasswordSource, cmd: CrlCmd) -> Result<()> {
    match cmd {
        CrlCmd::List => print!("{}", list(&database::open_ro(dir)?)?),
        CrlCmd::Export { nickname, out, der } => {
            let store = database::open_ro(dir)?;
            let ca = store.certificate(&nickname)?;
            let crl = store
                .crl_of(&ca.fingerprint)?
                .with_context(|| format!("no CRL for CA \"{nickname}\" in the database"))?;
            if der {
                write_output(out.as_deref(), &crl.der, 0o644)?;
            } else {
                write_output(
                    out.as_deref(),
                    pem::encode("X509 CRL", &crl.der).as_bytes(),
                    0o644,
                )?;
            }
        }
        CrlCmd::Import { input } => {
            let data = read_input(input.as_deref())?;
            let mut store = database::open(dir)?;
            // Stored CRLs carry a MAC keyed by the password, as trust does.
            pw.unlock(&store)?;
            let (ca, crl) = revoke::import_crl(&mut store, &data)?;
            println!(
                "imported the CRL of \"{ca}\" ({} entries, next update {})",
                crl.entries.len(),
                crl.next_update
                    .map_or_else(|| "none".to_string(), format_time)
            );
        }
        CrlCmd::Update {
            nickname,
            next_update,
        } => {
            let mut store = database::open(dir)?;
            let cipher = pw.unlock(&store)?;
            let crl = revoke::update_crl(&mut store, &cipher, &nickname, next_update)?;
            println!(
                "re-signed the CRL of \"{nickname}\" ({} entries, next update {})",
                crl.entries.len(),
                crl.next_update
                    .map_or_else(|| "none".to_string(), format_time)
            );
        }
    }
    Ok(())
}
