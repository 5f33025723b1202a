use std::path::{Path, PathBuf};
use std::time::Duration;

use super::assert_error;
use crate::config::{CertIdent, CertRequest, ListenAddr, UpsdConf};

const FILE: &str = "/etc/nut/upsd.conf";

fn parse(text: &str) -> Result<UpsdConf, crate::config::ConfigError> {
    UpsdConf::parse(text, Path::new(FILE))
}

fn addr(host: &str, port: u16) -> ListenAddr {
    ListenAddr {
        host: host.to_string(),
        port,
    }
}

#[test]
fn defaults_of_an_empty_file() {
    let c = parse("# nothing but a comment\n\n").unwrap();
    assert!(c.listen.is_empty());
    assert_eq!(
        c.effective_listen(),
        [addr("127.0.0.1", 3493), addr("::1", 3493)]
    );
    assert_eq!(c.maxage, Duration::from_secs(15));
    assert_eq!(c.trackingdelay, Duration::from_secs(3600));
    assert!(!c.allow_no_device);
    assert!(!c.allow_not_all_listeners);
    assert_eq!(c.maxconn, None);
    assert_eq!((c.statepath.as_ref(), c.datapath.as_ref()), (None, None));
    assert_eq!((c.certfile.as_ref(), c.certpath.as_ref()), (None, None));
    assert_eq!(c.certident, None);
    assert_eq!(c.certrequest, None);
    assert!(!c.disable_weak_ssl);
    assert_eq!(c.debug_min, None);
    assert_eq!(
        (c.hosts_allow.as_ref(), c.hosts_deny.as_ref()),
        (None, None)
    );
    assert!(!c.tls_configured());
    assert!(c.warnings.is_empty());
    assert_eq!(c.file, PathBuf::from(FILE));
}

#[test]
fn config_md_example() {
    let c = parse("LISTEN 127.0.0.1 3493\nLISTEN ::1 3493\nMAXAGE 25\nCERTFILE /etc/nut/upsd.pem\nDISABLE_WEAK_SSL true\n").unwrap();
    assert_eq!(c.listen, [addr("127.0.0.1", 3493), addr("::1", 3493)]);
    assert_eq!(c.maxage, Duration::from_secs(25));
    assert_eq!(c.certfile, Some(PathBuf::from("/etc/nut/upsd.pem")));
    assert!(c.disable_weak_ssl);
    assert!(c.tls_configured());
}

#[test]
fn nit_sandbox_file_with_tls() {
    let text = "STATEPATH \"/tmp/nit/run\"\nLISTEN localhost 34931\nLISTEN 127.0.0.1 34931\nLISTEN ::1 34931\n\
DEBUG_MIN 3\nMAXCONN 1024\nALLOW_NO_DEVICE true\nCERTPATH \"/tmp/nit/etc/cert/upsd\"\n\
CERTIDENT \"NIT upsd\" \"nit-pass\"\nCERTREQUEST 2\n";
    let c = parse(text).unwrap();
    assert_eq!(c.statepath, Some(PathBuf::from("/tmp/nit/run")));
    assert_eq!(
        c.listen,
        [
            addr("localhost", 34931),
            addr("127.0.0.1", 34931),
            addr("::1", 34931)
        ]
    );
    assert_eq!(c.effective_listen(), c.listen);
    assert_eq!(c.debug_min, Some(3));
    assert_eq!(c.maxconn, Some(1024));
    assert!(c.allow_no_device);
    assert_eq!(c.certpath, Some(PathBuf::from("/tmp/nit/etc/cert/upsd")));
    assert_eq!(
        c.certident,
        Some(CertIdent {
            name: "NIT upsd".into(),
            password: "nit-pass".into()
        })
    );
    assert_eq!(c.certrequest, Some(CertRequest::Require));
}

