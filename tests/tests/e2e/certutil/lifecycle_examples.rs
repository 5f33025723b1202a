//! The lifecycle walkthroughs of pki-examples (enroll, revoke, rotate), run for real, each
//! ending in a TLS handshake over loopback between a server and a client configured from the
//! upsd.conf / upsmon.conf the script wrote (parsed with nut_core::config, as upsd and upsmon
//! do).

use std::path::Path;

use nut_certutil::tls::{
    ClientTlsSettings, ServerTlsSettings, build_client_config, build_server_tls,
};
use nut_core::config::{UpsdConf, UpsmonConf};
use rnut_tests::certutil::*;

/// The server and client configs from the script's upsd.conf and upsmon.conf, and one
/// exchange between them.
fn handshake(out: &Path) -> Exchange {
    let read = |f: &str| std::fs::read_to_string(out.join(f)).expect(f);
    let upsd = UpsdConf::parse(&read("upsd.conf"), &out.join("upsd.conf")).expect("upsd.conf");
    let upsmon =
        UpsmonConf::parse(&read("upsmon.conf"), &out.join("upsmon.conf")).expect("upsmon.conf");
    let srv = build_server_tls(&ServerTlsSettings::from(&upsd)).expect("server from upsd.conf");
    let m = &upsmon.monitors[0].system;
    let policy = build_client_config(&ClientTlsSettings::from(&upsmon), &m.host, m.port)
        .expect("client from upsmon.conf");
    assert!(policy.certverify && policy.forcessl);
    exchange(srv.config, &policy)
}

#[test]
fn enroll_walkthrough_ends_in_a_handshake_with_the_enrolled_identities() {
    let t = tempfile::tempdir().expect("tmp");
    let out = t.path().join("enroll");
    run_pki_example("lifecycle-enroll.sh", &out);
    let x = handshake(&out);
    assert!(x.ok(), "{x:?}");
    assert_eq!(
        x.server,
        Ok(Some("CN=upsmon.example".to_string())),
        "upsd verified the enrolled client certificate"
    );
}

#[test]
fn revoke_walkthrough_leaves_the_revoked_client_refused() {
    let t = tempfile::tempdir().expect("tmp");
    let out = t.path().join("revoke");
    let log = run_pki_example("lifecycle-revoke.sh", &out);
    assert!(log.contains("was revoked on"), "{log}");
    let x = handshake(&out);
    assert!(!x.ok(), "{x:?}");
    assert!(
        x.server_error().contains("Revoked") || x.client_error().contains("Revoked"),
        "{x:?}"
    );
}

#[test]
fn rotate_walkthrough_serves_the_new_certificate_and_revokes_the_old_ones() {
    let t = tempfile::tempdir().expect("tmp");
    let out = t.path().join("rotate");
    let log = run_pki_example("lifecycle-rotate.sh", &out);
    assert!(log.contains("certificate \"upsd\" is valid"), "{log}");
    let old = std::fs::read_to_string(out.join("old-certificates")).expect("list");
    assert_eq!(old.lines().count(), 2, "{old}");
    let x = handshake(&out);
    assert!(x.ok(), "{x:?}");
    let store = nut_certutil::store::Store::open_read_only(&out.join("ca")).expect("store");
    let crls = store.crls().expect("crls");
    assert_eq!(crls.len(), 1);
    assert_eq!(crls[0].entries, 2);
}
