//! Scenario tests of the pure state machine: poll results and a clock in, effects out.

use super::events::NotifyEvent::{self, *};
use super::machine::{Monitor, PollOutcome};
use super::timing::Timing;
use super::tracker::{Effect, UpsTracker};

fn timing() -> Timing {
    Timing {
        pollfreq: 5,
        pollfreqalert: 2,
        deadtime: 15,
        hostsync: 15,
        ..Timing::default()
    }
}

fn one(primary: bool) -> Monitor {
    Monitor::new(timing(), vec![UpsTracker::new("ups@host", 1, primary)])
}

fn st(status: &str) -> PollOutcome {
    PollOutcome::Status {
        status: status.into(),
        buzzwords: None,
        alarm: None,
    }
}

fn events(m: &mut Monitor) -> Vec<NotifyEvent> {
    m.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.event),
            Effect::Log(..) => None,
        })
        .collect()
}

#[test]
fn startup_online_is_silent_then_battery_then_low_battery_shuts_a_primary_down() {
    let mut m = one(true);
    m.poll(0, &st("OL"), 100);
    assert!(!m.recalc(100));
    assert_eq!(events(&mut m), []);
    m.poll(0, &st("OB DISCHRG"), 105);
    assert_eq!(events(&mut m), [OnBatt]);
    assert_eq!(m.sleepval(), 2);
    assert!(!m.recalc(105));
    m.poll(0, &st("OB LB"), 107);
    assert_eq!(events(&mut m), [LowBatt]);
    assert!(m.recalc(107));
    m.fsd_set(0, 107);
    assert_eq!(events(&mut m), [Fsd]);
    m.poll(0, &st("FSD OB LB"), 108);
    assert_eq!(events(&mut m), [], "FSD already notified by setfsd");
}

#[test]
fn a_reload_on_battery_keeps_the_fast_poll_interval() {
    let mut m = one(true);
    m.poll(0, &st("OB DISCHRG"), 1);
    assert_eq!(m.sleepval(), 2);
    m.set_timing(Timing {
        pollfreqalert: 3,
        ..timing()
    });
    assert_eq!(m.sleepval(), 3, "still on battery: POLLFREQALERT");
    m.poll(0, &st("OL"), 4);
    assert_eq!(m.sleepval(), 5);
    m.set_timing(timing());
    assert_eq!(m.sleepval(), 5, "on line: POLLFREQ");
}

#[test]
fn back_on_line_notifies_online_and_restores_poll_interval() {
    let mut m = one(true);
    m.poll(0, &st("OB"), 1);
    assert_eq!(
        events(&mut m),
        [OnBatt],
        "ONBATT is notified even at startup"
    );
    m.poll(0, &st("OL CHRG"), 3);
    assert_eq!(events(&mut m), [Online]);
    assert_eq!(m.sleepval(), 5);
}

#[test]
fn communication_lost_and_regained() {
    let mut m = one(false);
    m.poll(0, &PollOutcome::Failed, 1);
    assert_eq!(
        events(&mut m),
        [CommBad],
        "first failure at startup notifies COMMBAD"
    );
    m.poll(0, &PollOutcome::Failed, 2);
    assert_eq!(events(&mut m), [NoComm], "never polled: NOCOMM at once");
    m.poll(0, &PollOutcome::Failed, 3);
    assert_eq!(events(&mut m), [], "NOCOMM is rate limited");
    m.poll(0, &st("OL"), 4);
    assert_eq!(events(&mut m), [CommOk]);
    m.poll(0, &st(""), 5);
    assert_eq!(events(&mut m), [CommBad], "an empty status counts as gone");
    m.poll(0, &PollOutcome::Failed, 6);
    assert_eq!(events(&mut m), [], "NOCOMM only after NOCOMMWARNTIME");
    m.poll(0, &PollOutcome::Failed, 4 + 300);
    assert_eq!(events(&mut m), [NoComm]);
}

