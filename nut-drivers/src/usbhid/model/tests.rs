use super::*;

#[test]
fn dates_results_and_numbers_format_like_nut() {
    assert_eq!(
        format_value(Format::Date, 12515.0).as_deref(),
        Some("2004/07/03")
    );
    assert_eq!(
        format_value(Format::Date, 10785.0).as_deref(),
        Some("2001/01/01")
    );
    assert_eq!(
        format_value(Format::Date, 20648.0).as_deref(),
        Some("2020/05/08")
    );
    assert_eq!(
        format_value(Format::TestResult, 1.0).as_deref(),
        Some("Done and passed")
    );
    assert_eq!(
        format_value(Format::Beeper, 1.0).as_deref(),
        Some("disabled")
    );
    assert_eq!(
        format_value(Format::OneDecimal, 13.58).as_deref(),
        Some("13.6")
    );
    assert_eq!(format_value(Format::Whole, -1.0).as_deref(), Some("-1"));
    assert_eq!(format_value(Format::Whole, -0.2).as_deref(), Some("0"));
}

#[test]
fn status_follows_the_flags() {
    let f = |pairs: &[(&'static str, bool)]| pairs.iter().copied().collect::<HashMap<_, _>>();
    assert_eq!(status(&f(&[("ACPresent", true)]), None).0, ["OL"]);
    assert_eq!(
        status(&f(&[("ACPresent", true), ("Discharging", true)]), None).0,
        ["OL", "DISCHRG"]
    );
    assert_eq!(
        status(
            &f(&[
                ("ACPresent", false),
                ("Discharging", true),
                ("BelowRemainingCapacityLimit", true)
            ]),
            None
        )
        .0,
        ["OB", "DISCHRG", "LB"]
    );
    assert_eq!(
        status(&f(&[("ACPresent", true), ("Charging", true)]), Some(50.0)).0,
        ["OL", "CHRG"]
    );
    assert_eq!(
        status(&f(&[("ACPresent", true), ("Charging", true)]), Some(100.0)).0,
        ["OL"]
    );
    let (t, a) = status(&f(&[("ACPresent", true), ("NeedReplacement", true)]), None);
    assert_eq!(t, ["OL", "RB"]);
    assert_eq!(a, ["Replace battery!"]);
    // C's texts and order; a missing battery is an alarm only.
    let (t, a) = status(
        &f(&[
            ("ACPresent", true),
            ("BatteryPresent", false),
            ("ShutdownImminent", true),
            ("CommunicationLost", true),
            ("InternalFailure", true),
        ]),
        None,
    );
    assert_eq!(t, ["OL", "LB"]);
    assert_eq!(
        a,
        [
            "Shutdown imminent!",
            "No battery installed!",
            "Internal UPS fault!"
        ]
    );
}
