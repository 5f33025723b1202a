//! Arguments several plain subcommands share: the key to make, and what a certificate a CA
//! of the store signs is for.

use anyhow::Result;
use clap::{Args, ValueEnum};
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::pki::CertRole;

use super::cert_spec::NewCert;

/// What a certificate is for (`--role`). (The values carry no doc comments: clap would
/// print them as a long list in `--help`.)
#[derive(Debug, Clone, Copy, ValueEnum)]
#[allow(missing_docs)]
pub enum RoleArg {
    Server,
    Client,
    Both,
}

impl RoleArg {
    /// The certificate role.
    pub fn role(self) -> CertRole {
        match self {
            RoleArg::Server => CertRole::Server,
            RoleArg::Client => CertRole::Client,
            RoleArg::Both => CertRole::ServerAndClient,
        }
    }
}

/// What a certificate signed by a CA of the store is for (`issue`, `sign`).
#[derive(Debug, Args)]
pub struct LeafArgs {
    /// What the certificate is for.
    #[arg(long, value_enum, default_value = "server")]
    pub role: RoleArg,
    /// Validity in months.
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// Extra SANs.
    #[arg(long)]
    pub san: Vec<String>,
}

impl LeafArgs {
    /// The certificate for `subject` with a key of `key`.
    pub fn spec(self, subject: String, key: KeyAlgorithm) -> NewCert {
        NewCert::plain(subject, self.role.role(), self.months, self.san, key)
    }
}

/// The key to make (`-k`, `-g`, `-q`).
#[derive(Debug, Args)]
pub struct KeyArgs {
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
    /// The key algorithm asked for.
    pub fn algorithm(&self) -> Result<KeyAlgorithm> {
        key_algorithm(self.key_type.as_deref(), self.bits, self.curve.as_deref())
    }
}

/// The key algorithm of `-k`/`-g`/`-q` (NSS and plain alike): NSS's default key type is RSA,
/// rnut's is ECDSA P-256, unless a size in bits asks for RSA.
pub fn key_algorithm(
    kind: Option<&str>,
    bits: Option<u32>,
    curve: Option<&str>,
) -> Result<KeyAlgorithm> {
    let kind = kind.or(if bits.is_some() { Some("rsa") } else { None });
    Ok(KeyAlgorithm::from_options(kind, bits, curve)?)
}
