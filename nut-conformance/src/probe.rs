//! One session with the server under test, over the client library's raw primitives: lines
//! go out as given, each reply line comes back with its raw bytes, its words (split by
//! nut-core's tokenizer, with which words were quoted) and nut-core's reading of them
//! ([`Reply::parse`], the parser the clients use), every wait bounded. Checks of the wire
//! form (quoting, exact echoes, keyword case) look at the words; checks of what a reply
//! means (an `ERR` code, a version, a count) at the reply.

use std::time::{Duration, Instant};

use nut_certutil::tls::ClientTlsPolicy;
use nut_core::net::Reply;
use nut_core::words::{Event, Tokenizer};
use nut_monitor::client::{Client, ClientError, ConnectOptions, RawRead, TlsSessionInfo};

use crate::outcome::printable;
use crate::target::Target;

/// Most item lines read from one LIST reply before the check gives up on it.
pub const MAX_LIST_ITEMS: usize = 100_000;

/// A whole LIST reply must arrive within this many reply waits (`--timeout`).
pub const LIST_WAITS: u32 = 6;

/// One reply line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The bytes as received, without the newline.
    pub raw: Vec<u8>,
    /// Its words.
    pub words: Vec<String>,
    /// For each word, whether it was written in double quotes.
    pub quoted: Vec<bool>,
    /// The tokenizer's complaint (an unescaped `#` inside quotes), if any.
    pub parse_error: Option<String>,
    /// The reply as nut-core reads it; `None` when the tokenizer complained or the words
    /// are no reply nut-core's parser accepts.
    pub reply: Option<Reply>,
}

impl Line {
    /// Tokenize `raw` as a reply line.
    pub fn parse(raw: Vec<u8>) -> Line {
        let mut tok = Tokenizer::new();
        let mut words = Vec::new();
        let mut quoted = Vec::new();
        let mut parse_error = None;
        for &b in raw.iter().chain(std::iter::once(&b'\n')) {
            match tok.feed(b) {
                Some(Event::Line(w)) if parse_error.is_none() => {
                    quoted = (0..w.len()).map(|i| tok.word_was_quoted(i)).collect();
                    words = w;
                }
                Some(Event::Line(_)) => {}
                Some(Event::Error(e)) => parse_error = Some(e.to_string()),
                None => {}
            }
        }
        if tok.in_line() && parse_error.is_none() {
            parse_error = Some("a double quote is never closed".into());
        }
        let reply = match parse_error {
            None => Reply::parse(&words).ok(),
            Some(_) => None,
        };
        Line {
            raw,
            words,
            quoted,
            parse_error,
            reply,
        }
    }

    /// The raw line, printable.
    pub fn text(&self) -> String {
        printable(&self.raw)
    }

    /// Whether the words are exactly these (as sent by the server).
    pub fn is(&self, words: &[&str]) -> bool {
        self.parse_error.is_none()
            && self.words.len() == words.len()
            && self.words.iter().zip(words).all(|(a, b)| a == b)
    }

    /// Whether the line is `ERR <code>`.
    pub fn is_err(&self, code: &str) -> bool {
        matches!(&self.reply, Some(Reply::Err(c, _)) if c.as_str() == code)
    }

    /// Whether the line is an `ERR` line, whatever its code.
    pub fn is_error(&self) -> bool {
        matches!(self.reply, Some(Reply::Err(..)))
    }
}

/// What came back for one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A line.
    Line(Line),
    /// The server closed the connection.
    Closed,
    /// Nothing within the wait.
    Silent,
    /// The session broke (I/O or TLS error, a line longer than the client accepts).
    Broken(String),
}

impl Answer {
    /// How to show it in a failure.
    pub fn text(&self) -> String {
        match self {
            Answer::Line(l) => l.text(),
            Answer::Closed => "<connection closed>".into(),
            Answer::Silent => "<no reply>".into(),
            Answer::Broken(e) => format!("<session broken: {e}>"),
        }
    }

