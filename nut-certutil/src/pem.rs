//! Reading certificates, requests and keys from files given by users: PEM (one or many blocks,
//! any of the labels OpenSSL and NSS write) or raw DER.

use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

use crate::der::pem_blocks;

fn looks_like_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Certificates in a file: every `CERTIFICATE` PEM block, or the whole file as DER.
pub fn certificates(data: &[u8]) -> Vec<Vec<u8>> {
    if looks_like_pem(data) {
        pem_blocks(&String::from_utf8_lossy(data))
            .into_iter()
            .filter(|(l, _)| {
                l == "CERTIFICATE" || l == "X509 CERTIFICATE" || l == "TRUSTED CERTIFICATE"
            })
            .map(|(_, d)| d)
            .collect()
    } else if data.is_empty() {
        Vec::new()
    } else {
        vec![data.to_vec()]
    }
}

/// Certificate revocation lists in a PEM file: every `X509 CRL` block (none in DER input).
pub fn crls(data: &[u8]) -> Vec<Vec<u8>> {
    if !looks_like_pem(data) {
        return Vec::new();
    }
    pem_blocks(&String::from_utf8_lossy(data))
        .into_iter()
        .filter(|(l, _)| l == "X509 CRL")
        .map(|(_, d)| d)
        .collect()
}

/// A certificate request: the first `CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST` block,
/// or the whole file as DER.
pub fn request(data: &[u8]) -> Option<Vec<u8>> {
    if looks_like_pem(data) {
        pem_blocks(&String::from_utf8_lossy(data))
            .into_iter()
            .find(|(l, _)| l == "CERTIFICATE REQUEST" || l == "NEW CERTIFICATE REQUEST")
            .map(|(_, d)| d)
    } else if data.is_empty() {
        None
    } else {
        Some(data.to_vec())
    }
}

/// The first private key block: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#1
/// (`RSA PRIVATE KEY`). Encrypted PEM keys are not read.
pub fn private_key(data: &[u8]) -> Option<PrivateKeyDer<'static>> {
    pem_blocks(&String::from_utf8_lossy(data))
        .into_iter()
        .find_map(|(l, d)| match l.as_str() {
            "PRIVATE KEY" => Some(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(d))),
            "EC PRIVATE KEY" => Some(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(d))),
            "RSA PRIVATE KEY" => Some(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(d))),
            _ => None,
        })
}

/// Whether the file holds an encrypted private key (which rnut cannot read).
pub fn has_encrypted_key(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")
}
