//! In-memory handshakes (no sockets) between configs built from a store: the quick check of
//! this module; the full verifier matrix over TCP lives in tests/tests/e2e/certutil/tls_matrix.rs.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::{ClientConnection, ConnectionCommon, ServerConnection};

use super::*;
use crate::keys::{KeyAlgorithm, PrivateKey};
use crate::pki::{self, CertProfile, CertRole};
use crate::store::Store;
use crate::visits;
use nut_core::config::Secret;

/// One flight: everything `from` has to send, read and processed by `to` (named in errors).
fn flight<A, B>(
    from: &mut ConnectionCommon<A>,
    to: &mut ConnectionCommon<B>,
    to_name: &str,
) -> Result<(), String> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).map_err(|e| e.to_string())?;
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).map_err(|e| e.to_string())?;
    }
    to.process_new_packets()
        .map_err(|e| format!("{to_name}: {e}"))?;
    Ok(())
}

fn pump(c: &mut ClientConnection, s: &mut ServerConnection) -> Result<(), String> {
    for _ in 0..20 {
        flight(&mut **c, &mut **s, "server")?;
        flight(&mut **s, &mut **c, "client")?;
        if !c.is_handshaking() && !s.is_handshaking() && !c.wants_write() && !s.wants_write() {
            return Ok(());
        }
    }
    Err("handshake did not finish".into())
}

fn talk(
    server: Arc<rustls::ServerConfig>,
    client: &ClientTlsPolicy,
) -> Result<Option<String>, String> {
    let mut c = ClientConnection::new(client.config.clone(), client.server_name.clone())
        .map_err(|e| e.to_string())?;
    let mut s = ServerConnection::new(server).map_err(|e| e.to_string())?;
    pump(&mut c, &mut s)?;
    c.writer()
        .write_all(b"PROTVER\n")
        .map_err(|e| e.to_string())?;
    pump(&mut c, &mut s)?;
    let mut got = [0u8; 8];
    let n = s.reader().read(&mut got).map_err(|e| e.to_string())?;
    if &got[..n] != b"PROTVER\n" {
        return Err(format!("server read {:?}", &got[..n]));
    }
    Ok(peer_subject(&s))
}

fn setup(t: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let ck = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let ca = pki::self_signed(
        &ck,
        "CN=Unit CA",
        &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
    )
    .expect("ca");
    let sk = PrivateKey::generate(KeyAlgorithm::EcdsaP384).expect("key");
    let mut prof = CertProfile::for_months(CertRole::Server, 12);
    prof.sans = vec!["ip:127.0.0.1".into()];
    let srv = pki::issue(&sk, "CN=ups.example.com", &prof, &ca, &ck).expect("srv");
    let kk = PrivateKey::generate(KeyAlgorithm::Ed25519).expect("key");
    let cli = pki::issue(
        &kk,
        "CN=monitor",
        &CertProfile::for_months(CertRole::Client, 12),
        &ca,
        &ck,
    )
    .expect("cli");
    let sdir = t.join("srv");
    let mut s = Store::create_with_kdf(&sdir, "pw", 1000).expect("store");
    let c = s.unlock("pw").expect("unlock");
    s.add_certificate("CA", &ca, "CT,,".parse().expect("t"))
        .expect("ca");
    s.add_certificate_with_key(&c, "upsd", &srv, crate::trust::TrustFlags::NONE, &sk)
        .expect("srv");
    let cdir = t.join("cli");
    let mut s = Store::create_with_kdf(&cdir, "", 1000).expect("store");
    let c = s.unlock("").expect("unlock");
    s.add_certificate("CA", &ca, "C,,".parse().expect("t"))
        .expect("ca");
    s.add_certificate_with_key(&c, "mon", &cli, crate::trust::TrustFlags::NONE, &kk)
        .expect("cli");
    (sdir, cdir)
}

/// [`setup`], with CERTREQUEST REQUIRE in the server store's policy.
fn setup_requiring_client_certificates(
    t: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (sdir, cdir) = setup(t);
    let mut s = Store::open(&sdir).expect("open");
    s.unlock("pw").expect("unlock");
    s.set_certrequest(Some(CertRequest::Require))
        .expect("policy");
    (sdir, cdir)
}

fn server(dir: &std::path::Path, level: CertRequest) -> Arc<rustls::ServerConfig> {
    build_server_config(&ServerTlsSettings {
        certpath: Some(dir.to_path_buf()),
        certident: Some(CertIdent {
            name: "upsd".into(),
            password: Secret::from("pw"),
        }),
        certfile: None,
        certrequest: Some(level),
    })
    .expect("server")
}

