//! `jarvis mine status` (and every frame of `--watch`): one designed layout a miner reads at a
//! glance. A header line (provider, state, uptime, and kernel and threads or container and
//! model), then the hashrate windows, the proofs, the gateway and the node, and the last error.
//! Raw counters and every provider detail stay in `--json`.
//!
//! [`Layout`] is built from typed data only (the session summary, the sidecar, the provider's
//! stats and the time), so every state is pinned by snapshots without a live process; the
//! plain report and the full-screen `--watch` both draw it.

use anstyle::Style;
use jarvis_mining::MiningStats;
use jarvis_mining::session::SessionSummary;
use jarvis_mining::sidecar::{DaemonRole, DaemonState, Sidecar, SupervisorSection};
use jarvis_mining::stats::{Detail, HashrateWindows};

use ratatui::style::{Color, Modifier, Style as TuiStyle};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::output::format::{UNKNOWN, ago, count, duration, mac_rate, utc_second, utc_tick};
use crate::output::style::{self, paint};
use crate::output::{Doc, Pairs};

/// Values start here.
const COLUMN: usize = 12;

/// What `mine status` knows: the session, whether `[mining]` is configured, the sidecar it
/// read (the supervisor's state and last error live there), the live stats, and the time.
pub(crate) struct StatusData<'a> {
    pub(crate) session: &'a SessionSummary,
    pub(crate) configured: bool,
    pub(crate) sidecar: Option<&'a Sidecar>,
    pub(crate) stats: Option<&'a MiningStats>,
    /// Unix seconds the data was taken at.
    pub(crate) now: f64,
}

/// The state a miner cares about, from the session and the provider's own view of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No `[mining]` in config.toml.
    NotConfigured,
    /// Configured, no session.
    Stopped,
    /// Launched, not mining yet (the gateway has not answered; vLLM is loading the model).
    Starting,
    /// Mining.
    Running,
    /// The sidecar names processes (or a container) that are gone.
    Stale,
    /// The provider gave up (cpu-pearl's supervisor) or its container exited.
    Failed,
    /// The sidecar cannot be read.
    Corrupt,
    /// A session of a provider this build does not have.
    Unverified,
}

impl Phase {
    /// The word in the header.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Phase::NotConfigured => "not configured",
            Phase::Stopped => "stopped",
            Phase::Starting => "starting",
            Phase::Running => "running",
            Phase::Stale => "stale",
            Phase::Failed => "failed",
            Phase::Corrupt => "corrupt",
            Phase::Unverified => "unverified",
        }
    }

    /// Its colour on a terminal.
    pub(crate) fn style(self) -> Style {
        match self {
            Phase::Running => style::OK,
            Phase::Starting | Phase::Stale | Phase::Unverified => style::WARN,
            Phase::Failed | Phase::Corrupt => style::FAIL,
            Phase::NotConfigured | Phase::Stopped => style::DIM,
        }
    }
}

/// The status as it is drawn: a header and labelled rows, then what to do next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// The state.
    pub(crate) phase: Phase,
    /// `cpu-pearl` or `vllm-pearl`; `mining` without a session.
    pub(crate) provider: String,
    /// After the state: `up 3h 12m`, `kernel avx2, 16 threads`, ...
    pub(crate) facts: Vec<String>,
    /// `label`, `value` rows.
    pub(crate) rows: Vec<(&'static str, String)>,
    /// What to do next, if anything.
    pub(crate) next: Option<&'static str>,
}

impl Layout {
    /// The header line without styles: `cpu-pearl  running  up 3h 12m  kernel avx2, 16 threads`.
    #[cfg(test)]
    pub(crate) fn header(&self) -> String {
        self.header_with(|_, text| text.to_owned())
    }

    fn header_with(&self, phase: impl Fn(Phase, &str) -> String) -> String {
        let mut parts = vec![self.provider.clone(), phase(self.phase, self.phase.text())];
        parts.extend(self.facts.iter().cloned());
        parts.join("  ")
    }
}

