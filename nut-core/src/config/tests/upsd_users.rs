use std::path::Path;

use super::assert_error;
use crate::config::{Secret, UpsdUsers, UpsmonRole};

const FILE: &str = "/etc/nut/upsd.users";

fn parse(text: &str) -> Result<UpsdUsers, crate::config::ConfigError> {
    UpsdUsers::parse(text, Path::new(FILE))
}

/// The NIT sandbox upsd.users, one field per line as nit.sh writes it.
const NIT: &str = r#"[admin]
	password = mypass
	actions = SET
	instcmds = ALL

[reader]
	password = public

[tester]
	password = "pass words"
	instcmds = test.battery.start
	instcmds = test.battery.stop

[dummy-admin-m]
	password = "P@ssW0rdAdm"
	upsmon master

[dummy-admin]
	password = "P@ssW0rdAdm"
	upsmon primary

[dummy-user-s]
	password = "P@ssW0rd"
	upsmon slave

[dummy-user]
	password = "P@ssW0rd"
	upsmon secondary
"#;

#[test]
fn nit_sandbox_users_and_rights() {
    let u = parse(NIT).unwrap();
    let names: Vec<&str> = u.users.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "admin",
            "reader",
            "tester",
            "dummy-admin-m",
            "dummy-admin",
            "dummy-user-s",
            "dummy-user"
        ]
    );
    assert!(u.warnings.is_empty(), "{:?}", u.warnings);

    let admin = u.get("admin").unwrap();
    assert_eq!(admin.password.as_ref().map(Secret::expose), Some("mypass"));
    assert!(admin.may_set() && admin.has_action("SET") && admin.has_action("set"));
    assert!(!admin.may_fsd() && !admin.may_login() && !admin.may_primary());
    assert!(admin.may_instcmd("test.panel.start") && admin.may_instcmd("LOAD.OFF"));

    let reader = u.get("reader").unwrap();
    assert!(!reader.may_set() && !reader.may_login() && !reader.may_instcmd("test.battery.start"));

    let tester = u.get("tester").unwrap();
    assert_eq!(
        tester.password.as_ref().map(Secret::expose),
        Some("pass words")
    );
    assert!(tester.may_instcmd("test.battery.start") && tester.may_instcmd("TEST.BATTERY.STOP"));
    assert!(!tester.may_instcmd("load.off"));

    for primary in ["dummy-admin-m", "dummy-admin"] {
        let p = u.get(primary).unwrap();
        assert_eq!(p.upsmon, Some(UpsmonRole::Primary));
        assert!(p.may_login() && p.may_primary() && p.may_fsd(), "{primary}");
        assert!(!p.may_set() && !p.may_instcmd("x"));
    }
    for secondary in ["dummy-user-s", "dummy-user"] {
        let s = u.get(secondary).unwrap();
        assert_eq!(s.upsmon, Some(UpsmonRole::Secondary));
        assert!(
            s.may_login() && !s.may_primary() && !s.may_fsd(),
            "{secondary}"
        );
    }
    assert!(u.get("Admin").is_none(), "user names are case-sensitive");
}

#[test]
fn config_md_example() {
    let u = parse(
        "[admin]\n    password = mypass\n    actions = SET\n    actions = FSD\n    instcmds = ALL\n\
[upsmon_local]\n    password = \"P@ssW0rdAdm\"\n    upsmon primary\n[upsmon_remote]\n    password = \"P@ssW0rd\"\n    upsmon secondary\n",
    )
    .unwrap();
    let admin = u.get("admin").unwrap();
    assert!(admin.may_set() && admin.may_fsd() && !admin.may_login());
    assert_eq!(
        admin.actions.iter().map(String::as_str).collect::<Vec<_>>(),
        ["fsd", "set"]
    );
    assert_eq!(
        u.get("upsmon_local")
            .unwrap()
            .password
            .as_ref()
            .map(Secret::expose),
        Some("P@ssW0rdAdm")
    );
    assert!(u.get("upsmon_remote").unwrap().may_login());
}

#[test]
fn field_forms() {
    let u = parse(
        "[a]\nPASSWORD = \"123=123\"\nInstCmds = beeper.on beeper.off\nactions = set fsd\nupsmon = primary\n\
[b]\npassword = 123\\=123\nupsmon = SLAVE\n[h]\npassword = \"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA\"\n",
    )
    .unwrap();
    let a = u.get("a").unwrap();
    assert_eq!(a.password.as_ref().map(Secret::expose), Some("123=123"));
    assert!(
        a.may_instcmd("beeper.on")
            && a.may_instcmd("beeper.off")
            && !a.may_instcmd("beeper.toggle")
    );
    assert!(a.may_set() && a.may_fsd() && a.may_primary() && a.may_login());
    let b = u.get("b").unwrap();
    assert_eq!(b.password.as_ref().map(Secret::expose), Some("123=123"));
    assert_eq!(b.upsmon, Some(UpsmonRole::Secondary));
    assert_eq!(
        u.get("h").unwrap().password.as_ref().map(Secret::expose),
        Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    );
}

