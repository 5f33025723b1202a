//! Distinguished names: the RFC 1485 strings NSS takes with `-s`
//! (`CN=My CA,O=MyCompany,ST=MyState,C=US`), their display, and OpenSSL's subject hash
//! (`openssl x509 -hash`, the `<hash>.0` file names of a CA directory).
//!
//! NSS writes the first attribute of the string as the *last* RDN of the DER name and prints
//! names back most-specific first; rnut does the same so names round-trip between the tools.

use rcgen::{DistinguishedName, DnType, DnValue};
use x509_parser::x509::X509Name;

use crate::der::tlv;

/// A subject string that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid subject \"{text}\": {reason}")]
pub struct NameError {
    /// The subject as given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

/// One attribute of a parsed subject string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAttribute {
    /// Upper-case short name (`CN`, `O`, ...).
    pub key: String,
    /// The value, unescaped.
    pub value: String,
}

fn split_attributes(text: &str) -> Result<Vec<NameAttribute>, NameError> {
    let err = |reason: &str| NameError {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => return Err(err("trailing backslash")),
            },
            '"' => in_quotes = !in_quotes,
            ',' | ';' if !in_quotes => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if in_quotes {
        return Err(err("unterminated quote"));
    }
    parts.push(cur);
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| err(&format!("'{p}' is not TYPE=value")))?;
        let key = k.trim().to_ascii_uppercase();
        let value = v.trim().to_string();
        if value.is_empty() {
            return Err(err(&format!("empty value for {key}")));
        }
        out.push(NameAttribute { key, value });
    }
    if out.is_empty() {
        return Err(err("no attributes"));
    }
    Ok(out)
}

fn dn_type(key: &str) -> Option<DnType> {
    Some(match key {
        "CN" => DnType::CommonName,
        "O" => DnType::OrganizationName,
        "OU" => DnType::OrganizationalUnitName,
        "L" => DnType::LocalityName,
        "ST" | "S" => DnType::StateOrProvinceName,
        "C" => DnType::CountryName,
        "E" | "EMAIL" | "MAIL" => DnType::CustomDnType(vec![1, 2, 840, 113_549, 1, 9, 1]),
        "DC" => DnType::CustomDnType(vec![0, 9, 2342, 19_200_300, 100, 1, 25]),
        "UID" => DnType::CustomDnType(vec![0, 9, 2342, 19_200_300, 100, 1, 1]),
        "SERIALNUMBER" => DnType::CustomDnType(vec![2, 5, 4, 5]),
        _ => return None,
    })
}

/// Parse an NSS/RFC 1485 subject string into an rcgen name (in NSS's DER order).
pub fn parse_subject(text: &str) -> Result<DistinguishedName, NameError> {
    let attrs = split_attributes(text)?;
    let mut dn = DistinguishedName::new();
    let mut seen = std::collections::HashSet::new();
    for a in attrs.iter().rev() {
        let ty = dn_type(&a.key).ok_or_else(|| NameError {
            text: text.to_string(),
            reason: format!(
                "unknown attribute type '{}' (use CN, O, OU, L, ST, C, E, DC, UID)",
                a.key
            ),
        })?;
        if !seen.insert(a.key.clone()) {
            return Err(NameError {
                text: text.to_string(),
                reason: format!("attribute {} given twice (not supported)", a.key),
            });
        }
        let value = match a.key.as_str() {
            "C" => {
                if a.value.len() != 2 {
                    return Err(NameError {
                        text: text.to_string(),
                        reason: "C must be a two-letter country code".into(),
                    });
                }
                rcgen::string::PrintableString::try_from(a.value.as_str())
                    .map(DnValue::PrintableString)
                    .map_err(|e| NameError {
                        text: text.to_string(),
                        reason: e.to_string(),
                    })?
            }
            "E" | "EMAIL" | "MAIL" | "DC" => rcgen::string::Ia5String::try_from(a.value.as_str())
                .map(DnValue::Ia5String)
                .map_err(|e| NameError {
                    text: text.to_string(),
                    reason: e.to_string(),
                })?,
            _ => DnValue::Utf8String(a.value.clone()),
        };
        dn.push(ty, value);
    }
    Ok(dn)
}

/// The CN of a subject string, if any.
pub fn subject_common_name(text: &str) -> Option<String> {
    split_attributes(text)
        .ok()?
        .into_iter()
        .find(|a| a.key == "CN")
        .map(|a| a.value)
}

fn short_name(oid: &str) -> String {
    match oid {
        "2.5.4.3" => "CN".into(),
        "2.5.4.10" => "O".into(),
        "2.5.4.11" => "OU".into(),
        "2.5.4.7" => "L".into(),
        "2.5.4.8" => "ST".into(),
        "2.5.4.6" => "C".into(),
        "2.5.4.5" => "serialNumber".into(),
        "1.2.840.113549.1.9.1" => "E".into(),
        "0.9.2342.19200300.100.1.25" => "DC".into(),
        "0.9.2342.19200300.100.1.1" => "UID".into(),
        other => format!("OID.{other}"),
    }
}

/// A string value of a name attribute, decoding the common ASN.1 string types.
pub fn attribute_text(tag: u32, data: &[u8]) -> String {
    match tag {
        // BMPString: UCS-2 big endian.
        30 => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        // UniversalString: UCS-4 big endian.
        28 => data
            .chunks(4)
            .filter_map(|c| {
                if c.len() == 4 {
                    char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                } else {
                    None
                }
            })
            .collect(),
        // T61/Teletex: treat as Latin-1 (as OpenSSL does).
        20 => data.iter().map(|b| *b as char).collect(),
        _ => String::from_utf8_lossy(data).into_owned(),
    }
}