/// Builds the layout.
pub(crate) fn layout(data: &StatusData<'_>) -> Layout {
    let phase = phase(data);
    let s = data.session;
    let stats = data.stats;
    let detail = |key: &str| stats.and_then(|st| st.details.get(key));
    let text = |key: &str| detail(key).and_then(Detail::as_str);
    let provider = s
        .provider
        .clone()
        .or_else(|| stats.map(|st| st.provider_id.clone()))
        .unwrap_or_else(|| "mining".to_owned());
    let vllm = is_container(data);
    let mut facts = Vec::new();
    let mut rows: Vec<(&'static str, String)> = Vec::new();
    if matches!(
        phase,
        Phase::NotConfigured | Phase::Stopped | Phase::Corrupt
    ) {
        if let Some(why) = &s.detail {
            rows.push(("sidecar", s.path.display().to_string()));
            rows.push(("why", why.clone()));
        }
        return Layout {
            phase,
            provider,
            facts,
            rows,
            next: next_step(phase, vllm),
        };
    }
    let uptime = stats.and_then(|st| st.uptime_seconds).or_else(|| {
        data.sidecar
            .and_then(|sc| sc.started_at)
            .map(|t| (data.now - t).max(0.0))
    });
    if let (Some(up), Phase::Running | Phase::Starting) = (uptime, phase) {
        facts.push(format!("up {}", duration(up)));
    }
    if vllm {
        let container = text("container_id")
            .map(str::to_owned)
            .or_else(|| data.sidecar.and_then(|sc| sc.container_id.clone()))
            .map(|id| id.chars().take(12).collect::<String>());
        if let Some(id) = container {
            facts.push(format!("container {id}"));
        }
        let model = text("served_models")
            .filter(|m| *m != "none")
            .map(str::to_owned)
            .or_else(|| data.sidecar.and_then(|sc| sc.model.clone()));
        if let Some(model) = model {
            facts.push(format!("model {model}"));
        }
    } else if stats.is_some() {
        let kernel = text("kernel").unwrap_or(UNKNOWN);
        let threads = detail("threads").and_then(Detail::as_u64);
        facts.push(match threads {
            Some(1) => format!("kernel {kernel}, 1 thread"),
            Some(n) => format!("kernel {kernel}, {} threads", count(Some(n))),
            None => format!("kernel {kernel}"),
        });
    }
    if let Some(st) = stats {
        let h = &st.hashrate;
        rows.push((
            "hashrate",
            if vllm && *h == HashrateWindows::default() {
                format!("{UNKNOWN} (the gateway in the container does not report it)")
            } else {
                format!(
                    "10s {}   60s {}   15m {}",
                    mac_rate(h.s10),
                    mac_rate(h.s60),
                    mac_rate(h.m15)
                )
            },
        ));
        rows.push(("proofs", proofs(st, data.now, vllm)));
    }
    if vllm {
        if let Some(state) = text("container_state") {
            let mut line = state.to_owned();
            if let Some(n) = detail("container_restarts").and_then(Detail::as_u64) {
                let s = if n == 1 { "" } else { "s" };
                line.push_str(&format!(", {} restart{s}", count(Some(n))));
            }
            if let Some(docker) = text("docker") {
                line.push_str(&format!(", {docker}"));
            }
            rows.push(("container", line));
        }
        if let Some(health) = text("vllm_health") {
            let mut line = if health == "ok" {
                "answers".to_owned()
            } else {
                format!("not ready: {health}")
            };
            if let Some(endpoint) = text("vllm_endpoint") {
                line.push_str(&format!(" at {endpoint}"));
            }
            if let Some(n) = detail("vllm_requests").and_then(Detail::as_u64) {
                line.push_str(&format!(", {} requests", count(Some(n))));
            }
            rows.push(("vllm", line));
        }
        if matches!(
            text("container_state"),
            Some("running" | "created" | "restarting")
        ) {
            let template = detail("block_template_height").and_then(Detail::as_u64);
            rows.push((
                "gateway",
                match template {
                    Some(h) => format!("in the container, mining block {}", h),
                    None => "in the container, no block template seen yet".to_owned(),
                },
            ));
        }
        if let Some(node) = detail("pearld_height") {
            rows.push(("node", node_height(node)));
        }
        if let Some(sampler) = text("history_sampler") {
            rows.push(("history", format!("sampler {sampler}")));
        }
    } else {
        let gateway = stats.map(|_| {
            let mut line = text("gateway").unwrap_or(UNKNOWN).to_owned();
            let url = text("gateway_url")
                .map(str::to_owned)
                .or_else(|| data.sidecar.and_then(|sc| sc.gateway_url.clone()));
            if let Some(url) = url {
                line.push_str(&format!(" at {url}"));
            }
            if let Some(pid) = detail("gateway_pid").and_then(Detail::as_u64) {
                line.push_str(&format!(" (pid {pid})"));
            }
            if let Some(n) = detail("restarts")
                .and_then(Detail::as_u64)
                .filter(|n| *n > 0)
            {
                let times = if n == 1 {
                    "once".to_owned()
                } else {
                    format!("{} times", count(Some(n)))
                };
                line.push_str(&format!(", restarted {times}"));
            }
            line
        });
        if let Some(line) = gateway {
            rows.push(("gateway", line));
            rows.push((
                "node",
                match detail("template_height").and_then(Detail::as_u64) {
                    Some(h) => format!("mining block {h}"),
                    None => format!("{UNKNOWN} (no block template from the gateway yet)"),
                },
            ));
        }
    }
    if let (Phase::Stale, Some(why)) = (phase, &s.detail) {
        rows.push(("why", why.clone()));
    }
    rows.push((
        "last error",
        last_error(data).unwrap_or_else(|| "none".to_owned()),
    ));
    Layout {
        phase,
        provider,
        facts,
        rows,
        next: next_step(phase, vllm),
    }
}

/// Whether the session runs in a container (vllm-pearl), by its stats or its sidecar.
fn is_container(data: &StatusData<'_>) -> bool {
    let by_stats = data.stats.is_some_and(|st| {
        st.details.get("container_state").is_some() || st.details.get("docker").is_some()
    });
    by_stats
        || data
            .sidecar
            .is_some_and(|sc| sc.container_id.is_some() || sc.vllm_endpoint.is_some())
}

/// `found 5   submitted 4   errors 0   blocks 0   last 4m 10s ago`; what the provider does not
/// count is left out rather than shown unknown forever.
fn proofs(st: &MiningStats, now: f64, vllm: bool) -> String {
    let d = &st.details;
    let mut parts = Vec::new();
    if let Some(found) = d.get("proofs_found") {
        parts.push(format!("found {}", count(found.as_u64())));
    }
    parts.push(format!("submitted {}", count(st.shares_submitted)));
    if vllm {
        if let Some(rejected) = d.get("blocks_rejected") {
            parts.push(format!("rejected {}", count(rejected.as_u64())));
        }
    } else {
        parts.push(format!(
            "errors {}",
            count(d.get("submit_errors").and_then(Detail::as_u64))
        ));
    }
    parts.push(format!("blocks {}", count(st.blocks_found)));
    match (st.last_share_at, st.shares_submitted) {
        (Some(at), _) => parts.push(format!("last {}", ago(Some(at), now))),
        (None, Some(0)) => parts.push("none submitted yet".to_owned()),
        (None, _) => {}
    }
    parts.join("   ")
}

/// pearld's height as the vllm-pearl stats give it.
fn node_height(node: &Detail) -> String {
    match node {
        Detail::Number(Some(h)) => format!("pearld at height {h}"),
        Detail::Unknown { why } => format!("{UNKNOWN} ({why})"),
        _ => UNKNOWN.to_owned(),
    }
}

/// The provider's latest error, else the one a supervisor that gave up left in its sidecar.
fn last_error(data: &StatusData<'_>) -> Option<String> {
    data.stats
        .and_then(|st| st.last_error.clone())
        .or_else(|| supervisor(data).and_then(|(_, error)| error.map(str::to_owned)))
}

/// cpu-pearl's supervisor state and last error, from the sidecar (vllm-pearl's section is its
/// history sampler's, which says nothing about mining).
fn supervisor<'a>(data: &StatusData<'a>) -> Option<(&'a DaemonState, Option<&'a str>)> {
    let section = data.sidecar?.supervisor.as_ref()?;
    (section.role == DaemonRole::Supervisor)
        .then_some((&section.state, section.last_error.as_deref()))
}