    /// The line, if one came.
    pub fn line(&self) -> Option<&Line> {
        match self {
            Answer::Line(l) => Some(l),
            _ => None,
        }
    }

    /// Whether it is the line `ERR <code>`.
    pub fn is_err(&self, code: &str) -> bool {
        self.line().is_some_and(|l| l.is_err(code))
    }
}

/// A LIST reply: its first line, the items, its last line.
#[derive(Debug, Clone)]
pub struct ListAnswer {
    /// The first line (`BEGIN LIST ...` or an `ERR`).
    pub begin: Answer,
    /// Lines between BEGIN and END.
    pub items: Vec<Line>,
    /// What came where `END LIST ...` was awaited (a line, or silence, or a close).
    pub end: Answer,
}

impl ListAnswer {
    /// Whether it began with `BEGIN LIST <query>` and ended with `END LIST <query>`.
    pub fn framed(&self, query: &[&str]) -> bool {
        let expect = |kw: &str, a: &Answer| {
            a.line().is_some_and(|l| {
                l.words.len() == query.len() + 2
                    && l.words[0] == kw
                    && l.words[1] == "LIST"
                    && l.words[2..].iter().zip(query).all(|(w, q)| w == q)
            })
        };
        expect("BEGIN", &self.begin) && expect("END", &self.end)
    }

    /// The reply as the lines received, for failure reports.
    pub fn text(&self) -> String {
        let mut parts = vec![self.begin.text()];
        match self.items.len() {
            0 => {}
            1..=3 => parts.extend(self.items.iter().map(Line::text)),
            n => {
                parts.push(self.items[0].text());
                parts.push(format!("... {} more item lines ...", n - 1));
            }
        }
        if self
            .begin
            .line()
            .is_some_and(|l| l.words.first().map(String::as_str) == Some("BEGIN"))
        {
            parts.push(self.end.text());
        }
        parts.join(" | ")
    }
}

/// A session with the server under test.
#[derive(Debug)]
pub struct Probe {
    client: Client,
    wait: Duration,
}

impl Probe {
    /// Connect in plaintext (the checks send STARTTLS themselves).
    pub async fn open(target: &Target, wait: Duration) -> Result<Probe, ClientError> {
        let opts = ConnectOptions {
            timeout: wait,
            tls: None,
            tryssl: false,
            ..ConnectOptions::default()
        };
        let client = Client::connect(&target.host, target.port, &opts).await?;
        Ok(Probe { client, wait })
    }

