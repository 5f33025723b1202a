//! key4.db cryptography (spec nss-db.md section 6): the password key, the PBES2 /
//! PBKDF2-HMAC / AES-256-CBC entries (with NSS's IV quirk), and the PBMAC1 integrity entries.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroizing;

use super::NssError;
use crate::der::{read_tlv, tlv};

const OID_PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const OID_PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
const OID_PBMAC1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0e];
const OID_HMAC_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
const OID_AES256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];
/// pbeWithSHA1AndTripleDES-CBC: entries of databases made before NSS 3.49.
const OID_PBE_SHA1_3DES: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x05, 0x01, 0x03,
];

/// Highest PBKDF2 iteration count accepted (NSS writes 10,000; its environment variables can
/// raise it, never near this).
const MAX_ITERATIONS: u32 = 10_000_000;

/// SHA-256, for CKO_TRUST's certificate hash.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// The password key: SHA-384 over (salt, password) for a 48-byte global salt (NSS >= 3.118
/// with a password), SHA-1 otherwise.
pub fn pass_key(global_salt: &[u8], password: &[u8]) -> Zeroizing<Vec<u8>> {
    if global_salt.len() == 48 {
        let mut h = Sha384::new();
        h.update(global_salt);
        h.update(password);
        Zeroizing::new(h.finalize().to_vec())
    } else {
        let mut h = Sha1::new();
        h.update(global_salt);
        h.update(password);
        Zeroizing::new(h.finalize().to_vec())
    }
}

/// PBKDF2 parameters of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pbkdf2Params {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub key_length: usize,
}

fn malformed(what: &'static str) -> NssError {
    NssError::Malformed(what.to_string())
}

fn expect<'a>(
    tag: u8,
    input: &'a [u8],
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), NssError> {
    match read_tlv(input) {
        Some((t, content, rest)) if t == tag => Ok((content, rest)),
        _ => Err(malformed(what)),
    }
}

fn small_uint(content: &[u8], what: &'static str) -> Result<u32, NssError> {
    if content.is_empty() || content.len() > 4 || content[0] & 0x80 != 0 {
        return Err(malformed(what));
    }
    Ok(content
        .iter()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// `PBKDF2-params` with an HMAC-SHA256 PRF (the only one NSS writes).
fn parse_pbkdf2(alg: &[u8]) -> Result<Pbkdf2Params, NssError> {
    let (oid, rest) = expect(0x06, alg, "PBKDF2 algorithm")?;
    if oid != OID_PBKDF2 {
        return Err(NssError::Unsupported(
            "a key derivation other than PBKDF2".into(),
        ));
    }
    let (params, _) = expect(0x30, rest, "PBKDF2 parameters")?;
    let (salt, rest) = expect(0x04, params, "PBKDF2 salt")?;
    let (iter, rest) = expect(0x02, rest, "PBKDF2 iteration count")?;
    let iterations = small_uint(iter, "PBKDF2 iteration count")?;
    // keyLength is optional in PBKDF2-params; NSS always writes it.
    let (key_length, rest) = match read_tlv(rest) {
        Some((0x02, len, rest)) => (small_uint(len, "PBKDF2 key length")? as usize, rest),
        _ => (32, rest),
    };
    if !rest.is_empty() {
        let (prf, _) = expect(0x30, rest, "PBKDF2 PRF")?;
        let (prf_oid, _) = expect(0x06, prf, "PBKDF2 PRF")?;
        if prf_oid != OID_HMAC_SHA256 {
            return Err(NssError::Unsupported(
                "a PBKDF2 PRF other than HMAC-SHA256".into(),
            ));
        }
    } else {
        // The PKCS#5 default PRF is HMAC-SHA1, which NSS never writes here.
        return Err(NssError::Unsupported("PBKDF2 with HMAC-SHA1".into()));
    }
    // NSS writes 1 or 10,000; a file asking for billions would only stall the reader.
    if iterations == 0 || iterations > MAX_ITERATIONS || !(16..=64).contains(&key_length) {
        return Err(malformed("PBKDF2 parameters out of range"));
    }
    Ok(Pbkdf2Params {
        salt: salt.to_vec(),
        iterations,
        key_length,
    })
}

fn derive(pass_key: &[u8], p: &Pbkdf2Params) -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(vec![0u8; p.key_length]);
    pbkdf2::pbkdf2_hmac::<Sha256>(pass_key, &p.salt, p.iterations, &mut key);
    key
}

/// An opened entry. The envelope is `SEQUENCE { SEQUENCE { OID, params }, OCTET STRING
/// payload }`, with params `SEQUENCE { PBKDF2 AlgorithmIdentifier, scheme AlgorithmIdentifier }`
/// in PBES2 and PBMAC1 alike.
struct Entry<'a> {
    kdf: Pbkdf2Params,
    scheme_oid: &'a [u8],
    scheme_params: &'a [u8],
    payload: &'a [u8],
}

