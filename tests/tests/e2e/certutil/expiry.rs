//! Certificate expiry end to end: our upsd serving an identity that expires in 10 days warns at
//! start and at each reload; an expired identity stops upsd from starting unless
//! `ALLOW_EXPIRED_CERT` says otherwise; `nut-certutil list` shows notAfter; our upsmon warns
//! about the server certificate it verified and its own, and runs NOTIFYCMD with CERTEXPIRY
//! only when NOTIFYFLAG asks for it.

use std::process::{Command, Stdio};
use std::time::Duration;

use nut_certutil::time::{Duration as D, OffsetDateTime};
use rnut_tests::lifecycle::*;
use rnut_tests::monitor::Stack;

/// A stack whose upsd presents `nickname` from the CA host's store.
fn stack_with_identity(
    pki_setup: impl FnOnce(&CliPki),
    nickname: &str,
    extra: &str,
) -> (Stack, CliPki) {
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    let pki = CliPki::new(&stack.path().join("pki"));
    pki_setup(&pki);
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTPATH \"{}\"\nCERTIDENT \"{nickname}\" \"\"\n{extra}",
            stack.port,
            pki.path("srv_db")
        ),
        0o640,
    );
    stack.start_driver();
    (stack, pki)
}

fn count(stack: &Stack, needle: &str) -> usize {
    let upsd = stack.upsd.as_ref().expect("upsd");
    upsd.log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(needle))
        .count()
}

#[test]
fn an_identity_expiring_in_10_days_is_warned_about_at_start_and_reload() {
    let now = OffsetDateTime::now_utc();
    let (mut stack, pki) = stack_with_identity(
        |pki| pki.import_server_cert("short", now - D::days(1), now + D::days(10) + D::hours(1)),
        "short",
        "",
    );
    stack.start_upsd();
    let warning = "TLS: certificate 'localhost' expires on";
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log(warning, Duration::from_secs(10)),
        "{}",
        upsd.text()
    );
    assert!(upsd.text().contains("(in 10 days)"), "{}", upsd.text());
    // The CA (ten years) is outside the window: not named.
    assert!(!upsd.text().contains("Lifecycle CA"), "{}", upsd.text());
    reload_upsd(&stack);
    assert!(
        rnut_tests::wait_until(Duration::from_secs(5), || count(&stack, warning) >= 2),
        "warned again at reload"
    );
    let listed = pki.certutil(&["-d", "srv_db", "list"]);
    let row = listed
        .lines()
        .find(|l| l.starts_with("short "))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(
        row.contains(" UTC") && row.contains("expires soon"),
        "{row}"
    );
    let ca_row = listed
        .lines()
        .find(|l| l.starts_with(CA))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(!ca_row.contains("expires soon"), "{ca_row}");

    // A window of 5 days: nothing to say.
    let conf = stack.path().join("conf/upsd.conf");
    let text = std::fs::read_to_string(&conf).expect("conf");
    rnut_tests::write_file(&conf, &format!("{text}CERTEXPIRYWARN 5\n"), 0o640);
    let before = count(&stack, warning);
    reload_upsd(&stack);
    assert_eq!(
        count(&stack, warning),
        before,
        "no warning outside the window"
    );
}

#[test]
fn an_expired_identity_stops_upsd_unless_allowed() {
    let now = OffsetDateTime::now_utc();
    let (mut stack, _pki) = stack_with_identity(
        |pki| pki.import_server_cert("old", now - D::days(40), now - D::days(2)),
        "old",
        "",
    );
    let mut cmd = Command::new(rnut_tests::bin("upsd"));
    cmd.args(["-F", "-u", "root"])
        .env("NUT_CONFPATH", stack.path().join("conf"))
        .env("NUT_STATEPATH", stack.path().join("state"))
        .env("NUT_ALTPIDPATH", stack.path().join("run"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = rnut_tests::ChildGuard::spawn("upsd", &mut cmd);
    let log =
        rnut_tests::monitor::capture("upsd", child.child_mut().stderr.take().expect("stderr"));
    let status = child
        .wait_exit(Duration::from_secs(15))
        .expect("upsd exits");
    assert!(!status.success());
    let err = rnut_tests::wait_until(Duration::from_secs(5), || {
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("ALLOW_EXPIRED_CERT"))
    });
    let err = format!("{err} {}", log.lock().unwrap().join("\n"));
    assert!(
        err.contains("upsd's certificate 'localhost' expired on")
            && err.contains("ALLOW_EXPIRED_CERT 1"),
        "{err}"
    );

    let conf = stack.path().join("conf/upsd.conf");
    let text = std::fs::read_to_string(&conf).expect("conf");
    rnut_tests::write_file(&conf, &format!("{text}ALLOW_EXPIRED_CERT 1\n"), 0o640);
    stack.start_upsd();
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log("served anyway: ALLOW_EXPIRED_CERT", Duration::from_secs(10)),
        "{}",
        upsd.text()
    );
}