#[test]
fn store_configs_handshake_and_name_rules_apply() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, cdir) = setup(t.path());
    let srv = server(&sdir, CertRequest::No);
    let base = ClientTlsSettings {
        certpath: Some(cdir.clone()),
        certverify: Some(true),
        ..Default::default()
    };
    for host in ["ups.example.com", "127.0.0.1"] {
        let p = build_client_config(&base, host, 3493).expect("client");
        assert_eq!(talk(srv.clone(), &p), Ok(None), "{host}");
    }
    let p = build_client_config(&base, "other.example.com", 3493).expect("client");
    let e = talk(srv.clone(), &p).expect_err("wrong host");
    assert!(
        e.contains("does not match host name 'other.example.com'"),
        "{e}"
    );
    let rule = CertHostRule {
        host: "127.0.0.1".into(),
        port: Some(3493),
        cert_name: "ups.example.com".into(),
        certverify: true,
        forcessl: true,
    };
    let pinned = ClientTlsSettings {
        certhosts: vec![rule],
        ..base.clone()
    };
    assert_eq!(
        talk(
            srv.clone(),
            &build_client_config(&pinned, "127.0.0.1", 3493).expect("c")
        ),
        Ok(None)
    );
    // The same rule on another port does not apply: the IP itself is checked.
    assert_eq!(
        talk(
            srv,
            &build_client_config(&pinned, "127.0.0.1", 4000).expect("c")
        ),
        Ok(None)
    );
}

#[test]
fn require_needs_a_client_certificate_from_a_t_ca() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, cdir) = setup(t.path());
    let srv = server(&sdir, CertRequest::Require);
    let anon = ClientTlsSettings {
        certpath: Some(cdir.clone()),
        certverify: Some(true),
        ..Default::default()
    };
    assert!(
        talk(
            srv.clone(),
            &build_client_config(&anon, "127.0.0.1", 3493).expect("c")
        )
        .is_err()
    );
    let ident = ClientTlsSettings {
        certident: Some(CertIdent {
            name: "mon".into(),
            password: Secret::default(),
        }),
        ..anon
    };
    assert_eq!(
        talk(
            srv,
            &build_client_config(&ident, "127.0.0.1", 3493).expect("c")
        ),
        Ok(Some("CN=monitor".to_string()))
    );
}

#[test]
fn store_policy_fills_in_certident_and_certhost() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, cdir) = setup(t.path());
    let mut s = Store::open(&sdir).expect("open");
    s.unlock("pw").expect("unlock");
    s.set_certident(crate::policy::Role::Upsd, Some("upsd"))
        .expect("policy");
    s.set_certrequest(Some(CertRequest::Require))
        .expect("policy");
    drop(s);
    let srv = build_server_config(&ServerTlsSettings {
        certpath: Some(sdir.clone()),
        certident: Some(CertIdent {
            name: String::new(),
            password: Secret::from("pw"),
        }),
        certrequest: Some(CertRequest::Require),
        ..Default::default()
    })
    .expect("server named by the store policy");
    let mut c = Store::open(&cdir).expect("open");
    c.unlock("").expect("unlock");
    c.set_certident(crate::policy::Role::Upsmon, Some("mon"))
        .expect("policy");
    c.set_certhost(&CertHostRule {
        host: "10.1.1.1".into(),
        port: Some(3493),
        cert_name: "ups.example.com".into(),
        certverify: true,
        forcessl: true,
    })
    .expect("policy");
    drop(c);
    let settings = ClientTlsSettings {
        certpath: Some(cdir),
        certverify: Some(true),
        ..Default::default()
    };
    let p = build_client_config(&settings, "10.1.1.1", 3493).expect("client");
    assert!(p.forcessl, "the store's CERTHOST row applies");
    assert_eq!(talk(srv, &p), Ok(Some("CN=monitor".to_string())));
}

