//! The verifier matrix over real TLS on loopback TCP: server certificates checked by the client
//! (right CA, wrong CA, no C flag, expired, not yet valid, wrong name, CN-only, pinned P peer,
//! distrusted p CA, certverify 0) and client certificates checked by upsd at each CERTREQUEST
//! level (none, good, rogue).

use std::path::Path;
use std::sync::Arc;

use nut_certutil::certinfo::CertInfo;
use nut_certutil::pki::{CertProfile, CertRole};
use nut_certutil::rcgen;
use nut_certutil::rustls;
use nut_certutil::time::{Duration, OffsetDateTime};
use nut_certutil::tls::{
    CertHostRule, CertIdent, CertRequest, ClientTlsSettings, ServerTlsSettings, TlsError,
    build_client_config, build_server_config,
};
use nut_core::config::Secret;
use rnut_tests::certutil::*;

struct World {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
    ca: Ca,
    rogue: Ca,
}

fn world() -> World {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().to_path_buf();
    World {
        _tmp: tmp,
        root,
        ca: Ca::new("CN=rnut Test CA,O=rnut"),
        rogue: Ca::new("CN=Rogue CA,O=Evil"),
    }
}

impl World {
    /// A server store holding the CA (CT,,) and a server identity made by `ca` with `profile`.
    fn server_store(&self, name: &str, subject: &str, profile: &CertProfile) -> std::path::PathBuf {
        let dir = self.root.join(name);
        let mut s = new_store(&dir, "srvpw");
        s.add_certificate("My Root CA", &self.ca.der, "CT,,".parse().expect("t"))
            .expect("ca");
        let (k, der) = self.ca.issue(subject, profile);
        put_identity(&mut s, "srvpw", "My nut server", &der, &k);
        dir
    }

    /// A client store trusting `ca_der` with `trust`, optionally holding a client identity.
    fn client_store(
        &self,
        name: &str,
        ca_der: &[u8],
        trust: &str,
        identity_from: Option<&Ca>,
    ) -> std::path::PathBuf {
        let dir = self.root.join(name);
        let mut s = new_store(&dir, "clipw");
        s.add_certificate("CA", ca_der, trust.parse().expect("t"))
            .expect("ca");
        if let Some(ca) = identity_from {
            let (k, der) = ca.issue(
                "CN=upsmon-client,O=rnut",
                &CertProfile::for_months(CertRole::Client, 3),
            );
            if ca.der != ca_der {
                s.add_certificate("issuer", &ca.der, ",,".parse().expect("t"))
                    .expect("issuer");
            }
            put_identity(&mut s, "clipw", "my client", &der, &k);
        }
        dir
    }
}

fn server(dir: &Path, level: CertRequest) -> Arc<rustls::ServerConfig> {
    build_server_config(&ServerTlsSettings {
        certpath: Some(dir.to_path_buf()),
        certident: Some(CertIdent {
            name: "My nut server".into(),
            password: Secret::from("srvpw"),
        }),
        certfile: None,
        certrequest: Some(level),
    })
    .expect("server config")
}

fn client(
    dir: &Path,
    host: &str,
    certhost: Option<(&str, bool)>,
    certverify: bool,
    identity: bool,
) -> ClientTlsSettings {
    ClientTlsSettings {
        certpath: Some(dir.to_path_buf()),
        certident: identity.then(|| CertIdent {
            name: "my client".into(),
            password: Secret::from("clipw"),
        }),
        certfile: None,
        certhosts: certhost
            .map(|(name, verify)| {
                vec![CertHostRule {
                    host: host.to_string(),
                    port: Some(3493),
                    cert_name: name.to_string(),
                    certverify: verify,
                    forcessl: true,
                }]
            })
            .unwrap_or_default(),
        certverify: Some(certverify),
        forcessl: Some(false),
    }
}

fn run(srv: &Arc<rustls::ServerConfig>, settings: &ClientTlsSettings, host: &str) -> Exchange {
    let policy = build_client_config(settings, host, 3493).expect("client config");
    exchange(srv.clone(), &policy)
}