#[test]
fn secondary_waits_for_fsd_or_hostsync() {
    let mut m = one(false);
    m.poll(0, &st("OL"), 0);
    m.poll(0, &st("OB"), 10);
    m.poll(0, &st("OB LB"), 12);
    assert_eq!(events(&mut m), [OnBatt, LowBatt]);
    assert!(!m.recalc(12), "a secondary is not critical on OB+LB alone");
    assert!(
        !m.recalc(27),
        "the OB token of the 12 s poll still counted as non-critical"
    );
    assert!(
        m.recalc(28),
        "more than HOSTSYNC (15 s) after the last non-critical moment (12)"
    );
    m.poll(0, &st("OB LB"), 28);
    assert!(
        m.recalc(28),
        "further OB+LB polls do not refresh the non-critical time"
    );

    let mut m = one(false);
    m.poll(0, &st("OB"), 10);
    m.poll(0, &st("OB LB"), 12);
    m.poll(0, &st("FSD OB LB"), 13);
    assert_eq!(events(&mut m), [OnBatt, LowBatt, Fsd]);
    assert!(m.recalc(13), "FSD is critical");
}

#[test]
fn dead_on_battery_becomes_critical_after_deadtime() {
    let mut m = one(true);
    m.poll(0, &st("OL"), 0);
    m.poll(0, &st("OB"), 10);
    m.poll(0, &PollOutcome::Failed, 12);
    assert_eq!(events(&mut m), [OnBatt, CommBad]);
    assert!(!m.recalc(12), "last known OB is only a warning");
    assert!(!m.recalc(25));
    assert!(
        m.recalc(26),
        "silent for more than DEADTIME while OB: promoted to OB+LB"
    );
}

#[test]
fn silent_while_online_is_never_critical() {
    let mut m = one(true);
    m.poll(0, &st("OL"), 0);
    m.poll(0, &PollOutcome::Failed, 1);
    assert!(!m.recalc(1000));
}

#[test]
fn never_reached_ups_counts_as_healthy_and_minsupplies_zero_never_shuts_down() {
    let mut m = one(true);
    m.poll(0, &PollOutcome::Failed, 1);
    assert!(!m.recalc(100));
    let mut t = timing();
    t.minsupplies = 0;
    let mut m = Monitor::new(t, vec![UpsTracker::new("u@h", 1, true)]);
    m.poll(0, &st("FSD OB LB"), 1);
    assert!(!m.recalc(1));
}

#[test]
fn power_values_add_up_against_minsupplies() {
    let mut t = timing();
    t.minsupplies = 2;
    let upses = vec![
        UpsTracker::new("a@h", 1, true),
        UpsTracker::new("b@h", 1, true),
        UpsTracker::new("c@h", 1, true),
    ];
    let mut m = Monitor::new(t, upses);
    assert_eq!(m.total_power(), 3);
    m.poll(0, &st("OB LB"), 1);
    assert!(!m.recalc(1), "two of three healthy is enough");
    m.poll(1, &st("OB LB"), 1);
    assert!(m.recalc(1));
}

#[test]
fn replace_battery_is_rate_limited() {
    let mut m = one(true);
    m.poll(0, &st("OL RB"), 1);
    m.poll(0, &st("OL RB"), 2);
    assert_eq!(events(&mut m), [ReplBatt]);
    m.poll(0, &st("OL RB"), 2 + 43201);
    assert_eq!(events(&mut m), [ReplBatt]);
}

#[test]
fn unknown_tokens_give_other_and_notother() {
    let mut m = one(true);
    m.poll(0, &st("OL FOO"), 1);
    let fx = m.take_effects();
    assert!(fx.iter().any(|e| matches!(e, Effect::Notify(n)
        if n.event == Other && n.extra.as_deref() == Some("FOO"))));
    m.poll(0, &st("OL FOO"), 2);
    assert_eq!(events(&mut m), []);
    m.poll(0, &st("OL FOO BAR"), 3);
    assert_eq!(events(&mut m), [Other]);
    m.poll(0, &st("OL"), 4);
    assert_eq!(events(&mut m), [NotOther]);
    m.poll(0, &st("WAIT"), 5);
    assert_eq!(events(&mut m), [Other], "WAIT is not a token upsmon knows");
}

