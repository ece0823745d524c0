//! Styles of human output and when a stream gets colour. Text carries its styles; a stream
//! without colour strips them as it writes (`anstream`).

use std::ffi::OsString;

use anstyle::{AnsiColor, Style};

/// Section titles.
pub(crate) const HEADING: Style = Style::new().bold();
/// Passed checks.
pub(crate) const OK: Style = AnsiColor::Green.on_default();
/// Checks worth a look; the `warning:` prefix.
pub(crate) const WARN: Style = AnsiColor::Yellow.on_default().bold();
/// Failed checks; the `error:` prefix.
pub(crate) const FAIL: Style = AnsiColor::Red.on_default().bold();
/// Secondary text: rows that do not apply, labels, elapsed times.
pub(crate) const DIM: Style = Style::new().dimmed();
/// The `hint:` prefix.
pub(crate) const HINT: Style = AnsiColor::Cyan.on_default().bold();

/// `text` in `style`.
pub(crate) fn paint(style: Style, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("{style}{text}{style:#}")
}

/// Whether a stream gets colour: only a terminal, and never under `NO_COLOR` (any non-empty
/// value), `TERM=dumb` (or no `TERM`), or `CLICOLOR=0`.
pub(crate) fn colour(is_terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    is_terminal
        && set("NO_COLOR").is_none()
        && set("TERM").is_some_and(|t| t != "dumb")
        && set("CLICOLOR").is_none_or(|v| v != "0")
}

/// The verdict column of a check row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Passed.
    Ok,
    /// Works, but worth a look.
    Warn,
    /// Broken.
    Fail,
    /// Does not apply here (`n/a`: not the same as unknown).
    NotApplicable,
    /// A fact, not a check: the column stays blank.
    Info,
    /// A check that did not run because an earlier one failed.
    NotReached,
}

impl Mark {
    /// The marker as printed, before styling.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Mark::Ok => "OK",
            Mark::Warn => "WARN",
            Mark::Fail => "FAIL",
            Mark::NotApplicable => "n/a",
            Mark::Info => "",
            Mark::NotReached => "SKIP",
        }
    }

    /// Its style.
    pub(crate) fn style(self) -> Style {
        match self {
            Mark::Ok => OK,
            Mark::Warn => WARN,
            Mark::Fail => FAIL,
            Mark::NotApplicable | Mark::Info | Mark::NotReached => DIM,
        }
    }
}

impl From<jarvis_mining::check::Status> for Mark {
    fn from(status: jarvis_mining::check::Status) -> Mark {
        use jarvis_mining::check::Status;
        match status {
            Status::Ok => Mark::Ok,
            Status::Warn => Mark::Warn,
            Status::Fail => Mark::Fail,
            Status::NotApplicable => Mark::NotApplicable,
            Status::Info => Mark::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn colour_only_on_a_capable_terminal() {
        let xterm = [("TERM", "xterm-256color")];
        assert!(colour(true, env(&xterm)));
        assert!(!colour(false, env(&xterm)), "not a terminal");
        assert!(!colour(true, env(&[("TERM", "dumb")])));
        assert!(!colour(true, env(&[])), "no TERM");
        assert!(!colour(true, env(&[("TERM", "xterm"), ("NO_COLOR", "1")])));
        assert!(colour(true, env(&[("TERM", "xterm"), ("NO_COLOR", "")])));
        assert!(!colour(true, env(&[("TERM", "xterm"), ("CLICOLOR", "0")])));
        // CLICOLOR_FORCE does not colour a pipe: output that is not a terminal stays plain.
        assert!(!colour(
            false,
            env(&[("TERM", "xterm"), ("CLICOLOR_FORCE", "1")])
        ));
    }

    #[test]
    fn paint_wraps_in_codes_that_strip_back() {
        let text = paint(FAIL, "FAIL");
        assert_ne!(text, "FAIL");
        assert_eq!(anstream::adapter::strip_str(&text).to_string(), "FAIL");
        assert_eq!(paint(FAIL, ""), "");
    }
}
