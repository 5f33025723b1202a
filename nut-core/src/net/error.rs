//! `ERR <CODE>` codes of the network protocol (net-protocol.md section 5, C `server/neterr.h`)
//! with their wire names and the text libupsclient (`upscli_strerror`) shows for each.

use std::fmt;

/// One `ERR` code. Known codes are variants; anything else a server sends is kept verbatim in
/// [`ErrCode::Other`] (use [`ErrCode::from_wire`], which never puts a known name there).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrCode {
    /// `ACCESS-DENIED`: user missing, wrong password, or lacks the right.
    AccessDenied,
    /// `UNKNOWN-UPS`: UPS name not in ups.conf.
    UnknownUps,
    /// `VAR-NOT-SUPPORTED`: variable absent, or unknown `server.*` variable.
    VarNotSupported,
    /// `CMD-NOT-SUPPORTED`: instant command not offered by the driver.
    CmdNotSupported,
    /// `INVALID-ARGUMENT`: wrong word count, unknown sub-command, bad `SET TRACKING` value.
    InvalidArgument,
    /// `INSTCMD-FAILED`: could not write to the driver socket.
    InstcmdFailed,
    /// `SET-FAILED`: could not write to the driver; STRING variable with aux < 1.
    SetFailed,
    /// `READONLY`: SET on a variable without the RW flag.
    Readonly,
    /// `TOO-LONG`: SET value longer than `STRING:n`.
    TooLong,
    /// `FEATURE-NOT-SUPPORTED`: STARTTLS on a server without TLS.
    FeatureNotSupported,
    /// `FEATURE-NOT-CONFIGURED`: STARTTLS without certificates; `GET TRACKING <id>` with
    /// tracking off.
    FeatureNotConfigured,
    /// `ALREADY-SSL-MODE`: STARTTLS twice.
    AlreadySslMode,
    /// `DRIVER-NOT-CONNECTED`: the driver socket is not connected.
    DriverNotConnected,
    /// `DATA-STALE`: the driver's data is stale.
    DataStale,
    /// `ALREADY-LOGGED-IN`: second LOGIN on a connection.
    AlreadyLoggedIn,
    /// `INVALID-PASSWORD`: defined, never sent by current upsd.
    InvalidPassword,
    /// `ALREADY-SET-PASSWORD`: second PASSWORD.
    AlreadySetPassword,
    /// `INVALID-USERNAME`: defined, never sent by current upsd.
    InvalidUsername,
    /// `ALREADY-SET-USERNAME`: second USERNAME.
    AlreadySetUsername,
    /// `USERNAME-REQUIRED`: privileged command before USERNAME.
    UsernameRequired,
    /// `PASSWORD-REQUIRED`: privileged command before PASSWORD.
    PasswordRequired,
    /// `UNKNOWN-COMMAND`: unknown first word, or an empty line.
    UnknownCommand,
    /// `INVALID-VALUE`: SET value not in the enum list or outside every range.
    InvalidValue,
    /// `VAR-UNKNOWN` (legacy, not produced any more).
    VarUnknown,
    /// `UNKNOWN-TYPE` (legacy, not produced any more).
    UnknownType,
    /// `UNKNOWN-INSTCMD` (legacy, not produced any more).
    UnknownInstcmd,
    /// `MISSING-ARGUMENT` (legacy, not produced any more).
    MissingArgument,
    /// `PASSWORD-INCORRECT` (legacy, not produced any more).
    PasswordIncorrect,
    /// `UNKNOWN`: a tracked command the driver did not know, or an unknown tracking id
    /// (`GET TRACKING <id>` only).
    Unknown,
    /// `FAILED`: a tracked command the driver reported as failed (`GET TRACKING <id>` only).
    Failed,
    /// Any other code, verbatim.
    Other(String),
}

