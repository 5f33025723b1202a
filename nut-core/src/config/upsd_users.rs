//! `upsd.users` (config.md section 4; C NUT `server/user.c`) and the rights it grants
//! (net-protocol.md section 3).
//!
//! `[username]` sections (case-sensitive names) with case-insensitive fields: `password`,
//! `actions`, `instcmds`, `upsmon <role>` / `upsmon = <role>`. A field may carry several
//! values (`instcmds = a b c`). rnut refuses unknown fields, unknown actions and roles, and a
//! `password` with more than one word; what C NUT only warns about (duplicate user or
//! password, `allowfrom`, old `user` lines, fields before the first section) is accepted
//! with a warning.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{ConfigError, ConfigWarning, Line, Secret, directive_name, read_sections};

/// `upsmon primary|master` or `upsmon secondary|slave`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpsmonRole {
    /// `primary` / `master`: actions `login`, `master`, `fsd`.
    Primary,
    /// `secondary` / `slave`: action `login`.
    Secondary,
}

impl UpsmonRole {
    /// `primary`, `master`, `secondary`, `slave`, case-insensitive.
    pub fn parse(value: &str) -> Option<UpsmonRole> {
        match value.to_ascii_lowercase().as_str() {
            "primary" | "master" => Some(UpsmonRole::Primary),
            "secondary" | "slave" => Some(UpsmonRole::Secondary),
            _ => None,
        }
    }
}

/// Actions a `actions =` line may name (lower case). `login`, `master` and `primary` are
/// normally granted through `upsmon`, but C NUT accepts them here too.
const KNOWN_ACTIONS: &[&str] = &["set", "fsd", "login", "master", "primary"];

/// One `[username]` section.
#[derive(Clone, PartialEq, Eq)]
pub struct UserEntry {
    /// The user name (case-sensitive).
    pub name: String,
    /// Line of the `[name]` header.
    pub line: usize,
    /// The first `password` of the section, kept as written: plain text or a hash such as
    /// `$argon2id$...` (the server decides), zeroed on drop. None: the user can never
    /// authenticate.
    pub password: Option<Secret>,
    /// Granted actions, lower case (`set`, `fsd`, `login`, `master`, ...).
    pub actions: BTreeSet<String>,
    /// Allowed instant commands, lower case; `all` allows every command.
    pub instcmds: BTreeSet<String>,
    /// The `upsmon` role, if any (its actions are also in `actions`).
    pub upsmon: Option<UpsmonRole>,
}

impl fmt::Debug for UserEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserEntry")
            .field("name", &self.name)
            .field("line", &self.line)
            .field("password", &self.password)
            .field("actions", &self.actions)
            .field("instcmds", &self.instcmds)
            .field("upsmon", &self.upsmon)
            .finish()
    }
}

impl UserEntry {
    fn new(name: &str, line: usize) -> Self {
        UserEntry {
            name: name.to_string(),
            line,
            password: None,
            actions: BTreeSet::new(),
            instcmds: BTreeSet::new(),
            upsmon: None,
        }
    }

    /// Whether the user holds `action` (case-insensitive, exactly as stored).
    pub fn has_action(&self, action: &str) -> bool {
        self.actions.contains(&action.to_ascii_lowercase())
    }

    /// `LOGIN` right: action `login`.
    pub fn may_login(&self) -> bool {
        self.has_action("login")
    }

    /// `PRIMARY` / `MASTER` right: action `primary` or `master`.
    pub fn may_primary(&self) -> bool {
        self.has_action("primary") || self.has_action("master")
    }

    /// `FSD` right: action `fsd`.
    pub fn may_fsd(&self) -> bool {
        self.has_action("fsd")
    }

    /// `SET VAR` right: action `set`.
    pub fn may_set(&self) -> bool {
        self.has_action("set")
    }

    /// `INSTCMD <cmd>` right: the command (case-insensitive) or `all` in `instcmds`.
    pub fn may_instcmd(&self, cmd: &str) -> bool {
        self.instcmds.contains("all") || self.instcmds.contains(&cmd.to_ascii_lowercase())
    }

    fn add_role(&mut self, role: UpsmonRole) {
        self.upsmon = Some(match (self.upsmon, role) {
            (Some(UpsmonRole::Primary), _) => UpsmonRole::Primary,
            (_, r) => r,
        });
        self.actions.insert("login".to_string());
        if role == UpsmonRole::Primary {
            self.actions.insert("master".to_string());
            self.actions.insert("fsd".to_string());
        }
    }
}