#[test]
fn every_directive() {
    let text = "LISTEN *\nLISTEN [::] 3494\nMAXAGE 30\nTRACKINGDELAY 60\nALLOW_NO_DEVICE 2\nALLOW_NOT_ALL_LISTENERS on\n\
MAXCONN 16\nSTATEPATH /var/state/ups\nDATAPATH /usr/share/nut\nCERTFILE /etc/nut/upsd.pem\nCERTPATH /etc/nut/ca\n\
CERTIDENT 'My nut server' 'secret pw'\nCERTREQUEST REQUEST\nDISABLE_WEAK_SSL no\ndebug_min 1\n\
HOSTS_ALLOW /etc/hosts.allow\nHOSTS_DENY /etc/hosts.deny\n";
    let c = parse(text).unwrap();
    assert_eq!(c.listen, [addr("*", 3493), addr("::", 3494)]);
    assert_eq!(
        c.effective_listen(),
        [addr("0.0.0.0", 3493), addr("::", 3493), addr("::", 3494)]
    );
    assert_eq!(c.maxage, Duration::from_secs(30));
    assert_eq!(c.trackingdelay, Duration::from_secs(60));
    assert!(c.allow_no_device && c.allow_not_all_listeners);
    assert_eq!(c.maxconn, Some(16));
    assert_eq!(c.datapath, Some(PathBuf::from("/usr/share/nut")));
    assert_eq!(
        c.certident,
        Some(CertIdent {
            name: "My nut server".into(),
            password: "secret pw".into()
        })
    );
    assert_eq!(c.certrequest, Some(CertRequest::Request));
    assert!(!c.disable_weak_ssl);
    assert_eq!(c.debug_min, Some(1));
    assert_eq!(c.hosts_allow, Some(PathBuf::from("/etc/hosts.allow")));
    assert_eq!(c.hosts_deny, Some(PathBuf::from("/etc/hosts.deny")));
}

#[test]
fn certident_quote_styles() {
    for (line, name, pw) in [
        ("CERTIDENT \"My nut server\" \"pw\"", "My nut server", "pw"),
        ("CERTIDENT 'My nut server' 'pw'", "My nut server", "pw"),
        ("CERTIDENT 'My nut server' pw", "My nut server", "pw"),
        ("CERTIDENT upsd 'two words'", "upsd", "two words"),
        ("CERTIDENT 'upsd' ''", "upsd", ""),
        // Double-quoted words are literal: a password may start or end with a single quote.
        ("CERTIDENT \"upsd\" \"'secret\"", "upsd", "'secret"),
        (
            "CERTIDENT \"My nut server\" \"it's'\"",
            "My nut server",
            "it's'",
        ),
        (
            "CERTIDENT 'My nut server' \"'quoted'\"",
            "My nut server",
            "'quoted'",
        ),
    ] {
        let c = parse(&format!("CERTPATH /etc/nut/cert\n{line}")).unwrap();
        assert_eq!(
            c.certident,
            Some(CertIdent {
                name: name.into(),
                password: pw.into()
            }),
            "{line}"
        );
    }
    assert_error(
        parse("MAXAGE 5\nCERTIDENT 'My nut server pw\n"),
        FILE,
        2,
        "unterminated single quote",
    );
    assert_error(
        parse("CERTIDENT My nut server pw\n"),
        FILE,
        1,
        "expected 2 arguments",
    );
    assert_error(
        parse("CERTIDENT onlyname\n"),
        FILE,
        1,
        "expected 2 arguments",
    );
}

#[test]
fn certrequest_values() {
    for (v, want) in [
        ("0", CertRequest::No),
        ("1", CertRequest::Request),
        ("2", CertRequest::Require),
        ("NO", CertRequest::No),
        ("REQUEST", CertRequest::Request),
        ("REQUIRE", CertRequest::Require),
    ] {
        assert_eq!(
            parse(&format!("CERTREQUEST {v}")).unwrap().certrequest,
            Some(want),
            "{v}"
        );
    }
    assert_error(
        parse("CERTREQUEST 3\n"),
        FILE,
        1,
        "CERTREQUEST: invalid value",
    );
    assert_error(
        parse("CERTREQUEST require\n"),
        FILE,
        1,
        "CERTREQUEST: invalid value",
    );
}

#[test]
fn obsolete_acl_directives_are_warnings() {
    let c = parse("ACL all 0.0.0.0/0\nACCEPT all\nREJECT all\nLISTEN 0.0.0.0\n").unwrap();
    assert_eq!(c.warnings.len(), 3);
    assert_eq!(c.warnings[1].line, 2);
    assert!(
        c.warnings[0]
            .to_string()
            .starts_with("/etc/nut/upsd.conf:1: ACL is no longer supported")
    );
    assert_eq!(c.listen, [addr("0.0.0.0", 3493)]);
}

