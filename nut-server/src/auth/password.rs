//! Password verification for `upsd.users`: plain passwords compared in constant time, and the
//! standard hash formats `$argon2id$` / `$argon2i$` / `$argon2d$` (PHC strings) and
//! `$6$` (sha512-crypt). upsd only verifies; it never stores or logs a password.

use subtle::ConstantTimeEq;

/// How a stored password is kept in `upsd.users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredKind {
    /// Clear text, compared exactly (case-sensitive), as C NUT does.
    Plain,
    /// An Argon2 PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`).
    Argon2,
    /// A sha512-crypt string (`$6$[rounds=N$]salt$hash`).
    Sha512Crypt,
}

/// Which kind of stored password `stored` is.
pub fn stored_kind(stored: &str) -> StoredKind {
    if stored.starts_with("$argon2id$")
        || stored.starts_with("$argon2i$")
        || stored.starts_with("$argon2d$")
    {
        StoredKind::Argon2
    } else if stored.starts_with("$6$") {
        StoredKind::Sha512Crypt
    } else {
        StoredKind::Plain
    }
}

/// True when hashing is expensive enough that the caller should run it off the async workers.
pub fn is_slow(stored: &str) -> bool {
    stored_kind(stored) != StoredKind::Plain
}

/// Whether `supplied` matches `stored`. A malformed hash never matches.
pub fn verify(supplied: &str, stored: &str) -> bool {
    match stored_kind(stored) {
        StoredKind::Plain => constant_time_eq(supplied.as_bytes(), stored.as_bytes()),
        StoredKind::Argon2 => verify_argon2(supplied, stored),
        StoredKind::Sha512Crypt => sha_crypt::sha512_check(supplied, stored).is_ok(),
    }
}

/// Hash a password as `$argon2id$...` (default Argon2id parameters, random salt), for
/// `upsd --hash-password`.
pub fn hash_argon2id(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_argon2(supplied: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(supplied.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Compares without an early exit on the first differing byte. The running time depends only
/// on the length of `stored`, so it reveals nothing about the stored secret beyond what the
/// attacker chose.
fn constant_time_eq(supplied: &[u8], stored: &[u8]) -> bool {
    let mut acc = subtle::Choice::from(u8::from(supplied.len() == stored.len()));
    for (i, b) in stored.iter().enumerate() {
        let s = supplied.get(i).copied().unwrap_or(0);
        acc &= s.ct_eq(b);
    }
    bool::from(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_passwords_are_exact_and_case_sensitive() {
        assert!(verify("mypass", "mypass"));
        assert!(!verify("Mypass", "mypass"));
        assert!(!verify("mypass2", "mypass"));
        assert!(!verify("mypas", "mypass"));
        assert!(!verify("", "mypass"));
        assert!(verify("", ""));
    }

    #[test]
    fn argon2_hashes_verify() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        let hash = argon2::Argon2::default()
            .hash_password(b"s3cret pw", &salt)
            .expect("hash")
            .to_string();
        assert!(hash.starts_with("$argon2id$"));
        assert!(is_slow(&hash));
        assert!(verify("s3cret pw", &hash));
        assert!(!verify("s3cret", &hash));
        assert!(!verify("x", "$argon2id$garbage"));
    }

    #[test]
    fn hashing_round_trips() {
        let h = hash_argon2id("pass word").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("pass word", &h));
        assert!(!verify("pass", &h));
        assert_ne!(
            h,
            hash_argon2id("pass word").expect("hash"),
            "salts must differ"
        );
    }

    #[test]
    fn sha512_crypt_verifies() {
        // `mkpasswd -m sha-512 -S saltsalt password`
        let hash = sha_crypt::sha512_simple("password", &sha_crypt::Sha512Params::default())
            .expect("hash");
        assert!(hash.starts_with("$6$"));
        assert!(verify("password", &hash));
        assert!(!verify("Password", &hash));
    }
}
