//! Private keys: generation (ECDSA P-256/P-384, Ed25519 with ring; RSA with the pure-Rust
//! `rsa` crate), PKCS#8 handling, and their encryption at rest.
//!
//! Keys are kept as PKCS#8 and sealed with AES-256-GCM under a key derived from the database
//! password with PBKDF2-HMAC-SHA256 (random per-store salt, iteration count stored with it).
//! Each sealed key has its own random nonce and is bound to its key id as associated data, so a
//! row cannot be swapped for another. Plaintext key material lives in [`Zeroizing`] buffers.

use std::fmt;
use std::num::NonZeroU32;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroizing;

/// Default PBKDF2-HMAC-SHA256 iteration count for new stores (OWASP 2023: 600,000).
pub const DEFAULT_KDF_ITERATIONS: u32 = 600_000;

/// What went wrong with a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The password does not open the store's keys.
    #[error("wrong password for the certificate database")]
    WrongPassword,
    /// A sealed key failed authentication (corrupted or tampered row).
    #[error("a stored private key is corrupted (authentication failed)")]
    Corrupted,
    /// Key generation failed.
    #[error("key generation failed: {0}")]
    Generation(String),
    /// The key type or size is not supported.
    #[error("unsupported key type: {0}")]
    Unsupported(String),
    /// A key that could not be decoded.
    #[error("invalid private key: {0}")]
    Invalid(String),
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
}

/// The kind of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256 (the default).
    EcdsaP256,
    /// ECDSA on NIST P-384 with SHA-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA with the modulus size in bits (2048, 3072, 4096), signing with PKCS#1 v1.5 SHA-256.
    Rsa(u32),
}

impl KeyAlgorithm {
    /// From NSS-style options: `-k rsa|ec|ed25519`, `-g BITS`, `-q CURVE`.
    /// `key_type` None means the rnut default (ECDSA P-256).
    pub fn from_options(
        key_type: Option<&str>,
        bits: Option<u32>,
        curve: Option<&str>,
    ) -> Result<KeyAlgorithm, KeyError> {
        match key_type.map(|k| k.to_ascii_lowercase()).as_deref() {
            None | Some("ec") | Some("ecdsa") => {
                match curve.map(|c| c.to_ascii_lowercase()).as_deref() {
                    None | Some("nistp256") | Some("p256") | Some("p-256") | Some("secp256r1")
                    | Some("prime256v1") => Ok(KeyAlgorithm::EcdsaP256),
                    Some("nistp384") | Some("p384") | Some("p-384") | Some("secp384r1") => {
                        Ok(KeyAlgorithm::EcdsaP384)
                    }
                    Some(other) => Err(KeyError::Unsupported(format!(
                        "curve '{other}' (use nistp256 or nistp384)"
                    ))),
                }
            }
            Some("ed25519") => Ok(KeyAlgorithm::Ed25519),
            Some("rsa") => match bits.unwrap_or(2048) {
                b @ (2048 | 3072 | 4096) => Ok(KeyAlgorithm::Rsa(b)),
                other => Err(KeyError::Unsupported(format!(
                    "RSA key size {other} (use 2048, 3072 or 4096)"
                ))),
            },
            Some(other) => Err(KeyError::Unsupported(format!(
                "key type '{other}' (use ec, rsa or ed25519)"
            ))),
        }
    }

    /// The short name NSS prints in `-K` (`ec`, `rsa`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => "ec",
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::Rsa(_) => "rsa",
        }
    }

    /// The rcgen signature algorithm used with this key.
    pub fn signature_algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            KeyAlgorithm::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyAlgorithm::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyAlgorithm::Ed25519 => &rcgen::PKCS_ED25519,
            KeyAlgorithm::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
        }
    }

    /// Stable text stored in the database.
    pub fn db_name(self) -> String {
        match self {
            KeyAlgorithm::EcdsaP256 => "ec-p256".into(),
            KeyAlgorithm::EcdsaP384 => "ec-p384".into(),
            KeyAlgorithm::Ed25519 => "ed25519".into(),
            KeyAlgorithm::Rsa(b) => format!("rsa-{b}"),
        }
    }

    /// Inverse of [`KeyAlgorithm::db_name`].
    pub fn from_db_name(s: &str) -> Option<KeyAlgorithm> {
        match s {
            "ec-p256" => Some(KeyAlgorithm::EcdsaP256),
            "ec-p384" => Some(KeyAlgorithm::EcdsaP384),
            "ed25519" => Some(KeyAlgorithm::Ed25519),
            _ => s
                .strip_prefix("rsa-")
                .and_then(|b| b.parse().ok())
                .map(KeyAlgorithm::Rsa),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::EcdsaP256 => f.write_str("ECDSA P-256"),
            KeyAlgorithm::EcdsaP384 => f.write_str("ECDSA P-384"),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
            KeyAlgorithm::Rsa(b) => write!(f, "RSA {b}"),
        }
    }
}

