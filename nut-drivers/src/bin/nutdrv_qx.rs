//! nutdrv_qx: Q* protocol UPSes on a serial port (the Megatec family: megatec, mustek,
//! megatec/old, zinto), publishing as C NUT's nutdrv_qx does.

use std::process::ExitCode;

use nut_drivers::megatec::{Megatec, Naming, QX_DRIVER_NAME};

fn main() -> ExitCode {
    nut_drivers::run(QX_DRIVER_NAME, Megatec::new(Naming::Qx))
}
