//! Password verification for `upsd.users`: plain passwords compared in constant time, and the
//! standard hash formats `$argon2id$` / `$argon2i$` / `$argon2d$` (PHC strings) and
//! `$6$` (sha512-crypt). upsd only verifies; it never stores or logs a password.
//!
//! A login costs the same whether the user exists and however its password is kept
//! ([`verify_login`]), so that reply times do not tell which user names exist. When the
//! users file holds any hashed password, every check runs exactly one hash verification:
//! a hashed user's own, or, for a plaintext user and for an unknown name, the first hashed
//! entry of the file (the decoy, [`decoy`]), whose result is ignored. Same code, same
//! parameters, same number of runs, hence the same time; the plain comparison next to it is
//! constant-time and costs nanoseconds. Without a hashed entry nothing is slow: a plain
//! comparison against a user's password or against a fixed string for an unknown name.
//! What remains: hashed entries made with different parameters (or algorithms) cost
//! differently, so they can be told apart from each other and from an unknown name; use one
//! set of parameters (`upsd --hash-password`) for every user.

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

/// What an unknown user name is checked against when no hashed entry exists.
const NO_SUCH_USER: &str = "x-no-such-user-x";

/// The decoy of a users file: its first hashed password, if any.
pub fn decoy<'a>(stored: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    stored.into_iter().find(|p| is_slow(p))
}

/// Whether [`verify_login`] with these arguments runs a hash (so belongs off the async
/// workers, within the bound on concurrent checks).
pub fn login_is_slow(stored: Option<&str>, decoy: Option<&str>) -> bool {
    decoy.is_some() || stored.is_some_and(is_slow)
}

/// Whether `supplied` is the password of a user whose stored password is `stored` (`None`:
/// no such user, or a user without a password, never a match), at the same cost in every
/// case: with a `decoy` (the users file's [`decoy`]), exactly one hash verification runs.
pub fn verify_login(supplied: &str, stored: Option<&str>, decoy: Option<&str>) -> bool {
    match (stored, decoy) {
        (Some(stored), _) if is_slow(stored) => verify(supplied, stored),
        (Some(stored), decoy) => {
            let ok = verify(supplied, stored);
            if let Some(d) = decoy {
                // Spend the time of a hashed user's check; the result does not count.
                let _ = verify(supplied, d);
            }
            ok
        }
        (None, decoy) => {
            let _ = verify(supplied, decoy.unwrap_or(NO_SUCH_USER));
            false
        }
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
    fn logins_need_a_stored_password_and_take_the_slow_path_alike() {
        let hashed = hash_argon2id("hashed pw").expect("hash");
        let users = ["plain pw", hashed.as_str()];
        let d = decoy(users);
        assert_eq!(d, Some(hashed.as_str()));
        assert_eq!(decoy(["a", "b"]), None);
        assert!(verify_login("plain pw", Some("plain pw"), d));
        assert!(
            !verify_login("hashed pw", Some("plain pw"), d),
            "the decoy never counts"
        );
        assert!(verify_login("hashed pw", Some(&hashed), d));
        assert!(!verify_login("hashed pw", None, d), "unknown user");
        assert!(
            !verify_login(NO_SUCH_USER, None, None),
            "unknown user, no hash"
        );
        // With a hashed entry in the file every login is slow; without, none is.
        assert!(login_is_slow(Some("plain pw"), d));
        assert!(login_is_slow(None, d));
        assert!(!login_is_slow(Some("plain pw"), None));
        assert!(!login_is_slow(None, None));
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
