//! The Megatec / Q1 protocol itself (spec drivers.md section 2), without I/O: the query
//! commands of each protocol flavour, the parsers of the status (`Q1`), rating (`F`) and
//! vendor (`I`) replies, the status bits as NUT status tokens, the instant commands as serial
//! commands, and the battery estimates.

/// The protocol flavours tried at start, in this order (spec 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `Q1` / `F` / `I`.
    Megatec,
    /// `QS` / `F` / `I`.
    Mustek,
    /// `D` / `F` / `I`.
    MegatecOld,
    /// `Q1` / `F` / `FW?`.
    Zinto,
}

impl Flavour {
    /// Every flavour, in detection order.
    pub const ALL: [Flavour; 4] = [
        Flavour::Megatec,
        Flavour::Mustek,
        Flavour::MegatecOld,
        Flavour::Zinto,
    ];

    /// The name of the `protocol` option (and of `driver.parameter.protocol`).
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Megatec => "megatec",
            Flavour::Mustek => "mustek",
            Flavour::MegatecOld => "megatec/old",
            Flavour::Zinto => "zinto",
        }
    }

    /// The flavour named by the `protocol` option.
    pub fn from_name(name: &str) -> Option<Flavour> {
        Flavour::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The status query.
    pub fn status_command(self) -> &'static str {
        match self {
            Flavour::Megatec | Flavour::Zinto => "Q1",
            Flavour::Mustek => "QS",
            Flavour::MegatecOld => "D",
        }
    }

    /// The rating query.
    pub fn rating_command(self) -> &'static str {
        "F"
    }

    /// The vendor query.
    pub fn vendor_command(self) -> &'static str {
        match self {
            Flavour::Zinto => "FW?",
            _ => "I",
        }
    }
}

/// Why a reply was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Shorter than the protocol's minimum.
    #[error("short reply ({0} bytes)")]
    Short(usize),
    /// The first character is not the expected one.
    #[error("reply does not start with {0:?}")]
    Lead(char),
    /// A field is missing or malformed.
    #[error("malformed reply: {0}")]
    Malformed(&'static str),
}

/// A `Q1` status reply. A numeric field that the UPS filled with something other than digits
/// and a dot (e.g. `--.-`) is `None`: that variable is not updated.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub input_voltage: Option<f64>,
    pub input_voltage_fault: Option<f64>,
    pub output_voltage: Option<f64>,
    pub load: Option<f64>,
    pub input_frequency: Option<f64>,
    pub battery_voltage: Option<f64>,
    pub temperature: Option<f64>,
    /// b7..b0, the first character first.
    pub bits: [bool; 8],
}

/// Shortest acceptable `Q1` reply, without its `\r` (46 bytes with it).
const STATUS_MIN: usize = 45;

fn number(field: &str) -> Option<f64> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    field.parse().ok()
}

/// Parse `(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0` (with or without `\r`).
pub fn parse_status(reply: &str) -> Result<Status, ReplyError> {
    let reply = reply.trim_end_matches('\r');
    if reply.len() < STATUS_MIN {
        return Err(ReplyError::Short(reply.len()));
    }
    let Some(body) = reply.strip_prefix('(') else {
        return Err(ReplyError::Lead('('));
    };
    let fields: Vec<&str> = body.split_ascii_whitespace().collect();
    let [vi, vf, vo, load, freq, batt, temp, bits] = fields[..] else {
        return Err(ReplyError::Malformed("expected 8 fields"));
    };
    if bits.len() != 8 || !bits.bytes().all(|b| b == b'0' || b == b'1') {
        return Err(ReplyError::Malformed("status bits"));
    }
    let mut flags = [false; 8];
    for (flag, b) in flags.iter_mut().zip(bits.bytes()) {
        *flag = b == b'1';
    }
    Ok(Status {
        input_voltage: number(vi),
        input_voltage_fault: number(vf),
        output_voltage: number(vo),
        load: number(load),
        input_frequency: number(freq),
        battery_voltage: number(batt),
        temperature: number(temp),
        bits: flags,
    })
}

/// What the status bits mean in NUT's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// `ups.status` tokens, in the order C blazer sets them.
    pub tokens: Vec<&'static str>,
    /// `ups.alarm` texts.
    pub alarms: Vec<&'static str>,
    /// `ups.type`.
    pub ups_type: &'static str,
    /// `ups.beeper.status`.
    pub beeper: &'static str,
}