/// Open an entry whose outer algorithm must be `want` (`unsupported` names what else it is).
fn open_entry<'a>(
    blob: &'a [u8],
    want: &[u8],
    unsupported: &'static str,
) -> Result<Entry<'a>, NssError> {
    let (outer, _) = expect(0x30, blob, "entry")?;
    let (alg, rest) = expect(0x30, outer, "entry algorithm")?;
    let (payload, _) = expect(0x04, rest, "entry value")?;
    let (oid, params) = expect(0x06, alg, "entry algorithm")?;
    if oid == OID_PBE_SHA1_3DES {
        return Err(NssError::Unsupported(
            "3DES-encrypted keys (a database made before NSS 3.49): change its password once with a current NSS certutil (-W), which re-encrypts the keys with AES, then import again".into(),
        ));
    }
    if oid != want {
        return Err(NssError::Unsupported(unsupported.into()));
    }
    let (inner, _) = expect(0x30, params, "entry parameters")?;
    let (kdf, rest) = expect(0x30, inner, "key derivation")?;
    let kdf = parse_pbkdf2(kdf)?;
    let (scheme, _) = expect(0x30, rest, "entry scheme")?;
    let (scheme_oid, scheme_params) = expect(0x06, scheme, "entry scheme")?;
    Ok(Entry {
        kdf,
        scheme_oid,
        scheme_params,
        payload,
    })
}

/// The HMAC-SHA256 of an integrity entry: `BE32(object id) || BE32(attribute) || value`.
fn entry_hmac(
    key: &[u8],
    object_id: u32,
    attribute: u32,
    value: &[u8],
) -> Result<Hmac<Sha256>, NssError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| malformed("integrity key"))?;
    mac.update(&object_id.to_be_bytes());
    mac.update(&attribute.to_be_bytes());
    mac.update(value);
    Ok(mac)
}

/// Decrypt an `EncryptedData` entry (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) with the
/// password key. The IV is the whole encoded OCTET STRING of the scheme's parameter (NSS's
/// quirk). `Err(WrongPassword)` when the padding does not check out.
pub fn decrypt(blob: &[u8], pass_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, NssError> {
    let e = open_entry(blob, OID_PBES2, "an encryption scheme other than PBES2")?;
    if e.scheme_oid != OID_AES256_CBC {
        return Err(NssError::Unsupported(
            "a cipher other than AES-256-CBC".into(),
        ));
    }
    // The IV is the TLV itself (tag, length, 14 content bytes).
    let (iv_content, _) = expect(0x04, e.scheme_params, "AES IV")?;
    let iv = &e.scheme_params[..2 + iv_content.len()];
    if iv.len() != 16 || e.kdf.key_length != 32 {
        return Err(malformed("AES-256-CBC key or IV size"));
    }
    let key = derive(pass_key, &e.kdf);
    let dec = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, iv)
        .map_err(|_| malformed("AES-256-CBC key or IV size"))?;
    dec.decrypt_padded_vec::<Pkcs7>(e.payload)
        .map(Zeroizing::new)
        .map_err(|_| NssError::WrongPassword)
}

