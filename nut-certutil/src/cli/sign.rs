//! `sign` / NSS `-C`: sign a certificate request with a CA of the store.

use std::path::PathBuf;

use anyhow::{Context, Result};
use nut_certutil::keys::KeyAlgorithm;
use nut_certutil::pki;
use nut_certutil::store::Store;

use super::cert_spec::NewCert;
use super::common_args::LeafArgs;
use super::io::{PasswordSource, read_input, write_der_or_pem};

/// `sign` arguments.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Nickname of the CA.
    #[arg(long, short = 'c')]
    ca: String,
    /// The request (PEM or DER; stdin if absent).
    #[arg(short = 'i', long = "in")]
    input: Option<PathBuf>,
    /// Output certificate (stdout if absent).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    leaf: LeafArgs,
    /// Write DER instead of PEM.
    #[arg(long)]
    der: bool,
}

/// Sign a request file with the CA `issuer` of the store; the certificate's DER.
pub fn run(
    store: &Store,
    pw: &PasswordSource,
    issuer: &str,
    request: &[u8],
    spec: &NewCert,
) -> Result<Vec<u8>> {
    let req_der =
        nut_certutil::pem::request(request).context("no certificate request found in the input")?;
    let info = pki::read_request(&req_der)?;
    let ca = store.certificate(issuer)?;
    let cipher = pw.unlock(store)?;
    let ca_key = store.key_for_certificate(&cipher, issuer)?;
    Ok(pki::sign_request(
        &info,
        &spec.profile()?,
        &ca.der,
        &ca_key,
    )?)
}

/// The plain `sign` subcommand.
pub fn plain(store: &Store, pw: &PasswordSource, a: SignArgs) -> Result<()> {
    let req = read_input(a.input.as_deref())?;
    // The key belongs to the request: the algorithm here is not used.
    let spec = a.leaf.spec(String::new(), KeyAlgorithm::EcdsaP256);
    let der = run(store, pw, &a.ca, &req, &spec)?;
    write_der_or_pem(a.out.as_deref(), &der, (!a.der).then_some("CERTIFICATE"))
}