impl Status {
    /// The bits as status tokens and alarms (spec 2.3).
    pub fn report(&self) -> StatusReport {
        let b = &self.bits;
        let mut tokens = Vec::new();
        let mut alarms = Vec::new();
        tokens.push(if b[0] { "OB" } else { "OL" });
        if b[1] {
            tokens.push("LB");
        }
        if b[2] {
            if let Some(t) = avr_token(self.input_voltage, self.output_voltage) {
                tokens.push(t);
            }
        }
        if b[3] {
            alarms.push("UPS selftest failed!");
        }
        if b[5] {
            tokens.push("CAL");
        }
        if b[6] {
            alarms.push("Shutdown imminent!");
            tokens.push("FSD");
        }
        StatusReport {
            tokens,
            alarms,
            ups_type: if b[4] {
                "offline / line interactive"
            } else {
                "online"
            },
            beeper: if b[7] { "enabled" } else { "disabled" },
        }
    }
}

/// Bit 5 (AVR) by the ratio of output to input voltage: TRIM, BYPASS or BOOST; nothing when
/// the ratio makes no sense or a voltage is missing.
fn avr_token(vi: Option<f64>, vo: Option<f64>) -> Option<&'static str> {
    let (vi, vo) = (vi?, vo?);
    if vo < 0.5 * vi {
        None
    } else if vo < 0.95 * vi {
        Some("TRIM")
    } else if vo < 1.05 * vi {
        Some("BYPASS")
    } else if vo < 1.5 * vi {
        Some("BOOST")
    } else {
        None
    }
}

/// An `F` rating reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub voltage: Option<f64>,
    pub current: Option<f64>,
    pub battery_voltage: Option<f64>,
    pub frequency: Option<f64>,
}

/// Parse `#MMM.M QQQ SS.SS RR.R`.
pub fn parse_rating(reply: &str) -> Result<Rating, ReplyError> {
    let reply = reply.trim_end_matches('\r');
    let Some(body) = reply.strip_prefix('#') else {
        return Err(ReplyError::Lead('#'));
    };
    let fields: Vec<&str> = body.split_ascii_whitespace().collect();
    let [v, c, b, f] = fields[..] else {
        return Err(ReplyError::Malformed("expected 4 fields"));
    };
    Ok(Rating {
        voltage: number(v),
        current: number(c),
        battery_voltage: number(b),
        frequency: number(f),
    })
}

/// An `I` vendor reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    pub mfr: String,
    pub model: String,
    pub firmware: String,
}

/// Parse `#Company_Name___ UPS_Model_ Version___`: columns 1-15, 17-26, 28-37, trimmed.
pub fn parse_vendor(reply: &str) -> Result<Vendor, ReplyError> {
    let reply = reply.trim_end_matches('\r');
    if !reply.starts_with('#') {
        return Err(ReplyError::Lead('#'));
    }
    if !reply.is_ascii() {
        return Err(ReplyError::Malformed("not ASCII"));
    }
    let col = |from: usize, to: usize| -> String {
        reply
            .get(from..to.min(reply.len()))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    Ok(Vendor {
        mfr: col(1, 16),
        model: col(17, 27),
        firmware: col(28, 38),
    })
}

/// Shutdown delays: `offdelay` seconds (12..=600) before the load goes off, `ondelay`
/// minutes (0..=9999) before it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delays {
    pub offdelay: u32,
    pub ondelay: u32,
}

impl Default for Delays {
    fn default() -> Self {
        Delays {
            offdelay: 30,
            ondelay: 3,
        }
    }
}

/// Allowed `offdelay` (seconds).
pub const OFFDELAY_RANGE: std::ops::RangeInclusive<u32> = 12..=600;
/// Allowed `ondelay` (minutes).
pub const ONDELAY_RANGE: std::ops::RangeInclusive<u32> = 0..=9999;

/// An offdelay the UPS can take: whole tenths of a minute under a minute, whole minutes
/// above (C truncates the same way).
pub fn settable_offdelay(seconds: u32) -> u32 {
    if seconds < 60 {
        seconds - seconds % 6
    } else {
        seconds - seconds % 60
    }
}