impl ErrCode {
    /// Every known code, in the order of the spec's table (legacy and tracking codes last).
    pub const KNOWN: [ErrCode; 30] = [
        ErrCode::AccessDenied,
        ErrCode::UnknownUps,
        ErrCode::VarNotSupported,
        ErrCode::CmdNotSupported,
        ErrCode::InvalidArgument,
        ErrCode::InstcmdFailed,
        ErrCode::SetFailed,
        ErrCode::Readonly,
        ErrCode::TooLong,
        ErrCode::FeatureNotSupported,
        ErrCode::FeatureNotConfigured,
        ErrCode::AlreadySslMode,
        ErrCode::DriverNotConnected,
        ErrCode::DataStale,
        ErrCode::AlreadyLoggedIn,
        ErrCode::InvalidPassword,
        ErrCode::AlreadySetPassword,
        ErrCode::InvalidUsername,
        ErrCode::AlreadySetUsername,
        ErrCode::UsernameRequired,
        ErrCode::PasswordRequired,
        ErrCode::UnknownCommand,
        ErrCode::InvalidValue,
        ErrCode::VarUnknown,
        ErrCode::UnknownType,
        ErrCode::UnknownInstcmd,
        ErrCode::MissingArgument,
        ErrCode::PasswordIncorrect,
        ErrCode::Unknown,
        ErrCode::Failed,
    ];

    /// The code as it appears on the wire after `ERR `.
    pub fn as_str(&self) -> &str {
        match self {
            ErrCode::AccessDenied => "ACCESS-DENIED",
            ErrCode::UnknownUps => "UNKNOWN-UPS",
            ErrCode::VarNotSupported => "VAR-NOT-SUPPORTED",
            ErrCode::CmdNotSupported => "CMD-NOT-SUPPORTED",
            ErrCode::InvalidArgument => "INVALID-ARGUMENT",
            ErrCode::InstcmdFailed => "INSTCMD-FAILED",
            ErrCode::SetFailed => "SET-FAILED",
            ErrCode::Readonly => "READONLY",
            ErrCode::TooLong => "TOO-LONG",
            ErrCode::FeatureNotSupported => "FEATURE-NOT-SUPPORTED",
            ErrCode::FeatureNotConfigured => "FEATURE-NOT-CONFIGURED",
            ErrCode::AlreadySslMode => "ALREADY-SSL-MODE",
            ErrCode::DriverNotConnected => "DRIVER-NOT-CONNECTED",
            ErrCode::DataStale => "DATA-STALE",
            ErrCode::AlreadyLoggedIn => "ALREADY-LOGGED-IN",
            ErrCode::InvalidPassword => "INVALID-PASSWORD",
            ErrCode::AlreadySetPassword => "ALREADY-SET-PASSWORD",
            ErrCode::InvalidUsername => "INVALID-USERNAME",
            ErrCode::AlreadySetUsername => "ALREADY-SET-USERNAME",
            ErrCode::UsernameRequired => "USERNAME-REQUIRED",
            ErrCode::PasswordRequired => "PASSWORD-REQUIRED",
            ErrCode::UnknownCommand => "UNKNOWN-COMMAND",
            ErrCode::InvalidValue => "INVALID-VALUE",
            ErrCode::VarUnknown => "VAR-UNKNOWN",
            ErrCode::UnknownType => "UNKNOWN-TYPE",
            ErrCode::UnknownInstcmd => "UNKNOWN-INSTCMD",
            ErrCode::MissingArgument => "MISSING-ARGUMENT",
            ErrCode::PasswordIncorrect => "PASSWORD-INCORRECT",
            ErrCode::Unknown => "UNKNOWN",
            ErrCode::Failed => "FAILED",
            ErrCode::Other(code) => code,
        }
    }

    /// The code for a wire name. Matching is exact (codes are upper case on the wire, and
    /// libupsclient compares them case-sensitively); anything unknown becomes
    /// [`ErrCode::Other`].
    pub fn from_wire(code: &str) -> ErrCode {
        Self::KNOWN
            .iter()
            .find(|known| known.as_str() == code)
            .cloned()
            .unwrap_or_else(|| ErrCode::Other(code.to_string()))
    }

