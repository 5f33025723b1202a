use std::path::{Path, PathBuf};
use std::time::Duration;

use super::assert_error;
use crate::config::upsmon_conf::render_notify_message;
use crate::config::{
    CertHostRule, CertIdent, MonitorRole, MonitorTarget, NotifyEvent, NotifyFlags,
    PollFailLogThrottle, ShutdownExit, UpsmonConf,
};

const FILE: &str = "/etc/nut/upsmon.conf";

fn parse(text: &str) -> Result<UpsmonConf, crate::config::ConfigError> {
    UpsmonConf::parse(text, Path::new(FILE))
}

fn target(ups: &str, host: &str, port: u16) -> MonitorTarget {
    MonitorTarget {
        ups: ups.into(),
        host: host.into(),
        port,
    }
}

#[test]
fn config_md_example() {
    let c = parse(
        "MONITOR myups@localhost 1 upsmon_local \"P@ssW0rdAdm\" primary\nMINSUPPLIES 1\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n\
NOTIFYCMD /usr/sbin/upssched\nNOTIFYFLAG ONBATT SYSLOG+WALL+EXEC\nNOTIFYFLAG ONLINE SYSLOG+WALL+EXEC\nPOLLFREQ 5\n\
POLLFREQALERT 5\nHOSTSYNC 15\nDEADTIME 15\nPOWERDOWNFLAG /run/nut/killpower\nFINALDELAY 5\n",
    )
    .unwrap();
    assert_eq!(c.monitors.len(), 1);
    let m = &c.monitors[0];
    assert_eq!(m.system_text, "myups@localhost");
    assert_eq!(m.system, target("myups", "localhost", 3493));
    assert_eq!(
        (m.power_value, m.user.as_str(), m.password.expose()),
        (1, "upsmon_local", "P@ssW0rdAdm")
    );
    assert_eq!((m.role, m.line), (MonitorRole::Primary, 1));
    assert_eq!(c.shutdowncmd.as_deref(), Some("/sbin/shutdown -h +0"));
    assert_eq!(c.notifycmd, Some(vec!["/usr/sbin/upssched".to_string()]));
    let all = NotifyFlags::SYSLOG | NotifyFlags::WALL | NotifyFlags::EXEC;
    assert_eq!(c.notify_flags(NotifyEvent::OnBatt), all);
    assert_eq!(c.notify_flags(NotifyEvent::Online), all);
    assert_eq!(c.notify_flags(NotifyEvent::LowBatt), NotifyFlags::DEFAULT);
    assert_eq!(c.powerdownflag, Some(PathBuf::from("/run/nut/killpower")));
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn defaults() {
    let c = parse("").unwrap();
    assert!(c.monitors.is_empty());
    assert_eq!(c.minsupplies, 1);
    assert_eq!(c.shutdowncmd, None);
    assert_eq!(c.shutdownexit, ShutdownExit::Yes);
    assert_eq!(c.notifycmd, None);
    assert!(c.notifymsg.is_empty() && c.notifyflags.is_empty());
    assert_eq!(c.pollfreq, Duration::from_secs(5));
    assert_eq!(c.pollfreqalert, Duration::from_secs(5));
    assert_eq!(c.pollfail_log_throttle_max, PollFailLogThrottle::EveryLoop);
    assert_eq!(c.deadtime, Duration::from_secs(15));
    assert_eq!(c.hostsync, Duration::from_secs(15));
    assert_eq!(c.finaldelay, Duration::from_secs(5));
    assert_eq!(c.rbwarntime, Duration::from_secs(43200));
    assert_eq!(c.nocommwarntime, Duration::from_secs(300));
    assert_eq!(c.powerdownflag, None);
    assert_eq!(c.offduration, Some(Duration::from_secs(30)));
    assert_eq!(c.overduration, None);
    assert_eq!(c.oblbduration, Duration::ZERO);
    assert!(c.alarmcritical);
    assert_eq!(c.run_as_user, None);
    assert_eq!(
        (
            c.certpath.as_ref(),
            c.certfile.as_ref(),
            c.certident.as_ref()
        ),
        (None, None, None)
    );
    assert!(c.certhosts.is_empty());
    assert_eq!((c.certverify, c.forcessl), (None, None));
    assert_eq!(c.debug_min, None);
    for &e in NotifyEvent::ALL {
        let default = if e == NotifyEvent::CertExpiry {
            NotifyFlags::NONE
        } else {
            NotifyFlags::SYSLOG | NotifyFlags::WALL
        };
        assert_eq!(c.notify_flags(e), default);
        assert_eq!(c.notify_format(e), e.stock_message());
    }
    assert!(c.warnings.is_empty());
}

#[test]
fn nit_sandbox_file_with_tls() {
    let text = r#"MINSUPPLIES 0
SHUTDOWNCMD "echo \"Thu Nov 26: TESTING_DUMMY_SHUTDOWN_NOW\" | tee \"/tmp/nit/run/upsmon.sd.log\" "
NOTIFYCMD "/tmp/nit/etc/upsmon-notify.sh"
NOTIFYFLAG ONLINE EXEC+SYSLOG
NOTIFYFLAG ONBATT EXEC+SYSLOG
NOTIFYFLAG LOWBATT EXEC+SYSLOG
NOTIFYFLAG FSD EXEC+SYSLOG
MONITOR "dummy@localhost:34931" 0 "dummy-admin" "P@ssW0rdAdm" primary
CERTPATH "/tmp/nit/etc/cert/upsmon"
CERTIDENT "NIT upsmon" "nit-pass"
FORCESSL 1
CERTHOST localhost:34931 "NIT upsd" 1 1
"#;
    let c = parse(text).unwrap();
    assert_eq!(c.minsupplies, 0);
    assert_eq!(
        c.shutdowncmd.as_deref(),
        Some(
            "echo \"Thu Nov 26: TESTING_DUMMY_SHUTDOWN_NOW\" | tee \"/tmp/nit/run/upsmon.sd.log\" "
        )
    );
    assert_eq!(
        c.notifycmd,
        Some(vec!["/tmp/nit/etc/upsmon-notify.sh".to_string()])
    );
    assert_eq!(
        c.notify_flags(NotifyEvent::Fsd),
        NotifyFlags::EXEC | NotifyFlags::SYSLOG
    );
    let m = &c.monitors[0];
    assert_eq!(m.system, target("dummy", "localhost", 34931));
    assert_eq!(m.power_value, 0);
    assert_eq!(m.user, "dummy-admin");
    assert_eq!(
        c.certident,
        Some(CertIdent {
            name: "NIT upsmon".into(),
            password: "nit-pass".into()
        })
    );
    assert_eq!((c.certverify, c.forcessl), (None, Some(true)));
    let rule = CertHostRule {
        host: "localhost".into(),
        port: Some(34931),
        cert_name: "NIT upsd".into(),
        certverify: true,
        forcessl: true,
    };
    assert_eq!(c.certhost("localhost", 34931), Some(&rule));
    assert_eq!(c.certhost("localhost", 3493), None);
    assert_eq!(c.certhost("LOCALHOST", 34931), None);
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn every_directive() {
    let text = "MONITOR ups1 2 mon pw master\nMONITOR ups2@[::1]:3494 1 mon pw slave\nMONITOR ups3@10.0.0.2:4000 0 mon pw Secondary\n\
MINSUPPLIES 2\nSHUTDOWNCMD /sbin/shutdown -h \"now it's time\"\nSHUTDOWNEXIT 30\nNOTIFYCMD /usr/bin/logger -t upsmon\n\
NOTIFYMSG ONBATT \"%s lost mains, 100%% sure\"\nNOTIFYFLAG REPLBATT IGNORE\nPOLLFREQ 10\nPOLLFREQALERT 2\n\
POLLFAIL_LOG_THROTTLE_MAX 0\nDEADTIME 25\nHOSTSYNC 20\nFINALDELAY 0\nRBWARNTIME 600\nNOCOMMWARNTIME 60\n\
POWERDOWNFLAG /etc/killpower\nOFFDURATION -1\nOVERDURATION 0\nOBLBDURATION -5\nALARMCRITICAL 0\nRUN_AS_USER nut\n\
CERTPATH /etc/nut/ca\nCERTFILE /etc/nut/client.pem\nCERTIDENT 'My client' 'x y'\nCERTVERIFY 1\nFORCESSL 0\nDebug_Min 4\n\
CERTHOST [::1]:3494 upsd.example 0 1\n";
    let c = parse(text).unwrap();
    let systems: Vec<&MonitorTarget> = c.monitors.iter().map(|m| &m.system).collect();
    assert_eq!(
        systems,
        [
            &target("ups1", "localhost", 3493),
            &target("ups2", "::1", 3494),
            &target("ups3", "10.0.0.2", 4000)
        ]
    );
    let roles: Vec<MonitorRole> = c.monitors.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            MonitorRole::Primary,
            MonitorRole::Secondary,
            MonitorRole::Secondary
        ]
    );
    assert_eq!(c.minsupplies, 2);
    assert_eq!(c.minsupplies_line, 4);
    assert_eq!(
        c.shutdowncmd.as_deref(),
        Some(r"/sbin/shutdown '-h' 'now it'\''s time'")
    );
    assert_eq!(c.shutdownexit, ShutdownExit::After(Duration::from_secs(30)));
    assert_eq!(
        c.notifycmd,
        Some(vec!["/usr/bin/logger".into(), "-t".into(), "upsmon".into()])
    );
    assert_eq!(
        c.notify_format(NotifyEvent::OnBatt),
        "%s lost mains, 100%% sure"
    );
    assert_eq!(c.notify_flags(NotifyEvent::ReplBatt), NotifyFlags::IGNORE);
    assert_eq!(c.pollfreq, Duration::from_secs(10));
    assert_eq!(c.pollfreqalert, Duration::from_secs(2));
    assert_eq!(c.pollfail_log_throttle_max, PollFailLogThrottle::OnChange);
    assert_eq!(c.deadtime, Duration::from_secs(25));
    assert_eq!(c.hostsync, Duration::from_secs(20));
    assert_eq!(c.finaldelay, Duration::ZERO);
    assert_eq!(c.rbwarntime, Duration::from_secs(600));
    assert_eq!(c.nocommwarntime, Duration::from_secs(60));
    assert_eq!(c.powerdownflag, Some(PathBuf::from("/etc/killpower")));
    assert_eq!(c.offduration, None);
    assert_eq!(c.overduration, Some(Duration::ZERO));
    assert_eq!(c.oblbduration, Duration::ZERO);
    assert!(!c.alarmcritical);
    assert_eq!(c.run_as_user.as_deref(), Some("nut"));
    assert_eq!(c.certpath, Some(PathBuf::from("/etc/nut/ca")));
    assert_eq!(c.certfile, Some(PathBuf::from("/etc/nut/client.pem")));
    assert_eq!(
        c.certident,
        Some(CertIdent {
            name: "My client".into(),
            password: "x y".into()
        })
    );
    assert_eq!((c.certverify, c.forcessl), (Some(true), Some(false)));
    assert_eq!(c.debug_min, Some(4));
    let rule = c.certhost("::1", 3494).unwrap();
    assert_eq!(
        (rule.cert_name.as_str(), rule.certverify, rule.forcessl),
        ("upsd.example", false, true)
    );
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn shutdownexit_forms() {
    for (v, want) in [
        ("yes", ShutdownExit::Yes),
        ("ON", ShutdownExit::Yes),
        ("true", ShutdownExit::Yes),
        ("0", ShutdownExit::Yes),
        ("no", ShutdownExit::No),
        ("off", ShutdownExit::No),
        ("False", ShutdownExit::No),
        ("-1", ShutdownExit::No),
        ("90", ShutdownExit::After(Duration::from_secs(90))),
    ] {
        assert_eq!(
            parse(&format!("SHUTDOWNEXIT {v}")).unwrap().shutdownexit,
            want,
            "{v}"
        );
    }
    assert_error(
        parse("SHUTDOWNEXIT later\n"),
        FILE,
        1,
        "SHUTDOWNEXIT: invalid value",
    );
}

#[test]
fn pollfail_throttle_and_durations() {
    assert_eq!(
        parse("POLLFAIL_LOG_THROTTLE_MAX 7")
            .unwrap()
            .pollfail_log_throttle_max,
        PollFailLogThrottle::Every(7)
    );
    assert_eq!(
        parse("POLLFAIL_LOG_THROTTLE_MAX -3")
            .unwrap()
            .pollfail_log_throttle_max,
        PollFailLogThrottle::EveryLoop
    );
    assert_eq!(
        parse("OFFDURATION 0").unwrap().offduration,
        Some(Duration::ZERO)
    );
    assert_eq!(
        parse("OVERDURATION 45").unwrap().overduration,
        Some(Duration::from_secs(45))
    );
    assert_eq!(
        parse("OBLBDURATION 12").unwrap().oblbduration,
        Duration::from_secs(12)
    );
}

#[test]
fn notify_events_are_complete() {
    assert_eq!(
        NotifyEvent::ALL.len(),
        33,
        "C NUT's 32 and rnut's CERTEXPIRY"
    );
    for (i, &e) in NotifyEvent::ALL.iter().enumerate() {
        assert_eq!(usize::from(e.id()), i);
        assert_eq!(NotifyEvent::from_name(e.name()), Some(e));
        assert_eq!(e.to_string(), e.name());
    }
    assert_eq!(NotifyEvent::from_name("onbatt"), None);
    assert_eq!(NotifyEvent::ShutdownHostsync.name(), "SHUTDOWN_HOSTSYNC");
    assert_eq!(NotifyEvent::SuspendFinished.id(), 31);
    assert_eq!(NotifyEvent::Online.stock_message(), "UPS %s on line power");
    assert_eq!(
        NotifyEvent::Alarm.stock_message(),
        "UPS %s: one or more active alarms: [%s]"
    );
    assert_eq!(
        NotifyEvent::Shutdown.stock_message(),
        "Auto logout and shutdown proceeding"
    );
    // Every event can be configured by name.
    let text: String = NotifyEvent::ALL
        .iter()
        .map(|e| format!("NOTIFYFLAG {e} EXEC\nNOTIFYMSG {e} \"x %s\"\n"))
        .collect();
    let c = parse(&text).unwrap();
    assert_eq!(c.notifyflags.len(), 33);
    assert_eq!(c.notifymsg.len(), 33);
}

#[test]
fn notify_flags_and_messages() {
    assert_eq!(
        NotifyFlags::parse("SYSLOG+WALL"),
        Some(NotifyFlags::DEFAULT)
    );
    assert_eq!(NotifyFlags::parse("IGNORE"), Some(NotifyFlags::IGNORE));
    assert_eq!(NotifyFlags::parse("syslog"), None);
    assert_eq!(NotifyFlags::parse("SYSLOG+"), None);
    assert_eq!(NotifyFlags::parse(""), None);
    let f = NotifyFlags::SYSLOG | NotifyFlags::EXEC;
    assert!(f.contains(NotifyFlags::EXEC) && !f.contains(NotifyFlags::WALL));
    assert_eq!(f.to_string(), "SYSLOG+EXEC");
    assert!(NotifyFlags::NONE.is_empty());

    assert_eq!(
        render_notify_message(NotifyEvent::OnBatt.stock_message(), "ups@host", ""),
        "UPS ups@host on battery"
    );
    assert_eq!(
        render_notify_message(NotifyEvent::Alarm.stock_message(), "u@h", "OVERHEAT"),
        "UPS u@h: one or more active alarms: [OVERHEAT]"
    );
    assert_eq!(render_notify_message("100%% %s", "u", ""), "100% u");
    assert_eq!(
        render_notify_message("no placeholder", "u", "x"),
        "no placeholder"
    );
    assert_eq!(render_notify_message(&"é".repeat(400), "", "").len(), 510);
}

#[test]
fn duplicates_warn_and_first_wins() {
    let c = parse("MONITOR a@h 1 u p primary\nMONITOR a@h 2 u p secondary\nCERTHOST h x 1 1\nCERTHOST h y 0 0\n").unwrap();
    assert_eq!(c.monitors.len(), 1);
    assert_eq!(c.monitors[0].power_value, 1);
    assert_eq!(c.certhosts.len(), 1);
    assert_eq!(c.certhosts[0].cert_name, "x");
    let lines: Vec<usize> = c.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [2, 4]);
}