/// `battery.voltage.low` and `.high` guessed from the nominal battery voltage when the
/// configuration gives neither (C's "guesstimation": 104/120 and 130/120 of nominal).
pub fn guessed_voltage_span(nominal: f64) -> (f64, f64) {
    (104.0 * nominal / 120.0, 130.0 * nominal / 120.0)
}

impl Delays {
    /// `S<n>`: tenths of a minute under a minute (`.2`..`.9`), else whole minutes (`01`..`10`).
    fn off_part(self) -> String {
        if self.offdelay < 60 {
            format!("S.{}", self.offdelay / 6)
        } else {
            format!("S{:02}", self.offdelay / 60)
        }
    }

    /// `shutdown.return`: `S<n>R<m>`, or only `S<n>` when ondelay is 0 (back with the mains).
    pub fn shutdown_return(self) -> String {
        if self.ondelay == 0 {
            self.off_part()
        } else {
            format!("{}R{:04}", self.off_part(), self.ondelay)
        }
    }

    /// `shutdown.stayoff`: `S<n>R0000`.
    pub fn shutdown_stayoff(self) -> String {
        format!("{}R0000", self.off_part())
    }
}

/// The instant commands a Megatec UPS knows (spec 2.6).
pub const COMMANDS: &[&str] = &[
    "beeper.toggle",
    "load.off",
    "load.on",
    "shutdown.return",
    "shutdown.stayoff",
    "shutdown.stop",
    "test.battery.start",
    "test.battery.start.deep",
    "test.battery.start.quick",
    "test.battery.stop",
];

/// Why an instant command has no serial form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// Not a Megatec command.
    Unknown,
    /// A parameter out of range (test minutes 1..99).
    Invalid,
}

/// The serial command (without `\r`) of an instant command.
pub fn serial_command(
    cmd: &str,
    param: Option<&str>,
    delays: Delays,
) -> Result<String, CommandError> {
    Ok(match cmd {
        "beeper.toggle" => "Q".into(),
        "load.off" => "S00R0000".into(),
        "load.on" | "shutdown.stop" => "C".into(),
        "shutdown.return" => delays.shutdown_return(),
        "shutdown.stayoff" => delays.shutdown_stayoff(),
        "test.battery.start.quick" => "T".into(),
        "test.battery.start.deep" => "TL".into(),
        "test.battery.stop" => "CT".into(),
        "test.battery.start" => {
            let minutes = match param {
                None => 10,
                Some(p) => p.trim().parse::<u32>().map_err(|_| CommandError::Invalid)?,
            };
            if !(1..=99).contains(&minutes) {
                return Err(CommandError::Invalid);
            }
            format!("T{minutes:02}")
        }
        _ => return Err(CommandError::Unknown),
    })
}

/// A command's reply: none, `ACK` or `(ACK` mean done; anything else (an echo of the
/// command, `(NAK`) means refused.
pub fn command_accepted(reply: Option<&str>) -> bool {
    match reply {
        None => true,
        Some(r) => {
            let r = r.trim_end_matches('\r');
            r.is_empty() || r.starts_with("ACK") || r.starts_with("(ACK")
        }
    }
}

/// Battery packs from the nominal battery voltage and one reading (spec 2.4): the first
/// candidate whose product stays under 1.25 x nominal, if it also reaches 0.8 x nominal.
pub fn battery_packs(nominal: f64, reading: f64) -> Option<f64> {
    const CANDIDATES: [f64; 17] = [
        120.0, 100.0, 80.0, 60.0, 48.0, 36.0, 30.0, 24.0, 18.0, 12.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.0,
        0.5,
    ];
    if nominal <= 0.0 || reading <= 0.0 {
        return None;
    }
    let p = CANDIDATES
        .into_iter()
        .find(|p| p * reading <= 1.25 * nominal)?;
    (p * reading >= 0.8 * nominal).then_some(p)
}