    /// The message libupsclient's `upscli_strerror` gives for this code (what upsc and
    /// friends print after `Error: `). Codes libupsclient does not map give `Unknown error`.
    pub fn client_text(&self) -> &'static str {
        match self {
            ErrCode::AccessDenied => "Access denied",
            ErrCode::UnknownUps => "Unknown UPS",
            ErrCode::VarNotSupported => "Variable not supported by UPS",
            ErrCode::CmdNotSupported => "Instant command not supported",
            ErrCode::InvalidArgument => "Invalid argument",
            ErrCode::InstcmdFailed => "Instant command failed",
            ErrCode::SetFailed => "Set command failed",
            ErrCode::Readonly => "Read-only variable",
            ErrCode::TooLong => "New value is too long",
            ErrCode::DriverNotConnected => "Driver not connected",
            ErrCode::DataStale => "Data stale",
            ErrCode::AlreadyLoggedIn => "Already logged in",
            ErrCode::InvalidPassword => "Invalid password",
            ErrCode::AlreadySetPassword => "Already set password",
            ErrCode::InvalidUsername => "Invalid username",
            ErrCode::AlreadySetUsername => "Already set username",
            ErrCode::UsernameRequired => "Username required",
            ErrCode::PasswordRequired => "Password required",
            ErrCode::UnknownCommand => "Unknown command",
            ErrCode::InvalidValue => "Invalid value for variable",
            ErrCode::VarUnknown => "Variable unknown",
            ErrCode::UnknownType => "Unknown variable type",
            ErrCode::UnknownInstcmd => "Unknown instant command",
            ErrCode::MissingArgument => "Missing argument",
            ErrCode::PasswordIncorrect => "Password incorrect",
            ErrCode::FeatureNotSupported
            | ErrCode::FeatureNotConfigured
            | ErrCode::AlreadySslMode
            | ErrCode::Unknown
            | ErrCode::Failed
            | ErrCode::Other(_) => "Unknown error",
        }
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_through_its_wire_name() {
        for code in ErrCode::KNOWN.iter() {
            assert_eq!(&ErrCode::from_wire(code.as_str()), code);
            assert_eq!(code.to_string(), code.as_str());
            assert!(!code.as_str().contains(' '));
        }
        let mut names: Vec<&str> = ErrCode::KNOWN.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrCode::KNOWN.len(), "wire names are unique");
    }

    #[test]
    fn unknown_codes_are_preserved_and_matching_is_exact() {
        assert_eq!(
            ErrCode::from_wire("NEW-CODE"),
            ErrCode::Other("NEW-CODE".into())
        );
        assert_eq!(ErrCode::from_wire("NEW-CODE").as_str(), "NEW-CODE");
        assert_eq!(
            ErrCode::from_wire("unknown-ups"),
            ErrCode::Other("unknown-ups".into())
        );
        assert_eq!(
            ErrCode::from_wire("UNKNOWN-UPSX"),
            ErrCode::Other("UNKNOWN-UPSX".into())
        );
        assert_eq!(ErrCode::Other("X".into()).client_text(), "Unknown error");
    }

    #[test]
    fn client_texts_match_libupsclient() {
        let table = [
            ("ACCESS-DENIED", "Access denied"),
            ("UNKNOWN-UPS", "Unknown UPS"),
            ("VAR-NOT-SUPPORTED", "Variable not supported by UPS"),
            ("CMD-NOT-SUPPORTED", "Instant command not supported"),
            ("INVALID-ARGUMENT", "Invalid argument"),
            ("INSTCMD-FAILED", "Instant command failed"),
            ("SET-FAILED", "Set command failed"),
            ("READONLY", "Read-only variable"),
            ("TOO-LONG", "New value is too long"),
            ("FEATURE-NOT-SUPPORTED", "Unknown error"),
            ("FEATURE-NOT-CONFIGURED", "Unknown error"),
            ("ALREADY-SSL-MODE", "Unknown error"),
            ("DRIVER-NOT-CONNECTED", "Driver not connected"),
            ("DATA-STALE", "Data stale"),
            ("ALREADY-LOGGED-IN", "Already logged in"),
            ("INVALID-PASSWORD", "Invalid password"),
            ("ALREADY-SET-PASSWORD", "Already set password"),
            ("INVALID-USERNAME", "Invalid username"),
            ("ALREADY-SET-USERNAME", "Already set username"),
            ("USERNAME-REQUIRED", "Username required"),
            ("PASSWORD-REQUIRED", "Password required"),
            ("UNKNOWN-COMMAND", "Unknown command"),
            ("INVALID-VALUE", "Invalid value for variable"),
        ];
        for (wire, text) in table {
            let code = ErrCode::from_wire(wire);
            assert!(!matches!(code, ErrCode::Other(_)), "{wire} is known");
            assert_eq!(code.client_text(), text, "{wire}");
        }
        for legacy in [
            "VAR-UNKNOWN",
            "UNKNOWN-TYPE",
            "UNKNOWN-INSTCMD",
            "MISSING-ARGUMENT",
            "PASSWORD-INCORRECT",
        ] {
            assert!(
                !matches!(ErrCode::from_wire(legacy), ErrCode::Other(_)),
                "{legacy}"
            );
        }
    }
}