/// Check a PBMAC1 integrity entry: HMAC-SHA256 under a PBKDF2 key over
/// `BE32(object id) || BE32(attribute) || value`.
pub fn verify_mac(
    blob: &[u8],
    pass_key: &[u8],
    object_id: u32,
    attribute: u32,
    value: &[u8],
) -> Result<bool, NssError> {
    let e = open_entry(blob, OID_PBMAC1, "an integrity scheme other than PBMAC1")?;
    if e.scheme_oid != OID_HMAC_SHA256 {
        return Err(NssError::Unsupported("a MAC other than HMAC-SHA256".into()));
    }
    let key = derive(pass_key, &e.kdf);
    Ok(entry_hmac(&key, object_id, attribute, value)?
        .verify_slice(e.payload)
        .is_ok())
}

/// The PBKDF2 parameters NSS writes: a fresh 32-byte salt, `iterations`, a 32-byte key,
/// HMAC-SHA256.
fn pbkdf2_params(iterations: u32) -> Result<(Pbkdf2Params, Vec<u8>), NssError> {
    let mut salt = vec![0u8; 32];
    crate::keys::random_bytes(&mut salt).map_err(|e| NssError::Malformed(e.to_string()))?;
    let mut body = tlv(0x04, &salt);
    body.extend(tlv(0x02, &der_uint(iterations)));
    body.extend(tlv(0x02, &[32]));
    body.extend(tlv(0x30, &tlv(0x06, OID_HMAC_SHA256)));
    let mut alg = tlv(0x06, OID_PBKDF2);
    alg.extend(tlv(0x30, &body));
    Ok((
        Pbkdf2Params {
            salt,
            iterations,
            key_length: 32,
        },
        tlv(0x30, &alg),
    ))
}

