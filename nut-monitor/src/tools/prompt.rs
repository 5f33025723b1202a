//! Interactive prompts of upscmd and upsrw (username, password without echo, new value).

use std::io::{BufRead, Write};

use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};

/// Print `prompt` on stdout and read one line from stdin (without its newline).
pub fn line(prompt: &str) -> anyhow::Result<String> {
    print!("{prompt}");
    std::io::stdout().flush()?;
    let mut s = String::new();
    if std::io::stdin().lock().read_line(&mut s)? == 0 {
        anyhow::bail!("Error reading from stdin!");
    }
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// Read a password: echo is switched off when stdin is a terminal.
pub fn password(prompt: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok();
    if let Some(t) = &saved {
        let mut quiet = t.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, &quiet);
    }
    eprint!("{prompt}");
    let mut s = String::new();
    let read = stdin.lock().read_line(&mut s);
    if let Some(t) = &saved {
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, t);
        eprintln!();
    }
    if read? == 0 {
        anyhow::bail!("getpass failed: end of input");
    }
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

/// The login name of the current user (for the username prompt).
pub fn current_user() -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
}

/// Username and password from the options, prompting for what is missing.
pub fn credentials(user: Option<String>, pass: Option<String>) -> anyhow::Result<(String, String)> {
    let user = match user {
        Some(u) => u,
        None => {
            let me = current_user();
            let shown = match &me {
                Some(n) => format!("Username ({n}): "),
                None => "Username: ".to_string(),
            };
            let typed = line(&shown)?;
            if typed.is_empty() {
                me.ok_or_else(|| anyhow::anyhow!("No username available - even tried getpwuid"))?
            } else {
                typed
            }
        }
    };
    let pass = match pass {
        Some(p) => p,
        None => password("Password: ")?,
    };
    Ok((user, pass))
}
