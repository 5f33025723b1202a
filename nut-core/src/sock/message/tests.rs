use super::*;
use crate::sock::flags::VarFlags;
use crate::words::split_line;

fn drv(line: &str) -> Result<DriverMessage, SockParseError> {
    DriverMessage::parse(&split_line(line).expect("tokenizes"))
}

fn srv(line: &str) -> Result<ServerMessage, SockParseError> {
    ServerMessage::parse(&split_line(line).expect("tokenizes"))
}

#[test]
fn driver_lines_byte_exact() {
    let m = DriverMessage::SetInfo {
        var: "ups.id".into(),
        value: r#"Shelf "A" #3 \ x"#.into(),
    };
    assert_eq!(m.to_string(), r#"SETINFO ups.id "Shelf \"A\" \#3 \\ x""#);
    let f = DriverMessage::SetFlags {
        var: "ups.id".into(),
        flags: VarFlags::STRING | VarFlags::RW,
    };
    assert_eq!(f.to_string(), "SETFLAGS ups.id RW STRING");
    let f = DriverMessage::SetFlags {
        var: "x".into(),
        flags: VarFlags::IMMUTABLE,
    };
    assert_eq!(f.to_string(), "SETFLAGS x");
    assert_eq!(DriverMessage::Goodbye.to_string(), "OK Goodbye");
    assert_eq!(
        DriverMessage::Tracking {
            id: "ID".into(),
            code: -1
        }
        .to_string(),
        "TRACKING ID PENDING"
    );
    assert_eq!(
        DriverMessage::AddRange {
            var: "v".into(),
            min: -5,
            max: 10
        }
        .to_string(),
        "ADDRANGE v -5 10"
    );
}

#[test]
fn driver_parse_c_rules() {
    assert_eq!(
        drv("setinfo ups.status OL extra"),
        Ok(DriverMessage::SetInfo {
            var: "ups.status".into(),
            value: "OL".into()
        })
    );
    assert_eq!(
        drv("SETINFO ups.status"),
        Err(SockParseError::MissingArguments {
            command: "SETINFO",
            needed: 3,
            got: 2
        })
    );
    assert_eq!(
        drv("SETAUX v 12abc"),
        Ok(DriverMessage::SetAux {
            var: "v".into(),
            n: 12
        })
    );
    assert_eq!(
        drv("SETAUX v abc"),
        Ok(DriverMessage::SetAux {
            var: "v".into(),
            n: 0
        })
    );
    assert_eq!(
        drv("TRACKING id pending"),
        Ok(DriverMessage::Tracking {
            id: "id".into(),
            code: -1
        })
    );
    assert_eq!(
        drv("TRACKING id 3"),
        Ok(DriverMessage::Tracking {
            id: "id".into(),
            code: 3
        })
    );
    assert_eq!(
        drv("SETFLAGS v rw bogus number"),
        Ok(DriverMessage::SetFlags {
            var: "v".into(),
            flags: VarFlags::RW | VarFlags::NUMBER
        })
    );
    assert_eq!(drv("ok goodbye"), Ok(DriverMessage::Goodbye));
    assert_eq!(
        drv("WHAT x"),
        Err(SockParseError::UnknownCommand("WHAT".into()))
    );
    assert_eq!(drv(""), Err(SockParseError::Empty));
    assert_eq!(
        drv("ADDRANGE v 1"),
        Err(SockParseError::MissingArguments {
            command: "ADDRANGE",
            needed: 4,
            got: 3
        })
    );
    assert_eq!(atoi("  -12x"), -12);
    assert_eq!(atoi("99999999999"), i32::MAX);
}

#[test]
fn server_parse_c_rules() {
    let ic = |cmd: &str, p: Option<&str>, t: Option<&str>| ServerMessage::InstCmd {
        cmd: cmd.into(),
        param: p.map(Into::into),
        tracking: t.map(Into::into),
    };
    assert_eq!(srv("INSTCMD load.off"), Ok(ic("load.off", None, None)));
    assert_eq!(
        srv("instcmd load.off 10"),
        Ok(ic("load.off", Some("10"), None))
    );
    assert_eq!(
        srv("INSTCMD load.off tracking ABC"),
        Ok(ic("load.off", None, Some("ABC")))
    );
    assert_eq!(
        srv("INSTCMD load.off \"1 0\" TRACKING ABC"),
        Ok(ic("load.off", Some("1 0"), Some("ABC")))
    );
    assert_eq!(
        srv("INSTCMD load.off a b"),
        Err(SockParseError::Malformed { command: "INSTCMD" })
    );
    assert_eq!(
        srv("INSTCMD a b c d e f"),
        Err(SockParseError::Malformed { command: "INSTCMD" })
    );
    assert_eq!(
        srv("SET v x y"),
        Err(SockParseError::Malformed { command: "SET" })
    );
    assert_eq!(
        srv("SET ups.id \"a b\" TRACKING 1"),
        Ok(ServerMessage::Set {
            var: "ups.id".into(),
            value: "a b".into(),
            tracking: Some("1".into())
        })
    );
    assert_eq!(srv("broadcast"), Ok(ServerMessage::Broadcast(None)));
    assert_eq!(srv("BROADCAST 0"), Ok(ServerMessage::Broadcast(Some(0))));
    assert_eq!(
        srv("DUMPVALUE"),
        Err(SockParseError::MissingArguments {
            command: "DUMPVALUE",
            needed: 2,
            got: 1
        })
    );
    assert_eq!(
        ServerMessage::InstCmd {
            cmd: "c".into(),
            param: Some("x#".into()),
            tracking: Some("T".into())
        }
        .to_string(),
        "INSTCMD c \"x\\#\" TRACKING T"
    );
}

mod props {
    use super::*;
    use crate::words::split_line;
    use proptest::prelude::*;

    use crate::sock::message::tests_support::{name, value};

    fn server_message() -> impl Strategy<Value = ServerMessage> {
        prop_oneof![
            Just(ServerMessage::DumpAll),
            name().prop_map(ServerMessage::DumpValue),
            Just(ServerMessage::DumpStatus),
            Just(ServerMessage::Ping),
            (
                name(),
                proptest::option::of(value()),
                proptest::option::of(name())
            )
                .prop_map(|(cmd, param, tracking)| ServerMessage::InstCmd {
                    cmd,
                    param,
                    tracking
                }),
            (name(), value(), proptest::option::of(name())).prop_map(|(var, value, tracking)| {
                ServerMessage::Set {
                    var,
                    value,
                    tracking,
                }
            }),
            Just(ServerMessage::GetPid),
            Just(ServerMessage::NoBroadcast),
            proptest::option::of(any::<i32>()).prop_map(ServerMessage::Broadcast),
            Just(ServerMessage::Logout),
        ]
    }

    fn normalize(m: DriverMessage) -> DriverMessage {
        // Only the wire bits of the flags survive the trip.
        match m {
            DriverMessage::SetFlags { var, flags } => DriverMessage::SetFlags {
                var,
                flags: flags.intersection(VarFlags::WIRE),
            },
            other => other,
        }
    }

    proptest! {
        #[test]
        fn driver_messages_round_trip(m in crate::sock::message::tests_support::driver_message()) {
            let line = m.to_string();
            prop_assert!(!line.contains('\n'));
            let words = split_line(&line).expect("tokenizes");
            prop_assert_eq!(DriverMessage::parse(&words), Ok(normalize(m)));
        }

        #[test]
        fn server_messages_round_trip(m in server_message()) {
            let line = m.to_string();
            prop_assert!(!line.contains('\n'));
            let words = split_line(&line).expect("tokenizes");
            prop_assert_eq!(ServerMessage::parse(&words), Ok(m));
        }

        #[test]
        fn arbitrary_words_never_panic(words in proptest::collection::vec("[ -~]{0,20}", 0..8)) {
            let _ = DriverMessage::parse(&words);
            let _ = ServerMessage::parse(&words);
        }
    }
}
