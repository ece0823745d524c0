//! `jarvis mine start | stop | status`: the session lifecycle, generic over providers.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use jarvis_core::time::unix_now;
use jarvis_mining::MiningConfig;
use jarvis_mining::config::MiningSection;
use jarvis_mining::progress::{Progress, ProgressEvent};
use jarvis_mining::provider::{LogLine, LogRequest, StartMode, StartOptions, StopOptions};
use jarvis_mining::session::{
    LockHandle, ORPHAN_GRACE, Session, SessionState, end_recorded_processes, lock_session,
};
use jarvis_mining::sidecar::{DaemonState, remove_sidecar};
use jarvis_mining::stats::MiningStats;
use serde::Serialize;

use super::Ctx;
use crate::cli::{LogsArgs, StartArgs, StatusArgs, StopArgs};
use crate::output::Printer;
use crate::output::error::hinted;
use crate::views;
use crate::views::status::StatusData;
use crate::views::stop::Outcome;

/// `[mining]` from config.toml, or an error that points at `jarvis mine init`.
pub(super) fn mining_section(ctx: &Ctx) -> anyhow::Result<MiningSection> {
    let path = ctx.home.config_path();
    match ctx.load_config()?.and_then(|c| c.mining) {
        Some(section) => Ok(section),
        None => Err(hinted(
            format!("no [mining] section in {}", path.display()),
            "run `jarvis mine init` to write one",
        )),
    }
}

