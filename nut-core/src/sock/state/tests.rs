use super::*;
use crate::words::split_line;

fn apply(st: &mut DriverState, line: &str) -> bool {
    let words = split_line(line).expect("tokenizes");
    st.apply(&DriverMessage::parse(&words).expect("parses"))
}

fn dump(st: &DriverState) -> Vec<String> {
    st.dump_all().iter().map(ToString::to_string).collect()
}

#[test]
fn dump_order_matches_spec() {
    let mut st = DriverState::new();
    for line in [
        "SETINFO ups.status OL",
        "SETINFO driver.name dummy-ups",
        "SETINFO Device.model \"Dummy UPS\"",
        "SETINFO device.mfr \"Dummy Manufacturer\"",
        "SETINFO ups_x 1",
        "SETINFO ups.Beeper enabled",
        "ADDENUM ups.beeper enabled",
        "ADDENUM ups.beeper disabled",
        "ADDRANGE ups.beeper 1 5",
        "SETAUX ups.status 32",
        "SETFLAGS ups.status RW STRING",
        "ADDCMD load.off",
        "ADDCMD driver.reload",
        "ADDCMD Beeper.enable",
        "DATAOK",
    ] {
        assert!(apply(&mut st, line), "{line}");
    }
    assert_eq!(
        dump(&st),
        [
            "SETINFO device.mfr \"Dummy Manufacturer\"",
            "SETINFO Device.model \"Dummy UPS\"",
            "SETINFO driver.name \"dummy-ups\"",
            "SETINFO ups.Beeper \"enabled\"",
            "ADDENUM ups.Beeper \"enabled\"",
            "ADDENUM ups.Beeper \"disabled\"",
            "ADDRANGE ups.Beeper 1 5",
            "SETINFO ups.status \"OL\"",
            "SETAUX ups.status 32",
            "SETFLAGS ups.status RW STRING",
            // strcasecmp order: '.' (0x2e) sorts before '_' (0x5f).
            "SETINFO ups_x \"1\"",
            "ADDCMD Beeper.enable",
            "ADDCMD driver.reload",
            "ADDCMD load.off",
            "DATAOK",
            "DUMPDONE",
        ]
    );
}

#[test]
fn stale_dump_and_freshness_changes() {
    let mut st = DriverState::new();
    assert!(st.is_stale());
    assert!(apply(&mut st, "SETINFO a 1"));
    assert_eq!(dump(&st), ["DATASTALE", "SETINFO a \"1\"", "DUMPDONE"]);
    assert!(apply(&mut st, "DATAOK"));
    assert!(!apply(&mut st, "DATAOK"));
    assert!(apply(&mut st, "DATASTALE"));
    assert!(!apply(&mut st, "DATASTALE"));
    assert_eq!(
        st.dump_value("A")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["DATASTALE", "SETINFO a \"1\"", "DUMPDONE"]
    );
    assert!(apply(&mut st, "DATAOK"));
    assert_eq!(
        st.dump_value("nope")
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["DATAOK", "DUMPDONE"]
    );
}

#[test]
fn change_rules_follow_c() {
    let mut st = DriverState::new();
    assert!(apply(&mut st, "SETINFO ups.status OL"));
    assert!(
        !apply(&mut st, "SETINFO UPS.STATUS ol"),
        "case-only change is no change"
    );
    assert_eq!(st.value("ups.status"), Some("OL"));
    assert!(apply(&mut st, "SETINFO ups.status \"OB LB\""));
    assert_eq!(st.value("UPS.Status"), Some("OB LB"));
    assert!(!apply(&mut st, "ADDENUM nope x"));
    assert!(apply(&mut st, "ADDENUM ups.status x"));
    assert!(!apply(&mut st, "ADDENUM ups.status x"));
    assert!(apply(&mut st, "ADDENUM ups.status X"));
    assert!(apply(&mut st, "DELENUM ups.status x"));
    assert!(!apply(&mut st, "DELENUM ups.status x"));
    assert!(!apply(&mut st, "ADDRANGE ups.status 5 1"));
    assert!(apply(&mut st, "ADDRANGE ups.status 1 5"));
    assert!(!apply(&mut st, "ADDRANGE ups.status 1 5"));
    assert!(apply(&mut st, "DELRANGE ups.status 1 5"));
    assert!(apply(&mut st, "SETAUX ups.status 10"));
    assert!(!apply(&mut st, "SETAUX ups.status 10"));
    assert!(!apply(&mut st, "SETFLAGS ups.status"));
    assert!(apply(&mut st, "SETFLAGS ups.status RW"));
    assert!(!apply(&mut st, "SETFLAGS ups.status rw"));
    assert!(apply(&mut st, "SETFLAGS ups.status STRING"));
    assert!(!st.get("ups.status").expect("exists").is_writable());
    assert!(apply(&mut st, "ADDCMD load.off"));
    assert!(!apply(&mut st, "ADDCMD LOAD.OFF"));
    assert!(st.has_command("Load.Off"));
    assert!(apply(&mut st, "DELCMD Load.OFF"));
    assert!(!st.has_command("load.off"));
    assert!(apply(&mut st, "DELINFO UPS.status"));
    assert!(st.get("ups.status").is_none());
    assert!(!apply(&mut st, "PONG"));
    assert!(!apply(&mut st, "TRACKING x 0"));
}

