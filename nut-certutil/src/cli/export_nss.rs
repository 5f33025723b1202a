//! `export-nss`: the store's certificates (with their trust) and keys into a new NSS
//! database, for C NUT built with NSS (its CERTPATH).

use std::path::PathBuf;

use anyhow::{Result, bail};
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::store::Store;
use zeroize::Zeroizing;

use super::io::{PasswordSource, read_password_file};

/// `export-nss` arguments.
#[derive(Debug, clap::Args)]
pub struct ExportNssArgs {
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
}

impl ExportNssArgs {
    /// The new NSS database's password: from its file (an empty one must be asked for with
    /// `--to-empty-password`), or empty.
    fn to_password(&self) -> Result<Zeroizing<String>> {
        match (&self.to_password_file, self.to_empty_password) {
            (Some(f), _) => {
                let pw = read_password_file(f)?;
                if pw.is_empty() {
                    bail!(
                        "{} holds an empty password: say --to-empty-password if that is meant",
                        f.display()
                    );
                }
                Ok(pw)
            }
            (None, true) => Ok(Zeroizing::new(String::new())),
            (None, false) => bail!(
                "give the new NSS database a password with --to-password-file FILE, or --to-empty-password"
            ),
        }
    }
}

/// Write the store's certificates (with trust) and their keys into a new NSS database for
/// C NUT; `only`: these nicknames (all when empty). Returns the nicknames written.
pub fn run(
    store: &Store,
    pw: &PasswordSource,
    to: &str,
    to_password: &str,
    only: &[String],
) -> Result<Vec<String>> {
    use nut_certutil::nssdb::write::{ExportItem, write};
    let dir = std::path::PathBuf::from(nut_certutil::db_dir::strip_db_prefix(to));
    // Only verified trust goes into the NSS database (where it would be signed anew).
    let cipher = pw.unlock(store)?;
    let records: Vec<_> = store
        .certificates()?
        .into_iter()
        .filter(|r| only.is_empty() || only.contains(&r.nickname))
        .collect();
    for wanted in only {
        if !records.iter().any(|r| &r.nickname == wanted) {
            bail!("no certificate \"{wanted}\" in the store");
        }
    }
    let mut keys = Vec::new();
    if records.iter().any(|r| r.has_key) {
        for r in &records {
            let key = if r.has_key {
                Some(store.key_for_certificate(&cipher, &r.nickname)?)
            } else {
                None
            };
            // NSS keys are RSA or EC here: another kind stays behind, its certificate goes.
            let key = key.filter(|k| {
                let ok = matches!(
                    k.algorithm(),
                    KeyAlgorithm::Rsa(_) | KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384
                );
                if !ok {
                    eprintln!(
                        "note: the key of \"{}\" ({}) is not exported: NSS export takes RSA and EC keys",
                        r.nickname,
                        k.algorithm().short_name()
                    );
                }
                ok
            });
            keys.push(key);
        }
    } else {
        keys.resize_with(records.len(), || None);
    }
    let items: Vec<ExportItem<'_>> = records
        .iter()
        .zip(&keys)
        .map(|(r, k)| ExportItem {
            nickname: &r.nickname,
            der: &r.der,
            trust: r.trust,
            key: k.as_ref(),
        })
        .collect();
    write(&dir, to_password, &items)?;
    Ok(records.into_iter().map(|r| r.nickname).collect())
}

/// The plain `export-nss` subcommand (the store is opened once the password is read).
pub fn plain(
    open: impl FnOnce() -> Result<Store>,
    pw: &PasswordSource,
    a: ExportNssArgs,
) -> Result<()> {
    let to_password = a.to_password()?;
    let store = open()?;
    for nick in run(&store, pw, &a.to, &to_password, &a.nickname)? {
        println!("exported \"{nick}\"");
    }
    Ok(())
}
