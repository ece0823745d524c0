//! Everything the user sees: tables, rows, JSON, errors. Human output fits 100 columns.

use std::io::{IsTerminal, Write};

use jarvis_mining::provider::{Progress, ProgressEvent};

use serde::Serialize;

/// Widest human output line.
pub(crate) const WIDTH: usize = 100;

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    line(&text);
    Ok(())
}

/// Prints one line on stdout, ignoring a closed pipe (`jarvis ... | head`).
pub(crate) fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Prints one line on stderr.
pub(crate) fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Prints a warning on stderr.
pub(crate) fn warn(text: &str) {
    note(&format!("warning: {text}"));
}

/// Prints an error and its causes on stderr.
pub(crate) fn error(err: &anyhow::Error) {
    let mut text = format!("error: {err}");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    note(&text);
}

/// Progress of long provider work: phases and warnings on stderr on a terminal, nothing under
/// `--json` or when stderr is not a terminal (warnings are always shown).
pub(crate) fn progress(json: bool) -> std::sync::Arc<dyn Progress> {
    let visible = !json && std::io::stderr().is_terminal();
    std::sync::Arc::new(TerminalProgress { visible })
}

struct TerminalProgress {
    visible: bool,
}

impl Progress for TerminalProgress {
    fn event(&self, event: ProgressEvent) {
        match event {
            ProgressEvent::Warning(text) => warn(&text),
            _ if !self.visible => {}
            ProgressEvent::Phase(text) => note(&format!("==> {text}")),
            ProgressEvent::Done(text) => note(&format!("    done: {text}")),
            ProgressEvent::Line(text) => note(&format!("    {text}")),
            ProgressEvent::Item { .. } => {}
        }
    }
}

/// A check row: `  name(22) MARK(5) info`, info wrapped under itself, then an optional fix line.
pub(crate) fn check_row(name: &str, marker: &str, info: &str, fix: Option<&str>) {
    let indent = 2 + 22 + 1 + 5 + 1;
    let mut first = true;
    for chunk in wrap(info, WIDTH - indent) {
        if first {
            line(&format!("  {name:<22} {marker:<5} {chunk}"));
            first = false;
        } else {
            line(&format!("{:indent$}{chunk}", ""));
        }
    }
    if first {
        line(&format!("  {name:<22} {marker}"));
    }
    if let Some(fix) = fix {
        for (i, chunk) in wrap(fix, WIDTH - indent - 5).into_iter().enumerate() {
            let lead = if i == 0 { "fix: " } else { "     " };
            line(&format!("{:indent$}{lead}{chunk}", ""));
        }
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces where possible.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut current = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > width {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                lines.push(head);
            }
            let needed =
                current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
            if needed > width && !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&word);
        }
        lines.push(current);
    }
    while lines.last().is_some_and(String::is_empty) && lines.len() > 1 {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_lines_within_width() {
        let text = "a fairly long sentence that must wrap somewhere sensible without losing words";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn wrap_splits_words_longer_than_width() {
        let lines = wrap("abcdefghijklmnopqrstuvwxyz", 10);
        assert_eq!(lines, ["abcdefghij", "klmnopqrst", "uvwxyz"]);
    }
}
