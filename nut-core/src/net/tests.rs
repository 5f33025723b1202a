//! Protocol-level tests: the spec's example exchanges replayed byte for byte, the argument
//! rules of every request, reply formatting and parsing, and round-trip property tests for
//! every request and reply variant.

use proptest::prelude::*;

use super::*;
use crate::words::{Event, Tokenizer, split_line};

fn words(line: &str) -> Vec<String> {
    split_line(line).expect("line tokenizes")
}

fn req(line: &str) -> Result<Request, RequestError> {
    Request::parse(&words(line))
}

fn reply(line: &str) -> Result<Reply, ReplyError> {
    Reply::parse(&words(line))
}

fn s(text: &str) -> String {
    text.to_string()
}

/// Feed a client transcript through one tokenizer, as upsd reads a connection.
fn requests_from_stream(bytes: &[u8]) -> Vec<Result<Request, RequestError>> {
    let mut tok = Tokenizer::new();
    tok.feed_all(bytes)
        .into_iter()
        .map(|ev| match ev {
            Event::Line(w) => Request::parse(&w),
            Event::Error(e) => panic!("unexpected parse error {e}"),
        })
        .collect()
}

/// Feed a server transcript through one tokenizer, as a client reads it.
fn replies_from_stream(bytes: &[u8]) -> Vec<Reply> {
    let mut tok = Tokenizer::new();
    tok.feed_all(bytes)
        .into_iter()
        .map(|ev| match ev {
            Event::Line(w) => Reply::parse(&w).expect("reply parses"),
            Event::Error(e) => panic!("unexpected parse error {e}"),
        })
        .collect()
}

/// Check one exchange both ways: the client lines parse (as upsd would) into `requests`, the
/// replies format to exactly the server lines, and the server lines parse back to `replies`.
fn replay(client: &str, requests: &[Request], server: &str, replies: &[Reply]) {
    let parsed: Vec<Request> = requests_from_stream(client.as_bytes())
        .into_iter()
        .map(|r| r.expect("request parses"))
        .collect();
    assert_eq!(parsed, requests);
    for r in requests {
        assert_eq!(Request::parse(&words(&r.to_line())).as_ref(), Ok(r));
    }
    let written: String = replies.iter().map(|r| format!("{r}\n")).collect();
    assert_eq!(written, server);
    assert!(written.lines().all(line_fits));
    assert_eq!(replies_from_stream(server.as_bytes()), replies);
}

#[test]
fn spec_exchange_read_only_status_query() {
    replay(
        "LIST VAR myups\nLOGOUT\n",
        &[Request::ListVar { ups: s("myups") }, Request::Logout],
        "BEGIN LIST VAR myups\n\
         VAR myups battery.charge \"100\"\n\
         VAR myups device.mfr \"Dummy Manufacturer\"\n\
         VAR myups ups.status \"OL\"\n\
         END LIST VAR myups\n\
         OK Goodbye\n",
        &[
            Reply::BeginList(ListQuery::Var { ups: s("myups") }),
            Reply::Var {
                ups: s("myups"),
                var: s("battery.charge"),
                value: s("100"),
            },
            Reply::Var {
                ups: s("myups"),
                var: s("device.mfr"),
                value: s("Dummy Manufacturer"),
            },
            Reply::Var {
                ups: s("myups"),
                var: s("ups.status"),
                value: s("OL"),
            },
            Reply::EndList(ListQuery::Var { ups: s("myups") }),
            Reply::OkMessage(OkMessage::Goodbye),
        ],
    );
    assert_eq!(
        Request::ListVar { ups: s("myups") }.to_line(),
        "LIST VAR myups"
    );
    assert_eq!(Request::Logout.to_line(), "LOGOUT");
}

#[test]
fn spec_exchange_upsmon_primary_connect() {
    let requests = [
        Request::StartTls,
        Request::ProtVer,
        Request::Username(s("upsmon")),
        Request::Password(s("P@ssW0rd")),
        Request::Login { ups: s("myups") },
        Request::Primary { ups: s("myups") },
        Request::GetVar {
            ups: s("myups"),
            var: s("ups.status"),
        },
        Request::Fsd { ups: s("myups") },
        Request::GetNumLogins { ups: s("myups") },
    ];
    replay(
        "STARTTLS\nPROTVER\nUSERNAME upsmon\nPASSWORD \"P@ssW0rd\"\nLOGIN myups\nPRIMARY myups\n\
         GET VAR myups ups.status\nFSD myups\nGET NUMLOGINS myups\n",
        &requests,
        "OK STARTTLS\n1.3\nOK\nOK\nOK\nOK PRIMARY-GRANTED\nVAR myups ups.status \"OB LB\"\n\
         OK FSD-SET\nNUMLOGINS myups 1\n",
        &[
            Reply::OkMessage(OkMessage::StartTls),
            Reply::protocol_version(),
            Reply::Ok,
            Reply::Ok,
            Reply::Ok,
            Reply::OkMessage(OkMessage::PrimaryGranted),
            Reply::Var {
                ups: s("myups"),
                var: s("ups.status"),
                value: s("OB LB"),
            },
            Reply::OkMessage(OkMessage::FsdSet),
            Reply::NumLogins {
                ups: s("myups"),
                count: 1,
            },
        ],
    );
    let lines: Vec<String> = requests.iter().map(Request::to_line).collect();
    assert_eq!(
        lines,
        [
            "STARTTLS",
            "PROTVER",
            "USERNAME upsmon",
            "PASSWORD P@ssW0rd",
            "LOGIN myups",
            "PRIMARY myups",
            "GET VAR myups ups.status",
            "FSD myups",
            "GET NUMLOGINS myups"
        ]
    );
    assert_eq!(
        requests.iter().filter(|r| r.needs_login()).count(),
        3,
        "LOGIN, PRIMARY and FSD need credentials"
    );
}

