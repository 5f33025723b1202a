//! blazer_ser: UPSes speaking the Megatec / Q1 protocol on a serial port.

use std::process::ExitCode;

fn main() -> ExitCode {
    nut_drivers::run(
        nut_drivers::megatec::DRIVER_NAME,
        nut_drivers::megatec::Megatec::default(),
    )
}