/// The state, from the session and what the provider reports:
/// - no session: not configured or stopped; an unreadable sidecar: corrupt;
/// - cpu-pearl's supervisor `failed`, or a container `exited`/`dead`: failed;
/// - the supervisor `starting`, or a container that runs while vLLM does not answer yet
///   (`created`, `restarting`, or `/health` not ok): starting;
/// - a session whose processes or container are gone: stale; otherwise running.
fn phase(data: &StatusData<'_>) -> Phase {
    let state = data.session.state;
    match state {
        "absent" if data.configured => return Phase::Stopped,
        "absent" => return Phase::NotConfigured,
        "corrupt" => return Phase::Corrupt,
        _ => {}
    }
    let daemon = supervisor(data).map(|(state, _)| state);
    let detail = |key: &str| data.stats.and_then(|st| st.details.get(key));
    let container = detail("container_state").and_then(Detail::as_str);
    let health = detail("vllm_health").and_then(Detail::as_str);
    if daemon == Some(&DaemonState::Failed) || matches!(container, Some("exited" | "dead")) {
        return Phase::Failed;
    }
    let loading = matches!(container, Some("created" | "restarting"))
        || (container == Some("running") && health.is_some_and(|h| h != "ok"));
    match state {
        "stale" if loading || container == Some("running") => Phase::Starting,
        "stale" => Phase::Stale,
        "unverified" => Phase::Unverified,
        _ if daemon == Some(&DaemonState::Starting) || loading => Phase::Starting,
        _ => Phase::Running,
    }
}

