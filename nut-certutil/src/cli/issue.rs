//! `issue` / NSS `-S`: a new key and a certificate for it in the store, self-signed or
//! signed by a CA of the store (`ca create` is the self-signed case).

use anyhow::{Result, bail};
use nut_certutil::keys::PrivateKey;
use nut_certutil::pki;
use nut_certutil::store::{CertRecord, Store};
use nut_certutil::trust::TrustFlags;

use super::cert_spec::NewCert;
use super::common_args::{KeyArgs, LeafArgs};
use super::io::PasswordSource;

/// `issue` arguments.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// Nickname of the CA.
    #[arg(long, short = 'c')]
    ca: String,
    /// Nickname of the new certificate.
    #[arg(short = 'n', long)]
    nickname: String,
    /// Subject.
    #[arg(short = 's', long)]
    subject: String,
    #[command(flatten)]
    leaf: LeafArgs,
    /// Trust flags.
    #[arg(short = 't', long, default_value = ",,")]
    trust: String,
    #[command(flatten)]
    key: KeyArgs,
}

/// A new key and a certificate for it in the store: self-signed, or signed by `issuer`.
pub fn run(
    store: &mut Store,
    pw: &PasswordSource,
    nickname: &str,
    trust: TrustFlags,
    issuer: Option<&str>,
    spec: &NewCert,
) -> Result<CertRecord> {
    if store.find_certificate(nickname)?.is_some() {
        bail!(
            "nickname \"{nickname}\" is already used in {}",
            store.dir().display()
        );
    }
    let cipher = pw.unlock(store)?;
    let key = PrivateKey::generate(spec.key)?;
    let profile = spec.profile()?;
    let der = match issuer {
        None => pki::self_signed(&key, &spec.subject, &profile)?,
        Some(issuer) => {
            let ca = store.certificate(issuer)?;
            let ca_key = store.key_for_certificate(&cipher, issuer)?;
            pki::issue(&key, &spec.subject, &profile, &ca.der, &ca_key)?
        }
    };
    store.add_certificate_with_key(&cipher, nickname, &der, trust, &key)?;
    Ok(store.certificate(nickname)?)
}

/// The plain `issue` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: IssueArgs) -> Result<()> {
    let spec = a.leaf.spec(a.subject, a.key.algorithm()?);
    let rec = run(
        store,
        pw,
        &a.nickname,
        a.trust.parse::<TrustFlags>()?,
        Some(&a.ca),
        &spec,
    )?;
    println!(
        "issued \"{}\" ({}) signed by \"{}\"",
        rec.nickname, rec.subject, a.ca
    );
    Ok(())
}
