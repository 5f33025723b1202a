//! Invariant checks for fuzzing what nut-certutil reads from files a user hands it (PEM or
//! DER certificates, requests and keys) and from foreign NSS databases (the objects of
//! cert9.db / key4.db once read from SQLite). They are the bodies of the `pem_input` and
//! `nss_objects` fuzz targets and of the stable `fuzz_smoke_certutil` example.
//!
//! Each check returns a description of the first broken invariant; none panics on its own.

use std::collections::HashMap;
use std::sync::OnceLock;

use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use zeroize::Zeroizing;

use crate::certinfo::{CertInfo, der_fingerprint, format_time};
use crate::der::{read_tlv, sec1_to_pkcs8};
use crate::keys::{KeyCipher, PrivateKey, Sealed};
use crate::nssdb::keybuild;
use crate::nssdb::objects::{
    CKA_CLASS, CKA_EC_PARAMS, CKA_KEY_TYPE, CKA_MODULUS, CKA_NSS_DB, CKA_PUBLIC_EXPONENT,
    CKA_RSA_PRIVATE, CKA_VALUE, CKK_EC, CKK_RSA, CKO_NSS_TRUST, CKO_PRIVATE_KEY, CKO_TRUST, Object,
};
use crate::nssdb::trust_objects::{
    NSS_TRUST_OBJECT_ATTRS, PKCS_TRUST_OBJECT_ATTRS, certificate_hash, flags, levels,
    trust_attributes,
};
use crate::trust::TrustFlags;

/// A certificate read from a file: parsing is deterministic and what it reports about the
/// DER holds (fingerprint, its colon form, printable validity dates).
fn check_certificate(der: &[u8]) -> Result<(), String> {
    let Ok(info) = CertInfo::parse(der) else {
        return Ok(());
    };
    if CertInfo::parse(der).ok().as_ref() != Some(&info) {
        return Err("two parses of one certificate differ".into());
    }
    if info.fingerprint != der_fingerprint(der) || info.fingerprint_colons().len() != 95 {
        return Err(format!(
            "fingerprint {:?} of a {}-byte DER",
            info.fingerprint,
            der.len()
        ));
    }
    let _ = (format_time(info.not_before), format_time(info.not_after));
    let _ = (info.display_name(), info.is_self_issued());
    Ok(())
}

/// A private key read from a file: once loaded, its PKCS#8 form loads again as the same key.
fn check_key(key: &PrivateKeyDer<'_>) -> Result<(), String> {
    let Ok(loaded) = PrivateKey::from_key_der(key) else {
        return Ok(());
    };
    match PrivateKey::from_pkcs8(loaded.pkcs8_der()) {
        Ok(again)
            if again.algorithm() == loaded.algorithm()
                && again.public_key_raw() == loaded.public_key_raw() => {}
        Ok(again) => {
            return Err(format!(
                "a {} key reloads from its PKCS#8 as {}",
                loaded.algorithm(),
                again.algorithm()
            ));
        }
        Err(e) => return Err(format!("a loaded key's PKCS#8 does not load: {e}")),
    }
    Ok(())
}

/// The DER helpers: a TLV read from the bytes lies inside them; a SEC1 key wrapped into
/// PKCS#8 is one whole SEQUENCE.
fn check_der(data: &[u8]) -> Result<(), String> {
    if let Some((_, content, rest)) = read_tlv(data) {
        let header = data.len() - content.len() - rest.len();
        if !(2..=6).contains(&header) || data[header..header + content.len()] != *content {
            return Err(format!("read_tlv: header of {header} bytes"));
        }
    }
    if let Ok(pkcs8) = sec1_to_pkcs8(data) {
        match read_tlv(&pkcs8) {
            Some((0x30, _, [])) => {}
            other => return Err(format!("sec1_to_pkcs8 wrote {other:?}")),
        }
    }
    Ok(())
}

/// A cipher for the sealed-key check (derived once: the KDF is slow on purpose).
fn cipher() -> &'static KeyCipher {
    static CIPHER: OnceLock<KeyCipher> = OnceLock::new();
    CIPHER.get_or_init(|| KeyCipher::derive("fuzz", b"0123456789abcdef", 1))
}

