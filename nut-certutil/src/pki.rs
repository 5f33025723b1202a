//! Making certificates: self-signed CAs, certificate requests, and signing requests (ours or
//! foreign ones from NSS `certutil -R` / `openssl req`).
//!
//! Extensions always come from the issuing policy ([`CertProfile`]), never from the request:
//! basicConstraints, keyUsage, extendedKeyUsage, SKI/AKI, and a DNS SAN equal to the CN plus
//! the SANs asked for (IP literals become IP SANs). rcgen does not check that the issuer is a
//! CA, so [`sign_request`] does.

use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::FromDer;

use crate::certinfo::CertInfo;
use crate::keys::{KeyAlgorithm, KeyError, PrivateKey};
use crate::name::{NameError, attribute_text, parse_subject};

/// What went wrong making a certificate or request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// Bad subject string.
    #[error(transparent)]
    Name(#[from] NameError),
    /// Key problem.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// rcgen refused.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// The issuer certificate is not a CA.
    #[error(
        "'{0}' is not a CA certificate (no basicConstraints cA=TRUE or no keyCertSign): it cannot sign"
    )]
    NotCa(String),
    /// A SAN that is neither a host name nor an IP address.
    #[error("invalid subject alternative name '{0}'")]
    BadSan(String),
    /// The request could not be read or its signature is wrong.
    #[error("invalid certificate request: {0}")]
    BadRequest(String),
    /// The issuer certificate could not be read.
    #[error("invalid issuer certificate: {0}")]
    BadIssuer(String),
    /// A name rnut cannot reproduce exactly when signing.
    #[error("{what} \"{name}\" has {reason}, which rnut cannot reproduce when signing")]
    UnsupportedName {
        /// "subject" or "issuer".
        what: &'static str,
        /// The name.
        name: String,
        /// What is special about it.
        reason: String,
    },
    /// Validity makes no sense.
    #[error("invalid validity: {0}")]
    BadValidity(String),
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// A certificate authority (basicConstraints cA, keyCertSign/cRLSign).
    Ca {
        /// Path length constraint.
        path_len: Option<u8>,
    },
    /// A TLS server (upsd): EKU serverAuth.
    Server,
    /// A TLS client (upsmon, clients): EKU clientAuth.
    Client,
    /// Both serverAuth and clientAuth (a peer certificate, or NSS `-C` without `-6`).
    ServerAndClient,
}

/// The issuing policy of one certificate.
#[derive(Debug, Clone)]
pub struct CertProfile {
    /// The role: decides basicConstraints, keyUsage and EKU.
    pub role: CertRole,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Serial number (positive); None = random 64 bits.
    pub serial: Option<u64>,
    /// Extra SANs: host names or IP literals (`dns:`/`ip:` prefixes accepted).
    pub sans: Vec<String>,
}

impl CertProfile {
    /// A profile valid from now (minus a minute of clock skew) for `months` months (NSS `-v`).
    pub fn for_months(role: CertRole, months: u32) -> CertProfile {
        let now = OffsetDateTime::now_utc();
        CertProfile {
            role,
            not_before: now - Duration::minutes(1),
            not_after: add_months(now, months),
            serial: None,
            sans: Vec::new(),
        }
    }
}

/// `t` plus whole months (day clamped to the month's length).
pub fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = t.year() * 12 + (t.month() as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from((month0 + 1) as u8).unwrap_or(time::Month::January);
    let day = t.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| t.replace_date(d))
        .unwrap_or(t + Duration::days(30 * i64::from(months)))
}

/// Whether a string is usable as a DNS SAN (a host name, optionally a wildcard).
pub fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').enumerate().all(|(i, l)| {
            (i == 0 && l == "*")
                || (!l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    && !l.starts_with('-')
                    && !l.ends_with('-'))
        })
}

