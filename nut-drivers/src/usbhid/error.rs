//! Why usbhid-ups cannot start or read the UPS: options, the USB transport, the report
//! descriptor.

use nut_core::sock::ResultCode;

use super::descriptor::DescriptorError;
use super::transport::TransportError;

/// A usbhid-ups failure (carried by [`crate::BackendError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UsbHidError {
    /// `vendorid` / `productid` is not a hex number.
    #[error("{name} = {value:?}: expected 4 hex digits")]
    BadHex {
        /// The option.
        name: &'static str,
        /// Its value as given.
        value: String,
    },
    /// `offdelay` / `ondelay` is not a number of seconds.
    #[error("{name} = {value:?}: expected seconds")]
    BadSeconds {
        /// The option.
        name: &'static str,
        /// Its value as given.
        value: String,
    },
    /// `ondelay` is not past `offdelay`.
    #[error(
        "ondelay ({ondelay}) must be greater than offdelay ({offdelay}), or the UPS could come \
         back before it went off"
    )]
    DelayOrder {
        /// The `ondelay` option.
        ondelay: i64,
        /// The `offdelay` option.
        offdelay: i64,
    },
    /// The device could not be found, opened or read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The device is open but its handle is gone (never expected).
    #[error("no device")]
    NoDevice,
    /// The report descriptor could not be read.
    #[error("cannot read the report descriptor: {0}")]
    DescriptorRead(#[source] TransportError),
    /// The report descriptor could not be walked.
    #[error("unusable report descriptor: {0}")]
    Descriptor(#[from] DescriptorError),
    /// The report descriptor declares no field.
    #[error("the report descriptor declares no data: not a HID power device")]
    NoData,
    /// A unit that used to answer answered nothing for a whole poll interval.
    #[error("the device answered no report in a whole poll")]
    Silent,
    /// The shutdown sequence could not be written.
    #[error(
        "shutdown failed ({0:?}): the UPS has no usable DelayBeforeStartup/DelayBeforeShutdown"
    )]
    Shutdown(ResultCode),
}
