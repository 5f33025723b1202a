//! [`ResultCode`]: the result of a tracked `INSTCMD` or `SET`, as the driver reports it in
//! `TRACKING <id> <code>`.

/// The result code of a tracked `INSTCMD` or `SET` (`drivers/upshandler.h`); the same numbers
/// serve instant commands and variable settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 0: `STAT_INSTCMD_HANDLED` / `STAT_SET_HANDLED`.
    Handled,
    /// 1: `STAT_*_UNKNOWN`: no such command or variable.
    Unknown,
    /// 2: `STAT_*_INVALID`: invalid argument.
    Invalid,
    /// 3: `STAT_*_FAILED`: the device refused or did not answer.
    Failed,
    /// 4: `STAT_*_CONVERSION_FAILED`: the value could not be converted.
    ConversionFailed,
}

impl ResultCode {
    /// The integer sent in `TRACKING <id> <code>`.
    pub fn code(self) -> i32 {
        match self {
            ResultCode::Handled => 0,
            ResultCode::Unknown => 1,
            ResultCode::Invalid => 2,
            ResultCode::Failed => 3,
            ResultCode::ConversionFailed => 4,
        }
    }

    /// The code for an integer, if it is one of the five defined ones.
    pub fn from_code(code: i32) -> Option<ResultCode> {
        Some(match code {
            0 => ResultCode::Handled,
            1 => ResultCode::Unknown,
            2 => ResultCode::Invalid,
            3 => ResultCode::Failed,
            4 => ResultCode::ConversionFailed,
            _ => return None,
        })
    }

    /// The C name of the instant-command flavour (`STAT_INSTCMD_HANDLED`, ...).
    pub fn instcmd_name(self) -> &'static str {
        match self {
            ResultCode::Handled => "STAT_INSTCMD_HANDLED",
            ResultCode::Unknown => "STAT_INSTCMD_UNKNOWN",
            ResultCode::Invalid => "STAT_INSTCMD_INVALID",
            ResultCode::Failed => "STAT_INSTCMD_FAILED",
            ResultCode::ConversionFailed => "STAT_INSTCMD_CONVERSION_FAILED",
        }
    }
}

/// The code upsd keeps for a `TRACKING <id> PENDING` line (C NUT's internal -1).
pub const TRACKING_PENDING: i32 = -1;
