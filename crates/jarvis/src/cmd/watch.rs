//! `jarvis mine status --watch`: a full-screen view redrawn every `--interval` until `q`
//! (or Ctrl-C); one line (or one JSON object) per refresh when stdout is not a terminal.

use std::io::{IsTerminal as _, Read as _};
use std::process::ExitCode;

use jarvis_core::time::unix_now;
use jarvis_mining::MiningStats;
use jarvis_mining::history::{HistoryRecorder, Sample};
use jarvis_mining::session::{Session, SessionSummary};
use serde::Serialize;

use super::Ctx;
use super::history::{si, utc_minutes};
use super::os::TermGuard;
use crate::cli::StatusArgs;
use crate::render;

const ENTER: &str = "\x1b[?1049h\x1b[?25l";
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";
const CLEAR: &str = "\x1b[H\x1b[2J";

/// One refresh worth of status.
#[derive(Debug, Serialize)]
struct Snapshot {
    at: f64,
    session: SessionSummary,
    stats: Option<MiningStats>,
    history: Option<String>,
}

async fn snapshot(ctx: &Ctx) -> Snapshot {
    let session = Session::read(&ctx.home);
    let stats = super::session::live_stats(ctx, &session).await;
    Snapshot {
        at: unix_now(),
        session: session.summary(),
        stats,
        history: None,
    }
}

/// Runs the watch loop.
pub(crate) async fn run(ctx: &Ctx, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let screen = !args.json && std::io::stdout().is_terminal();
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
    // Watching also feeds the history, at most one sample per sample interval.
    let sample_every = std::time::Duration::from_secs_f64(super::history::sample_interval_s(ctx));
    let mut recorder: Option<HistoryRecorder> = None;
    let mut first = true;
    let mut shown = 0_u32;
    loop {
        let mut snap = snapshot(ctx).await;
        if let Some(stats) = &snap.stats {
            let rec = recorder.get_or_insert_with(|| {
                HistoryRecorder::open(
                    &ctx.home.mining_history_path(),
                    super::history::retention(ctx),
                )
            });
            rec.record_if_due(&Sample::from_stats(snap.at, stats), sample_every);
            snap.history = Some(rec.state().to_string());
        }
        if args.json {
            render::line(&serde_json::to_string(&snap)?);
        } else if screen {
            let mut lines = frame(&snap, args.interval.as_secs_f64());
            if let Some(top) = lines.first_mut() {
                *top = format!("{}{CLEAR}{top}", if first { ENTER } else { "" });
            }
            render::line(&lines.join("\n"));
        } else {
            render::line(&one_line(&snap));
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
        render::note(LEAVE);
    }
    Ok(ExitCode::SUCCESS)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| x.to_string())
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |r| format!("{}MAC/s", si(r)))
}

/// The full-screen view.
fn frame(snap: &Snapshot, interval_s: f64) -> Vec<String> {
    let s = &snap.session;
    let mut lines = vec![
        format!(
            "jarvis mining  {}  {}  {}:{:02} UTC  (every {interval_s}s, q quits)",
            s.provider.as_deref().unwrap_or("no provider"),
            s.state,
            utc_minutes(snap.at),
            snap.at.rem_euclid(60.0).floor() as u32
        ),
        String::new(),
    ];
    let row = |k: &str, v: String| format!("{k:<18}{v}");
    if let Some(d) = &s.detail {
        lines.push(row("detail:", d.clone()));
    }
    match &snap.stats {
        None => lines
            .push("No live stats: nothing is mining (start with `jarvis mine start`).".to_owned()),
        Some(st) => {
            let h = &st.hashrate;
            lines.push(row(
                "hashrate:",
                format!(
                    "10s {}   60s {}   15m {}",
                    rate(h.s10),
                    rate(h.s60),
                    rate(h.m15)
                ),
            ));
            lines.push(row(
                "proofs:",
                format!(
                    "submitted {}   accepted {}   blocks {}",
                    opt(st.shares_submitted),
                    opt(st.shares_accepted),
                    opt(st.blocks_found)
                ),
            ));
            lines.push(row(
                "uptime:",
                st.uptime_seconds
                    .map_or_else(|| "-".to_owned(), |u| format!("{u:.0}s")),
            ));
            lines.push(row(
                "last proof:",
                st.last_share_at
                    .map_or_else(|| "-".to_owned(), |t| format!("{} UTC", utc_minutes(t))),
            ));
            for (key, value) in &st.details {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                lines.push(row(&format!("{}:", key.replace('_', " ")), text));
            }
            lines.push(row(
                "last error:",
                st.last_error.clone().unwrap_or_else(|| "none".to_owned()),
            ));
            if let Some(h) = &snap.history {
                lines.push(row("history:", h.clone()));
            }
        }
    }
    lines
        .iter()
        .flat_map(|l| render::wrap(l, render::WIDTH))
        .collect()
}

