//! [`DeviceBackend`]: what a driver implements (C `upsdrv_*` functions). The framework owns
//! the socket, the command line, ups.conf, privileges, the pid file and signals; the backend
//! only talks to its device and publishes through [`crate::Dstate`].
//!
//! Backends are synchronous: device I/O in NUT drivers is blocking (serial ports, USB), so the
//! framework runs the backend on its own thread and the socket readers are never held up by
//! a slow device, unlike C NUT where one blocking read freezes every reader.

use std::time::Duration;

use nut_core::sock::ResultCode;

use crate::config::DriverConfig;
pub use crate::config::DriverOption;
use crate::dstate::Dstate;
pub use crate::error::BackendError;

/// Everything a backend may use while it runs.
#[derive(Debug, Clone)]
pub struct DriverContext {
    /// The state tree to publish into.
    pub dstate: Dstate,
    /// The merged configuration (ups.conf section and `-x` options).
    pub config: DriverConfig,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The new settings are in effect.
    Applied,
    /// A setting changed that needs a restart (named in the message).
    NeedsRestart(String),
}

/// A device driver.
pub trait DeviceBackend: Send + 'static {
    /// Human description (C `upsdrv_info.name`).
    fn description(&self) -> &'static str;

    /// Driver version (`driver.version.internal`).
    fn version(&self) -> &'static str;

    /// Driver-specific options (C `upsdrv_makevartable`); anything else is refused.
    fn options(&self) -> &'static [DriverOption] {
        &[]
    }

    /// Open the device (C `upsdrv_initups`). Runs before privileges are dropped.
    fn open(&mut self, ctx: &DriverContext) -> Result<(), BackendError>;

    /// Publish the initial data and commands (C `upsdrv_initinfo`).
    fn init_info(&mut self, ctx: &DriverContext) -> Result<(), BackendError>;

    /// One update cycle (C `upsdrv_updateinfo`). `Err(NotAnswering)` makes the data stale
    /// (`DATASTALE`) until a later cycle succeeds (`DATAOK`).
    fn update(&mut self, ctx: &DriverContext) -> Result<(), BackendError>;

    /// Time between update cycles, given the configured `pollinterval`.
    fn poll_interval(&self, configured: Duration) -> Duration {
        configured
    }

    /// Run an instant command that is not a `driver.*` core command.
    fn instcmd(&mut self, _ctx: &DriverContext, _cmd: &str, _param: Option<&str>) -> ResultCode {
        ResultCode::Unknown
    }

    /// Set a variable that is not a `driver.*` core variable.
    fn setvar(&mut self, _ctx: &DriverContext, _var: &str, _value: &str) -> ResultCode {
        ResultCode::Unknown
    }

    /// Power the load off (`-k`, `driver.killpower`).
    fn shutdown(&mut self, _ctx: &DriverContext) -> Result<(), BackendError> {
        Err(BackendError::Unsupported("shutdown"))
    }

    /// Apply a new configuration after SIGHUP or `driver.reload`. `ctx.config` is already the
    /// new one; `old` is the previous.
    fn reload(&mut self, _ctx: &DriverContext, _old: &DriverConfig) -> ReloadOutcome {
        ReloadOutcome::Applied
    }

    /// Release the device at exit (C `upsdrv_cleanup`).
    fn cleanup(&mut self, _ctx: &DriverContext) {}
}
