//! `jarvis mine stop`: what stopping did. The same words are `--json`'s `result`.

use crate::output::Doc;

/// What `stop` found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing ran.
    NotRunning,
    /// Only a stale or unreadable sidecar was left; it is gone now.
    StaleRemoved,
    /// The provider stopped its processes or container.
    Stopped,
}

impl Outcome {
    /// The outcome in words.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Outcome::NotRunning => "not running",
            Outcome::StaleRemoved => "not running (stale session state removed)",
            Outcome::Stopped => "Mining stopped.",
        }
    }
}

/// The outcome as a line.
pub(crate) fn stopped(outcome: Outcome) -> Doc {
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
        let all = [Outcome::NotRunning, Outcome::StaleRemoved, Outcome::Stopped]
            .map(|o| plain(&stopped(o)))
            .concat();
        insta::assert_snapshot!(all);
    }
}
