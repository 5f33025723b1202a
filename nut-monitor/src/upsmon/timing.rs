//! The numbers that drive upsmon's decisions (upsmon.conf timing directives and power
//! settings), in one plain struct with C NUT's defaults, so the state machine can be tested
//! without a config file.

/// Timing and power settings of the state machine. Durations are whole seconds, as in C NUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// POLLFREQ: poll interval while all is well.
    pub pollfreq: u64,
    /// POLLFREQALERT: poll interval while some UPS is in an alert state.
    pub pollfreqalert: u64,
    /// DEADTIME: a UPS not heard from for longer is dead (critical if last seen on battery).
    pub deadtime: u64,
    /// HOSTSYNC: primary waits this long for secondaries; a secondary this long for FSD.
    pub hostsync: u64,
    /// NOCOMMWARNTIME: repeat interval of NOCOMM.
    pub nocommwarntime: u64,
    /// RBWARNTIME: repeat interval of REPLBATT.
    pub rbwarntime: u64,
    /// OFFDURATION: OFF must last this long to be critical (0 = at once, negative = never).
    pub offduration: i64,
    /// OVERDURATION: OVER while not communicating is critical after this (negative = never).
    pub overduration: i64,
    /// OBLBDURATION: OB+LB must last this long to be critical (values < 1 = at once).
    pub oblbduration: i64,
    /// ALARMCRITICAL: a UPS last seen in ALARM and now silent is critical.
    pub alarmcritical: bool,
    /// MINSUPPLIES: the power value that must stay healthy.
    pub minsupplies: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            pollfreq: 5,
            pollfreqalert: 5,
            deadtime: 15,
            hostsync: 15,
            nocommwarntime: 300,
            rbwarntime: 43200,
            offduration: 30,
            overduration: -1,
            oblbduration: 0,
            alarmcritical: true,
            minsupplies: 1,
        }
    }
}