#[test]
fn validate_requires_monitor_and_power() {
    let e = parse("MINSUPPLIES 0\n").unwrap().validate().unwrap_err();
    assert_eq!((e.line, e.file.as_path()), (0, Path::new(FILE)));
    assert_eq!(
        e.to_string(),
        "/etc/nut/upsmon.conf: no MONITOR line: upsmon has nothing to monitor"
    );
    let c = parse("MONITOR a 1 u p primary\nMINSUPPLIES 2\n").unwrap();
    let e = c.validate().unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("insufficient power configured"));
    assert_eq!(
        parse("MONITOR a 0 u p secondary\n")
            .unwrap()
            .validate()
            .unwrap_err()
            .line,
        0
    );
    assert_eq!(
        parse("MONITOR a 0 u p secondary\nMINSUPPLIES 0\n")
            .unwrap()
            .validate(),
        Ok(())
    );
}

#[test]
fn debug_never_shows_passwords() {
    let c = parse("MONITOR a 1 u hunter2 primary\nCERTPATH /c\nCERTIDENT n hunter3\n").unwrap();
    let d = format!("{c:?}");
    assert!(!d.contains("hunter2") && !d.contains("hunter3"), "{d}");
}

#[test]
fn broken_files_name_file_and_line() {
    // The old 5-word MONITOR line (no user name) is fatal.
    assert_error(
        parse("MINSUPPLIES 1\nMONITOR myups@localhost 1 pass primary\n"),
        FILE,
        2,
        "old-style",
    );
    assert_error(parse("MONITOR a 1 u\n"), FILE, 1, "expected 5 arguments");
    assert_error(
        parse("MONITOR a 1 u p primary extra\n"),
        FILE,
        1,
        "expected 5 arguments",
    );
    // An unquoted '=' splits a password into three words: the error says how to quote it,
    // without repeating the password.
    let err = parse("MONITOR a 1 u hunter=2 primary\n").expect_err("refused");
    assert!(err.message.contains("unquoted '='"), "{err}");
    assert!(!err.to_string().contains("hunter"), "{err}");
    assert_error(parse("MONITOR a -1 u p primary\n"), FILE, 1, "negative");
    assert_error(parse("MONITOR a one u p primary\n"), FILE, 1, "non numeric");
    assert_error(parse("MONITOR a 1 u p boss\n"), FILE, 1, "invalid role");
    assert_error(
        parse("MONITOR a@h:99999 1 u p primary\n"),
        FILE,
        1,
        "invalid system name",
    );
    assert_error(
        parse("MONITOR a@[::1 1 u p primary\n"),
        FILE,
        1,
        "invalid system name",
    );
    assert_error(
        parse("MONITOR @h 1 u p primary\n"),
        FILE,
        1,
        "invalid system name",
    );
    assert_error(parse("\n\nMINSUPPLIES -1\n"), FILE, 3, "negative");
    assert_error(parse("POLLFREQ 0\n"), FILE, 1, "at least 1 second");
    assert_error(parse("DEADTIME -5\n"), FILE, 1, "negative");
    assert_error(parse("FINALDELAY 5s\n"), FILE, 1, "non numeric");
    assert_error(
        parse("NOTIFYFLAG ONBATT SYSLOG+PAGER\n"),
        FILE,
        1,
        "invalid flags",
    );
    assert_error(
        parse("NOTIFYFLAG ONBATT SYSLOG + WALL\n"),
        FILE,
        1,
        "expected 2 arguments",
    );
    assert_error(
        parse("NOTIFYFLAG ONBAT SYSLOG\n"),
        FILE,
        1,
        "unknown notify type",
    );
    assert_error(
        parse("NOTIFYMSG ONBATT \"%s %n\"\n"),
        FILE,
        1,
        "only %s and %%",
    );
    assert_error(
        parse("NOTIFYMSG ONBATT \"%s %s %s\"\n"),
        FILE,
        1,
        "at most two",
    );
    assert_error(
        parse("NOTIFYMSG ONBATT UPS on battery\n"),
        FILE,
        1,
        "expected 2 arguments",
    );
    assert_error(parse("CERTHOST h name 2 0\n"), FILE, 1, "expected 0 or 1");
    assert_error(
        parse("CERTHOST h name 1\n"),
        FILE,
        1,
        "expected 4 arguments",
    );
    assert_error(parse("CERTHOST h:x name 1 1\n"), FILE, 1, "invalid host");
    assert_error(parse("CERTVERIFY yes\n"), FILE, 1, "expected 0 or 1");
    assert_error(parse("ALARMCRITICAL 2\n"), FILE, 1, "expected 0 or 1");
    assert_error(parse("SHUTDOWNCMD\n"), FILE, 1, "missing command");
    assert_error(parse("NOTIFYCMD \"\"\n"), FILE, 1, "empty command");
    assert_error(
        parse("monitor a 1 u p primary\n"),
        FILE,
        1,
        "upper case: MONITOR",
    );
    assert_error(
        parse("MONITOR a 1 u p primary\n\n\n\nSHUTDOWNCMD \"/sbin/shutdown #now\"\n"),
        FILE,
        5,
        "parse error",
    );
    assert_error(parse("RUN_AS_USER\n"), FILE, 1, "expected 1 argument");
    assert_error(parse("POWERDOWNFLAG a b\n"), FILE, 1, "expected 1 argument");
}

