//! Client requests (net-protocol.md section 4): parsed by upsd from the words of a line,
//! written by clients with [`Request::to_line`].
//!
//! Parsing follows C upsd's dispatcher and handlers exactly: the first word picks the command
//! (case-insensitive), then each handler checks its own word count and sub-command in its own
//! order. Names and values are kept exactly as the client sent them.

use super::error::ErrCode;
use super::list::ListQuery;
use crate::words::encode_arg;

/// One request line. Its `Debug` form is the request line, with a password redacted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// `VER`: the server's version text.
    Ver,
    /// `NETVER`: the protocol version (legacy name).
    NetVer,
    /// `PROTVER`: the protocol version.
    ProtVer,
    /// `HELP`: the command list.
    Help,
    /// `STARTTLS` (arguments are ignored).
    StartTls,
    /// `USERNAME <name>`.
    Username(String),
    /// `PASSWORD <password>`.
    Password(String),
    /// `LOGIN <ups>`: count this connection as a client of the UPS.
    Login {
        /// UPS name as sent.
        ups: String,
    },
    /// `LOGOUT`.
    Logout,
    /// `PRIMARY <ups>`: privilege probe (protocol 1.3 name).
    Primary {
        /// UPS name as sent.
        ups: String,
    },
    /// `MASTER <ups>`: privilege probe (legacy name).
    Master {
        /// UPS name as sent.
        ups: String,
    },
    /// `FSD <ups>`: set the forced-shutdown latch.
    Fsd {
        /// UPS name as sent.
        ups: String,
    },
    /// `GET NUMLOGINS <ups>`.
    GetNumLogins {
        /// UPS name as sent.
        ups: String,
    },
    /// `GET UPSDESC <ups>`.
    GetUpsDesc {
        /// UPS name as sent.
        ups: String,
    },
    /// `GET VAR <ups> <var>`.
    GetVar {
        /// UPS name as sent.
        ups: String,
        /// Variable name as sent.
        var: String,
    },
    /// `GET TYPE <ups> <var>`.
    GetType {
        /// UPS name as sent.
        ups: String,
        /// Variable name as sent.
        var: String,
    },
    /// `GET DESC <ups> <var>`.
    GetDesc {
        /// UPS name as sent.
        ups: String,
        /// Variable name as sent.
        var: String,
    },
    /// `GET CMDDESC <ups> <cmd>`.
    GetCmdDesc {
        /// UPS name as sent.
        ups: String,
        /// Command name as sent.
        cmd: String,
    },
    /// `GET TRACKING` (this connection's setting) or `GET TRACKING <id>` (a result). The id
    /// is kept as sent; a malformed one is simply unknown (`ERR UNKNOWN`).
    GetTracking(Option<String>),
    /// `LIST UPS`.
    ListUps,
    /// `LIST VAR <ups>`.
    ListVar {
        /// UPS name as sent.
        ups: String,
    },
    /// `LIST RW <ups>`.
    ListRw {
        /// UPS name as sent.
        ups: String,
    },
    /// `LIST CMD <ups>`.
    ListCmd {
        /// UPS name as sent.
        ups: String,
    },
    /// `LIST ENUM <ups> <var>`.
    ListEnum {
        /// UPS name as sent.
        ups: String,
        /// Variable name as sent.
        var: String,
    },
    /// `LIST RANGE <ups> <var>`.
    ListRange {
        /// UPS name as sent.
        ups: String,
        /// Variable name as sent.
        var: String,
    },
    /// `LIST CLIENT <ups>`.
    ListClient {
        /// UPS name as sent.
        ups: String,
    },
    /// `SET VAR <ups> <var> <value>`.
    SetVar {
        /// UPS name as sent.
        ups: String,
        /// Variable name as sent.
        var: String,
        /// The new value (unescaped).
        value: String,
    },
    /// `SET TRACKING ON|OFF`.
    SetTracking(bool),
    /// `INSTCMD <ups> <cmd> [<param>]`.
    InstCmd {
        /// UPS name as sent.
        ups: String,
        /// Command name as sent.
        cmd: String,
        /// The optional parameter (only when the line had exactly three arguments).
        param: Option<String>,
    },
    /// `CAPABILITIES` (extension, see [`super::push`]): the extensions this server offers.
    Capabilities,
    /// `WATCH <ups>` (extension): send this session `NOTIFY` lines for the UPS's changes.
    Watch {
        /// UPS name as sent.
        ups: String,
    },
    /// `UNWATCH <ups>` (extension): stop the `NOTIFY` lines for the UPS.
    Unwatch {
        /// UPS name as sent.
        ups: String,
    },
}

