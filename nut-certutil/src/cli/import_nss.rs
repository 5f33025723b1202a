//! `import-nss`: the certificates (with their trust) and private keys of an NSS database
//! (C NUT's CERTPATH) into the store.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use nut_certutil::certinfo::CertInfo;
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;
use time::OffsetDateTime;

use super::io::PasswordSource;

/// `import-nss` arguments.
#[derive(Debug, clap::Args)]
pub struct ImportNssArgs {
    /// The NSS database directory (`sql:DIR` or `DIR`).
    #[arg(long = "from", value_name = "DIR")]
    from: String,
    /// File holding the NSS database's password (first line), as NSS's -f.
    #[arg(long = "from-password-file", value_name = "FILE")]
    from_password_file: Option<PathBuf>,
    /// Import only this nickname (repeatable; default: all).
    #[arg(short = 'n', long)]
    nickname: Vec<String>,
}

/// What `import-nss` did.
#[derive(Debug, Default)]
pub struct NssImport {
    /// (nickname, subject, trust as listed, with its key).
    pub imported: Vec<(String, String, String)>,
    /// Notes of the reader and of this import.
    pub notes: Vec<String>,
}

/// The password of an NSS database: from `file` (first line; NSS's `NSS Certificate DB:` or
/// `internal:` token prefix removed), else none (an empty-password database), asking on
/// the terminal when the database turns out to have one.
fn nss_contents(
    dir: &std::path::Path,
    file: Option<&std::path::Path>,
) -> Result<nut_certutil::nssdb::NssContents> {
    use nut_certutil::nssdb::{self, NssError};
    if let Some(f) = file {
        let line = super::io::read_password_file(f)?;
        let pw = ["NSS Certificate DB:", "internal:"]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .unwrap_or(&line);
        return Ok(nssdb::read(dir, Some(pw))?);
    }
    match nssdb::read(dir, None) {
        Err(NssError::NeedPassword) => {
            let pw = super::io::prompt_hidden(&format!(
                "Enter the password of the NSS database {}: ",
                dir.display()
            ))
            .context("the NSS database has a password: give it with --from-password-file FILE")?;
            Ok(nssdb::read(dir, Some(&pw))?)
        }
        other => Ok(other?),
    }
}

/// Import the certificates (with their trust) and the private keys of an NSS database into
/// the store; `only`: these nicknames (all when empty).
pub fn run(
    store: &mut Store,
    pw: &PasswordSource,
    from: &str,
    from_password_file: Option<&std::path::Path>,
    only: &[String],
) -> Result<NssImport> {
    let dir = nut_certutil::nssdb::locate(from)?;
    let contents = nss_contents(&dir, from_password_file)?;
    let mut report = NssImport {
        notes: contents.notes,
        ..NssImport::default()
    };
    for wanted in only {
        if !contents.certs.iter().any(|c| &c.nickname == wanted) {
            bail!(
                "no certificate \"{wanted}\" in the NSS database {}",
                dir.display()
            );
        }
    }
    // NSS lets several certificates share a nickname (a renewal); the store does not: the
    // newest one still valid (else the newest) is imported, the others are noted.
    let mut certs = contents.certs;
    let now = OffsetDateTime::now_utc();
    let rank = |der: &[u8]| {
        CertInfo::parse(der)
            .ok()
            .map(|x| (x.not_before <= now && now <= x.not_after, x.not_after))
    };
    let mut keep: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, c) in certs.iter().enumerate() {
        let better = match keep.get(&c.nickname) {
            None => true,
            Some(&j) => rank(&c.der) > rank(&certs[j].der),
        };
        if better {
            keep.insert(c.nickname.clone(), i);
        }
    }
    let mut index = 0;
    certs.retain(|c| {
        let kept = keep.get(&c.nickname) == Some(&index);
        if !kept {
            report.notes.push(format!(
                "an older certificate named \"{}\" was not imported (the store keeps one per nickname)",
                c.nickname
            ));
        }
        index += 1;
        kept
    });
    let mut cipher = None;
    for c in certs {
        if !only.is_empty() && !only.contains(&c.nickname) {
            continue;
        }
        if c.nickname.is_empty() {
            report
                .notes
                .push("a certificate without a nickname was skipped".into());
            continue;
        }
        match &c.key {
            Some(key) => {
                if cipher.is_none() {
                    cipher = Some(pw.unlock(store)?);
                }
                let cipher = cipher.as_ref().context("store unlocked")?;
                store.add_certificate_with_key(cipher, &c.nickname, &c.der, c.trust, key)?;
            }
            None => {
                // Trust is written with its MAC, keyed by this store's password.
                if c.trust.without_user() != TrustFlags::NONE && cipher.is_none() {
                    cipher = Some(pw.unlock(store)?);
                }
                store.add_certificate(&c.nickname, &c.der, c.trust)?;
            }
        }
        let rec = store.certificate(&c.nickname)?;
        report.imported.push((
            rec.nickname.clone(),
            rec.subject.clone(),
            rec.effective_trust().to_string(),
        ));
    }
    if contents.orphan_keys > 0 {
        report.notes.push(format!(
            "{} private key(s) without a certificate not imported",
            contents.orphan_keys
        ));
    }
    Ok(report)
}

/// The plain `import-nss` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: ImportNssArgs) -> Result<()> {
    let report = run(
        store,
        pw,
        &a.from,
        a.from_password_file.as_deref(),
        &a.nickname,
    )?;
    for (nick, subject, trust) in &report.imported {
        println!("imported \"{nick}\" ({subject}), trust {trust}");
    }
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    Ok(())
}
