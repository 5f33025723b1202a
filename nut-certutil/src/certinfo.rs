//! What rnut reads out of a certificate: names, serial, validity, fingerprint, CA-ness, SANs.

use std::net::IpAddr;

use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::X509Certificate;

use crate::keys::{hex, key_id_of_public};
use crate::name::{common_name, display_name, openssl_subject_hash};

/// A certificate that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid X.509 certificate: {0}")]
pub struct CertParseError(pub String);

/// The parsed facts about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject, NSS style (`CN=...,O=...,C=US`).
    pub subject: String,
    /// Issuer, NSS style.
    pub issuer: String,
    /// Raw DER of the subject name.
    pub subject_der: Vec<u8>,
    /// Raw DER of the issuer name.
    pub issuer_der: Vec<u8>,
    /// The subject CN, if any.
    pub common_name: Option<String>,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// SHA-256 fingerprint, lower-case hex.
    pub fingerprint: String,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// keyUsage allows certificate signing (true when keyUsage is absent).
    pub can_sign_certs: bool,
    /// DNS SANs.
    pub dns_names: Vec<String>,
    /// IP SANs.
    pub ip_addresses: Vec<IpAddr>,
    /// Extended key usage serverAuth present (or no EKU at all).
    pub server_auth: bool,
    /// Extended key usage clientAuth present (or no EKU at all).
    pub client_auth: bool,
    /// SHA-1 of the raw public key, hex: matches [`crate::keys::PrivateKey::key_id`].
    pub key_id: String,
    /// OpenSSL subject hash.
    pub subject_hash: u32,
    /// The DER of the SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
}

impl CertInfo {
    /// Parse a DER certificate.
    pub fn parse(der: &[u8]) -> Result<CertInfo, CertParseError> {
        let (rest, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|e| CertParseError(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertParseError("trailing data after the certificate".into()));
        }
        Ok(CertInfo::from_parsed(&cert, der))
    }

    fn from_parsed(cert: &X509Certificate<'_>, der: &[u8]) -> CertInfo {
        let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
        let can_sign_certs = match cert.key_usage() {
            Ok(Some(ku)) => ku.value.key_cert_sign(),
            _ => true,
        };
        let (server_auth, client_auth) = match cert.extended_key_usage() {
            Ok(Some(eku)) => (
                eku.value.server_auth || eku.value.any,
                eku.value.client_auth || eku.value.any,
            ),
            _ => (true, true),
        };
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for gn in &san.value.general_names {
                match gn {
                    GeneralName::DNSName(d) => dns_names.push(d.to_string()),
                    GeneralName::IPAddress(b) => {
                        if let Ok(a) = <[u8; 4]>::try_from(*b) {
                            ip_addresses.push(IpAddr::from(a));
                        } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                            ip_addresses.push(IpAddr::from(a));
                        }
                    }
                    _ => {}
                }
            }
        }
        let spki = cert.public_key();
        CertInfo {
            subject: display_name(cert.subject()),
            issuer: display_name(cert.issuer()),
            subject_der: cert.subject().as_raw().to_vec(),
            issuer_der: cert.issuer().as_raw().to_vec(),
            common_name: common_name(cert.subject()),
            serial: hex(cert.raw_serial()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            fingerprint: der_fingerprint(der),
            is_ca,
            can_sign_certs,
            dns_names,
            ip_addresses,
            server_auth,
            client_auth,
            key_id: key_id_of_public(&spki.subject_public_key.data),
            subject_hash: openssl_subject_hash(cert.subject()),
            spki_der: spki.raw.to_vec(),
        }
    }

    /// Self-issued (subject equals issuer).
    pub fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// The name to show a user: the CN, else the whole subject.
    pub fn display_name(&self) -> &str {
        self.common_name.as_deref().unwrap_or(&self.subject)
    }

    /// The fingerprint as NSS prints it (`AB:CD:...`).
    pub fn fingerprint_colons(&self) -> String {
        self.fingerprint
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// Format a time for users: `2026-11-26 19:30:00 UTC`.
pub fn format_time(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_else(|_| t.to_string())
}

/// The SHA-256 fingerprint of a certificate's DER, hex (what the store keys certificates by).
pub fn der_fingerprint(der: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
}