/// Why a line is not a valid request: the `ERR` code upsd answers, and whether the command
/// needs USERNAME and PASSWORD first.
///
/// C upsd checks credentials in its dispatcher, before the command's own argument checks, so
/// `INSTCMD` alone from an anonymous client gets `ERR USERNAME-REQUIRED`, not
/// `ERR INVALID-ARGUMENT`. Use [`RequestError::code_for_session`] to get that right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}")]
#[non_exhaustive]
pub struct RequestError {
    /// The error to answer (once credentials are known to be present).
    pub code: ErrCode,
    /// The command (first word) needs USERNAME and PASSWORD to have been sent.
    pub needs_login: bool,
}

impl RequestError {
    fn new(code: ErrCode, needs_login: bool) -> RequestError {
        RequestError { code, needs_login }
    }

    /// The code upsd sends on a connection where USERNAME / PASSWORD have (or have not) been
    /// sent: `USERNAME-REQUIRED`, then `PASSWORD-REQUIRED` for commands that need them, else
    /// the argument error itself.
    pub fn code_for_session(&self, username_set: bool, password_set: bool) -> ErrCode {
        if self.needs_login && !username_set {
            ErrCode::UsernameRequired
        } else if self.needs_login && !password_set {
            ErrCode::PasswordRequired
        } else {
            self.code.clone()
        }
    }
}

/// Whether a command (first word, any case) needs USERNAME and PASSWORD before it runs:
/// `LOGIN`, `PRIMARY`, `MASTER`, `FSD`, `SET`, `INSTCMD`.
pub fn command_needs_login(command: &str) -> bool {
    ["LOGIN", "PRIMARY", "MASTER", "FSD", "SET", "INSTCMD"]
        .iter()
        .any(|c| command.eq_ignore_ascii_case(c))
}

impl Request {
    /// Parse the words of one line as upsd does. An empty line is `UNKNOWN-COMMAND`.
    pub fn parse(words: &[String]) -> Result<Request, RequestError> {
        let Some((command, args)) = words.split_first() else {
            return Err(RequestError::new(ErrCode::UnknownCommand, false));
        };
        let needs_login = command_needs_login(command);
        let invalid = || RequestError::new(ErrCode::InvalidArgument, needs_login);
        let is = |kw: &str| command.eq_ignore_ascii_case(kw);
        let no_args = |req: Request| {
            if args.is_empty() {
                Ok(req)
            } else {
                Err(invalid())
            }
        };
        let one_arg = || match args {
            [arg] => Ok(arg.clone()),
            _ => Err(invalid()),
        };

        if is("VER") {
            no_args(Request::Ver)
        } else if is("NETVER") {
            no_args(Request::NetVer)
        } else if is("PROTVER") {
            no_args(Request::ProtVer)
        } else if is("HELP") {
            no_args(Request::Help)
        } else if is("STARTTLS") {
            Ok(Request::StartTls)
        } else if is("GET") {
            parse_get(args).ok_or_else(invalid)
        } else if is("LIST") {
            ListQuery::from_args(args)
                .map(Request::from)
                .map_err(|code| RequestError::new(code, needs_login))
        } else if is("USERNAME") {
            one_arg().map(Request::Username)
        } else if is("PASSWORD") {
            one_arg().map(Request::Password)
        } else if is("LOGIN") {
            one_arg().map(|ups| Request::Login { ups })
        } else if is("LOGOUT") {
            no_args(Request::Logout)
        } else if is("PRIMARY") {
            one_arg().map(|ups| Request::Primary { ups })
        } else if is("MASTER") {
            one_arg().map(|ups| Request::Master { ups })
        } else if is("FSD") {
            one_arg().map(|ups| Request::Fsd { ups })
        } else if is("SET") {
            parse_set(args).ok_or_else(invalid)
        } else if is("INSTCMD") {
            match args {
                [ups, cmd, rest @ ..] => Ok(Request::InstCmd {
                    ups: ups.clone(),
                    cmd: cmd.clone(),
                    // Only exactly three arguments carry a parameter; a fourth drops it.
                    param: match rest {
                        [param] => Some(param.clone()),
                        _ => None,
                    },
                }),
                _ => Err(invalid()),
            }
        } else if is("CAPABILITIES") {
            no_args(Request::Capabilities)
        } else if is("WATCH") {
            one_arg().map(|ups| Request::Watch { ups })
        } else if is("UNWATCH") {
            one_arg().map(|ups| Request::Unwatch { ups })
        } else {
            Err(RequestError::new(ErrCode::UnknownCommand, false))
        }
    }