/// A client without an identity or CERTHOST entry, connecting to `host` with CERTVERIFY
/// `certverify`.
fn run_plain(
    srv: &Arc<rustls::ServerConfig>,
    cli: &Path,
    host: &str,
    certverify: bool,
) -> Exchange {
    run(srv, &client(cli, host, None, certverify, false), host)
}

/// A verifying client without an identity, connecting to 127.0.0.1 with one CERTHOST entry
/// (the certificate name and that entry's CERTVERIFY).
fn run_certhost(
    srv: &Arc<rustls::ServerConfig>,
    cli: &Path,
    certhost: &str,
    certverify: bool,
) -> Exchange {
    run(
        srv,
        &client(cli, "127.0.0.1", Some((certhost, certverify)), true, false),
        "127.0.0.1",
    )
}

fn server_profile() -> CertProfile {
    let mut p = CertProfile::for_months(CertRole::Server, 12);
    p.sans = vec!["ip:127.0.0.1".into()];
    p
}

#[test]
fn right_ca_verifies_by_host_and_certhost_name() {
    let w = world();
    let srv = server(
        &w.server_store("srv", "CN=localhost,O=rnut", &server_profile()),
        CertRequest::No,
    );
    let cli = w.client_store("cli", &w.ca.der, "CT,,", None);
    let x = run_plain(&srv, &cli, "127.0.0.1", true);
    assert!(x.ok(), "{x:?}");
    let x = run_plain(&srv, &cli, "localhost", true);
    assert!(x.ok(), "{x:?}");
    let x = run_certhost(&srv, &cli, "localhost", true);
    assert!(x.ok(), "{x:?}");
    // The policy carries the CERTHOST decision.
    let pol = build_client_config(
        &client(&cli, "127.0.0.1", Some(("localhost", false)), true, false),
        "127.0.0.1",
        3493,
    )
    .expect("policy");
    assert!(!pol.certverify && pol.forcessl);
}

#[test]
fn wrong_ca_and_missing_c_flag_are_refused_with_a_reason() {
    let w = world();
    let srv = server(
        &w.server_store("srv", "CN=localhost", &server_profile()),
        CertRequest::No,
    );
    let rogue_cli = w.client_store("cli-rogue", &w.rogue.der, "CT,,", None);
    let x = run_plain(&srv, &rogue_cli, "127.0.0.1", true);
    assert!(
        x.client_error()
            .contains("issuer 'CN=rnut Test CA,O=rnut' is not trusted"),
        "{x:?}"
    );
    let no_c = w.client_store("cli-noc", &w.ca.der, "T,,", None);
    let x = run_plain(&srv, &no_c, "127.0.0.1", true);
    assert!(
        x.client_error()
            .contains("issuer 'CN=rnut Test CA,O=rnut' is not trusted (no C flag)"),
        "{x:?}"
    );
    // certverify 0: encrypt without verifying.
    let x = run_plain(&srv, &rogue_cli, "127.0.0.1", false);
    assert!(x.ok(), "{x:?}");
    // CERTHOST certverify 0 overrides CERTVERIFY 1 for that host only.
    let x = run(
        &srv,
        &client(
            &rogue_cli,
            "127.0.0.1",
            Some(("localhost", false)),
            true,
            false,
        ),
        "127.0.0.1",
    );
    assert!(x.ok(), "{x:?}");
}

#[test]
fn expired_and_not_yet_valid_server_certificates() {
    let w = world();
    let now = OffsetDateTime::now_utc();
    let mut expired = server_profile();
    expired.not_before = now - Duration::days(400);
    expired.not_after = now - Duration::days(35);
    let srv = server(
        &w.server_store("srv-exp", "CN=localhost", &expired),
        CertRequest::No,
    );
    let cli = w.client_store("cli", &w.ca.der, "CT,,", None);
    let x = run_plain(&srv, &cli, "127.0.0.1", true);
    let want = format!(
        "certificate for 'localhost' expired on {}",
        expired.not_after.date()
    );
    assert!(x.client_error().contains(&want), "{x:?} / {want}");

    let mut future = server_profile();
    future.not_before = now + Duration::days(30);
    future.not_after = now + Duration::days(400);
    let srv = server(
        &w.server_store("srv-fut", "CN=localhost", &future),
        CertRequest::No,
    );
    let x = run_plain(&srv, &cli, "127.0.0.1", true);
    assert!(
        x.client_error()
            .contains("certificate for 'localhost' is not valid before"),
        "{x:?}"
    );
}

