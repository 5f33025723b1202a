//! NSS trust objects to trust flags (spec nss-db.md sections 5.2 and 9): CKO_TRUST
//! (PKCS#11 3.2, preferred) or CKO_NSS_TRUST, read back the way `certutil -L` prints them.

use super::objects::{CKO_NSS_TRUST, CKO_TRUST, Object};
use crate::trust::{
    FieldFlags, GOVT_APPROVED_CA, TRUSTED, TRUSTED_CA, TRUSTED_CLIENT_CA, TrustFlags, VALID_CA,
    VALID_PEER,
};

/// The trust level of one usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A trust anchor (C, or T for client auth).
    Delegator,
    /// A trusted peer (P).
    Trusted,
    /// Explicitly distrusted (p).
    NotTrusted,
    /// A valid CA, not an anchor (c).
    ValidDelegator,
    /// Nothing said.
    MustVerify,
}

/// CKA_TRUST_SERVER_AUTH .. CODE_SIGNING of CKO_NSS_TRUST (server, client, email, code).
pub(crate) const NSS_TRUST_ATTRS: [u32; 4] = [0xCE53_6358, 0xCE53_6359, 0xCE53_635B, 0xCE53_635A];
/// CKA_TRUST_STEP_UP_APPROVED (`g`).
pub(crate) const NSS_STEP_UP: u32 = 0xCE53_6360;
/// CKA_PKCS_TRUST_SERVER_AUTH, CLIENT_AUTH, EMAIL_PROTECTION, CODE_SIGNING of CKO_TRUST.
pub(crate) const PKCS_TRUST_ATTRS: [u32; 4] = [0x62C, 0x62D, 0x62F, 0x62E];

/// Trust values of CKO_NSS_TRUST (CKT_NSS_TRUSTED_DELEGATOR, ...).
const TRUSTED_DELEGATOR: u32 = 0xCE53_4352;
const NSS_TRUSTED: u32 = 0xCE53_4351;
const NOT_TRUSTED: u32 = 0xCE53_435A;
const VALID_DELEGATOR: u32 = 0xCE53_435B;
const MUST_VERIFY: u32 = 0xCE53_4353;

/// CKA_CERT_SHA1_HASH of CKO_NSS_TRUST.
pub const NSS_CERT_SHA1_HASH: u32 = 0xCE53_63B4;
/// CKA_HASH_OF_CERTIFICATE of CKO_TRUST (SHA-256).
pub const PKCS_HASH_OF_CERTIFICATE: u32 = 0x635;

/// The integrity-checked attributes of a CKO_NSS_TRUST object ([`trust_attributes`]).
pub const NSS_TRUST_OBJECT_ATTRS: [u32; 6] = [
    NSS_TRUST_ATTRS[0],
    NSS_TRUST_ATTRS[1],
    NSS_TRUST_ATTRS[2],
    NSS_TRUST_ATTRS[3],
    NSS_STEP_UP,
    NSS_CERT_SHA1_HASH,
];

/// The integrity-checked attributes of a CKO_TRUST object ([`trust_attributes`]).
pub const PKCS_TRUST_OBJECT_ATTRS: [u32; 5] = [
    PKCS_TRUST_ATTRS[0],
    PKCS_TRUST_ATTRS[1],
    PKCS_TRUST_ATTRS[2],
    PKCS_TRUST_ATTRS[3],
    PKCS_HASH_OF_CERTIFICATE,
];

/// The attributes of a trust object whose integrity entries must hold: its trust values, the
/// step-up flag, and the certificate hash that binds it to its certificate.
pub fn trust_attributes(obj: &Object) -> &'static [u32] {
    match obj.class() {
        Some(CKO_TRUST) => &PKCS_TRUST_OBJECT_ATTRS,
        Some(CKO_NSS_TRUST) => &NSS_TRUST_OBJECT_ATTRS,
        _ => &[],
    }
}

/// The certificate hash a trust object carries (attribute, and whether it is SHA-256).
pub fn certificate_hash(obj: &Object) -> Option<(u32, bool)> {
    match obj.class() {
        Some(CKO_TRUST) => Some((PKCS_HASH_OF_CERTIFICATE, true)),
        Some(CKO_NSS_TRUST) => Some((NSS_CERT_SHA1_HASH, false)),
        _ => None,
    }
}

fn nss_level(v: u32) -> Level {
    match v {
        TRUSTED_DELEGATOR => Level::Delegator,
        NSS_TRUSTED => Level::Trusted,
        NOT_TRUSTED => Level::NotTrusted,
        VALID_DELEGATOR => Level::ValidDelegator,
        _ => Level::MustVerify,
    }
}

fn pkcs_level(v: u32) -> Level {
    match v {
        2 => Level::Delegator,
        1 => Level::Trusted,
        3 => Level::NotTrusted,
        _ => Level::MustVerify,
    }
}