/// PEM / DER input invariants, the first byte choosing the reader (modulo 4):
/// 0: every certificate found (PEM blocks, or the bytes as DER) parses deterministically
///    and reports its own fingerprint, and written again as PEM reads back equal; the DER
///    helpers stay inside their input;
/// 1: a certificate request found is read or refused;
/// 2: a private key found (PEM, or the bytes as raw PKCS#8 / SEC1 / PKCS#1) reloads from
///    its PKCS#8 as the same key; the encrypted-key test answers;
/// 3: a sealed key row made of the bytes never opens (refused as corrupted).
/// None of them panics.
pub fn check_pem_input(data: &[u8]) -> Result<(), String> {
    let Some((&selector, data)) = data.split_first() else {
        return Ok(());
    };
    match selector % 4 {
        0 => {
            for der in crate::pem::certificates(data) {
                check_certificate(&der)?;
                let armoured = crate::pem::encode("CERTIFICATE", &der);
                let again = crate::pem::certificates(armoured.as_bytes());
                if again != [der.clone()] {
                    return Err(format!("a certificate's PEM reads back as {again:?}"));
                }
            }
            check_der(data)
        }
        1 => {
            if let Some(der) = crate::pem::request(data) {
                let _ = crate::pki::read_request(&der);
            }
            Ok(())
        }
        2 => {
            if let Some(key) = crate::pem::private_key(data) {
                check_key(&key)?;
            }
            let _ = crate::pem::has_encrypted_key(data);
            let raw = data.to_vec();
            check_key(&PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(raw.clone())))?;
            check_key(&PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(raw.clone())))?;
            check_key(&PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(raw)))
        }
        _ => {
            let (nonce, ciphertext) = data.split_at(data.len().min(12));
            let sealed = Sealed {
                nonce: nonce.to_vec(),
                ciphertext: ciphertext.to_vec(),
            };
            if cipher()
                .open_key(&sealed, "id", crate::keys::KeyAlgorithm::EcdsaP256)
                .is_ok()
            {
                return Err("a forged sealed key opened".into());
            }
            Ok(())
        }
    }
}

/// Attributes an object may carry in [`object_from_bytes`], by index.
const ATTRS: [u32; 25] = attrs();

/// [`ATTRS`]: the key and certificate attributes, then those of both trust object kinds.
const fn attrs() -> [u32; 25] {
    const KEY: [u32; 13] = [
        CKA_CLASS,
        CKA_KEY_TYPE,
        CKA_VALUE,
        CKA_EC_PARAMS,
        CKA_NSS_DB,
        CKA_MODULUS,
        CKA_PUBLIC_EXPONENT,
        CKA_RSA_PRIVATE[0],
        CKA_RSA_PRIVATE[1],
        CKA_RSA_PRIVATE[2],
        CKA_RSA_PRIVATE[3],
        CKA_RSA_PRIVATE[4],
        CKA_RSA_PRIVATE[5],
    ];
    let mut out = [0xCE53_4352; 25];
    let mut n = 0;
    let groups: [&[u32]; 3] = [&KEY, &NSS_TRUST_OBJECT_ATTRS, &PKCS_TRUST_OBJECT_ATTRS];
    let mut g = 0;
    while g < groups.len() {
        let mut i = 0;
        while i < groups[g].len() {
            out[n] = groups[g][i];
            n += 1;
            i += 1;
        }
        g += 1;
    }
    out
}

/// CK_ULONG values that mean something in these attributes (classes, key types, trust
/// levels), chosen by a length byte of 0xF0 and above.
const ULONGS: [u32; 16] = [
    CKO_TRUST,
    CKO_NSS_TRUST,
    CKO_PRIVATE_KEY,
    CKK_RSA,
    CKK_EC,
    0xCE53_4352,
    0xCE53_4351,
    0xCE53_435A,
    0xCE53_435B,
    0xCE53_4353,
    1,
    2,
    3,
    0,
    0xFFFF_FFFF,
    0x8000_0000,
];