#[test]
fn wrong_name_and_cn_only_certificates() {
    let w = world();
    let srv = server(
        &w.server_store("srv", "CN=localhost", &server_profile()),
        CertRequest::No,
    );
    let cli = w.client_store("cli", &w.ca.der, "CT,,", None);
    let x = run_certhost(&srv, &cli, "ups.example.com", true);
    assert!(
        x.client_error().contains("server certificate name 'localhost, 127.0.0.1' does not match CERTHOST name 'ups.example.com'"),
        "{x:?}"
    );
    let x = run_plain(&srv, &cli, "otherhost", true);
    assert!(
        x.client_error()
            .contains("does not match host name 'otherhost'"),
        "{x:?}"
    );

    // NSS-style names: CN with spaces (no DNS SAN possible), matched by CERTHOST as in C NUT.
    let srv = server(
        &w.server_store(
            "srv-cn",
            "CN=My nut server,O=MyCompany,ST=MyState,C=US",
            &server_profile(),
        ),
        CertRequest::No,
    );
    let x = run_certhost(&srv, &cli, "My nut server", true);
    assert!(x.ok(), "{x:?}");

    // A CN-only certificate (no SAN at all, as a foreign CA may issue): CN fallback.
    let dir = w.root.join("srv-cnonly");
    let mut s = new_store(&dir, "srvpw");
    s.add_certificate("My Root CA", &w.ca.der, "CT,,".parse().expect("t"))
        .expect("ca");
    let key = nut_certutil::keys::PrivateKey::generate(nut_certutil::keys::KeyAlgorithm::EcdsaP256)
        .expect("key");
    let der = cn_only_cert(&w.ca, &key, "ups.example.com");
    assert!(CertInfo::parse(&der).expect("parse").dns_names.is_empty());
    put_identity(&mut s, "srvpw", "My nut server", &der, &key);
    drop(s);
    let srv = server(&dir, CertRequest::No);
    let x = run_certhost(&srv, &cli, "ups.example.com", true);
    assert!(x.ok(), "{x:?}");
    let x = run_certhost(&srv, &cli, "other.example.com", true);
    assert!(
        x.client_error()
            .contains("does not match CERTHOST name 'other.example.com'"),
        "{x:?}"
    );
}

fn cn_only_cert(ca: &Ca, key: &nut_certutil::keys::PrivateKey, cn: &str) -> Vec<u8> {
    let mut params = rcgen_params();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let issuer =
        rcgen::Issuer::from_ca_cert_der(&ca.der.clone().into(), ca.key.key_pair().expect("kp"))
            .expect("issuer");
    params
        .signed_by(&key.key_pair().expect("kp"), &issuer)
        .expect("sign")
        .der()
        .to_vec()
}

fn rcgen_params() -> rcgen::CertificateParams {
    let mut p = rcgen::CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::minutes(5);
    p.not_after = now + Duration::days(30);
    p
}

