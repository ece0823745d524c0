//! `jarvis mine start | stop | status`: the session lifecycle, generic over providers.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use jarvis_core::time::unix_now;
use jarvis_mining::MiningConfig;
use jarvis_mining::config::MiningSection;
use jarvis_mining::history::{HistoryRecorder, Sample};
use jarvis_mining::provider::{LogLine, LogRequest, MiningStats, StartOptions, StopOptions};
use jarvis_mining::session::{Session, SessionState, lock_session};
use jarvis_mining::sidecar::remove_sidecar;
use serde::Serialize;

use super::Ctx;
use crate::cli::{LogsArgs, StartArgs, StatusArgs, StopArgs};
use crate::render;

/// `[mining]` from config.toml, or an error that points at `jarvis mine init`.
pub(super) fn mining_section(ctx: &Ctx) -> anyhow::Result<MiningSection> {
    let path = ctx.home.config_path();
    match ctx.load_config()?.and_then(|c| c.mining) {
        Some(section) => Ok(section),
        None => bail!(
            "no [mining] section in {} - run `jarvis mine init`",
            path.display()
        ),
    }
}

pub(crate) async fn start(ctx: &Ctx, args: &StartArgs) -> anyhow::Result<ExitCode> {
    let json = args.json;
    let section = mining_section(ctx)?;
    let descriptor = *ctx.registry.require(&section.provider)?;
    let config = MiningConfig::from_section(&section)?;
    super::hardware_gate(
        &descriptor,
        &section.extra.model,
        args.skip_hardware_check,
        "starting anyway",
    )?;
    let session = Session::read(&ctx.home);
    // Only a process-verified session short-circuits here; a container session is the
    // provider's to check (its start is a no-op when the same launch spec is running).
    if matches!(&session.state, SessionState::Running(s) if s.provider == descriptor.id) {
        render::note(&format!("{} is already running.", descriptor.id));
        return print_status(ctx, &session, json).await;
    }
    let lock = lock_session(&ctx.home)?;
    clean_stale(&session)?;
    // A foreground supervisor runs until stopped: `mine stop` must be able to take the lock.
    let _lock = (!args.foreground).then_some(lock);
    let mut provider = (descriptor.create)(&ctx.home);
    let options = StartOptions {
        foreground: args.foreground,
        replace: args.replace,
        skip_hardware_check: args.skip_hardware_check,
        progress: render::progress(json),
    };
    provider.start(&config, &options).await?;
    if json {
        render::json(&serde_json::json!({ "started": descriptor.id }))?;
    } else if args.foreground {
        render::line(&format!(
            "{} stopped (foreground session ended).",
            descriptor.id
        ));
    } else {
        render::line(&format!(
            "Started {}. Run `jarvis mine status` for live stats.",
            descriptor.id
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn stop(ctx: &Ctx, args: &StopArgs) -> anyhow::Result<ExitCode> {
    let json = args.json;
    let session = Session::read(&ctx.home);
    let outcome = match &session.state {
        SessionState::Absent => {
            // No session, but the configured provider may still own something (a labelled
            // container left without a sidecar): its stop is idempotent.
            let section = ctx.load_config().ok().flatten().and_then(|c| c.mining);
            if let Some(descriptor) = section.and_then(|s| ctx.registry.get(&s.provider)) {
                let _lock = lock_session(&ctx.home)?;
                let mut provider = (descriptor.create)(&ctx.home);
                provider
                    .stop(&StopOptions {
                        timeout: Duration::from_secs(args.timeout),
                    })
                    .await?;
            }
            "not running".to_owned()
        }
        SessionState::Stale { .. } | SessionState::Corrupt { .. } => {
            let _lock = lock_session(&ctx.home)?;
            clean_stale(&session)?;
            "not running (stale session state removed)".to_owned()
        }
        SessionState::Running(sidecar) | SessionState::Unverified(sidecar) => {
            let _lock = lock_session(&ctx.home)?;
            let descriptor = ctx.registry.require(&sidecar.provider).with_context(|| {
                format!(
                    "the sidecar {} names provider '{}'",
                    session.path.display(),
                    sidecar.provider
                )
            })?;
            let mut provider = (descriptor.create)(&ctx.home);
            provider
                .stop(&StopOptions {
                    timeout: Duration::from_secs(args.timeout),
                })
                .await?;
            "Mining stopped.".to_owned()
        }
    };
    if json {
        render::json(&serde_json::json!({ "result": outcome }))?;
    } else {
        render::line(&outcome);
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes a sidecar whose processes are gone, or that cannot be read. Never signals anything.
fn clean_stale(session: &Session) -> anyhow::Result<()> {
    let why = match &session.state {
        SessionState::Stale { reason, .. } => reason.clone(),
        SessionState::Corrupt { detail } => detail.clone(),
        _ => return Ok(()),
    };
    if remove_sidecar(&session.path)? {
        render::warn(&format!(
            "removed stale mining sidecar {}: {why}",
            session.path.display()
        ));
    }
    Ok(())
}

pub(crate) async fn status(ctx: &Ctx, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let session = Session::read(&ctx.home);
    print_status(ctx, &session, args.json).await
}

/// Logs of the running session's provider, or of the configured one when nothing runs.
pub(crate) async fn logs(ctx: &Ctx, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    let session = Session::read(&ctx.home);
    let provider_id = match session.sidecar() {
        Some(sidecar) => sidecar.provider.clone(),
        None => mining_section(ctx)?.provider,
    };
    let descriptor = ctx.registry.require(&provider_id)?;
    let provider = (descriptor.create)(&ctx.home);
    let mut sink = |line: LogLine| render::line(&format!("[{}] {}", line.source, line.line));
    let request = LogRequest {
        tail: args.tail,
        follow: args.follow,
    };
    tokio::select! {
        result = provider.logs(request, &mut sink) => result?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct StatusReport {
    session: jarvis_mining::session::SessionSummary,
    stats: Option<MiningStats>,
}

/// Live stats from the session's provider; `None` when no live session names a known one.
pub(crate) async fn live_stats(ctx: &Ctx, session: &Session) -> Option<MiningStats> {
    if matches!(session.state, SessionState::Stale { .. }) {
        return None;
    }
    let descriptor = ctx.registry.get(&session.sidecar()?.provider)?;
    Some((descriptor.create)(&ctx.home).stats().await)
}

async fn print_status(ctx: &Ctx, session: &Session, json: bool) -> anyhow::Result<ExitCode> {
    let stats = live_stats(ctx, session).await;
    if let Some(stats) = &stats {
        // `status` feeds the history too (at most one sample per interval), so a provider
        // without a supervisor of its own (the container) still leaves a record.
        let now = unix_now();
        let mut recorder = HistoryRecorder::open(
            &ctx.home.mining_history_path(),
            super::history::retention(ctx),
        );
        let interval = Duration::from_secs_f64(super::history::sample_interval_s(ctx));
        recorder.record_if_due(&Sample::from_stats(now, stats), interval);
    }
    let report = StatusReport {
        session: session.summary(),
        stats,
    };
    if json {
        render::json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let s = &report.session;
    // Labels line up; a long provider detail key widens the column rather than touch its value.
    let w = report
        .stats
        .iter()
        .flat_map(|st| st.details.keys())
        .map(|k| k.len() + 2)
        .max()
        .unwrap_or(0)
        .max(20);
    match s.state {
        "absent" => {
            render::line("No active mining session");
            let configured = matches!(ctx.load_config(), Ok(Some(c)) if c.mining.is_some());
            if configured {
                render::line(
                    "mining configured but not running - start it with `jarvis mine start`",
                );
            }
        }
        state => {
            render::line(&format!("{:<w$}{}", "session:", state));
            render::line(&format!(
                "{:<w$}{}",
                "provider:",
                s.provider.as_deref().unwrap_or("unknown")
            ));
            render::line(&format!("{:<w$}{}", "sidecar:", s.path.display()));
            if let Some(detail) = &s.detail {
                render::key_value("detail:", detail, w);
            }
            // A supervisor that gave up leaves its reason in the sidecar it no longer owns.
            let why = session
                .sidecar()
                .and_then(|sc| sc.other.get("last_error"))
                .and_then(|v| v.as_str());
            if let (SessionState::Stale { .. }, Some(why)) = (&session.state, why) {
                render::key_value("last error:", why, w);
            }
        }
    }
    if let Some(stats) = &report.stats {
        let show = |v: Option<u64>| v.map_or("unknown".to_owned(), |n| n.to_string());
        render::line(&format!(
            "{:<w$}{}",
            "shares submitted:",
            show(stats.shares_submitted)
        ));
        render::line(&format!(
            "{:<w$}{}",
            "blocks found:",
            show(stats.blocks_found)
        ));
        let rate = |v: Option<f64>| v.map_or("n/a".to_owned(), |r| format!("{r:.3e}"));
        let h = &stats.hashrate;
        render::line(&format!(
            "{:<w$}10s {}  60s {}  15m {} MAC/s",
            "hashrate:",
            rate(h.s10),
            rate(h.s60),
            rate(h.m15)
        ));
        if let Some(up) = stats.uptime_seconds {
            render::line(&format!("{:<w$}{:.0} s", "uptime:", up));
        }
        for (key, value) in &stats.details {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            render::key_value(&format!("{}:", key.replace('_', " ")), &value, w);
        }
        if let Some(e) = &stats.last_error {
            render::key_value("last error:", e, w);
        }
    }
    Ok(ExitCode::SUCCESS)
}
