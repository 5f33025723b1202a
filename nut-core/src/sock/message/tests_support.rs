//! Strategies shared by the message and state property tests.

use super::*;
use crate::sock::flags::VarFlags;
use proptest::prelude::*;

pub(crate) fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._-]{0,40}"
}
pub(crate) fn value() -> impl Strategy<Value = String> {
    "[ -~]{0,255}"
}
fn flags() -> impl Strategy<Value = VarFlags> {
    (0u32..8).prop_map(VarFlags::from_bits_truncate)
}

pub(crate) fn driver_message() -> impl Strategy<Value = DriverMessage> {
    prop_oneof![
        (name(), value()).prop_map(|(var, value)| DriverMessage::SetInfo { var, value }),
        name().prop_map(|var| DriverMessage::DelInfo { var }),
        (name(), value()).prop_map(|(var, value)| DriverMessage::AddEnum { var, value }),
        (name(), value()).prop_map(|(var, value)| DriverMessage::DelEnum { var, value }),
        (name(), any::<i32>(), any::<i32>()).prop_map(|(var, min, max)| DriverMessage::AddRange {
            var,
            min,
            max
        }),
        (name(), any::<i32>(), any::<i32>()).prop_map(|(var, min, max)| DriverMessage::DelRange {
            var,
            min,
            max
        }),
        (name(), any::<i64>()).prop_map(|(var, n)| DriverMessage::SetAux { var, n }),
        (name(), flags()).prop_map(|(var, flags)| DriverMessage::SetFlags { var, flags }),
        name().prop_map(|cmd| DriverMessage::AddCmd { cmd }),
        name().prop_map(|cmd| DriverMessage::DelCmd { cmd }),
        Just(DriverMessage::DataOk),
        Just(DriverMessage::DataStale),
        Just(DriverMessage::DumpDone),
        Just(DriverMessage::Pong),
        (name(), -1i32..=4).prop_map(|(id, code)| DriverMessage::Tracking { id, code }),
        "[0-9]{1,7}".prop_map(DriverMessage::Pid),
        Just(DriverMessage::Goodbye),
    ]
}