#[test]
fn pinned_peer_and_distrusted_ca() {
    let w = world();
    // A self-signed server certificate, served from a CERTFILE PEM.
    let key = nut_certutil::keys::PrivateKey::generate(nut_certutil::keys::KeyAlgorithm::EcdsaP256)
        .expect("key");
    let self_signed = nut_certutil::pki::self_signed(
        &key,
        "CN=selfsigned-ups",
        &CertProfile::for_months(CertRole::Server, 12),
    )
    .expect("cert");
    let pem = w.root.join("upsd.pem");
    std::fs::write(
        &pem,
        format!(
            "{}{}",
            nut_certutil::pem::encode("CERTIFICATE", &self_signed),
            nut_certutil::pem::encode("PRIVATE KEY", key.pkcs8_der())
        ),
    )
    .expect("write");
    let srv = build_server_config(&ServerTlsSettings {
        certfile: Some(pem.clone()),
        ..Default::default()
    })
    .expect("server");
    let pinned = w.client_store("cli-pin", &self_signed, "P,,", None);
    let x = run_plain(&srv, &pinned, "selfsigned-ups", true);
    assert!(x.ok(), "P-flagged peer must be accepted: {x:?}");
    // The pin is for that certificate under its own name, as NSS checks the host of a P
    // certificate: shown for another host, it is refused.
    let x = run_plain(&srv, &pinned, "127.0.0.1", true);
    assert!(
        x.client_error().contains(
            "server certificate name 'selfsigned-ups' does not match host name '127.0.0.1'"
        ),
        "{x:?}"
    );
    let unpinned = w.client_store("cli-nopin", &self_signed, ",,", None);
    let x = run_plain(&srv, &unpinned, "127.0.0.1", true);
    assert!(x.client.is_err(), "{x:?}");
    let distrusted_peer = w.client_store("cli-p", &self_signed, "p,p,p", None);
    let x = run_plain(&srv, &distrusted_peer, "127.0.0.1", true);
    assert!(
        x.client_error().contains("explicitly distrusted (p flag)"),
        "{x:?}"
    );

    // A CA flagged p: distrusted even though it is a CA.
    let srv = server(
        &w.server_store("srv", "CN=localhost", &server_profile()),
        CertRequest::No,
    );
    let cli = w.client_store("cli-pca", &w.ca.der, "p,p,p", None);
    let x = run_plain(&srv, &cli, "127.0.0.1", true);
    assert!(
        x.client_error()
            .contains("issuer 'CN=rnut Test CA,O=rnut' is explicitly distrusted (p flag)"),
        "{x:?}"
    );
}

#[test]
fn certrequest_levels_with_none_good_and_rogue_client_certificates() {
    let w = world();
    let srv_dir = w.server_store("srv", "CN=localhost", &server_profile());
    let none = w.client_store("cli-none", &w.ca.der, "CT,,", None);
    let good = w.client_store("cli-good", &w.ca.der, "CT,,", Some(&w.ca));
    let rogue = w.client_store("cli-rogue", &w.ca.der, "CT,,", Some(&w.rogue));

    let srv = server(&srv_dir, CertRequest::No);
    for dir in [&none, &good, &rogue] {
        let x = run(
            &srv,
            &client(dir, "127.0.0.1", None, true, dir != &none),
            "127.0.0.1",
        );
        assert!(x.ok(), "NO: {x:?}");
        assert_eq!(
            x.server.as_ref().ok().cloned().flatten(),
            None,
            "NO never asks for a certificate"
        );
    }

    let srv = server(&srv_dir, CertRequest::Request);
    let x = run_plain(&srv, &none, "127.0.0.1", true);
    assert!(x.ok(), "REQUEST without certificate: {x:?}");
    let x = run(
        &srv,
        &client(&good, "127.0.0.1", None, true, true),
        "127.0.0.1",
    );
    assert!(x.ok(), "REQUEST good: {x:?}");
    assert_eq!(
        x.server.as_ref().ok().cloned().flatten().as_deref(),
        Some("CN=upsmon-client,O=rnut")
    );
    let x = run(
        &srv,
        &client(&rogue, "127.0.0.1", None, true, true),
        "127.0.0.1",
    );
    assert!(!x.ok(), "REQUEST rogue must fail: {x:?}");
    assert!(
        x.server_error()
            .contains("issuer 'CN=Rogue CA,O=Evil' is not trusted"),
        "{x:?}"
    );

    let srv = server(&srv_dir, CertRequest::Require);
    let x = run_plain(&srv, &none, "127.0.0.1", true);
    assert!(!x.ok(), "REQUIRE without certificate must fail: {x:?}");
    let x = run(
        &srv,
        &client(&good, "127.0.0.1", None, true, true),
        "127.0.0.1",
    );
    assert!(x.ok(), "REQUIRE good: {x:?}");
    let x = run(
        &srv,
        &client(&rogue, "127.0.0.1", None, true, true),
        "127.0.0.1",
    );
    assert!(!x.ok(), "REQUIRE rogue must fail: {x:?}");
}

