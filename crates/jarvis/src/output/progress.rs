//! Progress of long work with indicatif: a spinner per phase (pulls, builds, waits) with its
//! elapsed time, a byte bar per image layer, build lines printed above them, and a time bar for
//! the bench. Hidden under `--json`, quiet, or when stderr is not a terminal; warnings always
//! print.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use jarvis_mining::progress::{Progress, ProgressEvent};

use super::format::bytes;
use super::{Printer, style};

/// A phase at work.
const RUNNING: &str = "{spinner} {msg} ({elapsed})";
/// A phase its provider reported done.
const DONE: &str = "{prefix} {msg} ({elapsed})";
/// A phase another one replaced before it reported done.
const LEFT: &str = "  {msg} ({elapsed})";
/// A layer whose size is known.
const ITEM: &str = "    {prefix:<12} [{bar:30}] {size:>21} {msg}";
/// A layer of unknown size.
const ITEM_NO_SIZE: &str = "    {prefix:<12} {msg}";
/// The bench's time bar.
const TIMED: &str = "  [{bar:30}] {msg}";

const TICK: Duration = Duration::from_millis(100);

fn bar_style(template: &str) -> ProgressStyle {
    // The templates are constants checked by a test; a broken one degrades to the default.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>-")
        .with_key(
            "size",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", size(state.pos(), state.len()));
            },
        )
}

/// `12.0 MiB / 1.5 GiB`, in the units every other size uses.
fn size(done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("{} / {}", bytes(done), bytes(total)),
        None => bytes(done),
    }
}

/// Draws [`ProgressEvent`]s from providers.
pub(crate) struct Bars {
    printer: Printer,
    multi: MultiProgress,
    visible: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    phase: Option<ProgressBar>,
    items: Vec<(String, ProgressBar)>,
}

impl State {
    /// Leaves the current phase and layer bars on screen as they are, and forgets them.
    fn close(&mut self) {
        if let Some(phase) = self.phase.take()
            && !phase.is_finished()
        {
            phase.set_style(bar_style(LEFT));
            phase.finish();
        }
        for (_, item) in self.items.drain(..) {
            if !item.is_finished() {
                item.finish();
            }
        }
    }
}

