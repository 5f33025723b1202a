//! PEM, read and written through libraries: blocks are read by `rustls_pki_types::pem` (the
//! labels OpenSSL and NSS write, including their older aliases), armour is written by the
//! `pem` crate (64-column lines, `\n`). Files given by users may also be raw DER.

use std::borrow::Cow;

use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

/// Older labels still written by tools, and the label `rustls_pki_types` knows them by: NSS
/// certutil `-R -a` writes `NEW CERTIFICATE REQUEST`; OpenSSL wrote `X509 CERTIFICATE` and
/// writes `TRUSTED CERTIFICATE` (a certificate followed by its trust settings).
const LABEL_ALIASES: &[(&str, &str)] = &[
    ("NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST"),
    ("X509 CERTIFICATE", "CERTIFICATE"),
    ("TRUSTED CERTIFICATE", "CERTIFICATE"),
];

/// PEM armour of `der` under `label` (`CERTIFICATE`, `PRIVATE KEY`, ...).
pub fn encode(label: &str, der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new(label, der), config)
}

fn looks_like_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The input with the alias labels' BEGIN/END lines renamed to the labels they stand for.
fn with_standard_labels(data: &[u8]) -> Cow<'_, [u8]> {
    let mut text: Option<String> = None;
    for (alias, label) in LABEL_ALIASES {
        for marker in ["BEGIN", "END"] {
            let from = format!("-----{marker} {alias}-----");
            let current = text.as_deref().map(str::as_bytes).unwrap_or(data);
            if current.windows(from.len()).any(|w| w == from.as_bytes()) {
                let owned = text
                    .take()
                    .unwrap_or_else(|| String::from_utf8_lossy(data).into_owned());
                text = Some(owned.replace(&from, &format!("-----{marker} {label}-----")));
            }
        }
    }
    match text {
        Some(t) => Cow::Owned(t.into_bytes()),
        None => Cow::Borrowed(data),
    }
}

/// Every PEM block of a kind rnut reads, in order; blocks that do not decode are skipped.
pub fn blocks(data: &[u8]) -> Vec<(SectionKind, Vec<u8>)> {
    let data = with_standard_labels(data);
    <(SectionKind, Vec<u8>)>::pem_slice_iter(&data)
        .filter_map(Result::ok)
        .collect()
}

/// The DER of every block of `kind`.
fn blocks_of(data: &[u8], kind: SectionKind) -> impl Iterator<Item = Vec<u8>> {
    blocks(data)
        .into_iter()
        .filter(move |(k, _)| *k == kind)
        .map(|(_, der)| der)
}

/// Certificates in a file: every `CERTIFICATE` PEM block, or the whole file as DER.
pub fn certificates(data: &[u8]) -> Vec<Vec<u8>> {
    if looks_like_pem(data) {
        blocks_of(data, SectionKind::Certificate).collect()
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
    blocks_of(data, SectionKind::Crl).collect()
}

/// The first of `kind`: its PEM block, or the whole file as DER.
fn first_or_der(data: &[u8], kind: SectionKind) -> Option<Vec<u8>> {
    if looks_like_pem(data) {
        blocks_of(data, kind).next()
    } else if data.is_empty() {
        None
    } else {
        Some(data.to_vec())
    }
}

/// A certificate request: the first `CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST` block,
/// or the whole file as DER.
pub fn request(data: &[u8]) -> Option<Vec<u8>> {
    first_or_der(data, SectionKind::Csr)
}

/// The first CRL: an `X509 CRL` block, or the whole file as DER.
pub fn crl(data: &[u8]) -> Option<Vec<u8>> {
    first_or_der(data, SectionKind::Crl)
}

/// The first private key block: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#1
/// (`RSA PRIVATE KEY`). Encrypted PEM keys are not read.
pub fn private_key(data: &[u8]) -> Option<PrivateKeyDer<'static>> {
    blocks(data).into_iter().find_map(|(kind, d)| match kind {
        SectionKind::PrivateKey => Some(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(d))),
        SectionKind::EcPrivateKey => Some(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(d))),
        SectionKind::RsaPrivateKey => Some(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(d))),
        _ => None,
    })
}

/// Whether the file holds an encrypted private key (which rnut cannot read).
pub fn has_encrypted_key(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armour_is_64_columns_and_reads_back() {
        let der: Vec<u8> = (0..=255u8).collect();
        let text = encode("CERTIFICATE", &der);
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(text.ends_with("-----END CERTIFICATE-----\n"));
        assert!(text.lines().all(|l| l.len() <= 64));
        assert_eq!(certificates(text.as_bytes()), vec![der]);
        assert_eq!(encode("X", b""), "-----BEGIN X-----\n-----END X-----\n");
        assert_eq!(
            encode("X", b"foo"),
            "-----BEGIN X-----\nZm9v\n-----END X-----\n"
        );
    }

    #[test]
    fn blocks_in_a_bundle_with_aliases() {
        let text = format!(
            "junk\n{}{}{}{}",
            encode("CERTIFICATE", b"one"),
            encode("NEW CERTIFICATE REQUEST", b"two"),
            encode("X509 CERTIFICATE", b"three"),
            encode("SOMETHING ELSE", b"four"),
        );
        assert_eq!(
            blocks(text.as_bytes()),
            vec![
                (SectionKind::Certificate, b"one".to_vec()),
                (SectionKind::Csr, b"two".to_vec()),
                (SectionKind::Certificate, b"three".to_vec()),
            ]
        );
        assert_eq!(request(text.as_bytes()), Some(b"two".to_vec()));
        assert_eq!(request(b"raw der"), Some(b"raw der".to_vec()));
        assert_eq!(request(b""), None);
    }
}