#[test]
fn configuration_errors_are_reported() {
    let w = world();
    let srv_dir = w.server_store("srv", "CN=localhost", &server_profile());
    let wrong_pw = build_server_config(&ServerTlsSettings {
        certpath: Some(srv_dir.clone()),
        certident: Some(CertIdent {
            name: "My nut server".into(),
            password: Secret::from("nope"),
        }),
        ..Default::default()
    });
    assert!(
        wrong_pw
            .expect_err("wrong password")
            .to_string()
            .contains("wrong password")
    );
    let no_ident = build_server_config(&ServerTlsSettings {
        certpath: Some(srv_dir.clone()),
        ..Default::default()
    });
    assert!(matches!(no_ident, Err(TlsError::NoCertIdent(_))));
    let missing = build_server_config(&ServerTlsSettings {
        certpath: Some(srv_dir.clone()),
        certident: Some(CertIdent {
            name: "nobody".into(),
            password: Secret::from("srvpw"),
        }),
        ..Default::default()
    });
    assert!(
        missing
            .expect_err("missing")
            .to_string()
            .contains("could not find certificate named \"nobody\"")
    );
    assert!(matches!(
        build_server_config(&ServerTlsSettings::default()),
        Err(TlsError::NoCertificate)
    ));
    // CERTREQUEST with no T-flagged CA.
    let cli_dir = w.client_store("cli", &w.ca.der, "C,,", None);
    let bad = build_server_config(&ServerTlsSettings {
        certpath: Some(cli_dir.clone()),
        certident: Some(CertIdent {
            name: "CA".into(),
            password: Secret::from("clipw"),
        }),
        certrequest: Some(CertRequest::Require),
        ..Default::default()
    });
    assert!(bad.is_err());
    // CERTVERIFY 1 without CERTPATH.
    let s = ClientTlsSettings {
        certverify: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        build_client_config(&s, "localhost", 3493),
        Err(TlsError::NoCertPath)
    ));
    let s = ClientTlsSettings::default();
    assert!(build_client_config(&s, "localhost", 3493).is_ok());
}