    /// Whether the command needs USERNAME and PASSWORD before it runs.
    pub fn needs_login(&self) -> bool {
        matches!(
            self,
            Request::Login { .. }
                | Request::Primary { .. }
                | Request::Master { .. }
                | Request::Fsd { .. }
                | Request::SetVar { .. }
                | Request::SetTracking(_)
                | Request::InstCmd { .. }
        )
    }

    /// The query of a `LIST` request (what `BEGIN LIST` / `END LIST` echo).
    pub fn list_query(&self) -> Option<ListQuery> {
        let q = match self {
            Request::ListUps => ListQuery::Ups,
            Request::ListVar { ups } => ListQuery::Var { ups: ups.clone() },
            Request::ListRw { ups } => ListQuery::Rw { ups: ups.clone() },
            Request::ListCmd { ups } => ListQuery::Cmd { ups: ups.clone() },
            Request::ListClient { ups } => ListQuery::Client { ups: ups.clone() },
            Request::ListEnum { ups, var } => ListQuery::Enum {
                ups: ups.clone(),
                var: var.clone(),
            },
            Request::ListRange { ups, var } => ListQuery::Range {
                ups: ups.clone(),
                var: var.clone(),
            },
            _ => return None,
        };
        Some(q)
    }

    /// Every [`Request::name`] of C NUT's protocol, in the order of net-protocol.md (upsd's
    /// `/metrics` lists its command counts in this order).
    pub const NUT_NAMES: [&'static str; 29] = [
        "VER",
        "NETVER",
        "PROTVER",
        "HELP",
        "STARTTLS",
        "USERNAME",
        "PASSWORD",
        "LOGIN",
        "LOGOUT",
        "PRIMARY",
        "MASTER",
        "FSD",
        "GET NUMLOGINS",
        "GET UPSDESC",
        "GET VAR",
        "GET TYPE",
        "GET DESC",
        "GET CMDDESC",
        "GET TRACKING",
        "LIST UPS",
        "LIST VAR",
        "LIST RW",
        "LIST CMD",
        "LIST ENUM",
        "LIST RANGE",
        "LIST CLIENT",
        "SET VAR",
        "SET TRACKING",
        "INSTCMD",
    ];

    /// The [`Request::name`]s of rnut's protocol extensions (push, capability discovery).
    pub const EXTENSION_NAMES: [&'static str; 3] = ["CAPABILITIES", "WATCH", "UNWATCH"];

    /// The command keyword(s), for logs: `GET VAR`, `INSTCMD`, ... (never an argument, so
    /// never a password).
    pub fn name(&self) -> &'static str {
        match self {
            Request::Ver => "VER",
            Request::NetVer => "NETVER",
            Request::ProtVer => "PROTVER",
            Request::Help => "HELP",
            Request::StartTls => "STARTTLS",
            Request::Username(_) => "USERNAME",
            Request::Password(_) => "PASSWORD",
            Request::Login { .. } => "LOGIN",
            Request::Logout => "LOGOUT",
            Request::Primary { .. } => "PRIMARY",
            Request::Master { .. } => "MASTER",
            Request::Fsd { .. } => "FSD",
            Request::GetNumLogins { .. } => "GET NUMLOGINS",
            Request::GetUpsDesc { .. } => "GET UPSDESC",
            Request::GetVar { .. } => "GET VAR",
            Request::GetType { .. } => "GET TYPE",
            Request::GetDesc { .. } => "GET DESC",
            Request::GetCmdDesc { .. } => "GET CMDDESC",
            Request::GetTracking(_) => "GET TRACKING",
            Request::ListUps => "LIST UPS",
            Request::ListVar { .. } => "LIST VAR",
            Request::ListRw { .. } => "LIST RW",
            Request::ListCmd { .. } => "LIST CMD",
            Request::ListEnum { .. } => "LIST ENUM",
            Request::ListRange { .. } => "LIST RANGE",
            Request::ListClient { .. } => "LIST CLIENT",
            Request::SetVar { .. } => "SET VAR",
            Request::SetTracking(_) => "SET TRACKING",
            Request::InstCmd { .. } => "INSTCMD",
            Request::Capabilities => "CAPABILITIES",
            Request::Watch { .. } => "WATCH",
            Request::Unwatch { .. } => "UNWATCH",
        }
    }

