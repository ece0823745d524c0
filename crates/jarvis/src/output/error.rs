//! How a failed command reports: its error, each cause once, then what to do next.
//!
//! ```text
//! error: <what failed>
//!   caused by: <source>
//!   hint: <next step>
//! ```
//!
//! A cause whose text the line above already shows is skipped, so a library message that
//! quotes its source does not print it twice.

use std::fmt;

use super::style;

/// An error whose next step is a jarvis command or setting: the step prints as `hint:`.
#[derive(Debug)]
pub(crate) struct Hinted {
    message: String,
    hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// An error saying `message`, with `hint` as its next step.
pub(crate) fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        message: message.into(),
        hint: hint.into(),
    })
}

/// The error report, styled (the stream strips the styles without colour).
pub(crate) fn render(err: &anyhow::Error) -> String {
    let mut chain = err.chain();
    let top = chain.next().map(ToString::to_string).unwrap_or_default();
    let mut lines = vec![format!("{} {top}", style::paint(style::FAIL, "error:"))];
    let mut previous = top;
    for cause in chain {
        let text = cause.to_string();
        if text.is_empty() || previous.contains(&text) {
            continue;
        }
        lines.push(format!(
            "  {} {text}",
            style::paint(style::DIM, "caused by:")
        ));
        previous = text;
    }
    for hint in hints(err) {
        lines.push(format!("  {} {hint}", style::paint(style::HINT, "hint:")));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The next steps the chain carries, outermost first, each once.
fn hints(err: &anyhow::Error) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let ours = err
        .chain()
        .filter_map(|e| e.downcast_ref::<Hinted>())
        .map(|h| h.hint.clone());
    // jarvis' own advice for errors the Pearl crates raise in neutral terms.
    let pearl = err.chain().find_map(jarvis_mining::hint::for_error);
    for hint in ours.chain(pearl) {
        if !found.contains(&hint) {
            found.push(hint);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    fn plain(err: &anyhow::Error) -> String {
        anstream::adapter::strip_str(&render(err)).to_string()
    }

    /// A library error that quotes its source in its message.
    #[derive(Debug)]
    struct Quoting {
        source: std::io::Error,
    }

    impl fmt::Display for Quoting {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "cannot read /x/config.toml: {}; check the file",
                self.source
            )
        }
    }

    impl std::error::Error for Quoting {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn each_cause_prints_once() {
        let io = std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory");
        let err = anyhow::Error::new(Quoting { source: io }).context("cannot load the config");
        assert_eq!(
            plain(&err),
            "error: cannot load the config\n\
             \x20 caused by: cannot read /x/config.toml: Is a directory; check the file\n"
        );
    }

    #[test]
    fn causes_that_add_something_are_kept_in_order() {
        let err = anyhow::anyhow!("connection refused")
            .context("pearld did not answer")
            .context("cannot start mining");
        assert_eq!(
            plain(&err),
            "error: cannot start mining\n\
             \x20 caused by: pearld did not answer\n\
             \x20 caused by: connection refused\n"
        );
    }

    #[test]
    fn hints_come_last_once() {
        let err = Err::<(), _>(hinted(
            "no [mining] section in /x/config.toml",
            "run `jarvis mine init`",
        ))
        .context("cannot start")
        .unwrap_err();
        assert_eq!(
            plain(&err),
            "error: cannot start\n\
             \x20 caused by: no [mining] section in /x/config.toml\n\
             \x20 hint: run `jarvis mine init`\n"
        );
        assert!(render(&err).contains('\x1b'), "the prefixes carry styles");
    }
}