/// Levels (server, client, email, code) and the step-up flag of a trust object.
pub fn levels(obj: &Object) -> Option<([Level; 4], bool)> {
    let (attrs, map): (&[u32; 4], fn(u32) -> Level) = match obj.class()? {
        CKO_TRUST => (&PKCS_TRUST_ATTRS, pkcs_level),
        CKO_NSS_TRUST => (&NSS_TRUST_ATTRS, nss_level),
        _ => return None,
    };
    let mut out = [Level::MustVerify; 4];
    for (slot, attr) in out.iter_mut().zip(attrs) {
        *slot = obj.ulong(*attr).map_or(Level::MustVerify, map);
    }
    let step_up = obj.class() == Some(CKO_NSS_TRUST) && obj.get(NSS_STEP_UP) == Some(&[1]);
    Some((out, step_up))
}

/// One field's flags from its level (the anchor letter given: C, or T for client auth).
fn field(level: Level, anchor: u16) -> u16 {
    match level {
        Level::Delegator => anchor | VALID_CA,
        Level::Trusted => TRUSTED | VALID_PEER,
        Level::NotTrusted => VALID_PEER,
        Level::ValidDelegator => VALID_CA,
        Level::MustVerify => 0,
    }
}

/// Trust flags from the levels: the SSL field merges server (C) and client (T) auth.
pub fn flags(levels: [Level; 4], step_up: bool) -> TrustFlags {
    let [server, client, email, code] = levels;
    let mut ssl = field(server, TRUSTED_CA) | field(client, TRUSTED_CLIENT_CA);
    if step_up {
        ssl |= GOVT_APPROVED_CA;
    }
    TrustFlags {
        ssl: FieldFlags(ssl),
        email: FieldFlags(field(email, TRUSTED_CA)),
        objsign: FieldFlags(field(code, TRUSTED_CA)),
    }
}

/// One usage's CKO_NSS_TRUST value from its field's flags, for writing (`certdb.c` rules,
/// first match wins).
fn level(bits: u16, anchor: u16) -> u32 {
    if bits & anchor != 0 {
        TRUSTED_DELEGATOR
    } else if bits & TRUSTED != 0 {
        NSS_TRUSTED
    } else if bits & VALID_PEER != 0 {
        NOT_TRUSTED
    } else if bits & VALID_CA != 0 {
        VALID_DELEGATOR
    } else {
        MUST_VERIFY
    }
}

/// The four CKO_NSS_TRUST values (server, client, email, code signing) of a trust string.
pub fn trust_values(t: TrustFlags) -> [u32; 4] {
    [
        level(t.ssl.0, TRUSTED_CA),
        level(t.ssl.0, TRUSTED_CLIENT_CA),
        level(t.email.0, TRUSTED_CA),
        level(t.objsign.0, TRUSTED_CA),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::*;

    #[test]
    fn levels_read_back_as_certutil_prints_them() {
        let s = |l: [Level; 4]| flags(l, false).to_string();
        assert_eq!(s([Delegator, Delegator, MustVerify, MustVerify]), "CT,,");
        assert_eq!(
            s([Delegator, ValidDelegator, MustVerify, MustVerify]),
            "C,,"
        );
        assert_eq!(
            s([ValidDelegator, Delegator, MustVerify, MustVerify]),
            "T,,"
        );
        assert_eq!(
            s([ValidDelegator, ValidDelegator, MustVerify, MustVerify]),
            "c,,"
        );
        assert_eq!(s([Trusted, Trusted, MustVerify, MustVerify]), "P,,");
        assert_eq!(s([NotTrusted, NotTrusted, NotTrusted, NotTrusted]), "p,p,p");
        assert_eq!(s([Delegator, Delegator, Delegator, Delegator]), "CT,C,C");
        assert_eq!(s([MustVerify; 4]), ",,");
    }

    #[test]
    fn trust_strings_become_nss_trust_values() {
        let v = |s: &str| trust_values(s.parse().expect("trust"));
        assert_eq!(
            v("CT,,"),
            [
                TRUSTED_DELEGATOR,
                TRUSTED_DELEGATOR,
                MUST_VERIFY,
                MUST_VERIFY
            ]
        );
        assert_eq!(
            v("C,,"),
            [TRUSTED_DELEGATOR, VALID_DELEGATOR, MUST_VERIFY, MUST_VERIFY]
        );
        assert_eq!(
            v("P,,"),
            [NSS_TRUSTED, NSS_TRUSTED, MUST_VERIFY, MUST_VERIFY]
        );
        assert_eq!(v("p,p,p"), [NOT_TRUSTED; 4]);
        assert_eq!(v(",,"), [MUST_VERIFY; 4]);
    }
}