#[test]
fn store_policy_decides_only_what_the_config_leaves_unset() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, cdir) = setup_requiring_client_certificates(t.path());
    let mut c = Store::open(&cdir).expect("open");
    c.unlock("").expect("unlock");
    c.set_certverify(Some(true)).expect("policy");
    c.set_forcessl(Some(true)).expect("policy");
    drop(c);

    let level = |certrequest| {
        build_server_tls(&ServerTlsSettings {
            certpath: Some(sdir.clone()),
            certident: Some(CertIdent {
                name: "upsd".into(),
                password: Secret::from("pw"),
            }),
            certrequest,
            ..Default::default()
        })
        .expect("server")
        .certrequest
    };
    // upsd.conf without CERTREQUEST: the store's REQUIRE applies.
    assert_eq!(level(None), CertRequest::Require);
    // upsd.conf with CERTREQUEST 0: the file wins.
    assert_eq!(level(Some(CertRequest::No)), CertRequest::No);

    // upsmon.conf without CERTVERIFY/FORCESSL: the store's 1/1 apply.
    let unset = ClientTlsSettings {
        certpath: Some(cdir.clone()),
        ..Default::default()
    };
    let p = build_client_config(&unset, "localhost", 3493).expect("client");
    assert!(
        p.certverify && p.forcessl,
        "store policy applies to defaults"
    );
    // CERTVERIFY 0 and FORCESSL 0 written in the file win over the store.
    let set = ClientTlsSettings {
        certpath: Some(cdir),
        certverify: Some(false),
        forcessl: Some(false),
        ..Default::default()
    };
    let p = build_client_config(&set, "localhost", 3493).expect("client");
    assert!(!p.certverify && !p.forcessl, "config directives win");
}

/// A client certificate that chains to a `T` root through a sub-CA the server's store marks
/// distrusted (`p`) is refused, even though the root would vouch for it.
#[test]
fn a_client_chain_through_a_distrusted_sub_ca_is_refused() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, _) = setup(t.path());
    let root_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let root = pki::self_signed(
        &root_key,
        "CN=Client Root",
        &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
    )
    .expect("root");
    let sub_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let sub = pki::issue(
        &sub_key,
        "CN=Compromised Sub CA",
        &CertProfile::for_months(CertRole::Ca { path_len: Some(0) }, 12),
        &root,
        &root_key,
    )
    .expect("sub");
    let leaf_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let leaf = pki::issue(
        &leaf_key,
        "CN=minted",
        &CertProfile::for_months(CertRole::Client, 12),
        &sub,
        &sub_key,
    )
    .expect("leaf");
    // The client: its certificate, the sub-CA (so it is sent along) and the server's CA.
    let cdir = t.path().join("cli2");
    let mut cs = Store::create_with_kdf(&cdir, "", 1000).expect("store");
    let c = cs.unlock("").expect("unlock");
    let server_ca = Store::open(&sdir)
        .expect("open")
        .certificate("CA")
        .expect("CA")
        .der;
    cs.add_certificate("CA", &server_ca, "C,,".parse().expect("t"))
        .expect("ca");
    cs.add_certificate("sub", &sub, crate::trust::TrustFlags::NONE)
        .expect("sub");
    cs.add_certificate_with_key(
        &c,
        "minted",
        &leaf,
        crate::trust::TrustFlags::NONE,
        &leaf_key,
    )
    .expect("leaf");
    let client = ClientTlsSettings {
        certpath: Some(cdir),
        certident: Some(CertIdent {
            name: "minted".into(),
            password: Secret::default(),
        }),
        certverify: Some(true),
        ..Default::default()
    };
    let policy = build_client_config(&client, "127.0.0.1", 3493).expect("client");
    // The server trusts the root for clients; first with the sub-CA unmarked: accepted.
    let mut ss = Store::open(&sdir).expect("open");
    ss.unlock("pw").expect("unlock");
    ss.add_certificate("Client Root", &root, "T,,".parse().expect("t"))
        .expect("root");
    assert_eq!(
        talk(server(&sdir, CertRequest::Require), &policy),
        Ok(Some("CN=minted".to_string())),
        "the chain itself is good"
    );
    // Then the sub-CA marked distrusted in the server's store: refused.
    ss.add_certificate("Compromised Sub CA", &sub, "p,,".parse().expect("t"))
        .expect("sub");
    let e = talk(server(&sdir, CertRequest::Require), &policy).expect_err("distrusted");
    assert!(!e.is_empty());
}