/// A private key in PKCS#8 form, zeroized on drop. Never printed.
#[derive(Clone)]
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    algorithm: KeyAlgorithm,
    public_raw: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generate a new key pair.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, KeyError> {
        match algorithm {
            KeyAlgorithm::Rsa(bits) => {
                use rsa::pkcs8::EncodePrivateKey;
                let mut rng = getrandom::SysRng;
                let key = rsa::PrivateKey::new(&mut rng, bits as usize)
                    .map_err(|e| KeyError::Generation(e.to_string()))?;
                let doc = key
                    .to_pkcs8_der()
                    .map_err(|e| KeyError::Generation(e.to_string()))?;
                PrivateKey::from_pkcs8_as(doc.as_bytes(), algorithm)
            }
            _ => {
                let kp = rcgen::KeyPair::generate_for(algorithm.signature_algorithm())
                    .map_err(|e| KeyError::Generation(e.to_string()))?;
                let der = Zeroizing::new(kp.serialize_der());
                PrivateKey::from_pkcs8_as(&der, algorithm)
            }
        }
    }

    /// Load a PKCS#8 key of a known algorithm.
    pub fn from_pkcs8_as(der: &[u8], algorithm: KeyAlgorithm) -> Result<PrivateKey, KeyError> {
        let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(der),
            algorithm.signature_algorithm(),
        )
        .map_err(|e| KeyError::Invalid(e.to_string()))?;
        Ok(PrivateKey {
            pkcs8: Zeroizing::new(der.to_vec()),
            algorithm,
            public_raw: kp.public_key_raw().to_vec(),
        })
    }

    /// Load a PKCS#8 key, detecting its algorithm.
    pub fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyError> {
        let kp = rcgen::KeyPair::try_from(der).map_err(|e| KeyError::Invalid(e.to_string()))?;
        let alg = kp.algorithm();
        let algorithm = if alg == &rcgen::PKCS_ECDSA_P256_SHA256 {
            KeyAlgorithm::EcdsaP256
        } else if alg == &rcgen::PKCS_ECDSA_P384_SHA384 {
            KeyAlgorithm::EcdsaP384
        } else if alg == &rcgen::PKCS_ED25519 {
            KeyAlgorithm::Ed25519
        } else if alg == &rcgen::PKCS_RSA_SHA256 {
            KeyAlgorithm::Rsa(rsa_bits(der)?)
        } else {
            return Err(KeyError::Unsupported(
                "key algorithm of imported key".into(),
            ));
        };
        PrivateKey::from_pkcs8_as(der, algorithm)
    }

    /// Load any key rustls can read (PKCS#8, SEC1 EC, PKCS#1 RSA), converting it to PKCS#8.
    pub fn from_key_der(key: &PrivateKeyDer<'_>) -> Result<PrivateKey, KeyError> {
        match key {
            PrivateKeyDer::Pkcs8(k) => PrivateKey::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => {
                use rsa::pkcs1::DecodeRsaPrivateKey;
                use rsa::pkcs8::EncodePrivateKey;
                let rk = rsa::PrivateKey::from_pkcs1_der(k.secret_pkcs1_der())
                    .map_err(|e| KeyError::Invalid(e.to_string()))?;
                let doc = rk
                    .to_pkcs8_der()
                    .map_err(|e| KeyError::Invalid(e.to_string()))?;
                PrivateKey::from_pkcs8(doc.as_bytes())
            }
            PrivateKeyDer::Sec1(k) => {
                let pkcs8 = Zeroizing::new(
                    crate::der::sec1_to_pkcs8(k.secret_sec1_der())
                        .map_err(|e| KeyError::Invalid(e.to_string()))?,
                );
                PrivateKey::from_pkcs8(&pkcs8)
            }
            _ => Err(KeyError::Unsupported("private key format".into())),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The PKCS#8 DER (secret).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The raw public key (the subjectPublicKey BIT STRING contents).
    pub fn public_key_raw(&self) -> &[u8] {
        &self.public_raw
    }

    /// The key id: SHA-1 of the raw public key, lower-case hex (NSS's CKA_ID for EC keys).
    pub fn key_id(&self) -> String {
        key_id_of_public(&self.public_raw)
    }

    /// An rcgen key pair for signing.
    pub fn key_pair(&self) -> Result<rcgen::KeyPair, KeyError> {
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(self.pkcs8.as_slice()),
            self.algorithm.signature_algorithm(),
        )
        .map_err(|e| KeyError::Invalid(e.to_string()))
    }

    /// The key for rustls, in a buffer wiped when dropped (rustls keeps its own parsed form;
    /// see `tls::identity`).
    pub fn rustls_key(&self) -> Zeroizing<PrivateKeyDer<'static>> {
        Zeroizing::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            self.pkcs8.to_vec(),
        )))
    }
}

