//! Error chains in one line, for places that hold one line: sidecar fields, log lines, metric
//! labels and check rows.

use std::error::Error;

/// `err` and each of its sources, joined with `": "`; a source whose text the line already
/// holds (an error that prints its own cause) is skipped.
pub fn one_line(err: &(dyn Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        current = e.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read the sidecar")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("cannot start: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn joins_the_chain_with_colons() {
        let err = Outer(std::io::Error::other("disk full"));
        assert_eq!(one_line(&err), "cannot read the sidecar: disk full");
        let plain = std::io::Error::other("alone");
        assert_eq!(one_line(&plain), "alone");
    }

    #[test]
    fn a_cause_already_printed_is_not_repeated() {
        let err = Repeats(std::io::Error::other("permission denied"));
        assert_eq!(one_line(&err), "cannot start: permission denied");
    }
}