#[test]
fn spec_exchange_error_cases() {
    assert_eq!(
        req("GET VAR myups ups.bogus"),
        Ok(Request::GetVar {
            ups: s("myups"),
            var: s("ups.bogus")
        })
    );
    assert_eq!(
        Reply::Err(ErrCode::VarNotSupported, None).to_string(),
        "ERR VAR-NOT-SUPPORTED"
    );
    assert_eq!(
        Reply::Err(ErrCode::UnknownUps, None).to_string(),
        "ERR UNKNOWN-UPS"
    );
    // INSTCMD without USERNAME: the server answers USERNAME-REQUIRED before anything else.
    let instcmd = req("INSTCMD myups load.off").expect("valid INSTCMD");
    assert!(instcmd.needs_login());
    let frob = req("FROB").unwrap_err();
    assert_eq!(frob.code, ErrCode::UnknownCommand);
    assert_eq!(frob.code_for_session(false, false), ErrCode::UnknownCommand);
    let get = req("GET").unwrap_err();
    assert_eq!(get.code_for_session(false, false), ErrCode::InvalidArgument);
    assert_eq!(
        replies_from_stream(
            b"ERR VAR-NOT-SUPPORTED\nERR UNKNOWN-UPS\nERR USERNAME-REQUIRED\n\
              ERR UNKNOWN-COMMAND\nERR INVALID-ARGUMENT\n"
        ),
        [
            Reply::Err(ErrCode::VarNotSupported, None),
            Reply::Err(ErrCode::UnknownUps, None),
            Reply::Err(ErrCode::UsernameRequired, None),
            Reply::Err(ErrCode::UnknownCommand, None),
            Reply::Err(ErrCode::InvalidArgument, None),
        ]
    );
}

#[test]
fn spec_exchange_tracked_instant_command() {
    let id = TrackingId::parse("6D6C2B7E-3C0A-4F51-9A43-0E1F55D2B8C1").unwrap();
    replay(
        "USERNAME admin\nPASSWORD mypass\nSET TRACKING ON\nINSTCMD myups test.battery.start.quick\n\
         GET TRACKING 6D6C2B7E-3C0A-4F51-9A43-0E1F55D2B8C1\n\
         GET TRACKING 6D6C2B7E-3C0A-4F51-9A43-0E1F55D2B8C1\n",
        &[
            Request::Username(s("admin")),
            Request::Password(s("mypass")),
            Request::SetTracking(true),
            Request::InstCmd {
                ups: s("myups"),
                cmd: s("test.battery.start.quick"),
                param: None,
            },
            Request::GetTracking(Some(id.to_string())),
            Request::GetTracking(Some(id.to_string())),
        ],
        "OK\nOK\nOK\nOK TRACKING 6D6C2B7E-3C0A-4F51-9A43-0E1F55D2B8C1\nPENDING\nSUCCESS\n",
        &[
            Reply::Ok,
            Reply::Ok,
            Reply::Ok,
            Reply::OkMessage(OkMessage::Tracking(id)),
            TrackingStatus::Pending.reply(),
            TrackingStatus::from_driver_code(0).reply(),
        ],
    );
    assert_eq!(Request::SetTracking(true).to_line(), "SET TRACKING ON");
    assert_eq!(Request::SetTracking(false).to_line(), "SET TRACKING OFF");
}

#[test]
fn spec_exchange_type_enum_range() {
    replay(
        "GET TYPE myups input.transfer.low\nLIST ENUM myups input.transfer.low\n\
         LIST RANGE myups input.transfer.high\n",
        &[
            Request::GetType {
                ups: s("myups"),
                var: s("input.transfer.low"),
            },
            Request::ListEnum {
                ups: s("myups"),
                var: s("input.transfer.low"),
            },
            Request::ListRange {
                ups: s("myups"),
                var: s("input.transfer.high"),
            },
        ],
        "TYPE myups input.transfer.low RW ENUM NUMBER\n\
         BEGIN LIST ENUM myups input.transfer.low\n\
         ENUM myups input.transfer.low \"103\"\n\
         ENUM myups input.transfer.low \"100\"\n\
         END LIST ENUM myups input.transfer.low\n\
         BEGIN LIST RANGE myups input.transfer.high\n\
         RANGE myups input.transfer.high \"250\" \"290\"\n\
         END LIST RANGE myups input.transfer.high\n",
        &[
            Reply::Type {
                ups: s("myups"),
                var: s("input.transfer.low"),
                types: VarType::for_variable(true, true, false, None),
            },
            Reply::BeginList(ListQuery::Enum {
                ups: s("myups"),
                var: s("input.transfer.low"),
            }),
            Reply::Enum {
                ups: s("myups"),
                var: s("input.transfer.low"),
                value: s("103"),
            },
            Reply::Enum {
                ups: s("myups"),
                var: s("input.transfer.low"),
                value: s("100"),
            },
            Reply::EndList(ListQuery::Enum {
                ups: s("myups"),
                var: s("input.transfer.low"),
            }),
            Reply::BeginList(ListQuery::Range {
                ups: s("myups"),
                var: s("input.transfer.high"),
            }),
            Reply::Range {
                ups: s("myups"),
                var: s("input.transfer.high"),
                min: 250,
                max: 290,
            },
            Reply::EndList(ListQuery::Range {
                ups: s("myups"),
                var: s("input.transfer.high"),
            }),
        ],
    );
}