    /// How long a reply is awaited.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Send one line (newline added).
    pub async fn send(&mut self, line: &str) -> Result<(), String> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        self.send_bytes(&bytes).await
    }

    /// Send bytes as they are.
    pub async fn send_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.client.send_raw(bytes).await.map_err(|e| e.to_string())
    }

    /// The next reply line within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Answer {
        match self.client.read_raw(wait).await {
            Ok(RawRead::Line(raw)) => Answer::Line(Line::parse(raw)),
            Ok(RawRead::Closed) => Answer::Closed,
            Ok(RawRead::Silent) => Answer::Silent,
            Err(e) => Answer::Broken(e.to_string()),
        }
    }

    /// The next reply line.
    pub async fn next(&mut self) -> Answer {
        self.next_within(self.wait).await
    }

    /// Send a line and read one reply line.
    pub async fn ask(&mut self, line: &str) -> Answer {
        if let Err(e) = self.send(line).await {
            return Answer::Broken(e);
        }
        self.next().await
    }

    /// Send a LIST request and read its reply: one line if it is not `BEGIN LIST`, else up
    /// to the line starting with `END` (or silence, a close, or too many lines).
    pub async fn ask_list(&mut self, line: &str) -> ListAnswer {
        let begin = self.ask(line).await;
        let mut items = Vec::new();
        let begun = begin
            .line()
            .is_some_and(|l| l.words.first().map(String::as_str) == Some("BEGIN"));
        if !begun {
            return ListAnswer {
                begin,
                items,
                end: Answer::Silent,
            };
        }
        // A server that drips lines must not hold the run: the whole list gets a deadline.
        let budget = self.wait * LIST_WAITS;
        let deadline = Instant::now() + budget;
        let cut = || Answer::Broken(format!("no END LIST within {} s", budget.as_secs()));
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let a = self.next_within(left.min(self.wait)).await;
            let over = Instant::now() >= deadline;
            match a {
                Answer::Line(l) if l.words.first().map(String::as_str) != Some("END") => {
                    let end = if items.len() >= MAX_LIST_ITEMS {
                        Answer::Broken(format!("more than {MAX_LIST_ITEMS} item lines"))
                    } else if over {
                        cut()
                    } else {
                        items.push(l);
                        continue;
                    };
                    return ListAnswer { begin, items, end };
                }
                // Silence cut short by the deadline is the deadline's doing.
                Answer::Silent if over && left < self.wait => {
                    return ListAnswer {
                        begin,
                        items,
                        end: cut(),
                    };
                }
                end => return ListAnswer { begin, items, end },
            }
        }
    }

    /// Send `USERNAME` and `PASSWORD` (quoted as the client library quotes them); the reply
    /// that was not `OK`, if any. Passwords never appear in what this returns.
    pub async fn credentials(&mut self, user: &str, password: &str) -> Result<(), String> {
        use nut_core::net::Request;
        for (shown, line) in [
            (
                Request::Username(user.into()).to_line(),
                Request::Username(user.into()).to_line(),
            ),
            (
                "PASSWORD <hidden>".to_string(),
                Request::Password(password.into()).to_line(),
            ),
        ] {
            let a = self.ask(&line).await;
            if !a.line().is_some_and(|l| l.is(&["OK"])) {
                return Err(format!("{shown} got {}", a.text()));
            }
        }
        Ok(())
    }

    /// Whether a partial line is waiting.
    pub fn has_pending_bytes(&self) -> bool {
        self.client.has_pending_bytes()
    }

    /// The TLS handshake, after `OK STARTTLS` was read.
    pub async fn handshake(self, policy: &ClientTlsPolicy) -> Result<Probe, ClientError> {
        let wait = self.wait;
        let client = self.client.handshake_after_starttls(policy).await?;
        Ok(Probe { client, wait })
    }

    /// What the TLS session negotiated.
    pub fn tls_session(&self) -> Option<TlsSessionInfo> {
        self.client.tls_session()
    }

    /// LOGOUT and close, ignoring the outcome.
    pub async fn close(self) {
        self.client.logout().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_quoting_and_errors() {
        let l = Line::parse(br#"VAR ups ups.status "OL""#.to_vec());
        assert_eq!(l.words, ["VAR", "ups", "ups.status", "OL"]);
        assert_eq!(l.quoted, [false, false, false, true]);
        let l = Line::parse(b"VAR ups ups.status OL".to_vec());
        assert_eq!(l.quoted, [false, false, false, false]);
        assert!(
            Line::parse(br#"VAR u v "a#b""#.to_vec())
                .parse_error
                .is_some()
        );
        assert!(
            Line::parse(br#"VAR u v "open"#.to_vec())
                .parse_error
                .is_some()
        );
    }

    #[test]
    fn lines_carry_nut_cores_reading() {
        let l = Line::parse(b"ERR UNKNOWN-UPS".to_vec());
        assert!(l.is_error() && l.is_err("UNKNOWN-UPS") && !l.is_err("UNKNOWN"));
        let l = Line::parse(b"ERR BRAND-NEW extra".to_vec());
        assert!(l.is_error() && l.is_err("BRAND-NEW"));
        let l = Line::parse(b"err UNKNOWN-UPS".to_vec());
        assert!(!l.is_error() && !l.is_err("UNKNOWN-UPS"));
        let l = Line::parse(br#"ERR X "a#b""#.to_vec());
        assert!(l.reply.is_none() && !l.is_error());
        let l = Line::parse(b"1.3".to_vec());
        assert_eq!(l.reply, Some(Reply::Text("1.3".into())));
    }
}