#[test]
fn errors_never_echo_a_password() {
    for text in [
        "MONITORR ups@h 1 user hunter2 primary\n",
        "CERTIDENTT name hunter2\n",
        "MONITOR ups@h 1 user hunter2\n",
        "MONITOR ups@h 1 user hunter2 primary extra\n",
        "CERTIDENT name hunter2 extra\n",
    ] {
        let e = parse(text).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
    let e = parse("PASSWORD hunter2\n").unwrap_err();
    assert_eq!(e.message, "invalid directive PASSWORD");
    // Found by the config_files fuzz target: a quoted first word is no keyword, and may be a
    // whole `password = ...` line run together; the message names no part of it.
    let e = parse("\"password and login=hunter2secret9\" x\n").unwrap_err();
    assert_eq!(
        e.message,
        "invalid directive (the line does not start with a keyword)"
    );
}

#[test]
fn certverify_and_forcessl_are_none_unless_the_file_sets_them() {
    let c = parse("").unwrap();
    assert_eq!((c.certverify, c.forcessl), (None, None));
    let c = parse("CERTVERIFY 0\nFORCESSL 1\n").unwrap();
    assert_eq!((c.certverify, c.forcessl), (Some(false), Some(true)));
}

/// C NUT 2.8.0 matches CERTHOST on the host alone: a rule without a port protects the host on
/// every port (issue 13, finding 2); a `host:port` rule wins for its port.
#[test]
fn certhost_without_port_covers_every_port() {
    let c = parse(
        "MONITOR ups@127.0.0.1:3500 1 u p primary\nMONITOR b@127.0.0.1:3600 0 u p secondary\n\
         CERTHOST 127.0.0.1 \"x\" 1 1\nCERTHOST 127.0.0.1:3600 y 0 1\n",
    )
    .unwrap();
    let any = c.certhost("127.0.0.1", 3500).unwrap();
    assert_eq!((any.port, any.cert_name.as_str()), (None, "x"));
    assert!(any.certverify && any.forcessl);
    assert_eq!(c.certhost("127.0.0.1", 3493).unwrap().cert_name, "x");
    assert_eq!(c.certhost("127.0.0.1", 3600).unwrap().cert_name, "y");
    assert!(c.certhost("localhost", 3500).is_none());
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn certhost_accepts_single_quoted_words() {
    let c = parse("CERTHOST 'localhost:3494' 'My nut server' '1' 1\n").unwrap();
    let r = c.certhost("localhost", 3494).unwrap();
    assert_eq!(r.cert_name, "My nut server");
    assert!(r.certverify && r.forcessl);
    assert_error(
        parse("CERTHOST h 'open 1 1\n"),
        FILE,
        1,
        "unterminated single quote",
    );
}

#[test]
fn certhost_that_matches_no_monitor_warns_naming_both() {
    let c = parse(
        "MONITOR ups@127.0.0.1:3500 1 u p primary\nCERTHOST 127.0.0.1:3493 x 1 1\n\
         CERTHOST other x 1 1\nCERTHOST 127.0.0.1:3500 x 1 1\n",
    )
    .unwrap();
    let msgs: Vec<(usize, &str)> = c
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0].0, 2);
    assert!(
        msgs[0]
            .1
            .contains("CERTHOST 127.0.0.1:3493 matches no MONITOR")
    );
    assert!(msgs[0].1.contains("ups@127.0.0.1:3500"));
    assert!(msgs[1].1.contains("CERTHOST other matches no MONITOR"));
    // A settings file without MONITOR lines (upsc -C) is not checked.
    assert!(parse("CERTHOST other x 1 1\n").unwrap().warnings.is_empty());
}

