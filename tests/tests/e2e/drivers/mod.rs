//! The drivers (dummy-ups, the Megatec/Q1 and USB HID drivers, upsdrvctl): the driver socket, foreground mode, the drivers' user, and interop with C upsd and C drivers.

mod dummy;
mod foreground;
mod interop;
mod megatec;
mod socket;
mod usbhid;
mod user;
