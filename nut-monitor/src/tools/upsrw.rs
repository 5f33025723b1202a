//! `upsrw`: list read/write variables with their types and allowed values, or set one
//! (`-s var=value`), optionally waiting for the driver's result (`-w`).

use clap::Parser;

use super::admin::AdminArgs;
use nut_core::net::VarType;

use crate::client::Client;

/// upsrw command line.
#[derive(Debug, Parser)]
#[command(
    name = "upsrw",
    disable_version_flag = true,
    about = "Demo program to set variables within UPS hardware.",
    mut_arg("wait", |a| a.help("Wait for the completion of the setting by the driver"))
)]
pub struct Args {
    /// Variable to change; VAR=VALUE avoids the prompt for the value.
    #[arg(short = 's', value_name = "variable")]
    pub set: Option<String>,
    /// Show all possible read/write variables.
    #[arg(short = 'l')]
    pub list: bool,
    /// Options shared with upscmd.
    #[command(flatten)]
    pub admin: AdminArgs,
}

/// Entry point; returns the exit code.
pub fn main() -> u8 {
    super::init_logging();
    let args = Args::parse();
    super::run_tool("upsrw", args.admin.common.version, run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let Some(mut s) = args.admin.open::<Args>().await? else {
        return Ok(());
    };
    let (c, ups) = (&mut s.client, s.system.ups.as_str());
    let result = match args.set.as_deref().filter(|_| !args.list) {
        Some(setvar) => set(c, ups, setvar, &args, s.logged_in).await,
        None => list(c, ups).await,
    };
    s.client.logout().await;
    result
}

async fn set(
    c: &mut Client,
    ups: &str,
    setvar: &str,
    args: &Args,
    logged_in: bool,
) -> anyhow::Result<()> {
    let creds = args.admin.credentials(logged_in)?;
    let (var, value) = match setvar.split_once('=') {
        Some((v, val)) => (v.to_string(), val.to_string()),
        None => {
            let v = super::prompt::line(&format!("Enter new value for {setvar}: "))?;
            (setvar.to_string(), v)
        }
    };
    super::command_login(c, creds).await?;
    if !var.contains('.') {
        anyhow::bail!("Error: old variable names are not supported");
    }
    args.admin.start_tracking(c, "set variable").await?;
    let sent = c.set_var(ups, &var, &value).await;
    args.admin.finish(c, sent, "Set variable failed").await
}

async fn list(c: &mut Client, ups: &str) -> anyhow::Result<()> {
    let rw = c
        .list_rw(ups)
        .await
        .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
    let mut out = String::new();
    for (var, _) in rw {
        out.push_str(&format!("[{var}]\n"));
        match c.get_desc(ups, &var).await {
            Ok(d) => out.push_str(&format!("{d}\n")),
            Err(_) => out.push_str("Description unavailable\n"),
        }
        describe_type(c, ups, &var, &mut out).await?;
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}

/// A type word as C upsrw reads it, without regard to case (nut-core's parser reads upsd's
/// upper case; any other spelling comes as [`VarType::Other`]).
/// `None` for a word unknown in any case.
fn any_case(t: &VarType) -> Option<VarType> {
    match t {
        VarType::Other(word) => match VarType::parse(&word.to_ascii_uppercase()) {
            VarType::Other(_) => None,
            known => Some(known),
        },
        known => Some(known.clone()),
    }
}

/// A type word as it came (for [`VarType::Other`]) or as upsd writes it.
fn word_of(t: &VarType) -> String {
    match t {
        VarType::Other(word) => word.clone(),
        known => known.to_string(),
    }
}

/// C upsrw's `do_type`.
async fn describe_type(
    c: &mut Client,
    ups: &str,
    var: &str,
    out: &mut String,
) -> anyhow::Result<()> {
    let Ok(types) = c.get_type(ups, var).await else {
        out.push_str("Unknown type\n");
        return Ok(());
    };
    let mut is_enum = false;
    for t in &types {
        let Some(known) = any_case(t) else {
            out.push_str(&format!("Type: {} (unrecognized)\n", word_of(t)));
            continue;
        };
        match known {
            VarType::Enum => is_enum = true,
            VarType::Range => return range(c, ups, var, out).await,
            VarType::String(len) => {
                let val = value(c, ups, var, "do_string").await?;
                if is_enum {
                    return enumerate(c, ups, var, Some(Some(len)), &val, out).await;
                }
                out.push_str(&format!(
                    "Type: STRING\nMaximum length: {len}\nValue: {val}\n"
                ));
                return Ok(());
            }
            VarType::Number => {
                let val = value(c, ups, var, "do_number").await?;
                if is_enum {
                    return enumerate(c, ups, var, Some(None), &val, out).await;
                }
                out.push_str(&format!("Type: NUMBER\nValue: {val}\n"));
                return Ok(());
            }
            VarType::Rw | VarType::Other(_) => {}
        }
    }
    if is_enum {
        let val = value(c, ups, var, "do_enum").await?;
        enumerate(c, ups, var, None, &val, out).await?;
    }
    Ok(())
}

async fn value(c: &mut Client, ups: &str, var: &str, who: &str) -> anyhow::Result<String> {
    c.get_var(ups, var)
        .await
        .map_err(|_| anyhow::anyhow!("{who}: can't get current value of {var}"))
}

/// `kind`: None = plain ENUM, Some(Some(len)) = ENUM STRING, Some(None) = ENUM NUMBER.
async fn enumerate(
    c: &mut Client,
    ups: &str,
    var: &str,
    kind: Option<Option<i64>>,
    current: &str,
    out: &mut String,
) -> anyhow::Result<()> {
    let values = c
        .list_enum(ups, var)
        .await
        .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
    match kind {
        None => out.push_str("Type: ENUM\n"),
        Some(Some(len)) => out.push_str(&format!("Type: ENUM STRING\nMaximum length: {len}\n")),
        Some(None) => out.push_str("Type: ENUM NUMBER\n"),
    }
    for v in values {
        let sel = if v == current { " SELECTED" } else { "" };
        out.push_str(&format!("Option: \"{v}\"{sel}\n"));
    }
    Ok(())
}

async fn range(c: &mut Client, ups: &str, var: &str, out: &mut String) -> anyhow::Result<()> {
    let current = leading_int(&value(c, ups, var, "do_range").await?);
    let ranges = c
        .list_range(ups, var)
        .await
        .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
    out.push_str("Type: RANGE NUMBER\n");
    for (min, max) in ranges {
        let sel = if current >= min && current <= max {
            " SELECTED"
        } else {
            ""
        };
        out.push_str(&format!("Option: \"{min}-{max}\"{sel}\n"));
    }
    Ok(())
}

/// C `atoi`: optional sign and leading digits, 0 otherwise.
fn leading_int(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: i64 = digits[..end].parse().unwrap_or(0);
    if neg { -n } else { n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_semantics() {
        assert_eq!(leading_int("12abc"), 12);
        assert_eq!(leading_int(" -5"), -5);
        assert_eq!(leading_int("x"), 0);
        assert_eq!(leading_int(""), 0);
    }

    #[test]
    fn type_words_are_read_without_regard_to_case() {
        assert_eq!(any_case(&VarType::parse("enum")), Some(VarType::Enum));
        assert_eq!(
            any_case(&VarType::parse("string:8")),
            Some(VarType::String(8))
        );
        assert_eq!(any_case(&VarType::parse("RW")), Some(VarType::Rw));
        let frob = VarType::parse("Frob");
        assert_eq!(any_case(&frob), None);
        assert_eq!(word_of(&frob), "Frob");
    }
}
