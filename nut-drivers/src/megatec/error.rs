//! Why blazer_ser cannot start or read the UPS: options, the serial port, the replies.

use super::protocol::ReplyError;
use super::runtime::CalibrationError;

/// What the last try of a query got instead of a valid reply.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryFailure {
    /// No reply in time.
    #[error("no reply")]
    NoReply,
    /// A reply the parser refused.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// The serial port failed.
    #[error(transparent)]
    Port(#[from] std::io::Error),
}

/// A blazer_ser failure (carried by [`crate::BackendError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MegatecError {
    /// A numeric option out of its range or not a number.
    #[error("{name} = {value:?}: expected a whole number from {min} to {max}")]
    BadNumber {
        /// The option.
        name: &'static str,
        /// Its value as given.
        value: String,
        /// Lowest accepted.
        min: u32,
        /// Highest accepted.
        max: u32,
    },
    /// `cablepower` is none of the known values.
    #[error("cablepower = {0:?}: expected normal, reverse, both or none")]
    BadCablePower(String),
    /// `protocol` is none of the known flavours.
    #[error("protocol = {0:?}: expected megatec, mustek, megatec/old or zinto")]
    BadProtocol(String),
    /// `runtimecal`, `chargetime` or `idleload` is wrong.
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
    /// The serial port cannot be opened.
    #[error("cannot open {port}: {source}")]
    Open {
        /// The `port` path.
        port: String,
        /// The serial port error.
        source: serialport::Error,
    },
    /// The serial port is not open (a query before `open`).
    #[error("the serial port is not open")]
    PortClosed,
    /// A query got no valid reply in all its tries.
    #[error("{command}: {last}")]
    Query {
        /// The query sent.
        command: String,
        /// What the last try got.
        last: QueryFailure,
    },
    /// No flavour answered its status query.
    #[error("No supported UPS detected (is it connected, powered and speaking Megatec/Q1?)")]
    NotDetected,
    /// `runtimecal` needs a battery charge that cannot be worked out.
    #[error(
        "runtimecal: initial battery charge undetermined (no battery voltage reading, or no \
         battery.voltage.nominal / default.battery.voltage.low and .high to read it against)"
    )]
    ChargeUnknown,
    /// The status query failed in a poll.
    #[error("Communications with UPS lost: status read failed!")]
    StatusLost,
    /// The UPS refused every try of the shutdown command.
    #[error("Shutdown failed: the UPS refused {0}")]
    ShutdownRefused(String),
}
