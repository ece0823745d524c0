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

/// Prints text on stdout as it arrives (no newline added) and flushes, for streamed replies.
pub(crate) fn text(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
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
    if let Some(hint) = err.chain().find_map(jarvis_mining::hint::for_error) {
        text.push_str(&format!("\n  hint: {hint}"));
    }
    note(&text);
}

/// Progress of long provider work: phases and warnings on stderr on a terminal, nothing under
/// `--json` or when stderr is not a terminal (warnings are always shown).
pub(crate) fn progress(json: bool) -> std::sync::Arc<dyn Progress> {
    let visible = !json && std::io::stderr().is_terminal();
    std::sync::Arc::new(TerminalProgress {
        visible,
        screen: std::sync::Arc::new(std::sync::Mutex::new(Screen::default())),
    })
}

/// Phases with a spinner and elapsed time, lines and warnings on stderr; image layers as bars
/// redrawn in place.
struct TerminalProgress {
    visible: bool,
    screen: std::sync::Arc<std::sync::Mutex<Screen>>,
}

fn lock_screen(screen: &std::sync::Mutex<Screen>) -> std::sync::MutexGuard<'_, Screen> {
    screen.lock().unwrap_or_else(|e| e.into_inner())
}

impl Progress for TerminalProgress {
    fn event(&self, event: ProgressEvent) {
        let mut screen = lock_screen(&self.screen);
        match event {
            ProgressEvent::Warning(text) => screen.above(&format!("warning: {text}")),
            _ if !self.visible => {}
            ProgressEvent::Phase(text) => {
                screen.close();
                note(&format!("==> {text}"));
                screen.spin_generation += 1;
                screen.spin = Some((text, std::time::Instant::now()));
                let generation = screen.spin_generation;
                let shared = std::sync::Arc::clone(&self.screen);
                std::thread::spawn(move || spin(&shared, generation));
            }
            ProgressEvent::Done(text) => {
                screen.close();
                screen.spin = None;
                note(&format!("    done: {text}"));
            }
            ProgressEvent::Line(text) => screen.above(&format!("    {text}")),
            ProgressEvent::Item {
                id,
                status,
                current,
                total,
            } => screen.update(id, status, current, total),
        }
    }
}

/// Redraws the spinner line until its phase ends.
fn spin(screen: &std::sync::Mutex<Screen>, generation: u64) {
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
    for frame in FRAMES.iter().cycle() {
        std::thread::sleep(std::time::Duration::from_millis(150));
        let mut s = lock_screen(screen);
        if s.spin_generation != generation || s.spin.is_none() {
            return;
        }
        if !s.rows.is_empty() {
            continue;
        }
        let Some((_, started)) = s.spin.clone() else {
            return;
        };
        let secs = started.elapsed().as_secs();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K    {frame} {}m{:02}s", secs / 60, secs % 60);
        let _ = err.flush();
        s.spin_shown = true;
    }
}

/// What is drawn at the bottom of stderr: a spinner line, or per-layer bars (image pulls).
#[derive(Default)]
struct Screen {
    rows: Vec<(String, String, u64, Option<u64>)>,
    drawn: usize,
    last_draw: Option<std::time::Instant>,
    spin: Option<(String, std::time::Instant)>,
    spin_generation: u64,
    spin_shown: bool,
}

impl Screen {
    fn update(&mut self, id: String, status: String, current: u64, total: Option<u64>) {
        match self.rows.iter_mut().find(|r| r.0 == id) {
            Some(row) => {
                // Status-only updates ("Pull complete") carry no byte counts: keep the last ones.
                if total.is_some() || current > 0 {
                    row.2 = current;
                }
                row.3 = total.or(row.3);
                if status.contains("complete") || status == "Already exists" {
                    row.2 = row.3.unwrap_or(row.2);
                }
                row.1 = status;
            }
            None => self.rows.push((id, status, current, total)),
        }
        let due = self
            .last_draw
            .is_none_or(|t| t.elapsed() >= std::time::Duration::from_millis(100));
        if due {
            self.draw();
        }
    }

    /// Erases what is drawn so a line can be printed above it, then redraws the bars.
    fn above(&mut self, text: &str) {
        self.erase();
        note(text);
        self.draw();
    }

    fn erase(&mut self) {
        let mut err = std::io::stderr().lock();
        if self.spin_shown {
            let _ = write!(err, "\r\x1b[2K");
            self.spin_shown = false;
        }
        if self.drawn > 0 {
            let _ = write!(err, "\x1b[{}A\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    fn draw(&mut self) {
        self.erase();
        let mut err = std::io::stderr().lock();
        for (id, status, current, total) in &self.rows {
            let short: String = id.chars().take(12).collect();
            let (bar, amount) = match total {
                Some(t) if *t > 0 => {
                    let filled = ((*current).min(*t).saturating_mul(30) / t) as usize;
                    (
                        format!("[{}{}]", "#".repeat(filled), "-".repeat(30 - filled)),
                        format!("{} / {}", mib(*current), mib(*t)),
                    )
                }
                _ => (" ".repeat(32), String::new()),
            };
            let status: String = status.chars().take(20).collect();
            let _ = writeln!(err, "  {short:<12} {bar} {status:<20} {amount}");
        }
        self.drawn = self.rows.len();
        self.last_draw = Some(std::time::Instant::now());
    }

    /// Draws the final bars once and forgets them; clears the spinner line.
    fn close(&mut self) {
        if self.rows.is_empty() {
            self.erase();
        } else {
            self.draw();
        }
        self.rows.clear();
        self.drawn = 0;
        self.last_draw = None;
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
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

/// `label` padded to `width`, then `value` wrapped to fit 100 columns under itself.
pub(crate) fn key_value(label: &str, value: &str, width: usize) {
    for (i, chunk) in wrap(value, WIDTH.saturating_sub(width))
        .into_iter()
        .enumerate()
    {
        let lead = if i == 0 { label } else { "" };
        line(&format!("{lead:<width$}{chunk}"));
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