/// A parsed upsd.users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsdUsers {
    /// The file the text came from (for messages).
    pub file: PathBuf,
    /// Users in file order (the first section of a duplicated name).
    pub users: Vec<UserEntry>,
    /// Accepted oddities for the binary to log.
    pub warnings: Vec<ConfigWarning>,
}

impl UpsdUsers {
    /// Parse the text of an upsd.users; `file` is only used in messages.
    pub fn parse(text: &str, file: &Path) -> Result<UpsdUsers, ConfigError> {
        let mut warnings = Vec::new();
        let raw = read_sections(text, file, &mut warnings)?;
        for line in &raw.globals {
            // Checked for errors all the same: a typo here is still a typo.
            let mut scratch = UserEntry::new("", 0);
            let mut ignored = Vec::new();
            apply_field(&mut scratch, line, file, &mut ignored)?;
            warnings.push(ConfigWarning::new(
                file,
                line.number,
                format!(
                    "{} outside of a [user] section (ignored)",
                    directive_name(&line.words[0])
                ),
            ));
        }
        let mut users: Vec<UserEntry> = Vec::new();
        for s in &raw.sections {
            let mut user = UserEntry::new(&s.name, s.line);
            let mut own = Vec::new();
            for line in &s.body {
                apply_field(&mut user, line, file, &mut own)?;
            }
            if let Some(first) = users.iter().find(|u| u.name == s.name) {
                warnings.push(ConfigWarning::new(
                    file,
                    s.line,
                    format!(
                        "Ignoring duplicate user [{}] (first defined on line {})",
                        s.name, first.line
                    ),
                ));
                continue;
            }
            warnings.extend(own);
            if user.password.is_none() {
                warnings.push(ConfigWarning::new(
                    file,
                    s.line,
                    format!("user [{}] has no password and can never log in", s.name),
                ));
            }
            users.push(user);
        }
        warnings.sort_by_key(|w| w.line);
        Ok(UpsdUsers {
            file: file.to_path_buf(),
            users,
            warnings,
        })
    }

    /// The user named exactly `name`.
    pub fn get(&self, name: &str) -> Option<&UserEntry> {
        self.users.iter().find(|u| u.name == name)
    }
}

fn apply_field(
    user: &mut UserEntry,
    line: &Line,
    file: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let n = line.number;
    let w = &line.words;
    let field = w[0].to_ascii_lowercase();
    if field == "user" {
        warnings.push(ConfigWarning::new(file, n, "old-style `user` line ignored"));
        return Ok(());
    }
    // `upsmon <role>` (two words) or `field = value [value...]`.
    let values: &[String] = if field == "upsmon" && w.len() == 2 {
        &w[1..]
    } else if w.len() >= 3 && w[1] == "=" {
        &w[2..]
    } else {
        return Err(ConfigError::new(
            file,
            n,
            format!(
                "malformed line for field {}: expected `{} = <value>`",
                directive_name(&w[0]),
                directive_name(&w[0])
            ),
        ));
    };
    match field.as_str() {
        "password" => {
            if values.len() != 1 {
                return Err(ConfigError::new(
                    file,
                    n,
                    "password: expected one value (quote a password containing spaces)",
                ));
            }
            if user.password.is_some() {
                warnings.push(ConfigWarning::new(
                    file,
                    n,
                    format!("Ignoring duplicate password for [{}]", user.name),
                ));
            } else {
                user.password = Some(Secret::from(values[0].as_str()));
            }
        }
        "actions" => {
            for v in values {
                let a = v.to_ascii_lowercase();
                if !KNOWN_ACTIONS.contains(&a.as_str()) {
                    return Err(ConfigError::new(
                        file,
                        n,
                        format!("actions: unknown action {v:?} (expected SET or FSD)"),
                    ));
                }
                user.actions.insert(a);
            }
        }
        "instcmds" => {
            for v in values {
                if v.is_empty() {
                    return Err(ConfigError::new(file, n, "instcmds: empty command name"));
                }
                user.instcmds.insert(v.to_ascii_lowercase());
            }
        }
        "upsmon" => {
            for v in values {
                let role = UpsmonRole::parse(v).ok_or_else(|| {
                    ConfigError::new(
                        file,
                        n,
                        format!("upsmon: unknown role {v:?} (expected primary, master, secondary or slave)"),
                    )
                })?;
                user.add_role(role);
            }
        }
        "allowfrom" => warnings.push(ConfigWarning::new(
            file,
            n,
            "allowfrom is no longer supported - use LISTEN in upsd.conf or a firewall (line ignored)",
        )),
        _ => {
            return Err(ConfigError::new(file, n, format!("Unrecognized user setting {}", directive_name(&w[0]))));
        }
    }
    Ok(())
}
