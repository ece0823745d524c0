//! `jarvis mine status --watch`: a full-screen view redrawn every `--interval` until `q`
//! (or Ctrl-C); one line (or one JSON object) per refresh when stdout is not a terminal.

use std::io::{IsTerminal as _, Read as _};
use std::process::ExitCode;

use jarvis_core::process::Liveness;
use jarvis_core::time::unix_now;
use jarvis_mining::MiningStats;
use jarvis_mining::session::{Session, SessionSummary};
use jarvis_mining::sidecar::Sidecar;
use serde::Serialize;

use super::Ctx;
use super::os::TermGuard;
use crate::cli::StatusArgs;
use crate::output::format::utc_second;
use crate::views;
use crate::views::status::StatusData;

const ENTER: &str = "\x1b[?1049h\x1b[?25l";
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";
const CLEAR: &str = "\x1b[H\x1b[2J";

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
    let screen = !args.json && out.stdout_is_terminal();
    let (quit_tx, mut quit_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let _guard = if screen && std::io::stdin().is_terminal() {
        let guard = TermGuard::cbreak().ok();
        // A plain thread: it stays blocked in read() and dies with the process.
        std::thread::spawn(move || {
            let mut byte = [0_u8; 1];
            while let Ok(1) = std::io::stdin().read(&mut byte) {
                if matches!(byte[0], b'q' | b'Q') {
                    let _ = quit_tx.send(());
                    return;
                }
            }
        });
        guard
    } else {
        drop(quit_tx);
        None
    };
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut first = true;
    let mut shown = 0_u32;
    loop {
        let snap = snapshot(ctx).await;
        if args.json {
            out.json_line(&snap)?;
        } else if screen {
            let mut frame = views::status::report(&snap.data());
            frame.line(format!(
                "{}, every {}s, q quits",
                utc_second(snap.at),
                args.interval.as_secs_f64()
            ));
            out.control(&format!("{}{CLEAR}", if first { ENTER } else { "" }));
            out.text(&frame.render(out.width()));
        } else {
            out.raw(&views::status::watch_line(&snap.data()));
        }
        first = false;
        shown = shown.saturating_add(1);
        if args.count.is_some_and(|n| shown >= n) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(args.interval) => {}
            Some(()) = quit_rx.recv() => break,
            _ = &mut ctrl_c => break,
        }
    }
    if screen {
        out.control(LEAVE);
    }
    Ok(ExitCode::SUCCESS)
}