#[test]
fn broken_files_name_file_and_line() {
    // A bad MAXAGE on line 3.
    assert_error(
        parse("LISTEN 127.0.0.1\n# comment\nMAXAGE fifteen\n"),
        FILE,
        3,
        "MAXAGE has non numeric value",
    );
    assert_error(
        parse("LISTEN 127.0.0.1\n\nMAXAGE -1\n"),
        FILE,
        3,
        "negative",
    );
    // `#` inside quotes on line 5.
    assert_error(
        parse("LISTEN 127.0.0.1\nMAXAGE 15\n\n\nCERTIDENT \"upsd#1\" pw\n"),
        FILE,
        5,
        "parse error",
    );
    // Unknown directive, with the upper-case hint.
    assert_error(
        parse("MAXAGE 15\nlisten 127.0.0.1\n"),
        FILE,
        2,
        "upper case: LISTEN",
    );
    assert_error(
        parse("INCLUDE other.conf\n"),
        FILE,
        1,
        "invalid directive INCLUDE",
    );
    assert_error(
        parse("LISTEN\n"),
        FILE,
        1,
        "LISTEN: expected <address> [<port>]",
    );
    assert_error(parse("LISTEN a 1 2\n"), FILE, 1, "LISTEN");
    assert_error(parse("LISTEN a 0\n"), FILE, 1, "between 1 and 65535");
    assert_error(parse("LISTEN a 65536\n"), FILE, 1, "too large");
    assert_error(parse("MAXAGE\n"), FILE, 1, "MAXAGE: expected 1 argument");
    assert_error(
        parse("MAXAGE 1 2\n"),
        FILE,
        1,
        "MAXAGE: expected 1 argument",
    );
    assert_error(
        parse("ALLOW_NO_DEVICE perhaps\n"),
        FILE,
        1,
        "invalid boolean",
    );
    assert_error(parse("DISABLE_WEAK_SSL 2\n"), FILE, 1, "invalid boolean");
    assert_error(parse("MAXCONN 0\n"), FILE, 1, "between 1 and");
    assert_error(parse("STATEPATH \"\"\n"), FILE, 1, "empty path");
    assert_error(parse("DEBUG_MIN x\n"), FILE, 1, "non numeric");
}

#[test]
fn environment_overrides_allow_flags() {
    let mut c = parse("ALLOW_NO_DEVICE false\nALLOW_NOT_ALL_LISTENERS true\n").unwrap();
    c.apply_env(|name| match name {
        "ALLOW_NO_DEVICE" => Some("Yes please".to_string()),
        "ALLOW_NOT_ALL_LISTENERS" => Some("off".to_string()),
        _ => None,
    });
    assert!(c.allow_no_device);
    assert!(!c.allow_not_all_listeners);
    // Unrecognised values leave the file setting alone.
    c.apply_env(|_| Some("maybe".to_string()));
    assert!(c.allow_no_device && !c.allow_not_all_listeners);
}

#[test]
fn certrequest_is_none_unless_the_file_sets_it() {
    assert_eq!(parse("MAXAGE 20\n").unwrap().certrequest, None);
    let c = parse("MAXAGE 20\n\nCERTREQUEST 0\n").unwrap();
    assert_eq!(c.certrequest, Some(CertRequest::No));
}