pub(crate) async fn start(ctx: &Ctx, args: &StartArgs) -> anyhow::Result<ExitCode> {
    let out = ctx.out.json_if(args.json);
    let section = mining_section(ctx)?;
    let descriptor = *ctx.registry.require(&section.provider)?;
    let config = MiningConfig::from_section(&section)?;
    super::hardware_gate(
        &out,
        &descriptor,
        &section.extra.model,
        args.skip_hardware_check,
        "starting anyway",
    )?;
    let session = Session::read(&ctx.home);
    // Only a process-verified session short-circuits here; a container session is the
    // provider's to check (its start is a no-op when the same launch spec is running).
    let running = matches!(&session.state, SessionState::Running(s) if s.provider == descriptor.id);
    // A background process still starting is normally its `start`'s, which holds the lock:
    // this one meets that lock first (and is told who holds it).
    let starting = session
        .sidecar()
        .and_then(|s| s.supervisor.as_ref())
        .is_some_and(|s| s.state == DaemonState::Starting);
    if running && !starting {
        out.note(&views::start::already_running(descriptor.id));
        return print_status(ctx, &out, &session).await;
    }
    // Held until the session is ready or has failed, in both modes: the provider releases
    // it (under --foreground before its daemon runs on, so `mine stop` can take it).
    let lock = LockHandle::new(lock_session(&ctx.home)?);
    if running {
        // Its `start` is gone, but it runs on: not a second one beside it.
        out.note(&views::start::already_running(descriptor.id));
        return print_status(ctx, &out, &session).await;
    }
    clean_stale(&out, &session, ORPHAN_GRACE).await?;
    let mut provider = (descriptor.create)(&ctx.home);
    let options = StartOptions {
        mode: if args.foreground {
            StartMode::Foreground
        } else {
            StartMode::Detached
        },
        daemon: Some(crate::cli::daemon_entry()?),
        lock: lock.clone(),
        replace: args.replace,
        skip_hardware_check: args.skip_hardware_check,
        progress: out.progress(),
    };
    let started = provider.start(&config, &options).await;
    lock.release();
    started?;
    // Finish the progress lines before the result prints below them.
    drop(options);
    out.emit(&serde_json::json!({ "started": descriptor.id }), || {
        views::start::started(descriptor.id, args.foreground)
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn stop(ctx: &Ctx, args: &StopArgs) -> anyhow::Result<ExitCode> {
    let out = ctx.out.json_if(args.json);
    let session = Session::read(&ctx.home);
    let outcome = match &session.state {
        SessionState::Absent => {
            // No session, but the configured provider may still own something (a labelled
            // container left without a sidecar): its stop is idempotent.
            let section = ctx.load_config().ok().flatten().and_then(|c| c.mining);
            let mut removed = Vec::new();
            if let Some(descriptor) = section.and_then(|s| ctx.registry.get(&s.provider)) {
                let _lock = lock_session(&ctx.home)?;
                removed = stop_provider(ctx, &out, descriptor, args).await?;
            }
            Outcome::NotRunning { removed }
        }
        SessionState::Stale { .. } | SessionState::Corrupt { .. } => {
            let _lock = lock_session(&ctx.home)?;
            clean_stale(&out, &session, Duration::from_secs(args.timeout)).await?;
            Outcome::StaleRemoved
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
            stop_provider(ctx, &out, descriptor, args).await?;
            Outcome::Stopped
        }
    };
    out.emit(&serde_json::json!({ "result": outcome.text() }), || {
        views::stop::stopped(&outcome)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the provider's stop; returns what it reports it removed (`Done` events), forwarding
/// its warnings to the terminal.
async fn stop_provider(
    ctx: &Ctx,
    out: &Printer,
    descriptor: &jarvis_mining::registry::ProviderDescriptor,
    args: &StopArgs,
) -> anyhow::Result<Vec<String>> {
    struct Removed {
        terminal: Arc<dyn Progress>,
        done: Mutex<Vec<String>>,
    }
    impl Progress for Removed {
        fn event(&self, event: ProgressEvent) {
            match event {
                ProgressEvent::Done(text) => self
                    .done
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(text),
                other => self.terminal.event(other),
            }
        }
    }
    let report = Arc::new(Removed {
        terminal: out.progress(),
        done: Mutex::new(Vec::new()),
    });
    let mut provider = (descriptor.create)(&ctx.home);
    provider
        .stop(&StopOptions {
            timeout: Duration::from_secs(args.timeout),
            progress: report.clone(),
        })
        .await?;
    let done = std::mem::take(
        &mut *report
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    Ok(done)
}

/// Removes a sidecar whose processes are gone, or that cannot be read, after ending what it
/// records that still runs as that same process (a gateway orphaned by a killed supervisor).
async fn clean_stale(out: &Printer, session: &Session, grace: Duration) -> anyhow::Result<()> {
    let why = match &session.state {
        SessionState::Stale { reason, sidecar } => {
            for ended in end_recorded_processes(sidecar, grace).await? {
                out.warn(&ended.to_string());
            }
            reason.clone()
        }
        SessionState::Corrupt { detail } => detail.clone(),
        _ => return Ok(()),
    };
    if remove_sidecar(&session.path)? {
        out.warn(&views::start::removed_stale(&session.path, &why));
    }
    Ok(())
}

pub(crate) async fn status(ctx: &Ctx, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let session = Session::read(&ctx.home);
    print_status(ctx, &ctx.out.json_if(args.json), &session).await
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
    let out = &ctx.out.json_if(args.json);
    // Serialising a record of strings does not fail in practice; if one did, no later line is
    // printed (no gap in the stream goes unnoticed) and the command ends with that error.
    let mut failed: Option<anyhow::Error> = None;
    let mut sink = |line: LogLine| {
        if !args.json {
            out.raw(&views::logs::line(&line));
        } else if failed.is_none()
            && let Err(e) = out.json_line(&views::logs::record(&line))
        {
            failed = Some(e);
        }
    };
    let request = LogRequest {
        tail: args.tail,
        follow: args.follow,
    };
    tokio::select! {
        result = provider.logs(request, &mut sink) => result?,
        _ = tokio::signal::ctrl_c() => {}
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}

#[derive(Serialize)]
struct StatusReport {
    session: jarvis_mining::session::SessionSummary,
    stats: Option<MiningStats>,
}

/// Whether config.toml has a `[mining]` section.
pub(crate) fn is_configured(ctx: &Ctx) -> bool {
    matches!(ctx.load_config(), Ok(Some(c)) if c.mining.is_some())
}

/// Live stats from the session's provider; `None` when no live session names a known one.
pub(crate) async fn live_stats(ctx: &Ctx, session: &Session) -> Option<MiningStats> {
    if matches!(session.state, SessionState::Stale { .. }) {
        return None;
    }
    let descriptor = ctx.registry.get(&session.sidecar()?.provider)?;
    Some((descriptor.create)(&ctx.home).stats().await)
}

async fn print_status(ctx: &Ctx, out: &Printer, session: &Session) -> anyhow::Result<ExitCode> {
    // Stats first: a container session its provider finds stopped still shows why.
    let stats = live_stats(ctx, session).await;
    let session = &session.clone().resolve(&ctx.registry, &ctx.home).await;
    let report = StatusReport {
        session: session.summary(),
        stats,
    };
    out.emit(&report, || {
        views::status::report(&StatusData {
            session: &report.session,
            configured: is_configured(ctx),
            // A supervisor that gave up leaves its reason in the sidecar it no longer owns.
            sidecar: session.sidecar(),
            stats: report.stats.as_ref(),
            now: unix_now(),
        })
    })?;
    Ok(ExitCode::SUCCESS)
}