impl Bars {
    pub(super) fn new(printer: Printer, visible: bool) -> Bars {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bars {
            printer,
            multi: MultiProgress::with_draw_target(target),
            visible,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A line above the bars.
    fn above(&self, text: &str) {
        let _ = self.multi.println(text);
    }

    fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.printer.err.colour {
            style::paint(style, text)
        } else {
            text.to_owned()
        }
    }

    fn item(
        &self,
        state: &mut State,
        id: String,
        status: String,
        current: u64,
        total: Option<u64>,
    ) {
        let bar = match state.items.iter().find(|(known, _)| *known == id) {
            Some((_, bar)) => bar.clone(),
            None => {
                let bar = self.multi.add(ProgressBar::no_length());
                bar.set_style(bar_style(ITEM_NO_SIZE));
                bar.set_prefix(id.chars().take(12).collect::<String>());
                state.items.push((id, bar.clone()));
                bar
            }
        };
        if let Some(total) = total
            && bar.length() != Some(total)
        {
            bar.set_length(total);
            bar.set_style(bar_style(ITEM));
        }
        // Status-only updates ("Pull complete") carry no byte counts: keep the last ones.
        if total.is_some() || current > 0 {
            bar.set_position(current);
        }
        let complete = status.contains("complete") || status == "Already exists";
        bar.set_message(status);
        if complete {
            if let Some(length) = bar.length() {
                bar.set_position(length);
            }
            bar.finish();
        }
    }
}

impl Progress for Bars {
    fn event(&self, event: ProgressEvent) {
        let mut state = self.state();
        match event {
            ProgressEvent::Warning(text) if self.visible => {
                self.above(&format!("{} {text}", self.paint(style::WARN, "warning:")));
            }
            ProgressEvent::Warning(text) => self.printer.warn(&text),
            _ if !self.visible => {}
            ProgressEvent::Phase(text) => {
                state.close();
                let phase = self.multi.add(ProgressBar::new_spinner());
                phase.set_style(bar_style(RUNNING));
                phase.set_message(text);
                phase.enable_steady_tick(TICK);
                state.phase = Some(phase);
            }
            ProgressEvent::Done(text) => match state.phase.take() {
                Some(phase) => {
                    phase.set_style(bar_style(DONE));
                    phase.set_prefix(self.paint(style::OK, "done:"));
                    phase.finish_with_message(text);
                    state.close();
                }
                None => self.above(&format!("{} {text}", self.paint(style::OK, "done:"))),
            },
            ProgressEvent::Line(text) => self.above(&format!("    {text}")),
            ProgressEvent::Item {
                id,
                status,
                current,
                total,
            } => self.item(&mut state, id, status, current, total),
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.state().close();
    }
}

/// A bar over a known number of seconds.
pub(crate) struct Timed {
    bar: ProgressBar,
}

impl Timed {
    pub(super) fn new(seconds: u64, visible: bool) -> Timed {
        let tenths = seconds.saturating_mul(10).max(1);
        let bar = if visible {
            ProgressBar::with_draw_target(Some(tenths), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(bar_style(TIMED));
        Timed { bar }
    }

    /// Moves the bar to `elapsed_s` and shows `message` beside it.
    pub(crate) fn update(&self, elapsed_s: f64, message: String) {
        if self.bar.is_hidden() {
            return;
        }
        let length = self.bar.length().unwrap_or(1);
        let at = (elapsed_s.max(0.0) * 10.0).round().min(length as f64) as u64;
        self.bar.set_position(at);
        self.bar.set_message(message);
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Mode;

    #[test]
    fn templates_parse() {
        for template in [RUNNING, DONE, LEFT, ITEM, ITEM_NO_SIZE, TIMED] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }

    #[test]
    fn layer_sizes_use_the_shared_byte_format() {
        assert_eq!(size(12 * 1024 * 1024, Some(3 << 29)), "12.0 MiB / 1.5 GiB");
        assert_eq!(size(512, None), "512 B");
    }

    #[test]
    fn hidden_progress_still_prints_warnings_and_nothing_else() {
        let (printer, seen) = Printer::memory(Mode::Json);
        let bars = Bars::new(printer.clone(), false);
        bars.event(ProgressEvent::Phase("pulling image".into()));
        bars.event(ProgressEvent::Item {
            id: "layer".into(),
            status: "Downloading".into(),
            current: 10,
            total: Some(100),
        });
        bars.event(ProgressEvent::Line("step 1/9".into()));
        bars.event(ProgressEvent::Warning("registry unreachable".into()));
        bars.event(ProgressEvent::Done("pulled image".into()));
        drop(bars);
        assert_eq!(seen.stdout(), "");
        assert_eq!(seen.stderr(), "warning: registry unreachable\n");
    }

    #[test]
    fn layer_bars_keep_counts_across_status_updates_and_fill_when_complete() {
        let (printer, _) = Printer::memory(Mode::Human);
        let bars = Bars::new(printer, true);
        // Drawn nowhere: the bars are checked through their state.
        bars.multi.set_draw_target(ProgressDrawTarget::hidden());
        let mut state = State::default();
        let update = |state: &mut State, status: &str, current, total| {
            bars.item(
                state,
                "sha256:abcdef0123456789".into(),
                status.into(),
                current,
                total,
            );
        };
        update(&mut state, "Waiting", 0, None);
        assert_eq!(state.items[0].1.length(), None);
        update(&mut state, "Downloading", 300, Some(1000));
        update(&mut state, "Verifying Checksum", 0, None);
        let bar = state.items[0].1.clone();
        assert_eq!((bar.position(), bar.length()), (300, Some(1000)));
        assert!(!bar.is_finished());
        update(&mut state, "Pull complete", 0, None);
        assert_eq!(bar.position(), 1000);
        assert!(bar.is_finished());
        assert_eq!(state.items.len(), 1, "one bar per layer id");
    }
}