fn san_entries(cn: Option<&str>, sans: &[String]) -> Result<Vec<SanType>, PkiError> {
    let mut out: Vec<SanType> = Vec::new();
    let mut push = |s: SanType| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(cn) = cn {
        if let Ok(ip) = cn.parse::<IpAddr>() {
            push(SanType::IpAddress(ip));
        } else if is_dns_name(cn) {
            let d =
                rcgen::string::Ia5String::try_from(cn).map_err(|_| PkiError::BadSan(cn.into()))?;
            push(SanType::DnsName(d));
        }
    }
    for raw in sans.iter().flat_map(|s| s.split(',')) {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let lower = raw.to_ascii_lowercase();
        let (kind, v) = if let Some(v) = lower.strip_prefix("dns:") {
            ("dns", &raw[raw.len() - v.len()..])
        } else if let Some(v) = lower.strip_prefix("ip:") {
            ("ip", &raw[raw.len() - v.len()..])
        } else {
            ("auto", raw)
        };
        match (kind, v.parse::<IpAddr>()) {
            ("dns", _) | ("auto", Err(_)) => {
                if !is_dns_name(v) {
                    return Err(PkiError::BadSan(raw.into()));
                }
                let d = rcgen::string::Ia5String::try_from(v)
                    .map_err(|_| PkiError::BadSan(raw.into()))?;
                push(SanType::DnsName(d));
            }
            (_, Ok(ip)) => push(SanType::IpAddress(ip)),
            ("ip", Err(_)) => return Err(PkiError::BadSan(raw.into())),
            _ => return Err(PkiError::BadSan(raw.into())),
        }
    }
    Ok(out)
}

fn random_serial() -> Result<u64, KeyError> {
    let mut b = [0u8; 8];
    crate::keys::random_bytes(&mut b)?;
    b[0] &= 0x7f;
    Ok(u64::from_be_bytes(b).max(1))
}

fn cn_of(dn: &DistinguishedName) -> Option<String> {
    dn.get(&DnType::CommonName).map(|v| match v {
        DnValue::Utf8String(s) => s.clone(),
        DnValue::PrintableString(s) => s.as_str().to_string(),
        DnValue::Ia5String(s) => s.as_str().to_string(),
        other => format!("{other:?}"),
    })
}

fn params_for(
    dn: DistinguishedName,
    profile: &CertProfile,
    alg: KeyAlgorithm,
) -> Result<CertificateParams, PkiError> {
    if profile.not_after <= profile.not_before {
        return Err(PkiError::BadValidity(
            "notAfter is not after notBefore".into(),
        ));
    }
    let mut p = CertificateParams::default();
    p.subject_alt_names = match profile.role {
        CertRole::Ca { .. } => san_entries(None, &profile.sans)?,
        _ => san_entries(cn_of(&dn).as_deref(), &profile.sans)?,
    };
    p.distinguished_name = dn;
    p.not_before = profile.not_before;
    p.not_after = profile.not_after;
    p.serial_number = Some(SerialNumber::from_slice(
        &profile.serial.map_or_else(random_serial, Ok)?.to_be_bytes(),
    ));
    p.use_authority_key_identifier_extension = true;
    let rsa = matches!(alg, KeyAlgorithm::Rsa(_));
    match profile.role {
        CertRole::Ca { path_len } => {
            p.is_ca = IsCa::Ca(path_len.map_or(
                BasicConstraints::Unconstrained,
                BasicConstraints::Constrained,
            ));
            p.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            p.extended_key_usages = vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ];
        }
        role => {
            p.is_ca = IsCa::ExplicitNoCa;
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            if rsa {
                p.key_usages.push(KeyUsagePurpose::KeyEncipherment);
            }
            p.extended_key_usages = match role {
                CertRole::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
                CertRole::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
                _ => vec![
                    ExtendedKeyUsagePurpose::ServerAuth,
                    ExtendedKeyUsagePurpose::ClientAuth,
                ],
            };
        }
    }
    Ok(p)
}

/// Make a self-signed certificate (a root CA, or a self-signed peer).
pub fn self_signed(
    key: &PrivateKey,
    subject: &str,
    profile: &CertProfile,
) -> Result<Vec<u8>, PkiError> {
    let dn = parse_subject(subject)?;
    let params = params_for(dn, profile, key.algorithm())?;
    let kp = key.key_pair()?;
    Ok(params.self_signed(&kp)?.der().to_vec())
}

fn check_issuer(issuer_der: &[u8]) -> Result<CertInfo, PkiError> {
    let info = CertInfo::parse(issuer_der).map_err(|e| PkiError::BadIssuer(e.to_string()))?;
    if let Ok((_, x)) = x509_parser::parse_x509_certificate(issuer_der) {
        if let Some(reason) = crate::name::unsupported_name_shape(x.subject()) {
            return Err(PkiError::UnsupportedName {
                what: "issuer",
                name: info.subject,
                reason,
            });
        }
    }
    if !info.is_ca || !info.can_sign_certs {
        return Err(PkiError::NotCa(info.subject.clone()));
    }
    Ok(info)
}

