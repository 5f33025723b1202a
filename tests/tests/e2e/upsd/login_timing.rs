//! Failed logins measured against a real upsd: the delay a guesser gets cannot be reset by
//! logging in with a password it knows, and the reply time does not tell a known user
//! (plaintext or hashed password) from an unknown one.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use rnut_tests::upsd::*;

/// Median of the durations (sorted in place).
fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Time a `LOGIN test` with wrong credentials on a fresh connection from `from`: the reply
/// must be `ERR ACCESS-DENIED`.
fn failed_login(u: &Upsd, from: IpAddr, user: &str, password: &str) -> Duration {
    let mut c = Client::connect_from(u.addr, from);
    assert_eq!(c.cmd(&format!("USERNAME {user}")), "OK");
    assert_eq!(c.cmd(&format!("PASSWORD {password}")), "OK");
    let t = Instant::now();
    let reply = c.cmd("LOGIN test");
    let took = t.elapsed();
    assert_eq!(reply, "ERR ACCESS-DENIED", "{user} from {from}");
    took
}

/// The attack: the guesser knows upsmon's password (it is in every upsmon.conf) and logs in
/// with it between two guesses of admin's password. The guesses must still slow down.
#[test]
fn a_known_password_does_not_reset_the_delay_of_another_user() {
    let d = NutTree::standard("");
    let u = Upsd::start(&d);
    let from = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut guesses = Vec::new();
    for i in 0..6 {
        let mut known = u.client();
        known.login("monp", "P@ss W0rd");
        assert_eq!(
            known.cmd("LOGIN test"),
            "OK",
            "the known password still works"
        );
        guesses.push(failed_login(&u, from, "admin", &format!("guess{i}")));
    }
    // Doubling from 50 ms: 50, 100, 200, 400, 800, 1600 ms. With the delay reset by each
    // success every guess took ~50 ms.
    let first = guesses[0];
    let last = guesses[guesses.len() - 1];
    let med = median(&mut guesses.clone());
    assert!(
        med >= Duration::from_millis(150) && last >= first * 4,
        "the guesses did not slow down: {guesses:?}"
    );
}

/// A users file mixing a plaintext and an Argon2id password (made with costlier parameters
/// than the default, so that the cost of a hash stands well above the noise): wrong
/// passwords for the plaintext user, the hashed user and a name that does not exist take
/// the same time. Each attempt comes from its own loopback address, so the failure delay
/// (per address) is the same 50 ms for all.
#[test]
fn unknown_and_known_users_cost_the_same() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    const TRIES: usize = 15;
    let params = argon2::Params::new(32 * 1024, 3, 1, None).expect("params");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(b"rnut-timing-salt").expect("salt");
    let hash = argon
        .hash_password(b"hashed secret", &salt)
        .expect("hash")
        .to_string();
    let d = NutTree::standard("");
    d.write_users(&format!(
        "[plainuser]\n\tpassword = plainsecret\n\tupsmon secondary\n\
         [hasheduser]\n\tpassword = \"{hash}\"\n\tupsmon secondary\n"
    ));
    let u = Upsd::start(&d);
    let users = ["plainuser", "hasheduser", "nosuchuser"];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); users.len()];
    // Interleaved, so that a change in the machine's load weighs on all three alike.
    for i in 0..TRIES {
        for (k, user) in users.iter().enumerate() {
            let from = IpAddr::V4(Ipv4Addr::new(127, 0, 3 + k as u8, 1 + i as u8));
            times[k].push(failed_login(&u, from, user, "wrongpass"));
        }
    }
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    eprintln!("median reply times of {users:?}: {medians:?}");
    let fastest = *medians.iter().min().expect("medians");
    let slowest = *medians.iter().max().expect("medians");
    assert!(
        slowest.as_secs_f64() <= fastest.as_secs_f64() * 1.4,
        "reply times tell the users apart (medians of {users:?}: {medians:?})"
    );
}