/// An object built from bytes: a 4-byte id, then records of (attribute index, length,
/// value); a length of 0xF0 and above stands for a 4-byte CK_ULONG from [`ULONGS`].
pub fn object_from_bytes(data: &[u8]) -> Object {
    let (id, mut rest) = data.split_at(data.len().min(4));
    let mut id_bytes = [0u8; 4];
    id_bytes[..id.len()].copy_from_slice(id);
    let mut attrs = HashMap::new();
    while let [index, len, tail @ ..] = rest {
        let attr = ATTRS[usize::from(*index) % ATTRS.len()];
        let value = if *len >= 0xF0 {
            rest = tail;
            ULONGS[usize::from(*len & 0x0F)].to_be_bytes().to_vec()
        } else {
            let (value, tail) = tail.split_at(tail.len().min(usize::from(*len)));
            rest = tail;
            value.to_vec()
        };
        attrs.insert(attr, value);
    }
    Object {
        id: u32::from_be_bytes(id_bytes),
        attrs,
    }
}

/// NSS object invariants: a trust object's class decides all three readers together
/// (levels, integrity attributes, certificate hash: all or none); its flags print as NSS
/// prints them and parse back equal; and the key rebuilders take the attributes of a private
/// key object (EC: curve, scalar, point; RSA: n, e and the six private values) to a key of
/// the same family or an error, never a panic.
pub fn check_nss_objects(data: &[u8]) -> Result<(), String> {
    let obj = object_from_bytes(data);
    let lv = levels(&obj);
    let attrs = trust_attributes(&obj);
    let hash = certificate_hash(&obj);
    if lv.is_some() == attrs.is_empty() || lv.is_some() != hash.is_some() {
        return Err(format!(
            "class {:?}: levels {lv:?}, attributes {attrs:?}, hash {hash:?}",
            obj.class()
        ));
    }
    if let Some((levels, step_up)) = lv {
        let f = flags(levels, step_up);
        let text = f.to_string();
        match text.parse::<TrustFlags>() {
            Ok(back) if back == f => {}
            other => {
                return Err(format!(
                    "trust {f:?} prints as {text:?}, reads back {other:?}"
                ));
            }
        }
    }
    let get = |attr: u32| obj.get(attr).unwrap_or_default();
    match obj.ulong(CKA_KEY_TYPE) {
        Some(CKK_EC) => {
            if let Ok(key) = keybuild::ec(get(CKA_EC_PARAMS), get(CKA_VALUE), get(CKA_NSS_DB)) {
                if key.algorithm().short_name() != "ec" {
                    return Err(format!("an EC key rebuilt as {}", key.algorithm()));
                }
            }
        }
        Some(CKK_RSA) => {
            let private = CKA_RSA_PRIVATE.map(|a| Zeroizing::new(get(a).to_vec()));
            if let Ok(key) = keybuild::rsa(get(CKA_MODULUS), get(CKA_PUBLIC_EXPONENT), &private) {
                if key.algorithm().short_name() != "rsa" {
                    return Err(format!("an RSA key rebuilt as {}", key.algorithm()));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_pass_on_samples() {
        let key = PrivateKey::generate(crate::keys::KeyAlgorithm::EcdsaP256).expect("key");
        let pem_key = crate::pem::encode("PRIVATE KEY", key.pkcs8_der());
        let bundle = format!(
            "junk\n{pem_key}{}",
            crate::pem::encode("CERTIFICATE", b"\x30\x03\x02\x01\x00")
        );
        for s in [
            bundle.as_bytes(),
            key.pkcs8_der(),
            b"-----BEGIN A------\n-----END A-----",
            b"",
        ] {
            for selector in 0..4u8 {
                let input: Vec<u8> = std::iter::once(selector).chain(s.iter().copied()).collect();
                assert_eq!(check_pem_input(&input), Ok(()));
            }
        }
        // A CKO_NSS_TRUST object with server and client trust (CT,,), and an EC key object
        // with garbage parts.
        let trust = [0, 0, 0, 7, 0, 0xF1, 13, 0xF5, 14, 0xF5, 17, 1, 1];
        let ec = [
            0, 0, 0, 9, 1, 0xF4, 3, 3, 6, 1, 42, 2, 2, 1, 2, 4, 3, 4, 0, 0,
        ];
        for s in [&trust[..], &ec[..], b"", b"\xff\xff\xff\xff\x00"] {
            assert_eq!(check_nss_objects(s), Ok(()), "{s:?}");
        }
    }
}
