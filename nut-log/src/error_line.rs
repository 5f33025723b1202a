//! One line for a fatal error at a binary's edge: the error and its causes joined by `: `,
//! without repeating a cause whose text the line already holds (a typed error that shows its
//! `io::Error` and also returns it as `source()` would otherwise print
//! `Address already in use (os error 98): Address already in use (os error 98)`).

/// `error: cause: cause ...`, each cause once.
pub fn error_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = e.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot listen on 127.0.0.1:1: {source}")]
    struct Bind {
        #[source]
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("upsd.conf")]
    struct Outer {
        #[source]
        source: Bind,
    }

    #[test]
    fn os_errors_are_not_doubled_and_new_causes_are_kept() {
        let io = std::io::Error::from_raw_os_error(98);
        let text = io.to_string();
        let e = Outer {
            source: Bind { source: io },
        };
        let line = error_line(&e);
        assert_eq!(
            line,
            format!("upsd.conf: cannot listen on 127.0.0.1:1: {text}")
        );
        assert_eq!(line.matches("os error 98").count(), 1);
    }
}