/// A positive integer's minimal DER content.
fn der_uint(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(3);
    let mut out = bytes[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

/// An entry's envelope around `payload`: algorithm `oid` with the PBKDF2 parameters and the
/// scheme (`scheme` is the scheme AlgorithmIdentifier's content): the inverse of
/// [`open_entry`].
fn seal_entry(oid: &[u8], kdf_der: Vec<u8>, scheme: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut params = kdf_der;
    params.extend(tlv(0x30, scheme));
    let mut alg = tlv(0x06, oid);
    alg.extend(tlv(0x30, &params));
    let mut outer = tlv(0x30, &alg);
    outer.extend(tlv(0x04, payload));
    tlv(0x30, &outer)
}

/// Encrypt a value as NSS does (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, the 14-byte "IV"
/// whose encoding is the real IV): the inverse of [`decrypt`].
pub fn encrypt(plain: &[u8], pass_key: &[u8], iterations: u32) -> Result<Vec<u8>, NssError> {
    let (kdf, kdf_der) = pbkdf2_params(iterations)?;
    let mut iv_content = [0u8; 14];
    crate::keys::random_bytes(&mut iv_content).map_err(|e| NssError::Malformed(e.to_string()))?;
    let iv_tlv = tlv(0x04, &iv_content);
    let key = derive(pass_key, &kdf);
    let enc = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv_tlv)
        .map_err(|_| malformed("AES-256-CBC key or IV size"))?;
    let ciphertext = enc.encrypt_padded_vec::<Pkcs7>(plain);
    let mut scheme = tlv(0x06, OID_AES256_CBC);
    scheme.extend(iv_tlv);
    Ok(seal_entry(OID_PBES2, kdf_der, &scheme, &ciphertext))
}

/// An integrity entry as NSS writes it (PBMAC1, HMAC-SHA256): the inverse of [`verify_mac`].
pub fn mac(
    pass_key: &[u8],
    iterations: u32,
    object_id: u32,
    attribute: u32,
    value: &[u8],
) -> Result<Vec<u8>, NssError> {
    let (kdf, kdf_der) = pbkdf2_params(iterations)?;
    let key = derive(pass_key, &kdf);
    let tag = entry_hmac(&key, object_id, attribute, value)?
        .finalize()
        .into_bytes();
    Ok(seal_entry(
        OID_PBMAC1,
        kdf_der,
        &tlv(0x06, OID_HMAC_SHA256),
        &tag,
    ))
}

/// SHA-1, for CKA_ID checks.
pub fn sha1(data: &[u8]) -> Vec<u8> {
    Sha1::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// The worked vector of nss-db.md 6.5 (fixture nss3.87/rsa_pw).
    #[test]
    fn the_spec_password_check_vector_decrypts() {
        let pk = pass_key(
            &hex("c83dd822ebd1725abd12ca15719b2c566dab2313"),
            b"nut-Secret-42",
        );
        assert_eq!(*pk, hex("2d8be217aa515878c38062ab99f6eda8871c313b"));
        let blob = hex(concat!(
            "30818230",
            "6e06092a864886f70d01050d3061",
            "304206092a864886f70d01050c3035",
            "0420daee0cfa048f551e1ccf9e952b9cc1669ddbe283c8ff614713905ad406fc9c02",
            "020227100201203",
            "00a06082a864886f70d0209",
            "301b060960864801650304012a040e8c382ddb35a956168d51d704ce51",
            "0410dc027a5f4b9211b3da4d70dd60dff491"
        ));
        assert_eq!(&*decrypt(&blob, &pk).expect("decrypts"), b"password-check");
        let wrong = pass_key(&hex("c83dd822ebd1725abd12ca15719b2c566dab2313"), b"nope");
        assert!(matches!(
            decrypt(&blob, &wrong),
            Err(NssError::WrongPassword) | Ok(_)
        ));
        if let Ok(p) = decrypt(&blob, &wrong) {
            assert_ne!(&*p, b"password-check");
        }
    }

    #[test]
    fn the_sha384_pass_key_of_a_48_byte_salt() {
        let pk = pass_key(
            &hex(
                "8202da163e59dd88658c3075a1c20e2a61538adadc8dcad73b550e3fe4da74454a71b33189989dc10cd65a83a5488246",
            ),
            b"nut-Secret-42",
        );
        assert_eq!(
            *pk,
            hex(
                "574bf3db3e908da75fbb28103c20cf5da0d65a557a10461473f46a0d1bd2044c43ba8ac30df7dcf626719ba64579f748"
            )
        );
    }

    #[test]
    fn what_we_write_reads_back() {
        let pk = pass_key(b"0123456789abcdefghij", b"pw");
        for iterations in [1, 10_000] {
            let blob = encrypt(b"password-check", &pk, iterations).expect("encrypts");
            assert_eq!(&*decrypt(&blob, &pk).expect("decrypts"), b"password-check");
            let m = mac(&pk, iterations, 7, 0x11, b"value").expect("mac");
            assert!(verify_mac(&m, &pk, 7, 0x11, b"value").expect("parses"));
            assert!(!verify_mac(&m, &pk, 8, 0x11, b"value").expect("parses"));
        }
        assert_eq!(der_uint(10_000), [0x27, 0x10]);
        assert_eq!(der_uint(1), [0x01]);
        assert_eq!(der_uint(0x80), [0x00, 0x80]);
    }

    #[test]
    fn malformed_entries_are_errors_not_panics() {
        let pk = pass_key(b"salt", b"");
        for blob in [
            &b""[..],
            b"\x30",
            b"\x30\x00",
            b"\x30\x03\x30\x01\x06",
            b"\x04\x02ab",
        ] {
            assert!(decrypt(blob, &pk).is_err(), "{blob:?}");
            assert!(verify_mac(blob, &pk, 0, 0, b"").is_err(), "{blob:?}");
        }
    }

    proptest::proptest! {
        /// A corrupted key4.db entry is an error, never a panic.
        #[test]
        fn any_entry_is_handled(
            blob in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let pk = pass_key(b"salt", b"");
            let _ = decrypt(&blob, &pk);
            let _ = verify_mac(&blob, &pk, 1, 2, b"v");
        }
    }
}