/// The key id for a raw public key (SHA-1, hex).
pub fn key_id_of_public(raw: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, raw).as_ref())
}

fn rsa_bits(pkcs8: &[u8]) -> Result<u32, KeyError> {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let k = rsa::PrivateKey::from_pkcs8_der(pkcs8).map_err(|e| KeyError::Invalid(e.to_string()))?;
    Ok(k.n().bit_width())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes from hex (either case, even length); None for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Fill a buffer with random bytes.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), KeyError> {
    SystemRandom::new().fill(buf).map_err(|_| KeyError::Random)
}

/// `n` random bytes in lower-case hex (unpredictable file names).
pub fn random_hex(n: usize) -> Result<String, KeyError> {
    let mut buf = vec![0u8; n];
    random_bytes(&mut buf)?;
    Ok(hex(&buf))
}

/// The bytes a trust MAC covers: fingerprint, a NUL, the trust string.
fn trust_message(fingerprint: &str, trust: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(fingerprint.len() + 1 + trust.len());
    m.extend_from_slice(fingerprint.as_bytes());
    m.push(0);
    m.extend_from_slice(trust.as_bytes());
    m
}

const CHECK_PLAINTEXT: &[u8] = b"rnut certificate database password check v1";
const TRUST_MAC_LABEL: &[u8] = b"rnut trust mac v1";
const POLICY_MAC_LABEL: &[u8] = b"rnut policy mac v1";
const CHECK_AAD: &[u8] = b"password-check";

/// The symmetric key derived from the database password; zeroized on drop.
#[derive(Clone)]
pub struct KeyCipher {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for KeyCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCipher(..)")
    }
}

