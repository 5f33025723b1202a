//! The serial line to a Megatec UPS (spec 2.1): 2400 baud 8N1 without flow control, the
//! cable powered through DTR/RTS, every command and reply ended by `\r`, a 1 s reply
//! timeout.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, DataBits, FlowControl, Parity, SerialPort, StopBits};

/// How the cable takes its power from the modem lines (`cablepower`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CablePower {
    /// DTR set, RTS clear (the default).
    Normal,
    /// DTR clear, RTS set.
    Reverse,
    /// Both set.
    Both,
    /// Leave the lines alone.
    None,
}

impl CablePower {
    /// From the option's value.
    pub fn from_name(name: &str) -> Option<CablePower> {
        match name.to_ascii_lowercase().as_str() {
            "normal" => Some(CablePower::Normal),
            "reverse" => Some(CablePower::Reverse),
            "both" => Some(CablePower::Both),
            "none" => Some(CablePower::None),
            _ => None,
        }
    }

    fn lines(self) -> Option<(bool, bool)> {
        match self {
            CablePower::Normal => Some((true, false)),
            CablePower::Reverse => Some((false, true)),
            CablePower::Both => Some((true, true)),
            CablePower::None => None,
        }
    }
}

/// Reply timeout of one command.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest reply kept (the longest Megatec reply is 47 bytes).
const MAX_REPLY: usize = 256;

/// An open serial port to the UPS.
pub struct Port {
    port: Box<dyn SerialPort>,
    path: String,
}

impl std::fmt::Debug for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Port").field("path", &self.path).finish()
    }
}

impl Port {
    /// Open `path` at 2400 8N1 and power the cable.
    pub fn open(path: &str, cable: CablePower) -> Result<Port, serialport::Error> {
        let mut port = serialport::new(path, 2400)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()?;
        if let Some((dtr, rts)) = cable.lines() {
            // A pseudo-terminal (or a USB adapter without modem lines) refuses these: the
            // cable may then be self-powered, so go on.
            let dtr_rts = port
                .write_data_terminal_ready(dtr)
                .and_then(|()| port.write_request_to_send(rts));
            if let Err(e) = dtr_rts {
                tracing::debug!("{path}: cannot set DTR/RTS ({e}); continuing");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Port {
            port,
            path: path.to_string(),
        })
    }

    /// The device path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Send `command` + `\r` (pending input dropped first) and read one reply up to `\r`.
    /// `Ok(None)`: no reply within the timeout.
    pub fn exchange(&mut self, command: &str) -> std::io::Result<Option<String>> {
        let _ = self.port.clear(ClearBuffer::Input);
        self.port.write_all(command.as_bytes())?;
        self.port.write_all(b"\r")?;
        self.port.flush()?;
        let deadline = Instant::now() + REPLY_TIMEOUT;
        let mut reply = Vec::new();
        let mut buf = [0u8; 64];
        while Instant::now() < deadline {
            match self.port.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(10)),
                Ok(n) => {
                    for &b in &buf[..n] {
                        if b == b'\r' {
                            return Ok(Some(String::from_utf8_lossy(&reply).into_owned()));
                        }
                        if reply.len() < MAX_REPLY {
                            reply.push(b);
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}
