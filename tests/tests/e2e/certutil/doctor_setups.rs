//! `nut-certutil doctor` on set-ups without an rnut store (issue 18): upsd's CERTFILE (the
//! OpenSSL build's PEM certificate and key) and a client's PEM CA directory, made by openssl as
//! NUT's guide makes them. Each is loaded as the daemon loads it; expiry, permissions and
//! readability as user nut are reported as for a store.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rnut_tests::certutil::*;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`<name>.pem`, `<name>.key`) valid for `days`.
fn make_ca(dir: &Path, name: &str, cn: &str, days: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            days,
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A server certificate for localhost signed by `ca`, valid for `days`, as one CERTFILE
/// (`<name>.pem`: certificate then key).
fn make_certfile(dir: &Path, ca: &str, name: &str, days: &str) {
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            "/CN=localhost",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-days",
            days,
            "-extfile",
            "ext.cnf",
        ],
    );
    let cert = std::fs::read_to_string(dir.join(format!("{name}.crt"))).expect("crt");
    let key = std::fs::read_to_string(dir.join(format!("{name}.key"))).expect("key");
    std::fs::write(dir.join(format!("{name}.pem")), cert + &key).expect("certfile");
}

/// Root-owned, group nut, `mode`: what the package gives config files.
fn give_to_nut(path: &Path, mode: u32) {
    let st = Command::new("chown")
        .arg("root:nut")
        .arg(path)
        .status()
        .expect("chown");
    assert!(st.success());
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn doctor(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    let (code, out, err) = certutil(dir, &all, "");
    (code, format!("{out}{err}"))
}

#[test]
fn doctor_checks_a_certfile_and_a_pem_ca_directory_as_the_daemons_load_them() {
    if !rnut_tests::require_root("doctor checks files as user nut reads them") {
        return;
    }
    let t = tempfile::tempdir().expect("tmp");
    let d = t.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    make_ca(d, "ca", "Doctor PEM CA", "3650");
    make_certfile(d, "ca", "upsd", "365");
    give_to_nut(&d.join("upsd.pem"), 0o640);
    let upsd_conf = d.join("upsd.conf");
    std::fs::write(
        &upsd_conf,
        format!("CERTFILE {}\n", d.join("upsd.pem").display()),
    )
    .expect("upsd.conf");
    give_to_nut(&upsd_conf, 0o640);

    // A sound CERTFILE: it loads, user nut can read it, nothing expires soon.
    let (code, out) = doctor(d, &["--upsd-conf", "upsd.conf"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok: upsd's TLS setup loads as upsd loads it"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "ok: user nut can read {}",
            d.join("upsd.pem").display()
        )),
        "{out}"
    );

    // The key readable by everyone, then by root only.
    std::fs::set_permissions(d.join("upsd.pem"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    let (code, out) = doctor(d, &["--upsd-conf", "upsd.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PROBLEM: upsd CERTFILE (holds the private key)")
            && out.contains("is readable by everyone"),
        "{out}"
    );
    std::fs::set_permissions(d.join("upsd.pem"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let st = Command::new("chown")
        .arg("root:root")
        .arg(d.join("upsd.pem"))
        .status()
        .expect("chown");
    assert!(st.success());
    let (code, out) = doctor(d, &["--upsd-conf", "upsd.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "PROBLEM: cannot read {} as user nut: chown root:nut",
            d.join("upsd.pem").display()
        )),
        "{out}"
    );

    // A certificate that expires in 5 days, then a key that is not the certificate's.
    make_certfile(d, "ca", "soon", "5");
    give_to_nut(&d.join("soon.pem"), 0o640);
    std::fs::write(
        &upsd_conf,
        format!("CERTFILE {}\n", d.join("soon.pem").display()),
    )
    .expect("upsd.conf");
    let (code, out) = doctor(d, &["--upsd-conf", "upsd.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PROBLEM: upsd's TLS setup: certificate")
            && (out.contains("(in 4 days)") || out.contains("(in 5 days)")),
        "{out}"
    );
    let cert = std::fs::read_to_string(d.join("soon.crt")).expect("crt");
    let wrong_key = std::fs::read_to_string(d.join("ca.key")).expect("key");
    std::fs::write(d.join("soon.pem"), cert + &wrong_key).expect("certfile");
    let (code, out) = doctor(d, &["--upsd-conf", "upsd.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PROBLEM: upsd's TLS setup does not load:"),
        "{out}"
    );

    // A client's PEM CA directory: one CA for ten years, one that expires in 5 days, and a
    // directory anyone may write into.
    let cas = d.join("cas");
    std::fs::create_dir(&cas).expect("mkdir");
    make_ca(&cas, "long", "Long CA", "3650");
    make_ca(&cas, "short", "Short CA", "5");
    for f in ["long.key", "short.key"] {
        std::fs::remove_file(cas.join(f)).expect("rm key");
    }
    std::fs::set_permissions(&cas, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let upsmon_conf = d.join("upsmon.conf");
    std::fs::write(
        &upsmon_conf,
        format!(
            "MONITOR ups@localhost 1 upsmon pass secondary\nCERTPATH {}\n",
            cas.display()
        ),
    )
    .expect("upsmon.conf");
    give_to_nut(&upsmon_conf, 0o640);
    let (code, out) = doctor(d, &["--upsmon-conf", "upsmon.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "PROBLEM: upsmon CERTPATH {}: trusted CA 'CN=Short CA' expires on",
            cas.display()
        )),
        "{out}"
    );
    assert!(!out.contains("Long CA"), "{out}");
    assert!(
        out.contains("ok: upsmon's TLS setup loads as upsmon loads it"),
        "{out}"
    );
    std::fs::remove_file(cas.join("short.pem")).expect("rm");
    let (code, out) = doctor(d, &["--upsmon-conf", "upsmon.conf"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 CA certificate(s), none expired"), "{out}");
    std::fs::set_permissions(&cas, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (code, out) = doctor(d, &["--upsmon-conf", "upsmon.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("PROBLEM: upsmon CERTPATH (PEM CA directory)")
            && out.contains("is writable by everyone"),
        "{out}"
    );
}
