//! A full-screen view that redraws itself (`mine status --watch`): ratatui draws it on the
//! alternate screen and crossterm owns raw mode and the keys. The terminal comes back as it
//! was when the [`Screen`] drops, also when the command fails.

use std::io::{self, Stdout};
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// The terminal in full-screen mode.
pub(crate) struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    colour: bool,
}

impl Screen {
    /// Raw mode, the alternate screen, no cursor; `colour` as the printer decided it.
    pub(super) fn enter(colour: bool) -> io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let mut stdout = io::stdout();
        let terminal = execute!(stdout, EnterAlternateScreen, cursor::Hide)
            .and_then(|()| Terminal::new(CrosstermBackend::new(stdout)));
        match terminal {
            Ok(terminal) => Ok(Screen { terminal, colour }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    /// Whether frames may carry colour (a terminal without `NO_COLOR`).
    pub(crate) fn colour(&self) -> bool {
        self.colour
    }

    /// Draws one frame.
    pub(crate) fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame<'_>)) -> io::Result<()> {
        self.terminal.draw(render).map(|_| ())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), cursor::Show, LeaveAlternateScreen);
}

/// What a key (or the terminal) asks of a full-screen view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `q`, Esc or Ctrl-C (raw mode turns Ctrl-C into a key).
    Quit,
    /// The terminal was resized: draw again.
    Redraw,
}

/// Keys while a [`Screen`] is up, from a thread that stops once the receiver is dropped.
pub(crate) fn keys() -> UnboundedReceiver<Key> {
    let (tx, rx) = unbounded_channel();
    std::thread::spawn(move || {
        while !tx.is_closed() {
            match event::poll(Duration::from_millis(200)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(_) => return,
            }
            let key = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                    KeyCode::Char('q' | 'Q') | KeyCode::Esc => Key::Quit,
                    KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Key::Quit,
                    _ => continue,
                },
                Ok(Event::Resize(..)) => Key::Redraw,
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(key).is_err() {
                return;
            }
        }
    });
    rx
}
