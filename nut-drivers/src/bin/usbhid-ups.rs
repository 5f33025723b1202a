//! usbhid-ups: UPSes of the USB HID Power Device class.

use std::process::ExitCode;

fn main() -> ExitCode {
    nut_drivers::run(
        nut_drivers::usbhid::DRIVER_NAME,
        nut_drivers::usbhid::UsbHid::default(),
    )
}
