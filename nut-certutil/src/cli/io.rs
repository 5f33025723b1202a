//! Terminal and file I/O of the tool: passwords (file, prompt without echo), the interactive
//! `-2`/`-6` questions read from stdin as NSS does, and atomic output files.

use std::io::{BufRead, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nut_certutil::store::Store;
use zeroize::Zeroizing;

/// Where passwords come from.
#[derive(Debug, Clone, Default)]
pub struct PasswordSource {
    /// `-f FILE` / `--password-file FILE`: the (current) password, first line.
    pub file: Option<PathBuf>,
    /// `-@ FILE` / `--new-password-file FILE`: the new password for `-W` / `passwd`.
    pub new_file: Option<PathBuf>,
    /// `--empty-password`.
    pub empty: bool,
    /// The password typed at the prompt, so one command asks once.
    pub asked: std::sync::OnceLock<Zeroizing<String>>,
}

pub fn read_password_file(path: &Path) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?,
    );
    let first = text.lines().next().unwrap_or("");
    Ok(Zeroizing::new(first.to_string()))
}

/// Read a line from the terminal with echo off.
pub fn prompt_hidden(prompt: &str) -> Result<Zeroizing<String>> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .context(
            "no terminal to ask for the password: give it with -f FILE (or --password-file FILE)",
        )?;
    let mut out = tty.try_clone()?;
    write!(out, "{prompt}")?;
    out.flush()?;
    let saved = tcgetattr(&tty).ok();
    if let Some(t) = &saved {
        let mut quiet = t.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        let _ = tcsetattr(&tty, SetArg::TCSANOW, &quiet);
    }
    let mut line = Zeroizing::new(String::new());
    let r = std::io::BufReader::new(&tty).read_line(&mut line);
    if let Some(t) = &saved {
        let _ = tcsetattr(&tty, SetArg::TCSANOW, t);
    }
    writeln!(out)?;
    r?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\n', '\r']).to_string(),
    ))
}

impl PasswordSource {
    /// The password of an existing store (not asked when the store has an empty password).
    pub fn existing(&self, store: &Store) -> Result<Zeroizing<String>> {
        if store.has_empty_password() {
            return Ok(Zeroizing::new(String::new()));
        }
        if let Some(f) = &self.file {
            return read_password_file(f);
        }
        if let Some(p) = self.asked.get() {
            return Ok(p.clone());
        }
        let typed = prompt_hidden("Enter Password or Pin for \"NSS Certificate DB\":")?;
        let _ = self.asked.set(typed.clone());
        Ok(typed)
    }

    /// The store's key from its password (as [`PasswordSource::existing`] gets it), checked
    /// against the store; the store handle keeps it, so trust is then written with its MAC
    /// and read verified.
    pub fn unlock(&self, store: &Store) -> Result<nut_certutil::keys::KeyCipher> {
        let password = self.existing(store)?;
        Ok(store.unlock(&password)?)
    }

    /// A new password (for `-N`, `init`, `-W`, `passwd`).
    pub fn new_password(&self, for_change: bool) -> Result<Zeroizing<String>> {
        if self.empty {
            return Ok(Zeroizing::new(String::new()));
        }
        let file = if for_change {
            &self.new_file
        } else {
            &self.file
        };
        if let Some(f) = file {
            return read_password_file(f);
        }
        eprintln!("Enter a password which will be used to encrypt your keys.");
        eprintln!("The password should be at least 8 characters long,");
        eprintln!("and should contain at least one non-alphabetic character.\n");
        let a = prompt_hidden("Enter new password: ")?;
        let b = prompt_hidden("Re-enter password: ")?;
        if *a != *b {
            bail!("passwords do not match");
        }
        Ok(a)
    }
}

/// Answers to NSS's interactive questions, read line by line from stdin.
pub struct Questions {
    lines: Box<dyn BufRead>,
}

impl std::fmt::Debug for Questions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Questions")
    }
}

impl Questions {
    /// Questions answered from stdin.
    pub fn stdin() -> Questions {
        Questions {
            lines: Box::new(std::io::BufReader::new(std::io::stdin())),
        }
    }

    /// Print `prompt` (stdout, as NSS) and read one answer; EOF answers "".
    pub fn ask(&mut self, prompt: &str) -> String {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = self.lines.read_line(&mut line);
        line.trim().to_string()
    }

    /// A `[y/N]` question.
    pub fn yes(&mut self, prompt: &str) -> bool {
        let a = self.ask(prompt);
        let yes = a.starts_with('y') || a.starts_with('Y');
        println!();
        yes
    }
}

/// Write `data` to `path` atomically (temp file + rename) with `mode`, or to stdout.
pub fn write_output(path: Option<&Path>, data: &[u8], mode: u32) -> Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data)?;
            out.flush()?;
            Ok(())
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // A fresh file under an unpredictable name, created exclusively (O_EXCL never
            // follows a symlink nor reuses a file someone else planted): key material must
            // not be written through another user's file.
            let (tmp, mut f) = create_exclusive(dir, &name, mode)?;
            f.write_all(data)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        }
    }
}

/// Create `dir/.<name>.<random>.tmp` with `O_CREAT | O_EXCL` and `mode` (a few tries).
fn create_exclusive(
    dir: &Path,
    name: &str,
    mode: u32,
) -> Result<(std::path::PathBuf, std::fs::File)> {
    let mut last = None;
    for _ in 0..8 {
        let tmp = dir.join(format!(
            ".{name}.{}.tmp",
            nut_certutil::keys::random_hex(8)?
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => {
                // Exactly the mode asked for, whatever the umask.
                f.set_permissions(std::fs::Permissions::from_mode(mode))?;
                return Ok((tmp, f));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", tmp.display())),
        }
    }
    Err(anyhow::anyhow!(
        "cannot create a temporary file in {}: {}",
        dir.display(),
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

/// Read an input file, or stdin when `path` is None.
pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>> {
    match path {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display())),
        None => {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)?;
            Ok(v)
        }
    }
}

/// Write a DER object (certificate, request) to `out` (stdout when none): as PEM under
/// `pem_label` when one is given, else as raw DER. Public material: mode 0644.
pub fn write_der_or_pem(out: Option<&Path>, der: &[u8], pem_label: Option<&str>) -> Result<()> {
    match pem_label {
        Some(label) => write_output(out, nut_certutil::pem::encode(label, der).as_bytes(), 0o644),
        None => write_output(out, der, 0o644),
    }
}