#[test]
fn spec_escaping_example() {
    let r = Reply::Var {
        ups: s("myups"),
        var: s("ups.id"),
        value: s(r#"Shelf "A" \ rack #3"#),
    };
    assert_eq!(
        r.to_string(),
        r#"VAR myups ups.id "Shelf \"A\" \\ rack \#3""#
    );
    assert_eq!(reply(&r.to_string()), Ok(r));
}

#[test]
fn type_words_follow_the_spec_examples() {
    let t = |rw, e, r, st| {
        Reply::Type {
            ups: s("su700"),
            var: s("v"),
            types: VarType::for_variable(rw, e, r, st),
        }
        .to_string()
    };
    assert_eq!(t(true, false, false, Some(8)), "TYPE su700 v RW STRING:8");
    assert_eq!(t(true, true, false, None), "TYPE su700 v RW ENUM NUMBER");
    assert_eq!(t(false, false, false, None), "TYPE su700 v NUMBER");
    assert_eq!(
        t(true, true, true, Some(3)),
        "TYPE su700 v RW ENUM RANGE STRING:3"
    );
    assert_eq!(VarType::parse("STRING:08"), VarType::Other(s("STRING:08")));
    assert_eq!(VarType::parse("STRING:-1"), VarType::String(-1));
    assert_eq!(VarType::parse("rw"), VarType::Other(s("rw")));
}

#[test]
fn fixed_texts_and_constants() {
    assert_eq!(PROTOCOL_VERSION, "1.3");
    assert_eq!(DEFAULT_PORT, 3493);
    assert_eq!(
        Reply::help().to_string(),
        "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"
    );
    assert_eq!(
        Reply::ver("2.8.4").to_string(),
        "Network UPS Tools upsd 2.8.4 - http://www.networkupstools.org/"
    );
    assert_eq!(
        reply(&Reply::ver("2.8.4").to_string()),
        Ok(Reply::ver("2.8.4"))
    );
    assert_eq!(reply(HELP_TEXT), Ok(Reply::help()));
    assert_eq!(reply("1.3"), Ok(Reply::protocol_version()));
    assert_eq!(reply("Goodbye..."), Ok(Reply::Text(s("Goodbye..."))));
    assert!(line_fits(&"x".repeat(511)));
    assert!(!line_fits(&"x".repeat(512)));
}

#[test]
fn simple_commands_take_no_arguments() {
    for (line, expected) in [
        ("VER", Request::Ver),
        ("NETVER", Request::NetVer),
        ("PROTVER", Request::ProtVer),
        ("HELP", Request::Help),
        ("capabilities", Request::Capabilities),
        ("LOGOUT", Request::Logout),
    ] {
        assert_eq!(req(line), Ok(expected.clone()));
        assert_eq!(req(&line.to_lowercase()), Ok(expected));
        let err = req(&format!("{line} extra")).unwrap_err();
        assert_eq!(err.code, ErrCode::InvalidArgument, "{line}");
        assert!(!err.needs_login);
        assert_eq!(err.code_for_session(false, false), ErrCode::InvalidArgument);
    }
    // STARTTLS ignores its arguments.
    assert_eq!(req("STARTTLS"), Ok(Request::StartTls));
    assert_eq!(req("starttls now please"), Ok(Request::StartTls));
}

#[test]
fn empty_and_unknown_lines() {
    for line in [
        "",
        "   ",
        "# just a comment",
        "FROB",
        "LISTS UPS",
        "GETVAR u v",
        "master2 u",
    ] {
        let err = req(line).unwrap_err();
        assert_eq!(err.code, ErrCode::UnknownCommand, "{line:?}");
        assert!(!err.needs_login);
    }
    assert_eq!(
        Request::parse(&[]).unwrap_err().code,
        ErrCode::UnknownCommand
    );
}

#[test]
fn username_and_password_take_exactly_one_word() {
    assert_eq!(req("USERNAME bob"), Ok(Request::Username(s("bob"))));
    assert_eq!(
        req("password \"pass words\""),
        Ok(Request::Password(s("pass words")))
    );
    assert_eq!(req("PASSWORD \"\""), Ok(Request::Password(s(""))));
    for line in [
        "USERNAME",
        "USERNAME a b",
        "PASSWORD",
        "PASSWORD a=b",
        "PASSWORD a b",
    ] {
        let err = req(line).unwrap_err();
        assert_eq!(err.code, ErrCode::InvalidArgument, "{line}");
        assert!(!err.needs_login);
    }
    assert_eq!(Request::Password(s("a=b")).to_line(), "PASSWORD \"a=b\"");
    assert_eq!(
        format!("{:?}", Request::Password(s("hunter2"))),
        "Request(PASSWORD <redacted>)"
    );
    assert_eq!(format!("{:?}", Request::Ver), "Request(VER)");
    assert_eq!(
        Request::Password(s("pass words")).to_line(),
        "PASSWORD \"pass words\""
    );
}

#[test]
fn login_primary_master_fsd_need_credentials_then_one_word() {
    type MakeRequest = fn(String) -> Request;
    let cases: [(&str, MakeRequest); 4] = [
        ("LOGIN", |ups| Request::Login { ups }),
        ("PRIMARY", |ups| Request::Primary { ups }),
        ("MASTER", |ups| Request::Master { ups }),
        ("FSD", |ups| Request::Fsd { ups }),
    ];
    for (cmd, make) in cases {
        let ok = req(&format!("{} MyUps", cmd.to_lowercase())).unwrap();
        assert_eq!(ok, make(s("MyUps")));
        assert!(ok.needs_login());
        for bad in [cmd.to_string(), format!("{cmd} a b")] {
            let err = req(&bad).unwrap_err();
            assert_eq!(err.code, ErrCode::InvalidArgument, "{bad}");
            assert!(err.needs_login, "{bad}");
            assert_eq!(
                err.code_for_session(false, false),
                ErrCode::UsernameRequired
            );
            assert_eq!(err.code_for_session(false, true), ErrCode::UsernameRequired);
            assert_eq!(err.code_for_session(true, false), ErrCode::PasswordRequired);
            assert_eq!(err.code_for_session(true, true), ErrCode::InvalidArgument);
        }
    }
    assert!(command_needs_login("instcmd"));
    assert!(command_needs_login("Set"));
    assert!(!command_needs_login("GET"));
    assert!(!command_needs_login("LOGOUT"));
}

#[test]
fn get_sub_commands_in_upsd_order() {
    let invalid = |line: &str| {
        let err = req(line).unwrap_err();
        assert_eq!(err.code, ErrCode::InvalidArgument, "{line}");
        assert!(!err.needs_login, "{line}");
    };
    invalid("GET");
    assert_eq!(req("GET TRACKING"), Ok(Request::GetTracking(None)));
    assert_eq!(
        req("get tracking abc extra"),
        Ok(Request::GetTracking(Some(s("abc"))))
    );
    invalid("GET NUMLOGINS");
    invalid("GET UPSDESC");
    invalid("GET BOGUS");
    assert_eq!(
        req("GET numlogins u x y"),
        Ok(Request::GetNumLogins { ups: s("u") })
    );
    assert_eq!(
        req("GET UpsDesc U"),
        Ok(Request::GetUpsDesc { ups: s("U") })
    );
    invalid("GET VAR u");
    invalid("GET TYPE u");
    invalid("GET BOGUS u");
    invalid("GET BOGUS u v");
    assert_eq!(
        req("gEt vAr MyUps Ups.Status extra"),
        Ok(Request::GetVar {
            ups: s("MyUps"),
            var: s("Ups.Status")
        })
    );
    assert_eq!(
        req("GET TYPE u v"),
        Ok(Request::GetType {
            ups: s("u"),
            var: s("v")
        })
    );
    assert_eq!(
        req("GET DESC u v"),
        Ok(Request::GetDesc {
            ups: s("u"),
            var: s("v")
        })
    );
    assert_eq!(
        req("GET cmddesc u load.off"),
        Ok(Request::GetCmdDesc {
            ups: s("u"),
            cmd: s("load.off")
        })
    );
    // NUMLOGINS / UPSDESC are matched before the 3-word check, VAR only after it.
    assert_eq!(
        req("GET UPSDESC u v w"),
        Ok(Request::GetUpsDesc { ups: s("u") })
    );
}

#[test]
fn list_sub_commands_and_the_begin_end_echo() {
    let invalid = |line: &str| {
        assert_eq!(
            req(line).unwrap_err().code,
            ErrCode::InvalidArgument,
            "{line}"
        );
    };
    invalid("LIST");
    invalid("LIST VAR");
    invalid("LIST ENUM u");
    invalid("LIST CLIENTS u");
    assert_eq!(req("LIST UPS"), Ok(Request::ListUps));
    assert_eq!(req("list ups extra"), Ok(Request::ListUps));
    let r = req("list var MyUps extra").unwrap();
    assert_eq!(r, Request::ListVar { ups: s("MyUps") });
    let q = r.list_query().unwrap();
    assert_eq!(
        Reply::BeginList(q.clone()).to_string(),
        "BEGIN LIST VAR MyUps"
    );
    assert_eq!(Reply::EndList(q).to_string(), "END LIST VAR MyUps");
    let r = req("LIST enum u input.Transfer.low").unwrap();
    assert_eq!(
        Reply::BeginList(r.list_query().unwrap()).to_string(),
        "BEGIN LIST ENUM u input.Transfer.low"
    );
    assert_eq!(
        Reply::BeginList(req("LIST UPS").unwrap().list_query().unwrap()).to_string(),
        "BEGIN LIST UPS"
    );
    assert_eq!(req("LIST RW u"), Ok(Request::ListRw { ups: s("u") }));
    assert_eq!(req("LIST CMD u"), Ok(Request::ListCmd { ups: s("u") }));
    assert_eq!(
        req("LIST CLIENT u"),
        Ok(Request::ListClient { ups: s("u") })
    );
    assert_eq!(
        Request::GetVar {
            ups: s("u"),
            var: s("v")
        }
        .list_query(),
        None
    );
}

#[test]
fn set_var_and_set_tracking() {
    let invalid = |line: &str| {
        let err = req(line).unwrap_err();
        assert_eq!(err.code, ErrCode::InvalidArgument, "{line}");
        assert!(err.needs_login, "{line}");
    };
    invalid("SET");
    invalid("SET VAR");
    invalid("SET VAR u v");
    invalid("SET TRACKING");
    invalid("SET TRACKING maybe");
    invalid("SET FOO bar");
    invalid("SET FOO bar baz qux");
    assert_eq!(
        req("set var u v \"a b\" ignored extra"),
        Ok(Request::SetVar {
            ups: s("u"),
            var: s("v"),
            value: s("a b")
        })
    );
    assert_eq!(req("SET tracking on"), Ok(Request::SetTracking(true)));
    assert_eq!(
        req("SET TRACKING Off extra"),
        Ok(Request::SetTracking(false))
    );
    assert!(Request::SetTracking(false).needs_login());
    assert_eq!(
        Request::SetVar {
            ups: s("u"),
            var: s("v"),
            value: s("123=123")
        }
        .to_line(),
        "SET VAR u v \"123=123\""
    );
}

#[test]
fn instcmd_parameter_only_with_exactly_three_words() {
    let err = req("INSTCMD u").unwrap_err();
    assert_eq!(err.code, ErrCode::InvalidArgument);
    assert!(err.needs_login);
    assert_eq!(
        err.code_for_session(false, false),
        ErrCode::UsernameRequired
    );
    assert_eq!(
        req("instcmd u load.off"),
        Ok(Request::InstCmd {
            ups: s("u"),
            cmd: s("load.off"),
            param: None
        })
    );
    assert_eq!(
        req("INSTCMD u beeper.set \"1 2\""),
        Ok(Request::InstCmd {
            ups: s("u"),
            cmd: s("beeper.set"),
            param: Some(s("1 2"))
        })
    );
    assert_eq!(
        req("INSTCMD ups cmd a b"),
        Ok(Request::InstCmd {
            ups: s("ups"),
            cmd: s("cmd"),
            param: None
        })
    );
    assert_eq!(
        Request::InstCmd {
            ups: s("u"),
            cmd: s("c"),
            param: Some(s(""))
        }
        .to_line(),
        "INSTCMD u c \"\""
    );
}

#[test]
fn reply_formatting_is_byte_exact() {
    let cases: Vec<(Reply, &str)> = vec![
        (Reply::Ok, "OK"),
        (Reply::OkMessage(OkMessage::Goodbye), "OK Goodbye"),
        (Reply::OkMessage(OkMessage::StartTls), "OK STARTTLS"),
        (
            Reply::OkMessage(OkMessage::PrimaryGranted),
            "OK PRIMARY-GRANTED",
        ),
        (
            Reply::OkMessage(OkMessage::MasterGranted),
            "OK MASTER-GRANTED",
        ),
        (Reply::OkMessage(OkMessage::FsdSet), "OK FSD-SET"),
        (
            Reply::Err(ErrCode::AccessDenied, Some(s("SSL trust failed"))),
            "ERR ACCESS-DENIED \"SSL trust failed\"",
        ),
        (
            Reply::Desc {
                ups: s("u"),
                var: s("ups.load"),
                desc: s("Description unavailable"),
            },
            "DESC u ups.load \"Description unavailable\"",
        ),
        (
            Reply::CmdDesc {
                ups: s("u"),
                cmd: s("load.off"),
                desc: s("Turn off the load immediately"),
            },
            "CMDDESC u load.off \"Turn off the load immediately\"",
        ),
        (
            Reply::UpsDesc {
                ups: s("u"),
                desc: s("Unavailable"),
            },
            "UPSDESC u \"Unavailable\"",
        ),
        (Reply::TrackingState(true), "ON"),
        (Reply::TrackingState(false), "OFF"),
        (Reply::Pending, "PENDING"),
        (Reply::Success, "SUCCESS"),
        (
            Reply::Ups {
                ups: s("dummy"),
                desc: s("Description unavailable"),
            },
            "UPS dummy \"Description unavailable\"",
        ),
        (
            Reply::Rw {
                ups: s("u"),
                var: s("ups.id"),
                value: s("x"),
            },
            "RW u ups.id \"x\"",
        ),
        (
            Reply::Cmd {
                ups: s("u"),
                cmd: s("load.off"),
            },
            "CMD u load.off",
        ),
        (
            Reply::Range {
                ups: s("u"),
                var: s("v"),
                min: -5,
                max: 10,
            },
            "RANGE u v \"-5\" \"10\"",
        ),
        (
            Reply::Client {
                ups: s("u"),
                addr: s("::1"),
            },
            "CLIENT u ::1",
        ),
        (Reply::BeginList(ListQuery::Ups), "BEGIN LIST UPS"),
        (
            Reply::EndList(ListQuery::Client { ups: s("u") }),
            "END LIST CLIENT u",
        ),
    ];
    for (r, line) in cases {
        assert_eq!(r.to_string(), line);
        assert_eq!(reply(line), Ok(r));
    }
}

#[test]
fn a_bare_err_is_an_unknown_empty_code() {
    let r = reply("ERR").expect("parses");
    assert_eq!(r, Reply::Err(ErrCode::Other(String::new()), None));
    assert_eq!(reply(&r.to_string()), Ok(r));
}

#[test]
fn capabilities_replies_keep_their_names() {
    assert_eq!(
        reply("CAPABILITIES WATCH"),
        Ok(Reply::Capabilities(vec![s("WATCH")]))
    );
    assert_eq!(reply("CAPABILITIES"), Ok(Reply::Capabilities(Vec::new())));
    let r = Reply::Capabilities(vec![s("WATCH"), s("two words")]);
    assert_eq!(r.to_string(), r#"CAPABILITIES WATCH "two words""#);
    assert_eq!(reply(&r.to_string()), Ok(r));
    // The keyword is case-sensitive, as every reply keyword: anything else is free text.
    assert_eq!(
        reply("capabilities WATCH"),
        Ok(Reply::Text(s("capabilities WATCH")))
    );
}

#[test]
fn malformed_replies_are_errors() {
    assert_eq!(reply(""), Err(ReplyError::Empty));
    for line in [
        "VAR u v",
        "VAR u v x y",
        "DESC u",
        "UPSDESC u",
        "TYPE u",
        "ON x",
        "PENDING now",
        "CMD u",
        "RANGE u v 1",
        "CLIENT u",
    ] {
        assert!(
            matches!(reply(line), Err(ReplyError::WordCount { .. })),
            "{line}"
        );
    }
    for line in [
        "NUMLOGINS u x",
        "NUMLOGINS u -1",
        "NUMLOGINS u +1",
        "RANGE u v a 2",
    ] {
        assert!(
            matches!(reply(line), Err(ReplyError::BadNumber { .. })),
            "{line}"
        );
    }
    for line in [
        "BEGIN",
        "BEGIN VAR u",
        "BEGIN LIST",
        "BEGIN LIST VAR",
        "BEGIN LIST VAR u extra",
        "END LIST FOO u",
    ] {
        assert!(
            matches!(reply(line), Err(ReplyError::BadList { .. })),
            "{line}"
        );
    }
    assert_eq!(
        reply(r#"Network "UPS Tools""#),
        Err(ReplyError::Unencodable)
    );
    assert_eq!(reply(r#"OK "a b""#), Err(ReplyError::Unencodable));
    assert_eq!(
        reply("OK TRACKING not-a-uuid"),
        Ok(Reply::OkMessage(OkMessage::Other(s("TRACKING not-a-uuid"))))
    );
    assert_eq!(
        reply("ERR SOMETHING-NEW a b"),
        Ok(Reply::Err(
            ErrCode::Other(s("SOMETHING-NEW")),
            Some(s("a b"))
        ))
    );
    assert_eq!(
        reply("OK TRACKING 6d6c2b7e-3c0a-4f51-9a43-0e1f55d2b8c1"),
        Ok(Reply::OkMessage(OkMessage::Tracking(
            TrackingId::parse("6D6C2B7E-3C0A-4F51-9A43-0E1F55D2B8C1").unwrap()
        )))
    );
}

#[test]
fn long_err_extras_are_cut_like_one_word() {
    let mut w = vec![s("ERR"), s("ACCESS-DENIED")];
    w.extend(std::iter::repeat_n("x".repeat(300), 3));
    let r = Reply::parse(&w).unwrap();
    let Reply::Err(_, Some(extra)) = &r else {
        panic!("not an ERR with extra: {r:?}");
    };
    assert_eq!(extra.len(), crate::words::MAX_WORD_LEN);
    assert_eq!(reply(&r.to_string()), Ok(r.clone()));
    // Non-ASCII input (not from the tokenizer) is cut on a character boundary, no panic.
    let w = vec![s("ERR"), s("X"), "\u{e9}".repeat(400)];
    let Ok(Reply::Err(_, Some(extra))) = Reply::parse(&w) else {
        panic!("ERR with extra expected");
    };
    assert!(extra.len() <= crate::words::MAX_WORD_LEN);
}

#[test]
fn weird_names_are_quoted_so_clients_can_read_them() {
    let r = Reply::Var {
        ups: s("my ups"),
        var: s("server.info"),
        value: s("x"),
    };
    assert_eq!(r.to_string(), "VAR \"my ups\" server.info \"x\"");
    assert_eq!(reply(&r.to_string()), Ok(r));
}

// ---------------------------------------------------------------------------------------
// Property tests

/// Printable ASCII (0x20..=0x7E) plus DEL: every byte the tokenizer keeps. Spaces, quotes,
/// `#`, `=` and backslashes all occur.
fn arg() -> impl Strategy<Value = String> {
    "[ -~\x7f]{0,40}"
}

fn request_strategy() -> impl Strategy<Value = Request> {
    let a = arg;
    prop_oneof![
        Just(Request::Ver),
        Just(Request::NetVer),
        Just(Request::ProtVer),
        Just(Request::Help),
        Just(Request::StartTls),
        Just(Request::Logout),
        Just(Request::ListUps),
        Just(Request::Capabilities),
        a().prop_map(|ups| Request::Watch { ups }),
        a().prop_map(|ups| Request::Unwatch { ups }),
        a().prop_map(Request::Username),
        a().prop_map(Request::Password),
        a().prop_map(|ups| Request::Login { ups }),
        a().prop_map(|ups| Request::Primary { ups }),
        a().prop_map(|ups| Request::Master { ups }),
        a().prop_map(|ups| Request::Fsd { ups }),
        a().prop_map(|ups| Request::GetNumLogins { ups }),
        a().prop_map(|ups| Request::GetUpsDesc { ups }),
        (a(), a()).prop_map(|(ups, var)| Request::GetVar { ups, var }),
        (a(), a()).prop_map(|(ups, var)| Request::GetType { ups, var }),
        (a(), a()).prop_map(|(ups, var)| Request::GetDesc { ups, var }),
        (a(), a()).prop_map(|(ups, cmd)| Request::GetCmdDesc { ups, cmd }),
        proptest::option::of(a()).prop_map(Request::GetTracking),
        a().prop_map(|ups| Request::ListVar { ups }),
        a().prop_map(|ups| Request::ListRw { ups }),
        a().prop_map(|ups| Request::ListCmd { ups }),
        a().prop_map(|ups| Request::ListClient { ups }),
        (a(), a()).prop_map(|(ups, var)| Request::ListEnum { ups, var }),
        (a(), a()).prop_map(|(ups, var)| Request::ListRange { ups, var }),
        (a(), a(), a()).prop_map(|(ups, var, value)| Request::SetVar { ups, var, value }),
        any::<bool>().prop_map(Request::SetTracking),
        (a(), a(), proptest::option::of(a())).prop_map(|(ups, cmd, param)| Request::InstCmd {
            ups,
            cmd,
            param
        }),
    ]
}

/// Names that C upsd could hold, for the replies where names matter little.
fn name() -> impl Strategy<Value = String> {
    "[ -~]{0,30}"
}

fn value() -> impl Strategy<Value = String> {
    "[ -~\x7f]{0,120}"
}

/// Free text as upsd's VER/HELP texts look: lower-case plain words (never a reply keyword).
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-z0-9.:/()_-]{1,12}", 1..8).prop_map(|w| w.join(" "))
}

fn err_code() -> impl Strategy<Value = ErrCode> {
    prop_oneof![
        proptest::sample::select(ErrCode::KNOWN.to_vec()),
        "[ -~]{0,20}"
            .prop_map(|c| ErrCode::from_wire(&c))
            .prop_filter("unknown codes only", |c| matches!(c, ErrCode::Other(_))),
    ]
}

fn var_type() -> impl Strategy<Value = VarType> {
    prop_oneof![
        Just(VarType::Rw),
        Just(VarType::Enum),
        Just(VarType::Range),
        Just(VarType::Number),
        any::<i64>().prop_map(VarType::String),
        "[ -~]{0,20}".prop_map(|w| VarType::parse(&w)),
    ]
}

fn list_query() -> impl Strategy<Value = ListQuery> {
    prop_oneof![
        Just(ListQuery::Ups),
        name().prop_map(|ups| ListQuery::Var { ups }),
        name().prop_map(|ups| ListQuery::Rw { ups }),
        name().prop_map(|ups| ListQuery::Cmd { ups }),
        name().prop_map(|ups| ListQuery::Client { ups }),
        (name(), name()).prop_map(|(ups, var)| ListQuery::Enum { ups, var }),
        (name(), name()).prop_map(|(ups, var)| ListQuery::Range { ups, var }),
    ]
}

fn ok_message() -> impl Strategy<Value = OkMessage> {
    prop_oneof![
        Just(OkMessage::Goodbye),
        Just(OkMessage::StartTls),
        Just(OkMessage::PrimaryGranted),
        Just(OkMessage::MasterGranted),
        Just(OkMessage::FsdSet),
        proptest::array::uniform16(any::<u8>())
            .prop_map(|b| OkMessage::Tracking(TrackingId::from_random(b))),
        text().prop_map(OkMessage::Other),
    ]
}

fn reply_strategy() -> impl Strategy<Value = Reply> {
    let n = name;
    let v = value;
    prop_oneof![
        Just(Reply::Ok),
        ok_message().prop_map(Reply::OkMessage),
        (err_code(), proptest::option::of(v())).prop_map(|(c, e)| Reply::Err(c, e)),
        (n(), n(), v()).prop_map(|(ups, var, value)| Reply::Var { ups, var, value }),
        (n(), n(), proptest::collection::vec(var_type(), 0..5))
            .prop_map(|(ups, var, types)| Reply::Type { ups, var, types }),
        (n(), n(), v()).prop_map(|(ups, var, desc)| Reply::Desc { ups, var, desc }),
        (n(), n(), v()).prop_map(|(ups, cmd, desc)| Reply::CmdDesc { ups, cmd, desc }),
        (n(), v()).prop_map(|(ups, desc)| Reply::UpsDesc { ups, desc }),
        (n(), any::<usize>()).prop_map(|(ups, count)| Reply::NumLogins { ups, count }),
        any::<bool>().prop_map(Reply::TrackingState),
        Just(Reply::Pending),
        Just(Reply::Success),
        list_query().prop_map(Reply::BeginList),
        list_query().prop_map(Reply::EndList),
        (n(), v()).prop_map(|(ups, desc)| Reply::Ups { ups, desc }),
        (n(), n(), v()).prop_map(|(ups, var, value)| Reply::Rw { ups, var, value }),
        (n(), n()).prop_map(|(ups, cmd)| Reply::Cmd { ups, cmd }),
        (n(), n(), v()).prop_map(|(ups, var, value)| Reply::Enum { ups, var, value }),
        (n(), n(), any::<i64>(), any::<i64>()).prop_map(|(ups, var, min, max)| Reply::Range {
            ups,
            var,
            min,
            max
        }),
        (n(), n()).prop_map(|(ups, addr)| Reply::Client { ups, addr }),
        proptest::collection::vec(v(), 0..4).prop_map(Reply::Capabilities),
        text().prop_map(Reply::Text),
    ]
}

/// A keyword with each letter's case picked by one bit of `mask`.
fn recase(word: &str, mask: u64) -> String {
    word.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Every request's name is listed once in `NUT_NAMES` or `EXTENSION_NAMES`.
    #[test]
    fn prop_request_names_are_listed(r in request_strategy()) {
        let listed = Request::NUT_NAMES.iter().chain(&Request::EXTENSION_NAMES);
        prop_assert_eq!(listed.filter(|n| **n == r.name()).count(), 1, "{}", r.name());
    }

    /// Every request written by `to_line`, sent as a line and tokenized as upsd does,
    /// parses back equal.
    #[test]
    fn prop_request_to_line_round_trips(r in request_strategy()) {
        let line = format!("{}\n", r.to_line());
        let mut tok = Tokenizer::new();
        let events = tok.feed_all(line.as_bytes());
        prop_assert_eq!(events.len(), 1);
        let Event::Line(w) = &events[0] else {
            return Err(TestCaseError::fail("tokenizer error"));
        };
        prop_assert_eq!(Request::parse(w), Ok(r));
    }

    /// Requests parsed from words whose keywords have any case, re-encoded and parsed again,
    /// are equal; names and values keep their case.
    #[test]
    fn prop_request_words_parse_encode_parse(r in request_strategy(), mask in any::<u64>()) {
        let mut w = words(&r.to_line());
        let keywords = r.name().split(' ').count();
        for (i, word) in w.iter_mut().enumerate() {
            let is_keyword = i < keywords || (matches!(r, Request::SetTracking(_)) && i == 2);
            if is_keyword {
                *word = recase(word, mask.rotate_left(i as u32 * 7));
            }
        }
        let parsed = Request::parse(&w);
        prop_assert_eq!(parsed.as_ref(), Ok(&r));
        let again = Request::parse(&words(&r.to_line()));
        prop_assert_eq!(again, parsed);
    }

    /// Arbitrary word lists (keywords mixed with arbitrary values) never panic the parser;
    /// whatever parses survives `to_line` and a second parse, and errors carry the right
    /// credentials flag.
    #[test]
    fn prop_arbitrary_words_parse_consistently(
        w in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(vec![
                    "GET", "list", "Set", "INSTCMD", "VAR", "tracking", "ON", "off", "UPS",
                    "RW", "CMD", "ENUM", "RANGE", "CLIENT", "NUMLOGINS", "UPSDESC", "TYPE",
                    "DESC", "CMDDESC", "USERNAME", "PASSWORD", "LOGIN", "LOGOUT", "PRIMARY",
                    "MASTER", "FSD", "VER", "NETVER", "PROTVER", "HELP", "STARTTLS",
                ]).prop_map(String::from),
                arg(),
            ],
            0..7,
        )
    ) {
        match Request::parse(&w) {
            Ok(r) => {
                prop_assert_eq!(r.needs_login(), command_needs_login(&w[0]));
                prop_assert_eq!(Request::parse(&words(&r.to_line())), Ok(r));
            }
            Err(e) => {
                prop_assert!(matches!(e.code, ErrCode::UnknownCommand | ErrCode::InvalidArgument));
                prop_assert_eq!(e.needs_login, w.first().is_some_and(|c| command_needs_login(c)));
            }
        }
    }

    /// Every reply formatted, sent as a line and tokenized as a client does, parses back
    /// equal.
    #[test]
    fn prop_reply_round_trips(r in reply_strategy()) {
        let line = r.to_string();
        prop_assert!(!line.contains('\n'));
        let mut tok = Tokenizer::new();
        let events = tok.feed_all(format!("{line}\n").as_bytes());
        prop_assert_eq!(events.len(), 1);
        let Event::Line(w) = &events[0] else {
            return Err(TestCaseError::fail("tokenizer error"));
        };
        prop_assert_eq!(Reply::parse(w), Ok(r));
    }

    /// Replies parsed from arbitrary printable lines format back to lines that parse equal.
    #[test]
    fn prop_reply_parse_format_parse(line in "[ -~]{0,80}", kw in proptest::sample::select(vec![
        "OK", "ERR", "VAR", "TYPE", "DESC", "CMDDESC", "UPSDESC", "NUMLOGINS", "ON", "OFF",
        "PENDING", "SUCCESS", "BEGIN LIST", "END LIST", "UPS", "RW", "CMD", "ENUM", "RANGE",
        "CLIENT", "CAPABILITIES", "x",
    ])) {
        let Ok(w) = split_line(&format!("{kw} {line}")) else { return Ok(()); };
        if let Ok(r) = Reply::parse(&w) {
            prop_assert_eq!(Reply::parse(&words(&r.to_string())), Ok(r));
        }
    }
}
