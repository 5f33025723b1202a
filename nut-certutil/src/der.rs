//! The few DER operations rnut needs beyond what x509-parser and rcgen offer: TLV encoding
//! (the OpenSSL subject hash, NSS objects) and SEC1 -> PKCS#8 wrapping. DER only: PEM is
//! [`crate::pem`].

/// A DER structure that does not read as what it should be.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DerError {
    /// Not a SEC1 `ECPrivateKey` SEQUENCE.
    #[error("malformed EC private key (SEC1)")]
    MalformedSec1,
    /// A SEC1 key without its curve's OID.
    #[error("EC private key without curve parameters")]
    Sec1WithoutCurve,
}

/// Encode a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Encode a tag-length-value.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// Read one TLV (single-byte tags only): (tag, content, rest).
pub fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// Wrap a SEC1 `ECPrivateKey` (as OpenSSL writes `BEGIN EC PRIVATE KEY`) into PKCS#8.
pub fn sec1_to_pkcs8(sec1: &[u8]) -> Result<Vec<u8>, DerError> {
    let bad = || DerError::MalformedSec1;
    let (tag, mut body, _) = read_tlv(sec1).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let mut curve = None;
    while !body.is_empty() {
        let (t, c, rest) = read_tlv(body).ok_or_else(bad)?;
        if t == 0xa0 {
            let (ot, oid, _) = read_tlv(c).ok_or_else(bad)?;
            if ot == 0x06 {
                curve = Some(oid.to_vec());
            }
        }
        body = rest;
    }
    let curve = curve.ok_or(DerError::Sec1WithoutCurve)?;
    let mut alg = tlv(0x06, OID_EC_PUBLIC_KEY);
    alg.extend(tlv(0x06, &curve));
    let mut inner = tlv(0x02, &[0]);
    inner.extend(tlv(0x30, &alg));
    inner.extend(tlv(0x04, sec1));
    Ok(tlv(0x30, &inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_roundtrip_long_lengths() {
        let content = vec![7u8; 300];
        let enc = tlv(0x04, &content);
        assert_eq!(&enc[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let (t, c, rest) = read_tlv(&enc).expect("parse");
        assert_eq!((t, c.len(), rest.len()), (0x04, 300, 0));
        assert!(read_tlv(&enc[..10]).is_none());
    }
}
