//! How the driver talks to a HID power device: the [`HidTransport`] trait (what the driver
//! needs) and [`UsbDevice`], its libusb implementation (`rusb`). Tests replay recorded
//! reports through the same trait.

use std::time::Duration;

use super::descriptor::ReportKind;

/// Why the device could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// libusb cannot run here (no USB bus, no permission to enumerate).
    #[error("USB is not available here (libusb: {0}): no USB bus, or no access to /dev/bus/usb")]
    NoUsb(#[source] UsbError),
    /// No device matched.
    #[error("no USB HID UPS found{}", .0.describe())]
    NotFound(Matcher),
    /// A transfer failed (device gone, I/O error, ...).
    #[error("USB transfer failed: {0}")]
    Transfer(#[source] UsbError),
    /// This one request failed (a stalled control transfer, a timeout, an overflow): the
    /// device may not support that report, or missed it; the device itself is still there.
    #[error("request refused by the device: {0}")]
    Refused(#[source] UsbError),
}

/// libusb's error codes, as the transport reports them.
pub use rusb::Error as UsbError;

/// What the driver needs from the device.
pub trait HidTransport: Send {
    /// Vendor and product id.
    fn ids(&self) -> (u16, u16);
    /// The HID report descriptor.
    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError>;
    /// GET_REPORT: `len` bytes including the report-ID byte.
    fn get_report(
        &mut self,
        kind: ReportKind,
        id: u8,
        len: usize,
    ) -> Result<Vec<u8>, TransportError>;
    /// SET_REPORT with a whole report (first byte: its ID).
    fn set_report(&mut self, kind: ReportKind, report: &[u8]) -> Result<(), TransportError>;
    /// One interrupt (input) report, if the device sends one within `timeout`.
    fn interrupt(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError>;
    /// A USB string descriptor.
    fn string(&mut self, index: u8) -> Option<String>;
    /// The device's serial number string, if it has one.
    fn serial(&self) -> Option<String> {
        None
    }
}

/// USB vendor ids of the HID UPS makers NUT's subdrivers know (matched when no `vendorid`
/// is given).
pub const KNOWN_VENDORS: &[(u16, &str)] = &[
    (0x051d, "APC"),
    (0x0764, "CyberPower"),
    (0x0463, "Eaton / MGE"),
    (0x09ae, "Tripp Lite"),
    (0x050d, "Belkin"),
    (0x10af, "Liebert"),
    (0x0d9f, "Powercom"),
    (0x06da, "Phoenixtec"),
    (0x0665, "Cypress-based"),
];

/// Which device to open (`vendorid`, `productid`, `serial` options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matcher {
    pub vendor_id: Option<u16>,
    pub product_id: Option<u16>,
    pub serial: Option<String>,
}

impl Matcher {
    fn ids_match(&self, vid: u16, pid: u16) -> bool {
        let vendor_ok = match self.vendor_id {
            Some(v) => v == vid,
            None => KNOWN_VENDORS.iter().any(|(v, _)| *v == vid),
        };
        vendor_ok && self.product_id.is_none_or(|p| p == pid)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.vendor_id {
            parts.push(format!("vendorid {v:04x}"));
        }
        if let Some(p) = self.product_id {
            parts.push(format!("productid {p:04x}"));
        }
        if let Some(s) = &self.serial {
            parts.push(format!("serial {s}"));
        }
        if parts.is_empty() {
            " (from a known UPS vendor)".into()
        } else {
            format!(" matching {}", parts.join(", "))
        }
    }
}

/// Control transfer timeout.
const TIMEOUT: Duration = Duration::from_secs(5);

/// A HID UPS opened with libusb.
pub struct UsbDevice {
    handle: rusb::DeviceHandle<rusb::Context>,
    interface: u8,
    endpoint_in: Option<u8>,
    ids: (u16, u16),
    serial: Option<String>,
}

impl std::fmt::Debug for UsbDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsbDevice")
            .field(
                "ids",
                &format_args!("{:04x}:{:04x}", self.ids.0, self.ids.1),
            )
            .finish_non_exhaustive()
    }
}

/// What a libusb error means for the driver, as C NUT's `hid_ups_walk` sorts them: the
/// device is gone or unusable (reconnect) only for no-device, I/O, access, not-found, busy
/// and out-of-memory; anything else (a stall, a timeout, an overflow, an interrupted or
/// unknown failure) loses this one request, and the next poll tries again. (Dropping the
/// device on a timeout would leave a UPS that times out on one declared report stale
/// forever.)
fn usb(e: rusb::Error) -> TransportError {
    match e {
        rusb::Error::NoDevice
        | rusb::Error::Io
        | rusb::Error::Access
        | rusb::Error::NotFound
        | rusb::Error::Busy
        | rusb::Error::NoMem => TransportError::Transfer(e),
        _ => TransportError::Refused(e),
    }
}