/// A sealed value: nonce and ciphertext with tag.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// 12-byte GCM nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl KeyCipher {
    /// Derive from a password (PBKDF2-HMAC-SHA256).
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> KeyCipher {
        crate::visits::count_derivation();
        let mut key = Zeroizing::new([0u8; 32]);
        let iters = NonZeroU32::new(iterations.max(1)).unwrap_or(NonZeroU32::MIN);
        ring::pbkdf2::derive(
            ring::pbkdf2::PBKDF2_HMAC_SHA256,
            iters,
            salt,
            password.as_bytes(),
            key.as_mut(),
        );
        KeyCipher { key }
    }

    fn aead(&self) -> Result<LessSafeKey, KeyError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, self.key.as_ref()).map_err(|_| KeyError::Random)?;
        Ok(LessSafeKey::new(unbound))
    }

    /// Seal `plaintext`, binding it to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        random_bytes(&mut nonce)?;
        let mut buf = plaintext.to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut buf,
            )
            .map_err(|_| KeyError::Random)?;
        Ok(Sealed {
            nonce: nonce.to_vec(),
            ciphertext: buf,
        })
    }

    /// Open a sealed value.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let nonce: [u8; NONCE_LEN] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Corrupted)?;
        let mut buf = Zeroizing::new(sealed.ciphertext.clone());
        let len = self
            .aead()?
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                buf.as_mut_slice(),
            )
            .map_err(|_| KeyError::Corrupted)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }

    /// The password check value stored in the metadata.
    pub fn make_check(&self) -> Result<Sealed, KeyError> {
        self.seal(CHECK_PLAINTEXT, CHECK_AAD)
    }

    /// The MAC protecting a certificate's trust flags in the store (NSS keeps the same kind
    /// of signature over trust objects, keyed by the database password): HMAC-SHA256 under a
    /// key of its own derived from the database key, over the certificate's fingerprint and
    /// the trust string. Whoever can write the store but does not know the password cannot
    /// make a certificate trusted.
    pub fn trust_mac(&self, fingerprint: &str, trust: &str) -> Vec<u8> {
        self.mac(TRUST_MAC_LABEL, &trust_message(fingerprint, trust))
    }

    /// Whether `mac` is the trust MAC of that certificate and trust string (constant time).
    pub fn trust_mac_ok(&self, fingerprint: &str, trust: &str, mac: &[u8]) -> bool {
        self.mac_ok(TRUST_MAC_LABEL, &trust_message(fingerprint, trust), mac)
    }

    /// The HMAC-SHA256 of a policy row's canonical text (see `policy.rs`), under a key of its
    /// own derived from the database key (a trust MAC can never pass for a policy MAC).
    pub fn policy_mac(&self, row: &[u8]) -> Vec<u8> {
        self.mac(POLICY_MAC_LABEL, row)
    }

    /// Whether `mac` is the policy MAC of that row (constant time).
    pub fn policy_mac_ok(&self, row: &[u8], mac: &[u8]) -> bool {
        self.mac_ok(POLICY_MAC_LABEL, row, mac)
    }

    fn mac(&self, label: &[u8], message: &[u8]) -> Vec<u8> {
        ring::hmac::sign(&self.mac_key(label), message)
            .as_ref()
            .to_vec()
    }

    fn mac_ok(&self, label: &[u8], message: &[u8], mac: &[u8]) -> bool {
        ring::hmac::verify(&self.mac_key(label), message, mac).is_ok()
    }

    fn mac_key(&self, label: &[u8]) -> ring::hmac::Key {
        let master = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.key.as_ref());
        let sub = ring::hmac::sign(&master, label);
        ring::hmac::Key::new(ring::hmac::HMAC_SHA256, sub.as_ref())
    }

    /// Verify the password check value.
    pub fn verify_check(&self, check: &Sealed) -> Result<(), KeyError> {
        match self.open(check, CHECK_AAD) {
            Ok(p) if p.as_slice() == CHECK_PLAINTEXT => Ok(()),
            _ => Err(KeyError::WrongPassword),
        }
    }

    /// Seal a private key, bound to its key id.
    pub fn seal_key(&self, key: &PrivateKey) -> Result<Sealed, KeyError> {
        self.seal(key.pkcs8_der(), key.key_id().as_bytes())
    }

    /// Open a sealed private key.
    pub fn open_key(
        &self,
        sealed: &Sealed,
        key_id: &str,
        algorithm: KeyAlgorithm,
    ) -> Result<PrivateKey, KeyError> {
        let der = self.open(sealed, key_id.as_bytes())?;
        PrivateKey::from_pkcs8_as(&der, algorithm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_roundtrip_and_wrong_password() {
        let salt = [7u8; 16];
        let c = KeyCipher::derive("secret", &salt, 1000);
        let check = c.make_check().expect("seal");
        c.verify_check(&check).expect("right password");
        let wrong = KeyCipher::derive("Secret", &salt, 1000);
        assert!(matches!(
            wrong.verify_check(&check),
            Err(KeyError::WrongPassword)
        ));
        let empty = KeyCipher::derive("", &salt, 1000);
        let check2 = empty.make_check().expect("seal");
        empty.verify_check(&check2).expect("empty password works");
    }

    #[test]
    fn keys_of_every_kind_roundtrip() {
        let c = KeyCipher::derive("pw", b"salt-salt-salt!!", 10);
        for alg in [
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
        ] {
            let k = PrivateKey::generate(alg).expect("generate");
            let s = c.seal_key(&k).expect("seal");
            assert!(
                !s.ciphertext
                    .windows(8)
                    .any(|w| k.pkcs8_der().windows(8).any(|x| x == w))
            );
            let back = c.open_key(&s, &k.key_id(), alg).expect("open");
            assert_eq!(back.pkcs8_der(), k.pkcs8_der());
            assert_eq!(
                PrivateKey::from_pkcs8(k.pkcs8_der())
                    .expect("detect")
                    .algorithm(),
                alg
            );
            // Bound to its id: another id does not open it.
            assert!(c.open_key(&s, "00", alg).is_err());
        }
    }

    #[test]
    fn rsa_2048_generates_and_is_detected() {
        let k = PrivateKey::generate(KeyAlgorithm::Rsa(2048)).expect("rsa");
        assert_eq!(
            PrivateKey::from_pkcs8(k.pkcs8_der())
                .expect("detect")
                .algorithm(),
            KeyAlgorithm::Rsa(2048)
        );
        assert_eq!(k.algorithm().short_name(), "rsa");
    }

    #[test]
    fn options_map_to_algorithms() {
        assert_eq!(
            KeyAlgorithm::from_options(None, None, None).expect("d"),
            KeyAlgorithm::EcdsaP256
        );
        assert_eq!(
            KeyAlgorithm::from_options(Some("ec"), None, Some("nistp384")).expect("d"),
            KeyAlgorithm::EcdsaP384
        );
        assert_eq!(
            KeyAlgorithm::from_options(Some("rsa"), Some(3072), None).expect("d"),
            KeyAlgorithm::Rsa(3072)
        );
        assert!(KeyAlgorithm::from_options(Some("rsa"), Some(1024), None).is_err());
        assert!(KeyAlgorithm::from_options(Some("dsa"), None, None).is_err());
        for a in [
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::Rsa(4096),
            KeyAlgorithm::Ed25519,
        ] {
            assert_eq!(KeyAlgorithm::from_db_name(&a.db_name()), Some(a));
        }
    }
}