/// The one command that moves the user on from `phase`.
fn next_step(phase: Phase, container: bool) -> Option<&'static str> {
    match phase {
        Phase::NotConfigured => Some("Mining is not configured: run `jarvis mine init`."),
        Phase::Stopped => {
            Some("Mining is configured but not running; start it with `jarvis mine start`.")
        }
        Phase::Starting if container => {
            Some("vLLM is loading the model; `jarvis mine logs -f` follows it.")
        }
        Phase::Starting => Some("Waiting for pearl-gateway; `jarvis mine logs -f` follows it."),
        Phase::Stale => Some(
            "The session is gone: `jarvis mine logs` shows why; `jarvis mine start` cleans up and starts again.",
        ),
        Phase::Failed => Some(
            "`jarvis mine logs` shows why; fix it, then `jarvis mine stop` and `jarvis mine start`.",
        ),
        Phase::Corrupt => Some("`jarvis mine stop` removes the unreadable sidecar."),
        Phase::Running | Phase::Unverified => None,
    }
}

/// The status report: the header in bold (the state in its colour), the rows, the next step.
pub(crate) fn report(data: &StatusData<'_>) -> Doc {
    let layout = layout(data);
    let mut doc = Doc::new();
    doc.line(paint(
        style::HEADING,
        &layout.header_with(|phase, text| paint(phase.style(), text)),
    ));
    let mut rows = Pairs::new(0).min_column(COLUMN);
    for (label, value) in &layout.rows {
        rows.push(*label, value.as_str());
    }
    doc.pairs(rows);
    if let Some(next) = layout.next {
        doc.line(next);
    }
    doc
}

/// One frame of `--watch` on a terminal: the same layout as `mine status`, with the time, the
/// refresh interval and the keys at the bottom. Colours only when `colour`.
pub(crate) fn watch_frame(
    data: &StatusData<'_>,
    interval_s: f64,
    colour: bool,
) -> Paragraph<'static> {
    let layout = layout(data);
    let paint = |style: TuiStyle| if colour { style } else { TuiStyle::new() };
    let bold = paint(TuiStyle::new().add_modifier(Modifier::BOLD));
    let dim = paint(TuiStyle::new().add_modifier(Modifier::DIM));
    let mut header = vec![
        Span::styled(layout.provider.clone(), bold),
        Span::raw("  "),
        Span::styled(
            layout.phase.text(),
            paint(
                TuiStyle::new()
                    .fg(phase_colour(layout.phase))
                    .add_modifier(Modifier::BOLD),
            ),
        ),
    ];
    for fact in &layout.facts {
        header.push(Span::raw(format!("  {fact}")));
    }
    let mut lines = vec![Line::from(header), Line::default()];
    for (label, value) in &layout.rows {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<COLUMN$}", format!("{label}:")), dim),
            Span::raw(value.clone()),
        ]));
    }
    if let Some(next) = layout.next {
        if !layout.rows.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::raw(next));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        format!("{}   every {interval_s}s   q quits", utc_second(data.now)),
        dim,
    ));
    Paragraph::new(lines).wrap(Wrap { trim: false })
}

