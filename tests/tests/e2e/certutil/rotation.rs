//! Rotation end to end: upsd's certificate re-issued (same key, then a new key) with
//! `nut-certutil renew` and `upsd -c reload` while our upsmon is logged in over TLS at
//! CERTREQUEST REQUIRE: the session opened before keeps going, new connections see the new
//! certificate, and the old one, revoked afterwards, is refused by a client that has the CRL.

use std::time::Duration;

use rnut_tests::lifecycle::*;
use rnut_tests::monitor::{run_tool_env, stdout};

#[test]
fn a_server_certificate_rotated_under_a_connected_upsmon_drops_nothing() {
    let (stack, pki) = require_stack();
    let d = monitor(&stack, &pki);
    let mut mon = upsmon_logged_in(&d);
    let first = stored_serial(&pki, "upsd");
    assert_eq!(served_serial(&stack, &d).expect("handshake"), first);

    // Same key.
    let out = pki.certutil(&["-d", "srv_db", "renew", "upsd"]);
    assert!(out.contains("same key"), "{out}");
    let second = stored_serial(&pki, "upsd");
    assert_ne!(second, first);
    // Before the reload, upsd still serves the certificate it loaded.
    assert_eq!(served_serial(&stack, &d).expect("handshake"), first);
    reload_upsd(&stack);
    assert_eq!(served_serial(&stack, &d).expect("handshake"), second);

    // A new key.
    let out = pki.certutil(&["-d", "srv_db", "renew", "upsd", "--new-key"]);
    assert!(out.contains("new key"), "{out}");
    let third = stored_serial(&pki, "upsd");
    reload_upsd(&stack);
    assert_eq!(served_serial(&stack, &d).expect("handshake"), third);

    // The old certificates are revoked by the names `renew` gave them.
    pki.certutil(&["-d", "srv_db", "revoke", &format!("upsd (serial {first})")]);
    pki.certutil(&["-d", "srv_db", "revoke", &format!("upsd (serial {second})")]);
    pki.certutil(&["-d", "srv_db", "crl", "export", "-n", CA, "-o", "ca.crl"]);
    pki.certutil(&["-d", "mon_db", "crl", "import", "-i", "ca.crl"]);
    reload_upsd(&stack);
    assert_eq!(served_serial(&stack, &d).expect("new cert, CRL in"), third);

    // upsmon logged in before any of this is still logged in and saw nothing go wrong.
    let clients = run_tool_env("upsc", &["--no-starttls", "-c", &stack.system()], &[]);
    assert!(
        stdout(&clients).contains("127.0.0.1"),
        "{}",
        stdout(&clients)
    );
    assert!(
        !d.events().iter().any(|e| e == "COMMBAD" || e == "NOCOMM"),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert_eq!(
        mon.text().matches("[SSL]").count(),
        1,
        "upsmon never logged in again: {}",
        mon.text()
    );
    mon.child.stop(Duration::from_secs(5));
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log("logged out from UPS [dummy] (SSL)", Duration::from_secs(5)),
        "the session ended by upsmon, not by a reload: {}",
        upsd.text()
    );
}