    /// The request as a client sends it, without the trailing newline: keywords upper case,
    /// every argument through [`encode_arg`] (escaped, quoted when it holds whitespace, `=`,
    /// a quote, `#`, a backslash, or is empty), so any printable value reaches the server
    /// intact.
    ///
    /// The caller must keep the line within the protocol limits: each argument at most
    /// [`crate::words::MAX_WORD_LEN`] bytes (the server truncates longer words), the whole
    /// line short enough for C NUT (see [`super::line_fits`]).
    pub fn to_line(&self) -> String {
        let mut line = String::from(self.name());
        let mut push = |arg: &str| {
            line.push(' ');
            line.push_str(&encode_arg(arg));
        };
        match self {
            Request::Ver
            | Request::NetVer
            | Request::ProtVer
            | Request::Help
            | Request::StartTls
            | Request::Logout
            | Request::ListUps
            | Request::Capabilities
            | Request::GetTracking(None) => {}
            Request::Username(arg) | Request::Password(arg) | Request::GetTracking(Some(arg)) => {
                push(arg)
            }
            Request::Login { ups }
            | Request::Primary { ups }
            | Request::Master { ups }
            | Request::Fsd { ups }
            | Request::GetNumLogins { ups }
            | Request::GetUpsDesc { ups }
            | Request::ListVar { ups }
            | Request::ListRw { ups }
            | Request::ListCmd { ups }
            | Request::ListClient { ups }
            | Request::Watch { ups }
            | Request::Unwatch { ups } => push(ups),
            Request::GetVar { ups, var }
            | Request::GetType { ups, var }
            | Request::GetDesc { ups, var }
            | Request::GetCmdDesc { ups, cmd: var }
            | Request::ListEnum { ups, var }
            | Request::ListRange { ups, var } => {
                push(ups);
                push(var);
            }
            Request::SetVar { ups, var, value } => {
                push(ups);
                push(var);
                push(value);
            }
            Request::SetTracking(on) => push(if *on { "ON" } else { "OFF" }),
            Request::InstCmd { ups, cmd, param } => {
                push(ups);
                push(cmd);
                if let Some(param) = param {
                    push(param);
                }
            }
        }
        line
    }
}

impl From<ListQuery> for Request {
    fn from(q: ListQuery) -> Request {
        match q {
            ListQuery::Ups => Request::ListUps,
            ListQuery::Var { ups } => Request::ListVar { ups },
            ListQuery::Rw { ups } => Request::ListRw { ups },
            ListQuery::Cmd { ups } => Request::ListCmd { ups },
            ListQuery::Client { ups } => Request::ListClient { ups },
            ListQuery::Enum { ups, var } => Request::ListEnum { ups, var },
            ListQuery::Range { ups, var } => Request::ListRange { ups, var },
        }
    }
}

/// `GET` sub-commands in upsd's order: `TRACKING`, then (>= 2 words) `NUMLOGINS`, `UPSDESC`,
/// then (>= 3 words) `VAR`, `TYPE`, `DESC`, `CMDDESC`. Extra words are ignored.
fn parse_get(args: &[String]) -> Option<Request> {
    let sub = args.first()?;
    let is = |kw: &str| sub.eq_ignore_ascii_case(kw);
    if is("TRACKING") {
        return Some(Request::GetTracking(args.get(1).cloned()));
    }
    let ups = args.get(1)?.clone();
    if is("NUMLOGINS") {
        return Some(Request::GetNumLogins { ups });
    }
    if is("UPSDESC") {
        return Some(Request::GetUpsDesc { ups });
    }
    let var = args.get(2)?.clone();
    if is("VAR") {
        Some(Request::GetVar { ups, var })
    } else if is("TYPE") {
        Some(Request::GetType { ups, var })
    } else if is("DESC") {
        Some(Request::GetDesc { ups, var })
    } else if is("CMDDESC") {
        Some(Request::GetCmdDesc { ups, cmd: var })
    } else {
        None
    }
}

/// `SET` needs at least 2 words; `SET VAR` at least 4 (extras ignored); `SET TRACKING` takes
/// `ON` or `OFF` in any case (extras ignored).
fn parse_set(args: &[String]) -> Option<Request> {
    let [sub, arg1, rest @ ..] = args else {
        return None;
    };
    if sub.eq_ignore_ascii_case("VAR") {
        let [var, value, ..] = rest else {
            return None;
        };
        return Some(Request::SetVar {
            ups: arg1.clone(),
            var: var.clone(),
            value: value.clone(),
        });
    }
    if sub.eq_ignore_ascii_case("TRACKING") {
        if arg1.eq_ignore_ascii_case("ON") {
            return Some(Request::SetTracking(true));
        }
        if arg1.eq_ignore_ascii_case("OFF") {
            return Some(Request::SetTracking(false));
        }
    }
    None
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Password(_) => f.write_str("Request(PASSWORD <redacted>)"),
            other => write!(f, "Request({})", other.to_line()),
        }
    }
}