/// Issue a certificate for `public_key` (an SPKI) with `subject`, signed by the CA.
fn issue_for_spki(
    spki_der: &[u8],
    dn: DistinguishedName,
    profile: &CertProfile,
    issuer_der: &[u8],
    issuer_key: &PrivateKey,
) -> Result<Vec<u8>, PkiError> {
    check_issuer(issuer_der)?;
    let public = rcgen::SubjectPublicKeyInfo::from_der(spki_der)?;
    let alg = match public_key_algorithm(spki_der) {
        Some(a) => a,
        None => KeyAlgorithm::EcdsaP256,
    };
    let params = params_for(dn, profile, alg)?;
    let kp = issuer_key.key_pair()?;
    let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(issuer_der), kp)?;
    Ok(params.signed_by(&public, &issuer)?.der().to_vec())
}

fn public_key_algorithm(spki_der: &[u8]) -> Option<KeyAlgorithm> {
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" => Some(KeyAlgorithm::Rsa(2048)),
        "1.3.101.112" => Some(KeyAlgorithm::Ed25519),
        _ => Some(KeyAlgorithm::EcdsaP256),
    }
}

/// Issue a certificate for our own freshly made key, signed by a CA.
pub fn issue(
    key: &PrivateKey,
    subject: &str,
    profile: &CertProfile,
    issuer_der: &[u8],
    issuer_key: &PrivateKey,
) -> Result<Vec<u8>, PkiError> {
    let kp = key.key_pair()?;
    use rcgen::PublicKeyData;
    let spki = kp.subject_public_key_info();
    issue_for_spki(
        &spki,
        parse_subject(subject)?,
        profile,
        issuer_der,
        issuer_key,
    )
}

/// Make a PKCS#10 request for `key` (DER).
pub fn make_request(key: &PrivateKey, subject: &str, sans: &[String]) -> Result<Vec<u8>, PkiError> {
    let dn = parse_subject(subject)?;
    let mut p = CertificateParams::default();
    p.subject_alt_names = san_entries(cn_of(&dn).as_deref(), sans)?;
    p.distinguished_name = dn;
    let kp = key.key_pair()?;
    Ok(p.serialize_request(&kp)?.der().to_vec())
}

/// What a request asks for.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// Subject, NSS style.
    pub subject: String,
    /// DER of the SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// SANs the request asked for (copied into the certificate).
    pub sans: Vec<String>,
    dn: DistinguishedName,
}