#[test]
fn immutable_keeps_value_and_dumps_bare_setflags() {
    let mut st = DriverState::new();
    assert!(apply(&mut st, "SETINFO ups.mfr Forced"));
    assert!(st.set_immutable("UPS.MFR"));
    assert!(!st.set_immutable("nope"));
    assert!(!apply(&mut st, "SETINFO ups.mfr Other"));
    assert_eq!(st.value("ups.mfr"), Some("Forced"));
    assert!(dump(&st).contains(&"SETFLAGS ups.mfr".to_string()));
    // As C's dstate_setflags: the flags of an immutable variable stay.
    assert!(!apply(&mut st, "SETFLAGS ups.mfr RW"));
    let flags = st.get("ups.mfr").expect("exists").flags;
    assert!(flags.contains(VarFlags::IMMUTABLE));
    assert!(!flags.contains(VarFlags::RW));
    st.clear();
    assert_eq!(st.var_count(), 0);
    assert!(st.is_stale());
}

#[test]
fn enum_and_range_order_is_insertion_order_and_deletes_keep_it() {
    let mut st = DriverState::new();
    apply(&mut st, "SETINFO v 1");
    for e in ["c", "a", "b", "a"] {
        apply(&mut st, &format!("ADDENUM v {e}"));
    }
    assert!(apply(&mut st, "DELENUM v a"));
    assert!(apply(&mut st, "ADDENUM v a"));
    let enums: Vec<&str> = st
        .get("v")
        .expect("v")
        .enums
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(enums, ["c", "b", "a"]);
    for r in [
        "ADDRANGE v 5 9",
        "ADDRANGE v 1 2",
        "ADDRANGE v 3 4",
        "DELRANGE v 1 2",
    ] {
        assert!(apply(&mut st, r), "{r}");
    }
    let ranges: Vec<(i32, i32)> = st.get("v").expect("v").ranges.iter().copied().collect();
    assert_eq!(ranges, [(5, 9), (3, 4)]);
}

/// Each bound refuses the message that would cross it (changing nothing), counts the
/// refusals and names the first; a message already present is no change, not a refusal.
#[test]
fn bounds_refuse_and_count() {
    let mut st = DriverState::new();
    st.apply(&DriverMessage::SetInfo {
        var: "v".into(),
        value: "1".into(),
    });
    let add_enum = |st: &mut DriverState, i: usize| {
        st.apply(&DriverMessage::AddEnum {
            var: "v".into(),
            value: format!("e{i}"),
        })
    };
    for i in 0..limits::MAX_ENUMS_PER_VAR {
        assert!(add_enum(&mut st, i), "enum {i}");
    }
    assert_eq!(st.take_refusals(), None);
    assert!(!add_enum(&mut st, 0), "a duplicate is no change");
    assert_eq!(st.take_refusals(), None);
    assert!(!add_enum(&mut st, limits::MAX_ENUMS_PER_VAR));
    assert!(!add_enum(&mut st, limits::MAX_ENUMS_PER_VAR + 1));
    let r = st.take_refusals().expect("refused");
    assert_eq!(
        (r.limit, r.name.as_str(), r.count),
        (StateLimit::EnumsPerVar, "v", 2)
    );
    assert_eq!(st.take_refusals(), None, "taken once");
    assert_eq!(
        st.get("v").expect("v").enums.len(),
        limits::MAX_ENUMS_PER_VAR
    );

    for i in 0..limits::MAX_RANGES_PER_VAR {
        let (min, max) = (i as i32, i as i32 + 1);
        assert!(st.apply(&DriverMessage::AddRange {
            var: "v".into(),
            min,
            max
        }));
    }
    assert!(!st.apply(&DriverMessage::AddRange {
        var: "v".into(),
        min: -2,
        max: -1
    }));
    let r = st.take_refusals().expect("refused");
    assert_eq!((r.limit, r.count), (StateLimit::RangesPerVar, 1));

    for i in 1..limits::MAX_VARS {
        assert!(st.apply(&DriverMessage::SetInfo {
            var: format!("var{i}"),
            value: "x".into(),
        }));
    }
    assert_eq!(st.var_count(), limits::MAX_VARS);
    assert!(!st.apply(&DriverMessage::SetInfo {
        var: "one.more".into(),
        value: "x".into(),
    }));
    assert!(
        st.apply(&DriverMessage::SetInfo {
            var: "var7".into(),
            value: "changed".into(),
        }),
        "existing variables still change at the bound"
    );
    let r = st.take_refusals().expect("refused");
    assert_eq!((r.limit, r.name.as_str()), (StateLimit::Vars, "one.more"));

    for i in 0..limits::MAX_COMMANDS {
        assert!(st.apply(&DriverMessage::AddCmd {
            cmd: format!("cmd.{i}"),
        }));
    }
    assert!(!st.apply(&DriverMessage::AddCmd {
        cmd: "cmd.more".into(),
    }));
    let r = st.take_refusals().expect("refused");
    assert_eq!(r.limit, StateLimit::Commands);
    assert_eq!(r.limit.to_string(), "10000 instant commands per UPS");
}

proptest::proptest! {
    /// Replaying a dump into an empty state rebuilds an equal state (IMMUTABLE aside,
    /// which never travels).
    #[test]
    fn dump_replay_rebuilds_state(
        msgs in proptest::collection::vec(crate::sock::message::tests_support::driver_message(), 0..60)
    ) {
        let mut st = DriverState::new();
        for m in &msgs {
            st.apply(m);
        }
        let mut copy = DriverState::new();
        for m in st.dump_all() {
            copy.apply(&m);
        }
        proptest::prop_assert_eq!(copy.dump_all(), st.dump_all());
    }
}