#[test]
fn certident_without_a_store_is_refused_at_its_line() {
    assert_error(
        parse("MONITOR a 1 u p primary\nCERTIDENT client pw\nFORCESSL 1\n"),
        FILE,
        2,
        "CERTIDENT without CERTPATH",
    );
    assert!(parse("MONITOR a 1 u p primary\nCERTIDENT client pw\nCERTPATH /c\n").is_ok());
}

#[test]
fn zero_and_absurd_timers_are_refused_at_their_line() {
    for (directive, needle) in [
        ("DEADTIME 0", "DEADTIME must be at least 1 second"),
        ("HOSTSYNC 0", "HOSTSYNC must be at least 1 second"),
        ("POLLFREQALERT 0", "POLLFREQALERT must be at least 1 second"),
        ("POLLFREQ 31536001", "more than a year"),
        ("FINALDELAY 99999999999", "more than a year"),
        ("OFFDURATION 99999999999", "more than a year"),
        ("OBLBDURATION 99999999999", "more than a year"),
    ] {
        assert_error(
            parse(&format!("MONITOR a 1 u p primary\n{directive}\n")),
            FILE,
            2,
            needle,
        );
    }
    // 0 stays meaningful where the spec gives it a meaning.
    let c = parse("FINALDELAY 0\nOFFDURATION 0\nOVERDURATION -1\nOBLBDURATION -3\n").unwrap();
    assert_eq!(c.finaldelay, Duration::ZERO);
    assert_eq!(c.offduration, Some(Duration::ZERO));
    assert_eq!(c.overduration, None);
    assert_eq!(c.oblbduration, Duration::ZERO);
}