/// Read a request (DER), verifying its signature. Unknown extensions are tolerated: only the
/// subject, public key and SANs are used.
pub fn read_request(der: &[u8]) -> Result<RequestInfo, PkiError> {
    use x509_parser::certification_request::X509CertificationRequest;
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    let (_, csr) =
        X509CertificationRequest::from_der(der).map_err(|e| PkiError::BadRequest(e.to_string()))?;
    csr.verify_signature()
        .map_err(|e| PkiError::BadRequest(format!("signature check failed: {e}")))?;
    let info = &csr.certification_request_info;
    if let Some(reason) = crate::name::unsupported_name_shape(&info.subject) {
        return Err(PkiError::UnsupportedName {
            what: "subject",
            name: crate::name::display_name(&info.subject),
            reason,
        });
    }
    let mut dn = DistinguishedName::new();
    for rdn in info.subject.iter_rdn() {
        for a in rdn.iter() {
            let oid: Vec<u64> =
                a.attr_type().iter().map(|i| i.collect()).ok_or_else(|| {
                    PkiError::BadRequest("subject attribute OID too large".into())
                })?;
            let v = a.attr_value();
            let text = attribute_text(v.tag().0, v.data);
            let value = match v.tag().0 {
                19 => rcgen::string::PrintableString::try_from(text.as_str())
                    .map(DnValue::PrintableString)
                    .unwrap_or(DnValue::Utf8String(text)),
                22 => rcgen::string::Ia5String::try_from(text.as_str())
                    .map(DnValue::Ia5String)
                    .unwrap_or(DnValue::Utf8String(text)),
                _ => DnValue::Utf8String(text),
            };
            dn.push(DnType::from_oid(&oid), value);
        }
    }
    let mut sans = Vec::new();
    if let Some(exts) = csr.requested_extensions() {
        for e in exts {
            if let ParsedExtension::SubjectAlternativeName(san) = e {
                for gn in &san.general_names {
                    match gn {
                        GeneralName::DNSName(d) => sans.push(format!("dns:{d}")),
                        GeneralName::IPAddress(b) => {
                            if let Ok(a) = <[u8; 4]>::try_from(*b) {
                                sans.push(format!("ip:{}", IpAddr::from(a)));
                            } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                                sans.push(format!("ip:{}", IpAddr::from(a)));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(RequestInfo {
        subject: crate::name::display_name(&info.subject),
        spki_der: info.subject_pki.raw.to_vec(),
        sans,
        dn,
    })
}

/// Sign a request with a CA: extensions from `profile`, plus the request's SANs.
pub fn sign_request(
    request: &RequestInfo,
    profile: &CertProfile,
    issuer_der: &[u8],
    issuer_key: &PrivateKey,
) -> Result<Vec<u8>, PkiError> {
    let mut profile = profile.clone();
    profile.sans.extend(request.sans.iter().cloned());
    issue_for_spki(
        &request.spki_der,
        request.dn.clone(),
        &profile,
        issuer_der,
        issuer_key,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca() -> (PrivateKey, Vec<u8>) {
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let der = self_signed(
            &k,
            "CN=Test CA,O=rnut",
            &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
        )
        .expect("ca");
        (k, der)
    }

    #[test]
    fn ca_and_server_have_the_required_extensions() {
        let (ck, cder) = ca();
        let ci = CertInfo::parse(&cder).expect("parse");
        assert!(ci.is_ca && ci.can_sign_certs && ci.is_self_issued());
        assert_eq!(ci.subject, "CN=Test CA,O=rnut");
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP384).expect("key");
        let mut prof = CertProfile::for_months(CertRole::Server, 3);
        prof.sans = vec!["ip:127.0.0.1".into(), "dns:ups.example".into()];
        let der = issue(&k, "CN=localhost,O=rnut", &prof, &cder, &ck).expect("issue");
        let si = CertInfo::parse(&der).expect("parse");
        assert!(!si.is_ca && si.server_auth && !si.client_auth);
        assert_eq!(
            si.dns_names,
            vec!["localhost".to_string(), "ups.example".to_string()]
        );
        assert_eq!(
            si.ip_addresses,
            vec!["127.0.0.1".parse::<IpAddr>().expect("ip")]
        );
        assert_eq!(si.issuer, ci.subject);
        assert_eq!(si.key_id, k.key_id());
        let (_, x) = x509_parser::parse_x509_certificate(&der).expect("parse");
        let oids: Vec<String> = x
            .extensions()
            .iter()
            .map(|e| e.oid.to_id_string())
            .collect();
        for want in [
            "2.5.29.19",
            "2.5.29.15",
            "2.5.29.37",
            "2.5.29.14",
            "2.5.29.35",
            "2.5.29.17",
        ] {
            assert!(
                oids.contains(&want.to_string()),
                "missing extension {want} in {oids:?}"
            );
        }
    }

    #[test]
    fn refuses_a_non_ca_issuer() {
        let (ck, cder) = ca();
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let leaf = issue(
            &k,
            "CN=leaf",
            &CertProfile::for_months(CertRole::Server, 3),
            &cder,
            &ck,
        )
        .expect("leaf");
        let k2 = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let r = issue(
            &k2,
            "CN=x",
            &CertProfile::for_months(CertRole::Server, 3),
            &leaf,
            &k,
        );
        assert!(matches!(r, Err(PkiError::NotCa(_))));
    }

    #[test]
    fn request_roundtrip_keeps_subject_and_sans() {
        let (ck, cder) = ca();
        let k = PrivateKey::generate(KeyAlgorithm::Ed25519).expect("key");
        let req = make_request(
            &k,
            "CN=My nut server,O=MyCompany,ST=MyState,C=US",
            &["ip:::1".into()],
        )
        .expect("csr");
        let info = read_request(&req).expect("read");
        assert_eq!(info.subject, "CN=My nut server,O=MyCompany,ST=MyState,C=US");
        let der = sign_request(
            &info,
            &CertProfile::for_months(CertRole::Server, 12),
            &cder,
            &ck,
        )
        .expect("sign");
        let ci = CertInfo::parse(&der).expect("parse");
        assert_eq!(ci.subject, info.subject);
        assert_eq!(ci.key_id, k.key_id());
        assert!(
            ci.ip_addresses
                .contains(&"::1".parse::<IpAddr>().expect("ip"))
        );
        // A CN with spaces is not a host name: no DNS SAN for it.
        assert!(ci.dns_names.is_empty());
        let mut bad = req.clone();
        let n = bad.len();
        bad[n - 3] ^= 0xff;
        assert!(read_request(&bad).is_err());
    }

    #[test]
    fn months_are_calendar_months() {
        let t = time::macros::datetime!(2026-01-31 12:00 UTC);
        assert_eq!(
            add_months(t, 1),
            time::macros::datetime!(2026-02-28 12:00 UTC)
        );
        assert_eq!(add_months(t, 120).year(), 2036);
    }
}