/// The state's colour on the full screen, as [`Phase::style`] on a stream.
fn phase_colour(phase: Phase) -> Color {
    match phase {
        Phase::Running => Color::Green,
        Phase::Starting | Phase::Stale | Phase::Unverified => Color::Yellow,
        Phase::Failed | Phase::Corrupt => Color::Red,
        Phase::NotConfigured | Phase::Stopped => Color::Gray,
    }
}

/// Who records the mining history, for `--watch --json` (`history`): the provider's background
/// process the sidecar names, and whether it runs.
pub(crate) fn history_writer(section: &SupervisorSection, running: bool) -> String {
    if running {
        format!(
            "recorded by the {} (pid {})",
            section.role, section.process.pid
        )
    } else {
        format!(
            "not recorded: the {} is not running; `jarvis mine start` resumes it",
            section.role
        )
    }
}

/// One refresh of `--watch` off a terminal: one line with the key numbers.
pub(crate) fn watch_line(data: &StatusData<'_>) -> String {
    let layout = layout(data);
    let mut line = format!(
        "{} {} {}",
        utc_tick(data.now),
        data.session.provider.as_deref().unwrap_or("-"),
        layout.phase.text()
    );
    if let Some(st) = data.stats {
        line.push_str(&format!(
            " rate10s={} submitted={} blocks={}",
            mac_rate(st.hashrate.s10),
            count(st.shares_submitted),
            count(st.blocks_found)
        ));
        let height = st
            .details
            .get("template_height")
            .or_else(|| st.details.get("block_template_height"))
            .and_then(Detail::as_u64);
        if let Some(height) = height {
            line.push_str(&format!(" height={height}"));
        }
    }
    if let Some(e) = last_error(data) {
        line.push_str(&format!(" error={e:?}"));
    }
    line
}