/// `battery.charge` guessed from the voltage between `low` and `high` (spec 2.7), 0..=100.
pub fn charge_from_voltage(voltage: f64, low: f64, high: f64) -> Option<f64> {
    if high <= low {
        return None;
    }
    Some((100.0 * (voltage - low) / (high - low)).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q1: &str = "(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r";

    #[test]
    fn the_spec_status_vector_parses() {
        let s = parse_status(Q1).expect("valid");
        assert_eq!(s.input_voltage, Some(215.0));
        assert_eq!(s.input_voltage_fault, Some(195.0));
        assert_eq!(s.output_voltage, Some(230.0));
        assert_eq!(s.load, Some(14.0));
        assert_eq!(s.input_frequency, Some(49.0));
        assert_eq!(s.battery_voltage, Some(22.7));
        assert_eq!(s.temperature, Some(30.0));
        let r = s.report();
        assert_eq!(r.tokens, ["OL"]);
        assert!(r.alarms.is_empty());
        assert_eq!(r.ups_type, "online");
        assert_eq!(r.beeper, "disabled");
    }

    #[test]
    fn status_bits_map_to_tokens_and_alarms() {
        let with = |bits: &str, vi: &str, vo: &str| {
            parse_status(&format!("({vi} 195.0 {vo} 014 49.0 22.7 30.0 {bits}"))
                .expect("valid")
                .report()
        };
        let r = with("11011111", "230.0", "230.0");
        assert_eq!(r.tokens, ["OB", "LB", "CAL", "FSD"]);
        assert_eq!(r.alarms, ["UPS selftest failed!", "Shutdown imminent!"]);
        assert_eq!(r.ups_type, "offline / line interactive");
        assert_eq!(r.beeper, "enabled");
        // Bit 5 by the output/input ratio.
        assert_eq!(with("00100000", "240.0", "220.0").tokens, ["OL", "TRIM"]);
        assert_eq!(with("00100000", "230.0", "231.0").tokens, ["OL", "BYPASS"]);
        assert_eq!(with("00100000", "190.0", "225.0").tokens, ["OL", "BOOST"]);
        assert_eq!(with("00100000", "230.0", "100.0").tokens, ["OL"]);
        assert_eq!(with("00100000", "100.0", "230.0").tokens, ["OL"]);
    }

    #[test]
    fn bad_status_replies_are_refused_and_dashes_skip_a_field() {
        assert_eq!(parse_status("(215.0 195.0"), Err(ReplyError::Short(12)));
        assert_eq!(
            parse_status("X215.0 195.0 230.0 014 49.0 22.7 30.0 00000000"),
            Err(ReplyError::Lead('('))
        );
        assert!(parse_status("(215.0 195.0 230.0 014 49.0 22.7 30.0 0000000x").is_err());
        assert!(parse_status("(215.0 195.0 230.0 014 49.0 22.7 30.0 000000000").is_err());
        assert!(parse_status("Q1").is_err(), "an echo is not a status");
        let s = parse_status("(215.0 195.0 230.0 014 49.0 22.7 --.- 00000000").expect("valid");
        assert_eq!(s.temperature, None);
        assert_eq!(s.input_voltage, Some(215.0));
    }

    #[test]
    fn rating_and_vendor_replies() {
        let r = parse_rating("#230.0 000 024.0 50.0\r").expect("valid");
        assert_eq!(r.voltage, Some(230.0));
        assert_eq!(r.current, Some(0.0));
        assert_eq!(r.battery_voltage, Some(24.0));
        assert_eq!(r.frequency, Some(50.0));
        assert!(parse_rating("F").is_err());
        let v = parse_vendor("#NOT_A_LIVE_UPS  TESTING    TESTING   \r").expect("valid");
        assert_eq!(v.mfr, "NOT_A_LIVE_UPS");
        assert_eq!(v.model, "TESTING");
        assert_eq!(v.firmware, "TESTING");
        let v = parse_vendor("#-------------   ------     VT12046Q  ").expect("valid");
        assert_eq!(v.mfr, "-------------");
        assert_eq!(v.model, "------");
        assert_eq!(v.firmware, "VT12046Q");
        assert!(parse_vendor("I").is_err());
    }

    #[test]
    fn shutdown_commands_follow_the_spec_examples() {
        let d = Delays::default();
        assert_eq!(d.shutdown_return(), "S.5R0003");
        assert_eq!(d.shutdown_stayoff(), "S.5R0000");
        let d = Delays {
            offdelay: 120,
            ondelay: 0,
        };
        assert_eq!(d.shutdown_return(), "S02");
        let d = Delays {
            offdelay: 600,
            ondelay: 9999,
        };
        assert_eq!(d.shutdown_return(), "S10R9999");
        let d = Delays {
            offdelay: 12,
            ondelay: 5,
        };
        assert_eq!(d.shutdown_return(), "S.2R0005");
    }

    #[test]
    fn instant_commands_and_their_replies() {
        let d = Delays::default();
        let c = |cmd: &str, p: Option<&str>| serial_command(cmd, p, d);
        assert_eq!(c("beeper.toggle", None).as_deref(), Ok("Q"));
        assert_eq!(c("load.off", None).as_deref(), Ok("S00R0000"));
        assert_eq!(c("load.on", None).as_deref(), Ok("C"));
        assert_eq!(c("shutdown.stop", None).as_deref(), Ok("C"));
        assert_eq!(c("test.battery.start", None).as_deref(), Ok("T10"));
        assert_eq!(c("test.battery.start", Some("4")).as_deref(), Ok("T04"));
        assert_eq!(
            c("test.battery.start", Some("0")),
            Err(CommandError::Invalid)
        );
        assert_eq!(
            c("test.battery.start", Some("100")),
            Err(CommandError::Invalid)
        );
        assert_eq!(c("test.battery.start.deep", None).as_deref(), Ok("TL"));
        assert_eq!(c("test.battery.stop", None).as_deref(), Ok("CT"));
        assert_eq!(c("outlet.1.off", None), Err(CommandError::Unknown));
        for cmd in COMMANDS {
            assert!(c(cmd, None).is_ok(), "{cmd}");
        }
        assert!(command_accepted(None));
        assert!(command_accepted(Some("ACK\r")));
        assert!(command_accepted(Some("(ACK")));
        assert!(
            !command_accepted(Some("T04\r")),
            "an echo means unsupported"
        );
        assert!(!command_accepted(Some("(NAK")));
    }

    #[test]
    fn offdelay_is_truncated_to_what_the_ups_can_take() {
        assert_eq!(settable_offdelay(30), 30);
        assert_eq!(settable_offdelay(35), 30);
        assert_eq!(settable_offdelay(59), 54);
        assert_eq!(settable_offdelay(90), 60);
        assert_eq!(settable_offdelay(600), 600);
        let (low, high) = guessed_voltage_span(24.0);
        assert!((low - 20.8).abs() < 1e-9 && (high - 26.0).abs() < 1e-9);
    }

    #[test]
    fn battery_packs_and_charge() {
        // 24 V nominal, 2.27 V per cell reading x ... a 12-cell string reads 27.2 V for 1 pack.
        assert_eq!(battery_packs(24.0, 27.2), Some(1.0));
        assert_eq!(battery_packs(24.0, 2.27), Some(12.0));
        assert_eq!(battery_packs(24.0, 22.7), Some(1.0));
        // Nothing fits between 0.8 and 1.25 x nominal.
        assert_eq!(battery_packs(24.0, 200.0), None);
        assert_eq!(battery_packs(0.0, 2.0), None);
        assert_eq!(
            charge_from_voltage(24.0, 20.0, 26.0).map(f64::round),
            Some(67.0)
        );
        assert_eq!(charge_from_voltage(30.0, 20.0, 26.0), Some(100.0));
        assert_eq!(charge_from_voltage(10.0, 20.0, 26.0), Some(0.0));
        assert_eq!(charge_from_voltage(10.0, 26.0, 20.0), None);
    }

    proptest::proptest! {
        /// Whatever comes down the serial line, the parsers answer without panicking.
        #[test]
        fn any_reply_is_handled(reply in "\\PC{0,80}") {
            let _ = parse_status(&reply).map(|s| s.report());
            let _ = parse_rating(&reply);
            let _ = parse_vendor(&reply);
            let _ = command_accepted(Some(&reply));
        }

        /// Every delay in range gives a command of the documented shape.
        #[test]
        fn shutdown_commands_are_well_formed(off in 12u32..=600, on in 0u32..=9999) {
            let d = Delays { offdelay: settable_offdelay(off), ondelay: on };
            let r = d.shutdown_return();
            proptest::prop_assert!(r.starts_with('S'));
            proptest::prop_assert!(r.len() <= 8, "{}", r);
            proptest::prop_assert!(d.shutdown_stayoff().ends_with("R0000"));
        }
    }
}