#[test]
fn upsmon_warns_about_certificates_expiring_in_10_days_and_notifies_only_when_asked() {
    use nut_certutil::pki::CertRole;
    let now = OffsetDateTime::now_utc();
    let soon = now + D::days(10) + D::hours(1);
    let (mut stack, pki) = stack_with_identity(
        |pki| {
            pki.import_server_cert("short", now - D::days(1), soon);
            pki.import_cert(
                "mon_db",
                "short client",
                CertRole::Client,
                "CN=short client,O=rnut",
                now - D::days(1),
                soon,
            );
        },
        "short",
        "CERTREQUEST REQUIRE\n",
    );
    stack.start_upsd();
    let d = rnut_tests::monitor::NutTree::for_upsmon();
    let tls = pki
        .upsmon_conf()
        .replace("CERTIDENT upsmon", "CERTIDENT \"short client\"");
    let server_warning = format!(
        "TLS: {}: the server's certificate 'localhost' expires on",
        stack.system()
    );
    let own_warning = "TLS: upsmon: upsmon's client certificate 'short client' expires on";

    // Without NOTIFYFLAG CERTEXPIRY: logged, no NOTIFYCMD.
    d.write_conf(&stack.primary_monitor(), &tls);
    let mut mon = upsmon_logged_in(&d);
    assert!(
        mon.wait_log(&server_warning, Duration::from_secs(10))
            && mon.wait_log(own_warning, Duration::from_secs(10)),
        "{}",
        mon.text()
    );
    assert!(mon.text().contains("(in 10 days)"), "{}", mon.text());
    mon.child.stop(Duration::from_secs(5));
    assert!(
        !d.events().iter().any(|e| e == "CERTEXPIRY"),
        "CERTEXPIRY sent unasked: {:?}",
        d.events()
    );

    // With it: NOTIFYCMD runs with NOTIFYTYPE=CERTEXPIRY, once per certificate.
    d.write_conf(
        &stack.primary_monitor(),
        &format!("{tls}NOTIFYFLAG CERTEXPIRY SYSLOG+EXEC\n"),
    );
    let mut mon = upsmon_logged_in(&d);
    let lines = || std::fs::read_to_string(d.events_file()).unwrap_or_default();
    assert!(
        rnut_tests::wait_until(Duration::from_secs(15), || {
            let l = lines();
            l.contains(&format!("CERTEXPIRY {}", stack.system())) && l.contains("CERTEXPIRY upsmon")
        }),
        "{}\n{}",
        lines(),
        mon.text()
    );
    mon.child.stop(Duration::from_secs(5));
    assert_eq!(
        lines().matches("CERTEXPIRY").count(),
        2,
        "once per certificate: {}",
        lines()
    );
}

/// The root of upsd's own chain (what its clients trust) is watched too, at CERTREQUEST NO.
#[test]
fn a_ca_of_upsds_chain_expiring_soon_is_warned_about() {
    use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
    use nut_certutil::pem::encode as pem;
    use nut_certutil::pki::{CertProfile, CertRole, issue, self_signed};
    let now = OffsetDateTime::now_utc();
    let (mut stack, _pki) = stack_with_identity(
        |pki| {
            let key = || PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
            let ca_key = key();
            let mut cp = CertProfile::for_months(CertRole::Ca { path_len: None }, 1);
            cp.not_after = now + D::days(20) + D::hours(1);
            let ca = self_signed(&ca_key, "CN=Short CA,O=rnut", &cp).expect("ca");
            let srv_key = key();
            let mut sp = CertProfile::for_months(CertRole::Server, 1);
            sp.not_after = now + D::days(19) + D::hours(1);
            sp.sans = vec!["127.0.0.1".into()];
            let srv = issue(&srv_key, "CN=localhost,O=rnut", &sp, &ca, &ca_key).expect("srv");
            let w = |name: &str, text: String| {
                rnut_tests::write_file(&pki.root.join(name), &text, 0o600)
            };
            w("short-ca.pem", pem("CERTIFICATE", &ca));
            w(
                "short-srv.pem",
                pem("CERTIFICATE", &srv) + &pem("PRIVATE KEY", srv_key.pkcs8_der()),
            );
            pki.certutil(&[
                "-d",
                "srv_db",
                "import",
                "-n",
                "Short CA",
                "-i",
                "short-ca.pem",
                "-t",
                "CT,,",
            ]);
            pki.certutil(&[
                "-d",
                "srv_db",
                "import",
                "-n",
                "short",
                "-i",
                "short-srv.pem",
            ]);
        },
        "short",
        "",
    );
    stack.start_upsd();
    let upsd = stack.upsd.as_ref().expect("upsd");
    assert!(
        upsd.wait_log(
            "TLS: trusted CA 'CN=Short CA,O=rnut' expires on",
            Duration::from_secs(10)
        ),
        "{}",
        upsd.text()
    );
    assert!(upsd.text().contains("(in 20 days)"), "{}", upsd.text());
    assert!(
        upsd.text()
            .contains("TLS: certificate 'localhost' expires on"),
        "{}",
        upsd.text()
    );
}