/// The non-terminal form: one line per refresh.
fn one_line(snap: &Snapshot) -> String {
    let s = &snap.session;
    let mut line = format!(
        "{} {} {}",
        utc_minutes(snap.at),
        s.provider.as_deref().unwrap_or("-"),
        s.state
    );
    if let Some(st) = &snap.stats {
        line.push_str(&format!(
            " rate10s={} submitted={} blocks={}",
            rate(st.hashrate.s10),
            opt(st.shares_submitted),
            opt(st.blocks_found)
        ));
        if let Some(height) = st.details.get("template_height") {
            line.push_str(&format!(" height={height}"));
        }
        if let Some(e) = &st.last_error {
            line.push_str(&format!(" error={e:?}"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn snap(stats: Option<MiningStats>) -> Snapshot {
        Snapshot {
            at: 1_714_867_512.0,
            session: SessionSummary {
                state: "running",
                path: PathBuf::from("/x/runtime/mining.json"),
                provider: Some("cpu-pearl".to_owned()),
                detail: None,
            },
            stats,
            history: Some("history recording".to_owned()),
        }
    }

    fn stats() -> MiningStats {
        let mut st = MiningStats::unknown("cpu-pearl");
        st.hashrate.s10 = Some(2.5e9);
        st.shares_submitted = Some(4);
        st.last_error = Some("gateway timeout".to_owned());
        st.details
            .insert("template_height".to_owned(), serde_json::json!(4242));
        st.details
            .insert("gateway_state".to_owned(), serde_json::json!("up"));
        st
    }

    #[test]
    fn frame_shows_windows_proofs_details_errors_and_history() {
        let text = frame(&snap(Some(stats())), 2.0).join("\n");
        assert!(text.contains("2024-05-05 00:05:12 UTC"), "{text}");
        assert!(text.contains("10s 2.50 GMAC/s   60s -   15m -"), "{text}");
        assert!(
            text.contains("submitted 4   accepted -   blocks -"),
            "{text}"
        );
        assert!(text.contains("template height:  4242"), "{text}");
        assert!(text.contains("gateway state:    up"), "{text}");
        assert!(text.contains("last error:       gateway timeout"), "{text}");
        assert!(
            text.contains("history:          history recording"),
            "{text}"
        );
        assert!(
            frame(&snap(Some(stats())), 2.0)
                .iter()
                .all(|l| l.chars().count() <= render::WIDTH)
        );
    }

    #[test]
    fn one_line_form_has_the_key_numbers() {
        let line = one_line(&snap(Some(stats())));
        assert_eq!(
            line,
            "2024-05-05 00:05 cpu-pearl running rate10s=2.50 GMAC/s submitted=4 blocks=- height=4242 error=\"gateway timeout\""
        );
        assert_eq!(one_line(&snap(None)), "2024-05-05 00:05 cpu-pearl running");
    }
}