/// Typed fixtures for every state of both providers, shared with the `--watch` tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::PathBuf;

    use jarvis_core::process::ProcessIdentity;

    use super::*;

    /// The time every fixture is taken at.
    pub(crate) const AT: f64 = 1_714_867_512.0;
    /// When the fixture sessions started.
    const STARTED: f64 = AT - 11_520.0;

    /// Owned parts of a [`StatusData`].
    pub(crate) struct Fixture {
        pub(crate) session: SessionSummary,
        pub(crate) configured: bool,
        pub(crate) sidecar: Option<Sidecar>,
        pub(crate) stats: Option<MiningStats>,
    }

    impl Fixture {
        pub(crate) fn data(&self) -> StatusData<'_> {
            StatusData {
                session: &self.session,
                configured: self.configured,
                sidecar: self.sidecar.as_ref(),
                stats: self.stats.as_ref(),
                now: AT,
            }
        }
    }

    fn session(
        state: &'static str,
        provider: Option<&str>,
        detail: Option<&str>,
    ) -> SessionSummary {
        SessionSummary {
            state,
            path: PathBuf::from("/home/me/.openjarvis/runtime/mining.json"),
            provider: provider.map(str::to_owned),
            detail: detail.map(str::to_owned),
            daemon_state: None,
            last_error: None,
        }
    }

    /// No session; `configured` says whether `[mining]` exists.
    pub(crate) fn absent(configured: bool) -> Fixture {
        Fixture {
            session: session("absent", None, None),
            configured,
            sidecar: None,
            stats: None,
        }
    }

    /// An unreadable sidecar.
    pub(crate) fn corrupt() -> Fixture {
        Fixture {
            session: session("corrupt", None, Some("expected value at line 1 column 2")),
            configured: true,
            sidecar: None,
            stats: None,
        }
    }

    fn cpu_sidecar(state: DaemonState, last_error: Option<&str>) -> Sidecar {
        let mut sc = Sidecar::new("cpu-pearl", "prl1p...", STARTED);
        sc.gateway_url = Some("unix:///home/me/.openjarvis/runtime/gateway.sock".to_owned());
        sc.metrics_url = Some("http://127.0.0.1:9109/metrics".to_owned());
        let process = ProcessIdentity {
            pid: 48210,
            start_time: 1,
        };
        let mut section = SupervisorSection::new(DaemonRole::Supervisor, process, state, STARTED);
        section.last_error = last_error.map(str::to_owned);
        sc.supervisor = Some(section);
        sc
    }

    /// cpu-pearl's stats as its metrics give them while it mines.
    fn cpu_stats(supervisor: &str) -> MiningStats {
        let mut st = MiningStats::unknown("cpu-pearl");
        st.hashrate = HashrateWindows {
            s10: Some(2.432e11),
            s60: Some(2.414e11),
            m15: None,
        };
        st.shares_submitted = Some(4);
        st.shares_accepted = Some(4);
        st.blocks_found = Some(0);
        st.uptime_seconds = Some(11_520.0);
        st.last_share_at = Some(AT - 250.0);
        for (k, v) in [
            ("supervisor", Detail::text(supervisor)),
            (
                "gateway_url",
                Detail::text("unix:///home/me/.openjarvis/runtime/gateway.sock"),
            ),
            ("gateway_pid", Detail::Number(Some(48213))),
            ("kernel", Detail::text("avx2")),
            ("metrics_url", Detail::text("http://127.0.0.1:9109/metrics")),
            ("gateway", Detail::text("up, mining")),
            ("gateway_up", Detail::Flag(Some(true))),
            ("proofs_found", Detail::Count(Some(5))),
            ("mac_total", Detail::Count(Some(13_976_108_793_856))),
            ("threads", Detail::Count(Some(16))),
            ("template_height", Detail::Number(Some(4242))),
            ("submit_errors", Detail::Count(Some(0))),
            ("restarts", Detail::Count(Some(0))),
        ] {
            st.details.insert(k, v);
        }
        st
    }

    /// cpu-pearl in `state`: starting, running, stale or failed.
    pub(crate) fn cpu(state: &str) -> Fixture {
        let running = session("running", Some("cpu-pearl"), None);
        match state {
            "starting" => {
                // The supervisor runs; pearl-gateway has not answered yet.
                let mut st = MiningStats::unknown("cpu-pearl");
                st.shares_submitted = Some(0);
                st.uptime_seconds = Some(4.0);
                for (k, v) in [
                    ("supervisor", Detail::text("starting")),
                    ("kernel", Detail::text("avx2")),
                    ("threads", Detail::Count(Some(16))),
                    ("gateway", Detail::text("down (mining paused)")),
                    ("gateway_up", Detail::Flag(Some(false))),
                    ("proofs_found", Detail::Count(Some(0))),
                    ("submit_errors", Detail::Count(Some(0))),
                ] {
                    st.details.insert(k, v);
                }
                Fixture {
                    session: running,
                    configured: true,
                    sidecar: Some(cpu_sidecar(DaemonState::Starting, None)),
                    stats: Some(st),
                }
            }
            "running" => Fixture {
                session: running,
                configured: true,
                sidecar: Some(cpu_sidecar(DaemonState::Ready, None)),
                stats: Some(cpu_stats("ready")),
            },
            "stale" => {
                // Killed: the sidecar outlived its supervisor, which left no reason (and no
                // stats: nothing answers).
                Fixture {
                    session: session(
                        "stale",
                        Some("cpu-pearl"),
                        Some("supervisor (pid 48210) is gone"),
                    ),
                    configured: true,
                    sidecar: Some(cpu_sidecar(DaemonState::Ready, None)),
                    stats: None,
                }
            }
            "failed" => {
                // The supervisor gave up and left why in the sidecar it no longer owns.
                let why = "pearl-gateway died 5 times within an hour; last: exit status 1: pearld unreachable";
                Fixture {
                    session: session(
                        "stale",
                        Some("cpu-pearl"),
                        Some("supervisor (pid 48210) is gone"),
                    ),
                    configured: true,
                    sidecar: Some(cpu_sidecar(DaemonState::Failed, Some(why))),
                    stats: None,
                }
            }
            other => panic!("no cpu-pearl fixture {other}"),
        }
    }

    fn vllm_sidecar() -> Sidecar {
        let mut sc = Sidecar::new("vllm-pearl", "prl1p...", STARTED);
        sc.container_id = Some("3f2a9c1b7d4e5f60".to_owned());
        sc.vllm_endpoint = Some("http://127.0.0.1:8000/v1".to_owned());
        sc.model = Some("pearl-ai/Llama-3.3-70B-Instruct-pearl".to_owned());
        sc
    }

    /// vllm-pearl's stats with the container in `container` and vLLM's health `health`.
    fn vllm_stats(container: &str, health: Option<&str>) -> MiningStats {
        let mut st = MiningStats::unknown("vllm-pearl");
        st.uptime_seconds = Some(11_520.0);
        st.shares_submitted = Some(12);
        st.blocks_found = Some(1);
        for (k, v) in [
            ("history_sampler", Detail::text("running (pid 48300)")),
            (
                "docker",
                Detail::text("Docker 27.3.1 at unix:///var/run/docker.sock"),
            ),
            ("container_id", Detail::text("3f2a9c1b7d4e")),
            ("container_state", Detail::text(container)),
            ("container_restarts", Detail::Count(Some(0))),
            ("blocks_rejected", Detail::Count(Some(0))),
            ("block_template_height", Detail::Number(Some(4242))),
        ] {
            st.details.insert(k, v);
        }
        if let Some(health) = health {
            st.details
                .insert("vllm_endpoint", Detail::text("http://127.0.0.1:8000/v1"));
            st.details.insert("vllm_health", Detail::text(health));
            st.details.insert(
                "served_models",
                if health == "ok" {
                    Detail::text("pearl-ai/Llama-3.3-70B-Instruct-pearl")
                } else {
                    Detail::unknown("connection refused")
                },
            );
            if health == "ok" {
                st.details
                    .insert("vllm_requests", Detail::Count(Some(1_204)));
            }
        }
        st.details
            .insert("pearld_height", Detail::Number(Some(4241)));
        st
    }

    /// vllm-pearl in `state`: starting, running, stale or failed.
    pub(crate) fn vllm(state: &str) -> Fixture {
        let with = |session, stats| Fixture {
            session,
            configured: true,
            sidecar: Some(vllm_sidecar()),
            stats: Some(stats),
        };
        match state {
            // The container runs, vLLM loads the model: the provider's liveness says stopped
            // ("vLLM at ...: connection refused"), so the session reads as stale.
            "starting" => {
                let mut st = vllm_stats("running", Some("connection refused"));
                st.uptime_seconds = Some(95.0);
                st.shares_submitted = Some(0);
                st.blocks_found = Some(0);
                st.details
                    .insert("block_template_height", Detail::Number(None));
                with(
                    session(
                        "stale",
                        Some("vllm-pearl"),
                        Some("vLLM at http://127.0.0.1:8000/health: connection refused"),
                    ),
                    st,
                )
            }
            "running" => with(
                session("running", Some("vllm-pearl"), None),
                vllm_stats("running", Some("ok")),
            ),
            "stale" => {
                let mut st = vllm_stats("gone", None);
                for key in [
                    "container_id",
                    "container_restarts",
                    "block_template_height",
                ] {
                    st.details.insert(key, Detail::unknown("no container"));
                }
                st.details.insert(
                    "pearld_height",
                    Detail::unknown("pearld did not answer within 2 s: connection refused"),
                );
                st.last_error = Some(
                    "container 3f2a9c1b7d4e is gone; the sidecar is stale (`jarvis mine start` or `jarvis mine stop` cleans it)"
                        .to_owned(),
                );
                with(
                    session(
                        "stale",
                        Some("vllm-pearl"),
                        Some("container 3f2a9c1b7d4e is gone"),
                    ),
                    st,
                )
            }
            "failed" => {
                let mut st = vllm_stats("exited", None);
                st.details
                    .insert("container_restarts", Detail::Count(Some(3)));
                st.last_error =
                    Some("container exited with code 1: CUDA error: out of memory".to_owned());
                with(
                    session(
                        "stale",
                        Some("vllm-pearl"),
                        Some("container 3f2a9c1b7d4e is exited"),
                    ),
                    st,
                )
            }
            other => panic!("no vllm-pearl fixture {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{self, Fixture};
    use super::*;
    use crate::views::plain;

    fn status(fixture: &Fixture) -> String {
        plain(&report(&fixture.data()))
    }

    #[test]
    fn not_configured() {
        let f = fixtures::absent(false);
        assert_eq!(layout(&f.data()).phase, Phase::NotConfigured);
        insta::assert_snapshot!(status(&f));
    }

    #[test]
    fn configured_not_running() {
        let f = fixtures::absent(true);
        assert_eq!(layout(&f.data()).phase, Phase::Stopped);
        insta::assert_snapshot!(status(&f));
    }

    #[test]
    fn corrupt() {
        let f = fixtures::corrupt();
        assert_eq!(layout(&f.data()).phase, Phase::Corrupt);
        insta::assert_snapshot!(status(&f));
    }

    /// Every state of both providers reads as that state, in one designed layout.
    #[test]
    fn every_state_of_both_providers() {
        for (provider, fixture) in [
            ("cpu-pearl", fixtures::cpu as fn(&str) -> Fixture),
            ("vllm-pearl", fixtures::vllm),
        ] {
            for (state, phase) in [
                ("starting", Phase::Starting),
                ("running", Phase::Running),
                ("stale", Phase::Stale),
                ("failed", Phase::Failed),
            ] {
                let f = fixture(state);
                let layout = layout(&f.data());
                assert_eq!(layout.phase, phase, "{provider} {state}");
                assert!(
                    layout.header().starts_with(&format!("{provider}  {state}")),
                    "{}",
                    layout.header()
                );
                insta::assert_snapshot!(format!("{provider}_{state}"), status(&f));
            }
        }
    }

    #[test]
    fn a_healthy_vllm_pearl_reads_as_running() {
        let f = fixtures::vllm("running");
        let layout = layout(&f.data());
        assert_eq!(layout.phase, Phase::Running);
        assert_eq!(
            layout.header(),
            "vllm-pearl  running  up 3h 12m  container 3f2a9c1b7d4e  model pearl-ai/Llama-3.3-70B-Instruct-pearl"
        );
    }

    #[test]
    fn raw_counters_stay_out_of_the_human_layout() {
        let text = status(&fixtures::cpu("running"));
        assert!(text.contains("243.2 GMAC/s"), "{text}");
        assert!(!text.contains("13 976 108 793 856"), "mac total: {text}");
        assert!(!text.contains("metrics"), "{text}");
    }

    /// A frame of `--watch` as the terminal shows it (ratatui's test backend).
    fn frame(fixture: &Fixture, colour: bool) -> ratatui::Terminal<ratatui::backend::TestBackend> {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 14)).expect("terminal");
        terminal
            .draw(|f| {
                let area = f.area();
                f.render_widget(watch_frame(&fixture.data(), 2.0, colour), area);
            })
            .expect("draw");
        terminal
    }

    #[test]
    fn watch_frames_show_the_status_layout() {
        insta::assert_snapshot!(
            "watch_cpu_running",
            frame(&fixtures::cpu("running"), true).backend()
        );
        insta::assert_snapshot!(
            "watch_vllm_starting",
            frame(&fixtures::vllm("starting"), true).backend()
        );
        insta::assert_snapshot!(
            "watch_not_configured",
            frame(&fixtures::absent(false), true).backend()
        );
    }

    /// The state is coloured on a terminal with colour, and plain under `NO_COLOR`.
    #[test]
    fn watch_frames_colour_the_state_only_with_colour() {
        let fixture = fixtures::cpu("failed");
        // "cpu-pearl  failed": the state starts at column 11.
        let cell = |colour: bool| frame(&fixture, colour).backend().buffer()[(11, 0)].clone();
        assert_eq!(cell(true).symbol(), "f");
        assert_eq!(cell(true).fg, Color::Red);
        assert_eq!(cell(false).fg, Color::Reset);
    }

    #[test]
    fn watch_line_has_the_key_numbers() {
        assert_eq!(
            watch_line(&fixtures::cpu("running").data()),
            "2024-05-05 00:05 cpu-pearl running rate10s=243.2 GMAC/s submitted=4 blocks=0 height=4242"
        );
        assert_eq!(
            watch_line(&fixtures::absent(true).data()),
            "2024-05-05 00:05 - stopped"
        );
        let failed = watch_line(&fixtures::cpu("failed").data());
        assert!(
            failed.ends_with("cpu-pearl failed error=\"pearl-gateway died 5 times within an hour; last: exit status 1: pearld unreachable\""),
            "{failed}"
        );
    }
}
