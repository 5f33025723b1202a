//! blazer_ser's own options (ups.conf or `-x`) and the delays read from them.

use super::error::MegatecError;
use super::protocol::{self, Delays};
use crate::backend::{BackendError, DriverOption};
use crate::config::DriverConfig;

/// The options blazer_ser accepts beyond the common ones.
pub(super) const OPTIONS: &[DriverOption] = &[
    DriverOption {
        name: "cablepower",
        takes_value: true,
        help: "power the cable through DTR/RTS: normal (DTR), reverse (RTS), both, none",
    },
    DriverOption {
        name: "protocol",
        takes_value: true,
        help: "skip detection: megatec, mustek, megatec/old or zinto",
    },
    DriverOption {
        name: "norating",
        takes_value: false,
        help: "do not ask the UPS for its ratings (F)",
    },
    DriverOption {
        name: "novendor",
        takes_value: false,
        help: "do not ask the UPS for its vendor (I)",
    },
    DriverOption {
        name: "offdelay",
        takes_value: true,
        help: "seconds before the load goes off after a shutdown command (12..600, default 30)",
    },
    DriverOption {
        name: "ondelay",
        takes_value: true,
        help: "minutes before the load comes back (0..9999, default 3)",
    },
    DriverOption {
        name: "stayoff",
        takes_value: false,
        help: "-k: keep the load off when the mains returns",
    },
    DriverOption {
        name: "pollfreq",
        takes_value: true,
        help: "nutdrv_qx: accepted; the status is read every cycle and the ratings once",
    },
    DriverOption {
        name: "runtimecal",
        takes_value: true,
        help: "t1,l1,t2,l2: runtime t1 s at load l1 %, t2 s at l2 %: estimate battery.runtime and integrate battery.charge",
    },
    DriverOption {
        name: "chargetime",
        takes_value: true,
        help: "with runtimecal: seconds to recharge an empty battery (default 43200)",
    },
    DriverOption {
        name: "idleload",
        takes_value: true,
        help: "with runtimecal: smallest load counted, % (default 10)",
    },
];

/// `offdelay` and `ondelay`, each checked against the range the protocol can send.
pub(super) fn delays_of(cfg: &DriverConfig) -> Result<Delays, BackendError> {
    let mut d = Delays::default();
    let read = |name: &'static str,
                range: std::ops::RangeInclusive<u32>|
     -> Result<Option<u32>, BackendError> {
        let Some(text) = cfg.option(name) else {
            return Ok(None);
        };
        match text.trim().parse::<u32>() {
            Ok(v) if range.contains(&v) => Ok(Some(v)),
            _ => Err(BackendError::fatal(MegatecError::BadNumber {
                name,
                value: text.to_string(),
                min: *range.start(),
                max: *range.end(),
            })),
        }
    };
    if let Some(v) = read("offdelay", protocol::OFFDELAY_RANGE)? {
        d.offdelay = protocol::settable_offdelay(v);
    }
    if let Some(v) = read("ondelay", protocol::ONDELAY_RANGE)? {
        d.ondelay = v;
    }
    Ok(d)
}
