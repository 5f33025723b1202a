//! The ECDSA malleability attack on byte-keyed trust: a P-256 signature (r, s) re-encoded as
//! (r, n - s) is just as valid for the same signed tbsCertificate, yet the certificate's DER,
//! and so its SHA-256 fingerprint, change. Tests use it to show that distrust does not key on
//! the bytes.

use nut_certutil::der::{read_tlv, tlv};

/// The order n of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `P256_ORDER - s`, for 0 < s < n (big-endian, 32 bytes).
fn order_minus(s: &[u8]) -> [u8; 32] {
    let s = s.strip_prefix(&[0]).unwrap_or(s);
    assert!(s.len() <= 32, "s is longer than the P-256 order");
    let mut padded = [0u8; 32];
    padded[32 - s.len()..].copy_from_slice(s);
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = P256_ORDER[i] as i16 - padded[i] as i16 - borrow;
        borrow = if d < 0 { 1 } else { 0 };
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0, "s is not below the P-256 order");
    out
}

/// A DER INTEGER of a non-negative big-endian number.
fn der_uint(n: &[u8]) -> Vec<u8> {
    let skip = n.iter().take_while(|b| **b == 0).count().min(n.len() - 1);
    let mut content = n[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// The same certificate with its ECDSA P-256 signature (r, s) rewritten as (r, n - s): the
/// tbsCertificate and algorithm are byte for byte the same, the signature still verifies, the
/// DER differs. Panics on anything but an ECDSA P-256-signed certificate.
pub fn reencode_p256_signature(cert_der: &[u8]) -> Vec<u8> {
    let (tag, body, rest) = read_tlv(cert_der).expect("certificate SEQUENCE");
    assert!(tag == 0x30 && rest.is_empty(), "not one DER certificate");
    let (_, _, after_tbs) = read_tlv(body).expect("tbsCertificate");
    let tbs = &body[..body.len() - after_tbs.len()];
    let (_, _, after_alg) = read_tlv(after_tbs).expect("signatureAlgorithm");
    let alg = &after_tbs[..after_tbs.len() - after_alg.len()];
    let (tag, bits, _) = read_tlv(after_alg).expect("signatureValue");
    assert!(
        tag == 0x03 && bits.first() == Some(&0),
        "signature BIT STRING"
    );
    let (tag, sig, _) = read_tlv(&bits[1..]).expect("ECDSA-Sig-Value");
    assert_eq!(tag, 0x30, "ECDSA-Sig-Value SEQUENCE");
    let (_, r, after_r) = read_tlv(sig).expect("r");
    let (_, s, _) = read_tlv(after_r).expect("s");
    let new_sig = tlv(0x30, &[der_uint(r), der_uint(&order_minus(s))].concat());
    let mut new_bits = vec![0u8];
    new_bits.extend_from_slice(&new_sig);
    let new_body = [tbs, alg, &tlv(0x03, &new_bits)].concat();
    let out = tlv(0x30, &new_body);
    assert_ne!(out, cert_der, "the re-encoding changed nothing");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_minus_is_an_involution() {
        let s = [0x12u8; 32];
        assert_eq!(order_minus(&order_minus(&s)), s);
        let mut one = [0u8; 32];
        one[31] = 1;
        let mut n_minus_1 = P256_ORDER;
        n_minus_1[31] -= 1;
        assert_eq!(order_minus(&one), n_minus_1);
    }
}