#[test]
fn first_password_wins_and_duplicates_warn() {
    let u = parse("[a]\npassword = one\npassword = two\n[a]\npassword = three\n").unwrap();
    assert_eq!(u.users.len(), 1);
    assert_eq!(
        u.get("a").unwrap().password.as_ref().map(Secret::expose),
        Some("one")
    );
    assert_eq!(u.warnings.len(), 2);
    assert_eq!(u.warnings[0].line, 3);
    assert!(u.warnings[0].message.contains("duplicate password"));
    assert_eq!(u.warnings[1].line, 4);
    assert!(u.warnings[1].message.contains("duplicate user [a]"));
}

#[test]
fn obsolete_and_outside_fields_warn() {
    let u = parse("password = stray\n[a]\npassword = p\nallowfrom = localhost\nuser a\n[nopw]\nactions = set\n").unwrap();
    let lines: Vec<usize> = u.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 4, 5, 6]);
    assert!(
        u.warnings[0]
            .message
            .contains("outside of a [user] section")
    );
    assert!(u.warnings[1].message.contains("allowfrom"));
    assert!(u.warnings[3].message.contains("no password"));
    assert_eq!(u.get("nopw").unwrap().password, None);
}

#[test]
fn debug_never_shows_passwords() {
    let u = parse("[a]\npassword = hunter2\n").unwrap();
    assert!(!format!("{u:?}").contains("hunter2"));
}

/// Found by the config_files fuzz target: a password line whose value is glued to the
/// directive (`password:x`, a quoted `"password x"`) was refused with the whole first word,
/// value included, in the message (which upsd logs).
#[test]
fn a_mistyped_password_line_never_echoes_its_value() {
    for text in [
        "[a]\npassword:hunter2secret\n",
        "[a]\npassword:hunter2secret = x\n",
        "[a]\n\"password hunter2secret\" = x\n",
        "password:hunter2secret\n[a]\n",
    ] {
        let messages: Vec<String> = match parse(text) {
            Ok(u) => u.warnings.iter().map(|w| w.message.clone()).collect(),
            Err(e) => vec![e.message],
        };
        assert!(!messages.is_empty(), "{text:?} accepted in silence");
        for m in messages {
            assert!(!m.contains("hunter2"), "{text:?}: {m}");
            assert!(m.contains("password"), "{text:?}: {m}");
        }
    }
}

#[test]
fn broken_files_name_file_and_line() {
    assert_error(
        parse("[a]\npassword = p\nactoins = SET\n"),
        FILE,
        3,
        "Unrecognized user setting actoins",
    );
    assert_error(
        parse("[a]\npassword = p\nactions = SET,FSD\n"),
        FILE,
        3,
        "unknown action",
    );
    assert_error(
        parse("[a]\npassword = p\nupsmon boss\n"),
        FILE,
        3,
        "unknown role",
    );
    assert_error(parse("[a]\npassword = pass words\n"), FILE, 2, "one value");
    assert_error(parse("[a]\npassword p\n"), FILE, 2, "malformed line");
    assert_error(
        parse("[a]\n\n\n\npassword = \"pa#ss\"\n"),
        FILE,
        5,
        "parse error",
    );
    assert_error(
        parse("[my user]\npassword = p\n"),
        FILE,
        1,
        "malformed section header",
    );
    assert_error(
        parse("# header\nactoins = SET\n[a]\n"),
        FILE,
        2,
        "Unrecognized user setting",
    );
}

#[test]
fn dropped_bytes_are_warned_about() {
    // A TAB inside quotes and a non-ASCII letter never reach the value (CVE-2012-2944 filter).
    let u = parse("[a]\npassword = \"p\tw\"\n\n[b]\npassword = pässword\n").unwrap();
    assert_eq!(
        u.get("a").unwrap().password.as_ref().map(Secret::expose),
        Some("pw")
    );
    assert_eq!(
        u.get("b").unwrap().password.as_ref().map(Secret::expose),
        Some("pssword")
    );
    let lines: Vec<usize> = u.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [2, 5]);
    assert!(
        u.warnings[1]
            .message
            .contains("2 control or non-ASCII byte(s) dropped")
    );
}

#[test]
fn an_unclosed_quote_is_refused_not_swallowing_a_user() {
    // C reads the `[admin]` section as part of monuser's password.
    let err = UpsdUsers::parse(
        "[monuser]\n password = \"secret\n upsmon secondary\n[admin]\n password = x\"\n actions = SET\n",
        Path::new("/etc/nut/upsd.users"),
    )
    .unwrap_err();
    assert_eq!(err.line, 2, "{err}");
    assert!(err.message.contains("the next 3 line(s)"), "{err}");
}