impl UsbDevice {
    /// Find and open the first matching HID device (interface 0), detaching the kernel's
    /// driver from it.
    pub fn open(m: &Matcher) -> Result<UsbDevice, TransportError> {
        use rusb::UsbContext;
        // An explicit context: libusb's global helpers panic where there is no USB.
        let ctx = rusb::Context::new().map_err(TransportError::NoUsb)?;
        let devices = ctx.devices().map_err(TransportError::NoUsb)?;
        for dev in devices.iter() {
            let Ok(desc) = dev.device_descriptor() else {
                continue;
            };
            let ids = (desc.vendor_id(), desc.product_id());
            if !m.ids_match(ids.0, ids.1) {
                continue;
            }
            let Ok(config) = dev.active_config_descriptor() else {
                continue;
            };
            let Some(iface) = config.interfaces().find_map(|i| {
                i.descriptors()
                    .find(|d| d.class_code() == 3)
                    .map(|d| (d.interface_number(), d))
            }) else {
                continue;
            };
            let endpoint_in = iface
                .1
                .endpoint_descriptors()
                .find(|e| {
                    e.direction() == rusb::Direction::In
                        && e.transfer_type() == rusb::TransferType::Interrupt
                })
                .map(|e| e.address());
            let handle = match dev.open() {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(
                        "{:04x}:{:04x}: cannot open ({e}); check the device's permissions",
                        ids.0,
                        ids.1
                    );
                    continue;
                }
            };
            let serial = desc
                .serial_number_string_index()
                .and_then(|i| handle.read_string_descriptor_ascii(i).ok());
            if let Some(want) = &m.serial {
                if serial.as_deref() != Some(want.as_str()) {
                    continue;
                }
            }
            let _ = handle.set_auto_detach_kernel_driver(true);
            // A device another program holds is skipped: the next one may be ours.
            if let Err(e) = handle.claim_interface(iface.0) {
                tracing::warn!(
                    "{:04x}:{:04x}: cannot claim interface {} ({e})",
                    ids.0,
                    ids.1,
                    iface.0
                );
                continue;
            }
            return Ok(UsbDevice {
                handle,
                interface: iface.0,
                endpoint_in,
                ids,
                serial,
            });
        }
        Err(TransportError::NotFound(m.clone()))
    }
}

impl HidTransport for UsbDevice {
    fn ids(&self) -> (u16, u16) {
        self.ids
    }

    fn serial(&self) -> Option<String> {
        self.serial.clone()
    }

    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError> {
        // The HID class descriptor (0x21) gives the report descriptor's length (bytes 7-8).
        let mut hid = [0u8; 9];
        let n = self
            .handle
            .read_control(
                0x81,
                0x06,
                0x2100,
                u16::from(self.interface),
                &mut hid,
                TIMEOUT,
            )
            .map_err(usb)?;
        let len = if n >= 9 {
            usize::from(u16::from_le_bytes([hid[7], hid[8]]))
        } else {
            4096
        };
        let mut buf = vec![0u8; len.max(1)];
        let n = self
            .handle
            .read_control(
                0x81,
                0x06,
                0x2200,
                u16::from(self.interface),
                &mut buf,
                TIMEOUT,
            )
            .map_err(usb)?;
        buf.truncate(n);
        Ok(buf)
    }

    fn get_report(
        &mut self,
        kind: ReportKind,
        id: u8,
        len: usize,
    ) -> Result<Vec<u8>, TransportError> {
        let mut buf = vec![0u8; len.max(2)];
        let value = (kind.wvalue_type() << 8) | u16::from(id);
        let n = self
            .handle
            .read_control(
                0xA1,
                0x01,
                value,
                u16::from(self.interface),
                &mut buf,
                TIMEOUT,
            )
            .map_err(usb)?;
        buf.truncate(n);
        // Devices without report IDs send none: put the ID in front as the parser expects.
        if id == 0 {
            buf.insert(0, 0);
        }
        Ok(buf)
    }

    fn set_report(&mut self, kind: ReportKind, report: &[u8]) -> Result<(), TransportError> {
        let id = report.first().copied().unwrap_or(0);
        let value = (kind.wvalue_type() << 8) | u16::from(id);
        let data = if id == 0 { &report[1..] } else { report };
        self.handle
            .write_control(0x21, 0x09, value, u16::from(self.interface), data, TIMEOUT)
            .map_err(usb)?;
        Ok(())
    }

    fn interrupt(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        let Some(ep) = self.endpoint_in else {
            return Ok(None);
        };
        let mut buf = vec![0u8; 64];
        match self.handle.read_interrupt(ep, &mut buf, timeout) {
            Ok(n) => {
                buf.truncate(n);
                Ok(Some(buf))
            }
            Err(rusb::Error::Timeout) => Ok(None),
            Err(e) => Err(usb(e)),
        }
    }

    fn string(&mut self, index: u8) -> Option<String> {
        if index == 0 {
            return None;
        }
        self.handle
            .read_string_descriptor_ascii(index)
            .ok()
            .map(|s| s.trim().to_string())
    }
}

impl Drop for UsbDevice {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.interface);
    }
}