/// Bytes C NUT's parser discards do not break a file: a byte-order mark, a Latin-1 letter in
/// a comment (not UTF-8 at all), a non-breaking space before `#`, a DOS end-of-file mark.
#[test]
fn stray_bytes_are_dropped_with_a_warning_not_fatal() {
    let dir = std::env::temp_dir().join(format!("rnut-stray-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("upsd.conf");
    let mut bytes =
        b"\xEF\xBB\xBF# upsd.conf\n# caf\xE9 au lait\n\xC2\xA0# indented\nMAXAGE 20\n".to_vec();
    bytes.push(0x1a);
    bytes.push(b'\n');
    std::fs::write(&path, &bytes).expect("write");
    let text = crate::config::read_config_text(&path).expect("read");
    let conf = UpsdConf::parse(&text, &path).expect("parses");
    assert_eq!(conf.maxage, std::time::Duration::from_secs(20));
    assert!(
        conf.warnings
            .iter()
            .any(|w| w.to_string().contains("dropped")),
        "{:?}",
        conf.warnings
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn certident_without_a_store_is_refused_at_its_line() {
    // C upsd starts without TLS: STARTTLS answers FEATURE-NOT-CONFIGURED and clients that
    // do not force TLS go on in plaintext.
    assert_error(
        parse("MAXAGE 15\nCERTIDENT upsd secret\nCERTREQUEST 0\n"),
        FILE,
        2,
        "CERTIDENT without CERTPATH",
    );
    assert!(parse("CERTIDENT upsd secret\nCERTPATH /etc/nut/cert\n").is_ok());
    assert!(parse("CERTFILE /etc/nut/upsd.pem\nCERTIDENT upsd keypw\n").is_ok());
}

#[test]
fn zero_and_absurd_values_are_refused_at_their_line() {
    assert_error(
        parse("LISTEN ::1\nMAXAGE 0\n"),
        FILE,
        2,
        "MAXAGE must be at least 1 second",
    );
    assert_error(
        parse("MAXCONN 4000000000000\n"),
        FILE,
        1,
        "MAXCONN must be between 1 and 1048576",
    );
    assert_error(parse("MAXCONN 1048577\n"), FILE, 1, "between 1 and");
    assert_eq!(parse("MAXCONN 1048576\n").unwrap().maxconn, Some(1 << 20));
    assert_error(parse("MAXAGE 31536001\n"), FILE, 1, "more than a year");
    assert_error(
        parse("TRACKINGDELAY 99999999999999999\n"),
        FILE,
        1,
        "more than a year",
    );
    assert_eq!(
        parse("MAXAGE 31536000\n").unwrap().maxage,
        Duration::from_secs(31_536_000)
    );
}

#[test]
fn an_unclosed_quote_is_refused_not_swallowing_lines() {
    // C reads `LISTEN 0.0.0.0` and `MAXCONN 10` as part of the CERTIDENT password.
    assert_error(
        parse("MAXAGE 15\nCERTPATH /c\nCERTIDENT upsd \"secret\nLISTEN 0.0.0.0\nMAXCONN 10\"\n"),
        FILE,
        3,
        "a double quote is not closed on this line: the next 2 line(s)",
    );
}

#[test]
fn unix_socket_listen_and_its_file_settings() {
    let c = parse(
        "LISTEN 127.0.0.1 3493\nLISTEN /run/nut/upsd.sock\nLISTEN /run/nut/upsd.sock\n\
         UNIX_SOCKET_OWNER nut\nUNIX_SOCKET_GROUP nutmon\nUNIX_SOCKET_MODE 0640\n",
    )
    .unwrap();
    assert_eq!(c.listen, [addr("127.0.0.1", 3493)]);
    assert_eq!(c.unix_socket.paths, [PathBuf::from("/run/nut/upsd.sock")]);
    assert_eq!(c.unix_socket.owner.as_deref(), Some("nut"));
    assert_eq!(c.unix_socket.group.as_deref(), Some("nutmon"));
    assert_eq!(c.unix_socket.mode, 0o640);
    // Only a socket: the TCP defaults still apply.
    let c = parse("LISTEN /run/nut/upsd.sock\n").unwrap();
    assert_eq!(c.effective_listen().len(), 2);
    assert_eq!(c.unix_socket.mode, 0o660);
    assert!(c.unix_socket.owner.is_none() && c.unix_socket.group.is_none());
}

#[test]
fn unix_socket_mistakes_are_errors() {
    assert_error(
        parse("LISTEN /run/nut/upsd.sock 3493\n"),
        FILE,
        1,
        "takes no port",
    );
    assert_error(parse("LISTEN /\n"), FILE, 1, "file name");
    assert_error(parse("UNIX_SOCKET_MODE 4770\n"), FILE, 1, "invalid mode");
    assert_error(parse("UNIX_SOCKET_MODE rw\n"), FILE, 1, "invalid mode");
    assert_error(parse("UNIX_SOCKET_OWNER\n"), FILE, 1, "UNIX_SOCKET_OWNER");
    assert_error(parse("unix_socket_mode 0600\n"), FILE, 1, "upper case");
}

#[test]
fn require_login_for_reads_is_a_boolean_off_by_default() {
    assert!(!parse("").unwrap().require_login_for_reads);
    assert!(
        parse("REQUIRE_LOGIN_FOR_READS yes\n")
            .unwrap()
            .require_login_for_reads
    );
    assert!(
        !parse("REQUIRE_LOGIN_FOR_READS off\n")
            .unwrap()
            .require_login_for_reads
    );
    assert_error(
        parse("REQUIRE_LOGIN_FOR_READS maybe\n"),
        FILE,
        1,
        "invalid boolean",
    );
}
