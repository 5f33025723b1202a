//! `export` / NSS `-L -n NICK -a|-r`: a certificate (PEM or DER), a CERTFILE (chain then
//! key), or a `<hash>.0` CA directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nut_certutil::pem;
use nut_certutil::store::{CertRecord, Store};

use super::database::unlock_for_trust;
use super::io::{PasswordSource, write_output};

/// `export` arguments.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
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
}

/// Export a certificate as PEM or DER.
pub fn export_cert(rec: &CertRecord, ascii: bool, out: Option<&Path>) -> Result<()> {
    if ascii {
        write_output(out, pem::encode("CERTIFICATE", &rec.der).as_bytes(), 0o644)
    } else {
        write_output(out, &rec.der, 0o644)
    }
}

/// An OpenSSL-style CERTFILE: the certificate, its chain (without the root), then the key.
pub fn export_certfile(
    store: &Store,
    pw: &PasswordSource,
    nickname: &str,
    out: Option<&Path>,
) -> Result<()> {
    let chain = store.chain(nickname)?;
    let cipher = pw.unlock(store)?;
    let key = store.key_for_certificate(&cipher, nickname)?;
    let mut text = zeroize::Zeroizing::new(String::new());
    for (i, c) in chain.iter().enumerate() {
        if i > 0 && c.subject == c.issuer {
            break;
        }
        text.push_str(&pem::encode("CERTIFICATE", &c.der));
    }
    text.push_str(&pem::encode("PRIVATE KEY", key.pkcs8_der()));
    write_output(out, text.as_bytes(), 0o640)
}

/// A directory of CA certificates named by OpenSSL subject hash (`<hash>.0`, `.1` on
/// collision), for clients built with OpenSSL. Exports the CAs trusted with C (and P peers).
pub fn export_ca_dir(store: &Store, dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for rec in store.certificates()? {
        let ssl = rec.trust.ssl;
        if !(ssl.trusted_server_ca() || ssl.trusted_peer()) || ssl.distrusted() {
            continue;
        }
        let info = rec.info()?;
        let mut n = 0;
        let name = loop {
            let candidate = format!("{:08x}.{n}", info.subject_hash);
            let path = dir.join(&candidate);
            match std::fs::read(&path) {
                Ok(existing)
                    if nut_certutil::pem::certificates(&existing).first() == Some(&rec.der) =>
                {
                    break candidate;
                }
                Ok(_) => n += 1,
                Err(_) => break candidate,
            }
        };
        write_output(
            Some(&dir.join(&name)),
            pem::encode("CERTIFICATE", &rec.der).as_bytes(),
            0o644,
        )?;
        written.push(name);
    }
    Ok(written)
}

/// The plain `export` subcommand.
pub fn plain(store: &Store, pw: &PasswordSource, a: ExportArgs) -> Result<()> {
    unlock_for_trust(store, pw)?;
    if let Some(cd) = a.ca_dir {
        for name in export_ca_dir(store, &cd)? {
            println!("{}", cd.join(name).display());
        }
        return Ok(());
    }
    let nickname = a.nickname.context("give -n NICKNAME (or --ca-dir DIR)")?;
    let out = a.out.as_deref();
    match a.format.as_str() {
        "pem" => export_cert(&store.certificate(&nickname)?, true, out),
        "der" => export_cert(&store.certificate(&nickname)?, false, out),
        "certfile" => export_certfile(store, pw, &nickname, out),
        other => bail!("unknown format '{other}' (pem, der, certfile)"),
    }
}
