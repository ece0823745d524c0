//! The one output layer: every command prints through a [`Printer`]. Human output is built as a
//! [`Doc`] by a view (`crate::views`), `--json` prints the data instead, and `-q/--quiet` prints
//! only what was asked for (a script, a reply, an address), warnings and errors.
//!
//! Colour only on a terminal, never under `NO_COLOR` or `TERM=dumb` ([`style::colour`]);
//! human output fits the terminal, at most [`MAX_WIDTH`] columns.

pub(crate) mod doc;
pub(crate) mod error;
pub(crate) mod format;
pub(crate) mod progress;
pub(crate) mod prompt;
pub(crate) mod screen;
pub(crate) mod style;

use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;
#[cfg(test)]
use std::sync::Mutex;

use anstream::{AutoStream, ColorChoice};
use serde::Serialize;

pub(crate) use doc::{Doc, Pairs, Table};

/// Widest human output line.
pub(crate) const MAX_WIDTH: usize = 100;

/// What a command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Views for people.
    Human,
    /// The command's data as JSON on stdout.
    Json,
    /// Only the data asked for, warnings and errors.
    Quiet,
}

/// Where printed text goes.
#[derive(Clone)]
enum Sink {
    Stdout,
    Stderr,
    #[cfg(test)]
    Memory(Arc<Mutex<Vec<u8>>>),
}

#[derive(Clone)]
struct Channel {
    sink: Sink,
    colour: bool,
    terminal: bool,
}

impl Channel {
    fn write(&self, text: &str) {
        let choice = if self.colour {
            ColorChoice::Always
        } else {
            ColorChoice::Never
        };
        // A closed pipe (`jarvis ... | head`) is not an error worth reporting.
        let _ = match &self.sink {
            Sink::Stdout => {
                let mut out = AutoStream::new(std::io::stdout().lock(), choice);
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Sink::Stderr => {
                let mut err = AutoStream::new(std::io::stderr().lock(), choice);
                err.write_all(text.as_bytes()).and_then(|()| err.flush())
            }
            #[cfg(test)]
            Sink::Memory(buffer) => {
                let mut buffer = buffer.lock().unwrap_or_else(|e| e.into_inner());
                AutoStream::new(&mut *buffer, choice).write_all(text.as_bytes())
            }
        };
    }
}

/// Prints a command's output in its mode.
#[derive(Clone)]
pub(crate) struct Printer {
    mode: Mode,
    out: Channel,
    err: Channel,
    width: usize,
}

impl Printer {
    /// A printer on this process' stdout and stderr.
    pub(crate) fn terminal(quiet: bool) -> Printer {
        let env = |name: &str| std::env::var_os(name);
        let (out_tty, err_tty) = (
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        );
        let width = if out_tty {
            terminal_size::terminal_size_of(std::io::stdout())
                .map_or(MAX_WIDTH, |(w, _)| usize::from(w.0).min(MAX_WIDTH))
        } else {
            MAX_WIDTH
        };
        Printer {
            mode: if quiet { Mode::Quiet } else { Mode::Human },
            out: Channel {
                sink: Sink::Stdout,
                colour: style::colour(out_tty, env),
                terminal: out_tty,
            },
            err: Channel {
                sink: Sink::Stderr,
                colour: style::colour(err_tty, env),
                terminal: err_tty,
            },
            width,
        }
    }

    /// A printer into memory, without colour or terminal, [`MAX_WIDTH`] wide (tests).
    #[cfg(test)]
    pub(crate) fn memory(mode: Mode) -> (Printer, Captured) {
        let captured = Captured::default();
        let channel = |buffer: &Arc<Mutex<Vec<u8>>>| Channel {
            sink: Sink::Memory(Arc::clone(buffer)),
            colour: false,
            terminal: false,
        };
        let printer = Printer {
            mode,
            out: channel(&captured.out),
            err: channel(&captured.err),
            width: MAX_WIDTH,
        };
        (printer, captured)
    }

    /// This printer for a command with a `--json` flag: JSON when it is set.
    pub(crate) fn json_if(&self, json: bool) -> Printer {
        let mut printer = self.clone();
        if json {
            printer.mode = Mode::Json;
        }
        printer
    }

    /// The mode.
    pub(crate) fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether stdout is a terminal.
    pub(crate) fn stdout_is_terminal(&self) -> bool {
        self.out.terminal
    }

    /// A command's result: `data` as pretty JSON, the view `human` builds, or nothing (quiet).
    pub(crate) fn emit<T: Serialize + ?Sized>(
        &self,
        data: &T,
        human: impl FnOnce() -> Doc,
    ) -> anyhow::Result<()> {
        match self.mode {
            Mode::Json => self.json(data),
            Mode::Human => {
                self.doc(&human());
                Ok(())
            }
            Mode::Quiet => Ok(()),
        }
    }

    /// `data` as pretty JSON on stdout, whatever the mode (for results that are JSON).
    pub(crate) fn json<T: Serialize + ?Sized>(&self, data: &T) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(data)?;
        text.push('\n');
        self.out.write(&text);
        Ok(())
    }

    /// `data` as one line of JSON on stdout (a stream of records).
    pub(crate) fn json_line<T: Serialize + ?Sized>(&self, data: &T) -> anyhow::Result<()> {
        let mut text = serde_json::to_string(data)?;
        text.push('\n');
        self.out.write(&text);
        Ok(())
    }

    /// A human document on stdout; nothing under `--json` or quiet.
    pub(crate) fn doc(&self, doc: &Doc) {
        if self.mode == Mode::Human {
            self.out.write(&doc.render(self.width));
        }
    }

    /// One line of data on stdout in every mode (a script, a log line, an address).
    pub(crate) fn raw(&self, text: &str) {
        self.out.write(&format!("{text}\n"));
    }

