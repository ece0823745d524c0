//! `jarvis mine stop`: what stopping did. The same words are `--json`'s `result`.

use crate::output::Doc;

/// What `stop` found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing ran; `removed` says what the provider cleaned up (a leftover container).
    NotRunning { removed: Vec<String> },
    /// Only a stale or unreadable sidecar was left; it is gone now.
    StaleRemoved,
    /// The provider stopped its processes or container.
    Stopped,
}

impl Outcome {
    /// The outcome in words.
    pub(crate) fn text(&self) -> String {
        match self {
            Outcome::NotRunning { removed } if removed.is_empty() => "not running".to_owned(),
            Outcome::NotRunning { removed } => format!("not running; {}", removed.join("; ")),
            Outcome::StaleRemoved => "not running (stale session state removed)".to_owned(),
            Outcome::Stopped => "Mining stopped.".to_owned(),
        }
    }
}

/// The outcome as a line.
pub(crate) fn stopped(outcome: &Outcome) -> Doc {
    let mut doc = Doc::new();
    doc.line(outcome.text());
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    #[test]
    fn outcomes() {
        let removed =
            vec!["removed container openjarvis-pearl-miner (0123456789ab, was created)".to_owned()];
        let all = [
            Outcome::NotRunning { removed: vec![] },
            Outcome::NotRunning { removed },
            Outcome::StaleRemoved,
            Outcome::Stopped,
        ]
        .map(|o| plain(&stopped(&o)))
        .concat();
        insta::assert_snapshot!(all);
    }
}
