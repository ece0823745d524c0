//! `jarvis mine status --watch`: the status layout full-screen (ratatui on crossterm), redrawn
//! every `--interval` until `q`, Esc or Ctrl-C; one line (or one JSON object) per refresh when
//! stdout is not a terminal.

use std::process::ExitCode;

use jarvis_core::process::Liveness;
use jarvis_core::time::unix_now;
use jarvis_mining::MiningStats;
use jarvis_mining::session::{Session, SessionSummary};
use jarvis_mining::sidecar::Sidecar;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedReceiver;

use super::Ctx;
use crate::cli::StatusArgs;
use crate::output::screen::{Key, Screen, keys};
use crate::views;
use crate::views::status::StatusData;

/// One refresh worth of status; `--json` prints it as one line.
#[derive(Debug, Serialize)]
struct Snapshot {
    at: f64,
    session: SessionSummary,
    stats: Option<MiningStats>,
    history: Option<String>,
    /// Not printed: the sidecar and the config the human layout reads.
    #[serde(skip)]
    sidecar: Option<Sidecar>,
    #[serde(skip)]
    configured: bool,
}

impl Snapshot {
    fn data(&self) -> StatusData<'_> {
        StatusData {
            session: &self.session,
            configured: self.configured,
            sidecar: self.sidecar.as_ref(),
            stats: self.stats.as_ref(),
            now: self.at,
        }
    }
}

async fn snapshot(ctx: &Ctx) -> Snapshot {
    let session = Session::read(&ctx.home);
    let stats = super::session::live_stats(ctx, &session).await;
    let session = session.resolve(&ctx.registry, &ctx.home).await;
    let history = session
        .sidecar()
        .and_then(|s| s.supervisor.as_ref())
        .map(|section| {
            views::status::history_writer(section, section.process.status() == Liveness::Alive)
        });
    Snapshot {
        at: unix_now(),
        session: session.summary(),
        stats,
        history,
        sidecar: session.sidecar().cloned(),
        configured: super::session::is_configured(ctx),
    }
}

/// Runs the watch loop.
pub(crate) async fn run(ctx: &Ctx, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let out = ctx.out.json_if(args.json);
    let mut screen = if !args.json && out.stdout_is_terminal() {
        Some(out.screen()?)
    } else {
        None
    };
    let mut keys = screen.as_ref().map(|_| keys());
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let interval = args.interval.as_secs_f64();
    let mut shown = 0_u32;
    'refresh: loop {
        let snap = snapshot(ctx).await;
        let draw = |screen: &mut Screen| {
            let colour = screen.colour();
            screen.draw(|frame| {
                let area = frame.area();
                frame.render_widget(
                    views::status::watch_frame(&snap.data(), interval, colour),
                    area,
                );
            })
        };
        match screen.as_mut() {
            _ if args.json => out.json_line(&snap)?,
            Some(screen) => draw(screen)?,
            None => out.raw(&views::status::watch_line(&snap.data())),
        }
        shown = shown.saturating_add(1);
        if args.count.is_some_and(|n| shown >= n) {
            break;
        }
        let next = tokio::time::sleep(args.interval);
        tokio::pin!(next);
        loop {
            tokio::select! {
                () = &mut next => continue 'refresh,
                key = next_key(&mut keys) => match (key, screen.as_mut()) {
                    (Key::Redraw, Some(screen)) => draw(screen)?,
                    _ => break 'refresh,
                },
                _ = &mut ctrl_c => break 'refresh,
            }
        }
    }
    // Leaves the full screen before anything else prints.
    drop(screen);
    Ok(ExitCode::SUCCESS)
}

/// The next key on the screen; never without one.
async fn next_key(keys: &mut Option<UnboundedReceiver<Key>>) -> Key {
    match keys {
        Some(rx) => rx.recv().await.unwrap_or(Key::Quit),
        None => std::future::pending().await,
    }
}