    /// Text on stdout exactly as given, in every mode: a streamed reply as it arrives.
    pub(crate) fn text(&self, text: &str) {
        self.out.write(text);
    }

    /// The terminal as a full screen that redraws itself (ratatui); only when stdout is a
    /// terminal. Colour follows stdout's.
    pub(crate) fn screen(&self) -> anyhow::Result<screen::Screen> {
        if !self.out.terminal {
            anyhow::bail!("a full-screen view needs a terminal on stdout");
        }
        screen::Screen::enter(self.out.colour)
            .map_err(|e| anyhow::anyhow!("cannot set up the terminal for a full-screen view: {e}"))
    }

    /// A note on stderr; not when quiet.
    pub(crate) fn note(&self, text: &str) {
        if self.mode != Mode::Quiet {
            self.err.write(&format!("{text}\n"));
        }
    }

    /// A warning on stderr, in every mode.
    pub(crate) fn warn(&self, text: &str) {
        self.err.write(&warning_line(text));
    }

    /// A failed command's error, causes and hints on stderr, in every mode.
    pub(crate) fn error(&self, err: &anyhow::Error) {
        self.err.write(&error::render(err));
    }

    /// Whether animated progress is drawn: human mode on a terminal stderr.
    fn progress_visible(&self) -> bool {
        self.mode == Mode::Human && self.err.terminal
    }

    /// Progress of long provider work (pulls, builds, waits), drawn on stderr when visible;
    /// warnings print in every mode.
    pub(crate) fn progress(&self) -> Arc<dyn jarvis_mining::progress::Progress> {
        Arc::new(progress::Bars::new(self.clone(), self.progress_visible()))
    }

    /// A bar for work of a known length in seconds (the bench).
    pub(crate) fn timed(&self, seconds: u64) -> progress::Timed {
        progress::Timed::new(seconds, self.progress_visible())
    }

    /// Questions on the terminal (stderr), when stdin is one and the output is for people.
    pub(crate) fn prompter(&self) -> prompt::Prompter {
        let interactive = self.mode != Mode::Json && std::io::stdin().is_terminal();
        prompt::Prompter::terminal(interactive)
    }
}

/// `warning: text`, styled.
fn warning_line(text: &str) -> String {
    format!("{} {text}\n", style::paint(style::WARN, "warning:"))
}

/// What a memory printer captured (tests).
#[cfg(test)]
#[derive(Default, Clone)]
pub(crate) struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

#[cfg(test)]
impl Captured {
    /// Everything written to stdout.
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Everything written to stderr.
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_doc() -> Doc {
        let mut doc = Doc::new();
        doc.heading("Title")
            .check("row", style::Mark::Ok, "fine", None);
        doc
    }

    #[test]
    fn each_mode_prints_its_own_form() {
        let data = serde_json::json!({ "ok": true });

        let (human, seen) = Printer::memory(Mode::Human);
        human.emit(&data, sample_doc).expect("emit");
        human.note("a note");
        assert_eq!(
            seen.stdout(),
            "Title\n  row                    OK    fine\n"
        );
        assert_eq!(seen.stderr(), "a note\n");

        let (json, seen) = Printer::memory(Mode::Json);
        json.emit(&data, sample_doc).expect("emit");
        assert_eq!(seen.stdout(), "{\n  \"ok\": true\n}\n");

        let (quiet, seen) = Printer::memory(Mode::Quiet);
        quiet.emit(&data, sample_doc).expect("emit");
        quiet.note("a note");
        quiet.raw("asked-for data");
        quiet.warn("careful");
        assert_eq!(seen.stdout(), "asked-for data\n");
        assert_eq!(seen.stderr(), "warning: careful\n");
    }

    #[test]
    fn json_if_switches_only_when_asked() {
        let (human, _) = Printer::memory(Mode::Human);
        assert_eq!(human.json_if(false).mode(), Mode::Human);
        assert_eq!(human.json_if(true).mode(), Mode::Json);
        let (quiet, _) = Printer::memory(Mode::Quiet);
        assert_eq!(quiet.json_if(false).mode(), Mode::Quiet);
    }

    #[test]
    fn without_colour_no_escape_codes_reach_the_stream() {
        let (printer, seen) = Printer::memory(Mode::Human);
        printer.doc(&sample_doc());
        printer.warn("careful");
        printer.error(&anyhow::anyhow!("broken"));
        assert!(!seen.stdout().contains('\x1b'), "{}", seen.stdout());
        assert!(!seen.stderr().contains('\x1b'), "{}", seen.stderr());
        assert_eq!(seen.stderr(), "warning: careful\nerror: broken\n");
    }

    /// Every command writes to the terminal through the printer: outside this module no source
    /// file of the crate names stdout, stderr or a print macro (a child's captured output, as
    /// `output.stdout`, is data, not a write).
    #[test]
    fn only_the_output_layer_writes_to_the_terminal() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let banned = [
            "print!(",
            "println!(",
            "eprint!(",
            "eprintln!(",
            "io::stdout()",
            "io::stderr()",
            "io::stdin()",
            "dbg!(",
        ];
        let mut files = vec![src.clone()];
        let mut offenders = Vec::new();
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                if path != src.join("output") {
                    for entry in std::fs::read_dir(&path).expect("read src") {
                        files.push(entry.expect("entry").path());
                    }
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&path).expect("read source");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if banned.iter().any(|b| code.contains(b)) {
                    offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            seen > 20,
            "only {seen} source files found under {}",
            src.display()
        );
        assert!(
            offenders.is_empty(),
            "write through output::Printer:\n{}",
            offenders.join("\n")
        );
    }
}