#[test]
fn alarm_text_changes_renotify_and_silence_in_alarm_is_critical() {
    let mut m = one(true);
    let alarm = |a: &str| PollOutcome::Status {
        status: "OL ALARM".into(),
        buzzwords: None,
        alarm: Some(a.into()),
    };
    m.poll(0, &alarm("Replace battery!"), 1);
    m.poll(0, &alarm("Replace battery!"), 2);
    m.poll(0, &alarm("Overheat!"), 3);
    let fx = m.take_effects();
    let texts: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) if n.event == Alarm => n.extra.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["Replace battery!", "Overheat!"]);
    m.poll(0, &PollOutcome::Failed, 4);
    assert!(m.recalc(4), "ALARMCRITICAL defaults to 1");
    let mut m = one(true);
    m.poll(0, &alarm("x"), 1);
    m.poll(0, &st("OL"), 2);
    assert_eq!(events(&mut m), [Alarm, NotAlarm]);
}

#[test]
fn off_is_critical_after_offduration_and_bypass_when_silent() {
    let mut t = timing();
    t.offduration = 10;
    let mut m = Monitor::new(t.clone(), vec![UpsTracker::new("u@h", 1, true)]);
    m.poll(0, &st("OFF"), 0);
    assert_eq!(events(&mut m), [Off]);
    assert!(!m.recalc(0));
    m.poll(0, &st("OFF"), 11);
    assert!(m.recalc(11), "OFF for more than OFFDURATION");
    m.poll(0, &st("OL"), 12);
    assert_eq!(events(&mut m), [NotOff]);
    assert!(!m.recalc(12));

    let mut m = Monitor::new(t, vec![UpsTracker::new("u@h", 1, true)]);
    m.poll(0, &st("OL BYPASS"), 0);
    assert!(!m.recalc(0), "bypass while communicating is not critical");
    m.poll(0, &PollOutcome::Failed, 1);
    assert!(m.recalc(1), "bypass and silent is critical");
}

#[test]
fn oblbduration_delays_criticality() {
    let mut t = timing();
    t.oblbduration = 6;
    let mut m = Monitor::new(t, vec![UpsTracker::new("u@h", 1, true)]);
    m.poll(0, &st("OB LB"), 0);
    assert!(!m.recalc(0));
    assert_eq!(m.sleepval(), 2, "gcd(POLLFREQALERT 2, OBLBDURATION 6)");
    assert!(!m.recalc(5));
    assert!(m.recalc(6));
}

#[test]
fn calibration_suppresses_ob_lb_and_eco_via_buzzwords() {
    let mut m = one(true);
    m.poll(0, &st("OB LB CAL"), 0);
    assert!(!m.recalc(0));
    let eco = PollOutcome::Status {
        status: "OL".into(),
        buzzwords: Some("vendor:apc:ECO".into()),
        alarm: None,
    };
    let mut m = one(true);
    m.poll(0, &eco, 0);
    m.poll(0, &st("OL"), 1);
    assert_eq!(events(&mut m), [Eco, NotEco]);
    let mut m = one(true);
    m.poll(
        0,
        &PollOutcome::Status {
            status: "OL".into(),
            buzzwords: Some("normal".into()),
            alarm: None,
        },
        0,
    );
    assert_eq!(
        events(&mut m),
        [],
        "a non-ECO buzzword is not ECO (C NUT bug not copied)"
    );
}

#[test]
fn overload_trim_boost_transitions() {
    let mut t = timing();
    t.overduration = 0;
    let mut m = Monitor::new(t, vec![UpsTracker::new("u@h", 1, true)]);
    m.poll(0, &st("OL OVER TRIM"), 0);
    m.poll(0, &st("OL BOOST"), 1);
    assert_eq!(events(&mut m), [Over, Trim, NotOver, NotTrim, Boost]);
    m.poll(0, &st("OL OVER"), 2);
    m.poll(0, &PollOutcome::Failed, 3);
    assert!(
        m.recalc(3),
        "OVERDURATION 0: overloaded and silent is critical"
    );
}