#[test]
fn an_unclosed_quote_is_refused_not_swallowing_a_monitor() {
    assert_error(
        parse("NOTIFYMSG ONBATT \"on battery\nMONITOR a 1 u p primary\n"),
        FILE,
        1,
        "a double quote is not closed",
    );
}

#[test]
fn failover_monitor_lines() {
    let c = parse(
        "MONITOR ups@a:3493,ups@b:3494 1 \"mon:P@ss W0rd\" primary\nMONITOR x@c 0 u p secondary\n",
    )
    .unwrap();
    let m = &c.monitors[0];
    assert_eq!(m.system_text, "ups@a:3493,ups@b:3494");
    assert_eq!(m.system, target("ups", "a", 3493));
    assert_eq!(m.alternates, [target("ups", "b", 3494)]);
    assert_eq!(m.user, "mon");
    assert_eq!(m.password.expose(), "P@ss W0rd");
    assert_eq!(m.role, MonitorRole::Primary);
    assert_eq!(m.servers().count(), 2);
    assert!(c.monitors[1].alternates.is_empty());
    // A server list in the six-word form would be the first server alone to C upsmon.
    assert_error(
        parse("MONITOR ups@a,ups@b 1 mon pw primary\n"),
        FILE,
        1,
        "failover form",
    );
    // Five words without a list stay the old, refused form.
    assert_error(
        parse("MONITOR ups@a 1 mon:pw primary\n"),
        FILE,
        1,
        "old-style",
    );
    assert_error(
        parse("MONITOR ups@a,ups@b 1 monpw primary\n"),
        FILE,
        1,
        "<user>:<password>",
    );
}
