//! The pki-examples scripts, run for real, each ending in a TLS handshake between a server and
//! a client configured from the upsd.conf / upsmon.conf the script wrote (parsed with
//! nut_core::config, as upsd and upsmon do).

use std::path::Path;

use nut_certutil::tls::{
    ClientTlsSettings, ServerTlsSettings, build_client_config, build_server_config,
};
use nut_core::config::{UpsdConf, UpsmonConf};
use rnut_tests::certutil::*;

/// A temporary directory others may traverse: the scripts' doctor checks, as root, that user
/// nut reaches the store.
fn searchable_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o711)).expect("chmod");
    t
}

fn confs(out: &Path) -> (UpsdConf, UpsmonConf) {
    let upsd = std::fs::read_to_string(out.join("upsd.conf")).expect("upsd.conf");
    let upsmon = std::fs::read_to_string(out.join("upsmon.conf")).expect("upsmon.conf");
    (
        UpsdConf::parse(&upsd, &out.join("upsd.conf")).expect("parse upsd.conf"),
        UpsmonConf::parse(&upsmon, &out.join("upsmon.conf")).expect("parse upsmon.conf"),
    )
}

#[test]
fn nss_walkthrough_script_ends_in_a_handshake() {
    let t = searchable_tempdir();
    // A space in the directory: the configs must quote the paths they write.
    let out = t.path().join("nss out");
    let log = run_pki_example("nss-walkthrough.sh", &out);
    assert!(log.contains("certutil: certificate is valid"), "{log}");
    assert!(log.contains("no problem found"), "{log}");
    {
        use std::os::unix::fs::PermissionsExt;
        for pw in ["ca.pw", "server.pw", "client.pw"] {
            let mode = std::fs::metadata(out.join(pw))
                .expect(pw)
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{pw}");
        }
    }
    // A second run over the same directory is refused up front.
    let again = std::process::Command::new("sh")
        .arg(rnut_tests::workspace_root().join("pki-examples/nss-walkthrough.sh"))
        .arg(rnut_tests::bin("nut-certutil"))
        .arg(&out)
        .output()
        .expect("run again");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    let (upsd, upsmon) = confs(&out);
    let srv = build_server_config(&ServerTlsSettings::from(&upsd)).expect("server from upsd.conf");
    let m = &upsmon.monitors[0].system;
    let policy = build_client_config(&ClientTlsSettings::from(&upsmon), &m.host, m.port)
        .expect("client from upsmon.conf");
    assert!(policy.certverify && policy.forcessl);
    let x = exchange(srv.clone(), &policy);
    assert!(x.ok(), "{x:?}");
    // upsmon showed its own certificate, and CERTREQUEST REQUIRE refuses a client without one.
    assert_eq!(
        x.server.as_ref().ok().cloned().flatten().as_deref(),
        Some("CN=My nut client,O=MyCompany,ST=MyState,C=US")
    );
    let mut anonymous = ClientTlsSettings::from(&upsmon);
    anonymous.certident = None;
    let x = exchange(
        srv,
        &build_client_config(&anonymous, &m.host, m.port).expect("client"),
    );
    assert!(!x.ok(), "{x:?}");
}

#[test]
fn openssl_style_script_ends_in_a_handshake_with_client_certificate() {
    let t = searchable_tempdir();
    let out = t.path().join("ossl");
    let log = run_pki_example("openssl-style.sh", &out);
    assert!(log.contains("no problem found"), "{log}");
    let (upsd, upsmon) = confs(&out);
    let srv = build_server_config(&ServerTlsSettings::from(&upsd)).expect("server from upsd.conf");
    let m = &upsmon.monitors[0].system;
    let policy = build_client_config(&ClientTlsSettings::from(&upsmon), &m.host, m.port)
        .expect("client from upsmon.conf");
    let x = exchange(srv.clone(), &policy);
    assert!(x.ok(), "{x:?}");
    assert_eq!(
        x.server.as_ref().ok().cloned().flatten().as_deref(),
        Some("CN=upsmon,O=Example")
    );
    // CERTREQUEST REQUIRE: the same client without its CERTFILE is refused.
    let mut anonymous = ClientTlsSettings::from(&upsmon);
    anonymous.certfile = None;
    let x = exchange(
        srv,
        &build_client_config(&anonymous, &m.host, m.port).expect("client"),
    );
    assert!(!x.ok(), "{x:?}");
}