/// The distrust checks at the verifier level, against stores on disk: a certificate is
/// distrusted by issuer + serial (and a distrusted CA by its key), not by its bytes. Each
/// forged certificate is the original with its ECDSA signature re-encoded as (r, n-s).
#[test]
fn verifier_distrusts_by_identity_not_bytes() {
    use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
    use nut_certutil::pki::issue;
    use nut_certutil::pki::self_signed;
    use nut_certutil::store::Store;
    use nut_certutil::tls::{NutServerCertVerifier, TrustMaterial, Usage, validate_certificate};
    use nut_certutil::trust::TrustFlags;
    use rnut_tests::malleate::reencode_p256_signature;
    use rustls::pki_types::{CertificateDer, UnixTime};

    let tmp = tempfile::tempdir().expect("tmp");
    let key = || PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let ca_profile = |len| CertProfile::for_months(CertRole::Ca { path_len: len }, 12);
    let (root_key, sub_key, leaf_key) = (key(), key(), key());
    let root = self_signed(&root_key, "CN=Root,O=rnut", &ca_profile(None)).expect("root");
    let sub = issue(
        &sub_key,
        "CN=Sub,O=rnut",
        &ca_profile(Some(0)),
        &root,
        &root_key,
    )
    .expect("sub");
    // The same sub-CA key certified again (another serial): a re-issued copy.
    let sub_again = issue(
        &sub_key,
        "CN=Sub,O=rnut",
        &ca_profile(Some(0)),
        &root,
        &root_key,
    )
    .expect("sub again");
    let mut sp = CertProfile::for_months(CertRole::Server, 12);
    sp.sans = vec!["127.0.0.1".into()];
    let server = issue(&leaf_key, "CN=srv,O=rnut", &sp, &root, &root_key).expect("server");
    let via_sub = issue(&leaf_key, "CN=via sub,O=rnut", &sp, &sub, &sub_key).expect("leaf");
    let forged_server = reencode_p256_signature(&server);
    let forged_sub = reencode_p256_signature(&sub);
    assert_ne!(
        CertInfo::parse(&forged_server).expect("parse").fingerprint,
        CertInfo::parse(&server).expect("parse").fingerprint
    );

    let store = |name: &str, rows: &[(&str, &[u8], &str)]| {
        let dir = tmp.path().join(name);
        let mut s = Store::create_with_kdf(&dir, "", 1000).expect("store");
        s.unlock("").expect("unlock");
        for (nick, der, trust) in rows {
            s.add_certificate(nick, der, trust.parse::<TrustFlags>().expect("trust"))
                .expect("add");
        }
        TrustMaterial::load(&dir).expect("trust")
    };
    let now = UnixTime::now();
    let check = |trust: &TrustMaterial, ee: &[u8], sent: &[&[u8]]| {
        let v = NutServerCertVerifier::new(
            Some(trust.clone()),
            String::new(),
            false,
            true,
            nut_certutil::tls::provider(),
        );
        let sent: Vec<CertificateDer<'_>> = sent
            .iter()
            .map(|d| CertificateDer::from(d.to_vec()))
            .collect();
        v.verify_chain(&CertificateDer::from(ee.to_vec()), &sent, now)
            .map(|_| ())
            .map_err(|e| nut_certutil::tls::plain_error(&e))
    };

    // Control: with only the root trusted, the forgeries verify (the signature is valid).
    let plain = store("plain", &[("root", &root, "CT,,")]);
    assert_eq!(check(&plain, &forged_server, &[]), Ok(()));
    assert_eq!(check(&plain, &via_sub, &[&forged_sub]), Ok(()));
    assert_eq!(
        validate_certificate(&plain, &forged_server, Usage::Server, now),
        Ok(())
    );

    // The server certificate distrusted: its re-encoded copy is distrusted too.
    let t = store(
        "p-server",
        &[("root", &root, "CT,,"), ("srv", &server, "p,,")],
    );
    let e = validate_certificate(&t, &forged_server, Usage::Server, now).expect_err("forged");
    assert!(e.contains("'srv' is explicitly distrusted (p flag)"), "{e}");

    // The sub-CA distrusted: a chain through its re-encoded copy, through a re-encoded copy
    // stored without flags, or through a re-issued certificate of its key, is refused.
    let t = store("p-sub", &[("root", &root, "CT,,"), ("sub", &sub, "p,,")]);
    for sent in [&forged_sub, &sub_again] {
        let e = check(&t, &via_sub, &[sent]).expect_err("through the distrusted sub-CA");
        assert!(e.contains("explicitly distrusted (p flag)"), "{e}");
    }
    let t = store(
        "p-sub-copy",
        &[
            ("root", &root, "CT,,"),
            ("sub", &sub, "p,,"),
            ("sub copy", &forged_sub, ",,"),
        ],
    );
    let e = check(&t, &via_sub, &[]).expect_err("through the stored copy");
    assert!(e.contains("explicitly distrusted (p flag)"), "{e}");
    let e = validate_certificate(&t, &via_sub, Usage::Server, now).expect_err("-V");
    assert!(e.contains("explicitly distrusted (p flag)"), "{e}");

    // A presented certificate with a stored certificate's issuer + serial but other bytes.
    let t = store("stored", &[("root", &root, "CT,,"), ("srv", &server, ",,")]);
    assert_eq!(check(&t, &server, &[]), Ok(()));
    let e = check(&t, &forged_server, &[]).expect_err("impersonation");
    assert!(
        e.contains("has the issuer and serial number of the stored certificate 'srv'"),
        "{e}"
    );
}
