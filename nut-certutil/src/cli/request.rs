//! `request` / NSS `-R`: a new key kept in the store and a PKCS#10 request for it.

use std::path::PathBuf;

use anyhow::Result;
use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::pki;
use nut_certutil::store::Store;

use super::common_args::KeyArgs;
use super::io::{PasswordSource, write_der_or_pem};

/// `request` arguments.
#[derive(Debug, clap::Args)]
pub struct RequestArgs {
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
}

/// A new key kept in the store and a PKCS#10 request for it (DER).
pub fn run(
    store: &mut Store,
    pw: &PasswordSource,
    subject: &str,
    sans: &[String],
    alg: KeyAlgorithm,
) -> Result<Vec<u8>> {
    let cipher = pw.unlock(store)?;
    let key = PrivateKey::generate(alg)?;
    let der = pki::make_request(&key, subject, sans)?;
    store.add_key(&cipher, &key)?;
    Ok(der)
}

/// The plain `request` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: RequestArgs) -> Result<()> {
    let der = run(store, pw, &a.subject, &a.san, a.key.algorithm()?)?;
    let label = (!a.der).then_some("CERTIFICATE REQUEST");
    write_der_or_pem(a.out.as_deref(), &der, label)
}
