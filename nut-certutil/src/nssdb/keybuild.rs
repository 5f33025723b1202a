//! Private keys rebuilt from their decrypted NSS attributes (spec nss-db.md section 7):
//! RSA as PKCS#1, EC as SEC1, both loaded into a [`PrivateKey`] (PKCS#8).

use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivateSec1KeyDer};
use zeroize::Zeroizing;

use super::NssError;
use crate::der::tlv;
use crate::keys::PrivateKey;

/// An unsigned big-endian integer as a DER INTEGER (leading zeros dropped, one added when the
/// high bit is set).
fn integer(unsigned: &[u8]) -> Vec<u8> {
    let first = unsigned
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(unsigned.len());
    let digits = &unsigned[first..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.is_empty() || digits[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(digits);
    tlv(0x02, &content)
}

/// RSA from n, e and the six decrypted values d, p, q, dP, dQ, qInv.
pub fn rsa(n: &[u8], e: &[u8], private: &[Zeroizing<Vec<u8>>; 6]) -> Result<PrivateKey, NssError> {
    let mut body = Zeroizing::new(integer(&[0]));
    body.extend(integer(n));
    body.extend(integer(e));
    for v in private {
        body.extend(integer(v));
    }
    let pkcs1 = Zeroizing::new(tlv(0x30, &body));
    PrivateKey::from_key_der(&PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(
        pkcs1.to_vec(),
    )))
    .map_err(|e| NssError::BadKey(e.to_string()))
}

/// Field size in bytes of the curves rnut uses, by OID TLV.
fn field_size(curve_oid_tlv: &[u8]) -> Option<usize> {
    const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
    match curve_oid_tlv {
        P256 => Some(32),
        P384 => Some(48),
        _ => None,
    }
}

/// EC from the curve (OID TLV), the decrypted scalar and the raw public point `04 X Y`.
pub fn ec(curve_oid_tlv: &[u8], scalar: &[u8], point: &[u8]) -> Result<PrivateKey, NssError> {
    let size = field_size(curve_oid_tlv)
        .ok_or_else(|| NssError::Unsupported("an EC curve other than P-256 or P-384".into()))?;
    let scalar = {
        let first = scalar.iter().position(|b| *b != 0).unwrap_or(scalar.len());
        &scalar[first..]
    };
    if scalar.len() > size {
        return Err(NssError::BadKey(
            "EC private scalar longer than the curve".into(),
        ));
    }
    let mut padded = Zeroizing::new(vec![0u8; size - scalar.len()]);
    padded.extend_from_slice(scalar);
    let mut body = Zeroizing::new(integer(&[1]));
    body.extend(tlv(0x04, &padded));
    body.extend(tlv(0xa0, curve_oid_tlv));
    let mut bits = vec![0u8];
    bits.extend_from_slice(point);
    body.extend(tlv(0xa1, &tlv(0x03, &bits)));
    let sec1 = Zeroizing::new(tlv(0x30, &body));
    PrivateKey::from_key_der(&PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(sec1.to_vec())))
        .map_err(|e| NssError::BadKey(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(integer(&[0]), [0x02, 0x01, 0x00]);
        assert_eq!(integer(&[0, 0, 5]), [0x02, 0x01, 0x05]);
        assert_eq!(integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[]), [0x02, 0x01, 0x00]);
    }
}
