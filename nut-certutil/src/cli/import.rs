//! `import` / NSS `-A`: a certificate (PEM or DER), with its key and chain when the file
//! holds them.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nut_certutil::certinfo::CertInfo;
use nut_certutil::keys::PrivateKey;
use nut_certutil::store::{AddOutcome, Store};
use nut_certutil::trust::TrustFlags;

use super::io::{PasswordSource, read_input};

/// `import` arguments.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Nickname.
    #[arg(short = 'n', long)]
    nickname: String,
    /// Input file (stdin if absent).
    #[arg(short = 'i', long = "in")]
    input: Option<PathBuf>,
    /// Trust flags, e.g. "CT,," for a CA, "P,," for a pinned peer.
    #[arg(short = 't', long, default_value = ",,")]
    trust: String,
}

/// Import the first certificate of `data` (PEM or DER). If the file also holds the private key
/// of that certificate (a CERTFILE PEM), import the key too; further certificates of a chain
/// are imported as `<nickname> #2`, ... when not already present. All in one transaction.
pub fn run(
    store: &mut Store,
    pw: &PasswordSource,
    nickname: &str,
    data: &[u8],
    trust: TrustFlags,
) -> Result<AddOutcome> {
    let certs = nut_certutil::pem::certificates(data);
    let first = certs.first().context("no certificate found in the input")?;
    CertInfo::parse(first)?;
    let chain: Vec<Vec<u8>> = certs[1..].to_vec();
    // Trust is written with its MAC, keyed by the database password.
    if trust.without_user() != TrustFlags::NONE && !store.is_unlocked() {
        pw.unlock(store)?;
    }
    let outcome = match nut_certutil::pem::private_key(data) {
        Some(k) => {
            let key = PrivateKey::from_key_der(&k)?;
            let cipher = pw.unlock(store)?;
            store.add_certificate_chain(nickname, first, trust, Some((&cipher, &key)), &chain)?
        }
        None => store.add_certificate_chain(nickname, first, trust, None, &chain)?,
    };
    Ok(outcome)
}

/// The plain `import` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: ImportArgs) -> Result<()> {
    let data = read_input(a.input.as_deref())?;
    run(
        store,
        pw,
        &a.nickname,
        &data,
        a.trust.parse::<TrustFlags>()?,
    )?;
    let rec = store.certificate(&a.nickname)?;
    println!(
        "imported \"{}\" ({}), trust {}",
        rec.nickname,
        rec.subject,
        rec.effective_trust()
    );
    Ok(())
}