fn escape_value(v: &str) -> String {
    if v.contains([',', '"', '+', '=', ';', '\\']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}

/// Display a name as NSS does: most specific first, `TYPE=value` joined by `,`.
pub fn display_name(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter_rdn() {
        let s: Vec<String> = rdn
            .iter()
            .map(|a| {
                let v = a.attr_value();
                format!(
                    "{}={}",
                    short_name(&a.attr_type().to_id_string()),
                    escape_value(&attribute_text(v.tag().0, v.data))
                )
            })
            .collect();
        parts.push(s.join("+"));
    }
    parts.reverse();
    parts.join(",")
}

/// The first CN of a name.
pub fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().map(|a| {
        let v = a.attr_value();
        attribute_text(v.tag().0, v.data)
    })
}

/// Why rcgen could not reproduce this name exactly (it keeps one value per attribute type and
/// one attribute per RDN), or None when it can.
pub fn unsupported_name_shape(name: &X509Name<'_>) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    for rdn in name.iter_rdn() {
        let attrs: Vec<_> = rdn.iter().collect();
        if attrs.len() > 1 {
            return Some("a multi-valued RDN (TYPE=a+TYPE=b)".into());
        }
        for a in attrs {
            let oid = a.attr_type().to_id_string();
            if !seen.insert(oid.clone()) {
                return Some(format!("the attribute {} more than once", short_name(&oid)));
            }
        }
    }
    None
}

/// Canonical value as OpenSSL's `asn1_string_canon`: UTF-8, ASCII lower case, leading and
/// trailing whitespace removed, inner whitespace runs collapsed to one space.
fn canon_value(text: &str) -> Vec<u8> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !is_space(*b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(*b))
        .map(|p| p + 1)
        .unwrap_or(start);
    let mut out = Vec::with_capacity(end - start);
    let mut i = start;
    while i < end {
        let b = bytes[i];
        if is_space(b) {
            out.push(b' ');
            while i < end && is_space(bytes[i]) {
                i += 1;
            }
            continue;
        }
        out.push(b.to_ascii_lowercase());
        i += 1;
    }
    out
}

/// OpenSSL `X509_NAME_hash` (the `-hash` of `openssl x509`, SHA-1 based since OpenSSL 1.0).
pub fn openssl_subject_hash(name: &X509Name<'_>) -> u32 {
    // String types OpenSSL canonicalises (ASN1_MASK_CANON): UTF8, BMP, Universal, Printable,
    // T61, IA5, Visible. Others (NumericString, ...) are kept as they are.
    const CANON_TAGS: [u32; 7] = [12, 30, 28, 19, 20, 22, 26];
    let mut enc = Vec::new();
    for rdn in name.iter_rdn() {
        let mut avas: Vec<Vec<u8>> = rdn
            .iter()
            .map(|a| {
                let v = a.attr_value();
                let value = if CANON_TAGS.contains(&v.tag().0) {
                    tlv(0x0c, &canon_value(&attribute_text(v.tag().0, v.data)))
                } else {
                    let mut raw = Vec::new();
                    raw.extend(tlv(v.tag().0 as u8, v.data));
                    raw
                };
                let mut seq = tlv(0x06, a.attr_type().as_bytes());
                seq.extend(value);
                tlv(0x30, &seq)
            })
            .collect();
        avas.sort();
        enc.extend(tlv(0x31, &avas.concat()));
    }
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &enc);
    let b = d.as_ref();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nss_subjects() {
        let dn = parse_subject("CN=My CA,O=MyCompany,ST=MyState,C=US").expect("valid");
        let types: Vec<_> = dn.iter().map(|(t, _)| t.clone()).collect();
        assert_eq!(types.first(), Some(&DnType::CountryName));
        assert_eq!(types.last(), Some(&DnType::CommonName));
        assert!(parse_subject("CN=\"a, b\",O=x").is_ok());
        assert!(parse_subject("XX=1").is_err());
        assert!(parse_subject("CN").is_err());
        assert!(parse_subject("C=USA").is_err());
        assert_eq!(
            subject_common_name("O=a, CN=My nut server").as_deref(),
            Some("My nut server")
        );
    }

    #[test]
    fn subject_hash_matches_openssl() {
        use crate::keys::{KeyAlgorithm, PrivateKey};
        use crate::pki::{CertProfile, CertRole, self_signed};
        // `openssl x509 -hash` of these subjects (checked against OpenSSL 3.0): case and
        // whitespace runs do not change the hash.
        for (subject, want) in [
            ("CN=My CA,O=MyCompany,ST=MyState,C=US", 0x4da3_abac_u32),
            ("CN=my   ca,O=MYCOMPANY,ST=mystate,C=US", 0x4da3_abac_u32),
        ] {
            let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
            let der = self_signed(
                &k,
                subject,
                &CertProfile::for_months(CertRole::Ca { path_len: None }, 1),
            )
            .expect("cert");
            let info = crate::certinfo::CertInfo::parse(&der).expect("parse");
            assert_eq!(info.subject_hash, want, "{subject}");
        }
    }

    #[test]
    fn canonical_values() {
        assert_eq!(
            canon_value("  My   Nut\tServer "),
            b"my nut server".to_vec()
        );
        assert_eq!(canon_value(""), Vec::<u8>::new());
    }
}