/// upsd with CERTREQUEST from the store and a CERTIDENT opens the store once and runs the
/// password key derivation once (it opened it up to 4 times and derived twice); a client
/// loads once for all its servers (upsmon derived the key twice per connect).
#[test]
fn a_tls_setup_opens_the_store_once_and_derives_the_key_once() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, cdir) = setup_requiring_client_certificates(t.path());
    let before = visits::on_this_thread();
    let tls = build_server_tls(&ServerTlsSettings {
        certpath: Some(sdir),
        certident: Some(CertIdent {
            name: "upsd".into(),
            password: Secret::from("pw"),
        }),
        ..Default::default()
    })
    .expect("server");
    assert_eq!(tls.certrequest, CertRequest::Require);
    let used = visits::on_this_thread() - before;
    assert_eq!((used.opens, used.derivations), (1, 1), "upsd: {used:?}");

    // upsmon: one load for every MONITOR line and every reconnect.
    let before = visits::on_this_thread();
    let client = ClientTls::load(&ClientTlsSettings {
        certpath: Some(cdir),
        certident: Some(CertIdent {
            name: "mon".into(),
            password: Secret::from(""),
        }),
        certverify: Some(true),
        ..Default::default()
    })
    .expect("client");
    for (host, port) in [
        ("127.0.0.1", 3493),
        ("ups.example.com", 3494),
        ("127.0.0.1", 3493),
    ] {
        client.for_server(host, port).expect("server policy");
    }
    let used = visits::on_this_thread() - before;
    assert_eq!((used.opens, used.derivations), (1, 1), "client: {used:?}");
}

/// Issue 13, finding 3: CERTVERIFY 1 / FORCESSL 1 written in the config win over a store
/// CERTHOST row (signed, for that host) saying 0 0; a CERTHOST row written in the file wins
/// over both.
#[test]
fn config_certverify_and_forcessl_win_over_a_store_certhost_row() {
    let t = tempfile::tempdir().expect("tmp");
    let (_, cdir) = setup(t.path());
    let mut c = Store::open(&cdir).expect("open");
    c.unlock("").expect("unlock");
    c.set_certhost(&CertHostRule {
        host: "127.0.0.1".into(),
        port: None,
        cert_name: String::new(),
        certverify: false,
        forcessl: false,
    })
    .expect("policy");
    drop(c);
    let file = ClientTlsSettings {
        certpath: Some(cdir),
        certverify: Some(true),
        forcessl: Some(true),
        ..Default::default()
    };
    let p = build_client_config(&file, "127.0.0.1", 3500).expect("client");
    assert!(p.certverify && p.forcessl, "the file's directives win");
    let unset = ClientTlsSettings {
        certverify: None,
        forcessl: None,
        ..file.clone()
    };
    let p = build_client_config(&unset, "127.0.0.1", 3500).expect("client");
    assert!(
        !p.certverify && !p.forcessl,
        "the store row decides what the file leaves unset"
    );
    let file_rule = ClientTlsSettings {
        certhosts: vec![CertHostRule {
            host: "127.0.0.1".into(),
            port: None,
            cert_name: "ups.example.com".into(),
            certverify: true,
            forcessl: true,
        }],
        ..unset
    };
    let p = build_client_config(&file_rule, "127.0.0.1", 3500).expect("client");
    assert!(p.certverify && p.forcessl, "the file's CERTHOST wins");
}

/// Issue 13, finding 3, on upsd's side: a policy row rewritten with raw SQL (its MAC no longer
/// matches) is ignored by upsd, which has the password: the CERTIDENT row pointing upsd at
/// another certificate is not followed, and a rewritten CERTREQUEST row is not read (here
/// raised, so that reading it would show).
#[test]
fn upsd_ignores_policy_rows_rewritten_without_the_password() {
    let t = tempfile::tempdir().expect("tmp");
    let (sdir, _) = setup(t.path());
    let mut s = Store::open(&sdir).expect("open");
    s.unlock("pw").expect("unlock");
    s.set_certident(crate::policy::Role::Upsd, Some("upsd"))
        .expect("policy");
    s.set_certrequest(Some(CertRequest::No)).expect("policy");
    s.conn()
        .execute_batch(
            "UPDATE policy SET value = 'CA' WHERE name = 'certident.upsd';
             UPDATE policy SET value = 'REQUIRE' WHERE name = 'certrequest';",
        )
        .expect("tamper");
    drop(s);
    let settings = |name: &str, certrequest| ServerTlsSettings {
        certpath: Some(sdir.clone()),
        certident: Some(CertIdent {
            name: name.into(),
            password: Secret::from("pw"),
        }),
        certrequest,
        ..Default::default()
    };
    assert!(matches!(
        build_server_tls(&settings("", None)),
        Err(TlsError::NoCertIdent(_))
    ));
    let tls = build_server_tls(&settings("upsd", None)).expect("server");
    assert_eq!(
        tls.certrequest,
        CertRequest::No,
        "the tampered row is not read"
    );
}
