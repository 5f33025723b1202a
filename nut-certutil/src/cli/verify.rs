//! `verify` / NSS `-V`: check a certificate against the store's trust for a usage.

use anyhow::{Result, bail};
use nut_certutil::store::Store;
use nut_certutil::tls::{TrustMaterial, Usage, validate_certificate};

use super::database::unlock_for_trust;
use super::io::PasswordSource;

/// `verify` arguments.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Nickname.
    nickname: String,
    /// server or client.
    #[arg(long, default_value = "server")]
    usage: String,
}

/// Check `nickname` for every usage in turn: `Ok(None)` when valid for all, else why not.
/// `usages` is read once the certificate is found.
pub fn run(
    store: &Store,
    pw: &PasswordSource,
    nickname: &str,
    usages: impl FnOnce() -> Result<Vec<Usage>>,
) -> Result<Option<String>> {
    unlock_for_trust(store, pw)?;
    let rec = store.certificate(nickname)?;
    let usages = usages()?;
    let trust = TrustMaterial::from_store(store)?;
    let now = rustls_pki_types::UnixTime::now();
    for usage in usages {
        if let Err(e) = validate_certificate(&trust, &rec.der, usage, now) {
            return Ok(Some(e.to_string()));
        }
    }
    Ok(None)
}

/// The plain `verify` subcommand: exit code 1 when the certificate is invalid.
pub fn plain(store: &Store, pw: &PasswordSource, a: VerifyArgs) -> Result<i32> {
    let usage = || {
        Ok(vec![match a.usage.as_str() {
            "server" => Usage::Server,
            "client" => Usage::Client,
            other => bail!("unknown usage '{other}' (server, client)"),
        }])
    };
    let nickname = &a.nickname;
    match run(store, pw, nickname, usage)? {
        None => {
            println!("certificate \"{nickname}\" is valid");
            Ok(0)
        }
        Some(e) => {
            println!("certificate \"{nickname}\" is invalid: {e}");
            Ok(1)
        }
    }
}
