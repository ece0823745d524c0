//! `jarvis mine status` (and each refresh of `--watch`): the session, then the provider's
//! live stats. Raw counters and every detail stay in `--json`.

use jarvis_mining::MiningStats;
use jarvis_mining::session::SessionSummary;
use jarvis_mining::sidecar::SupervisorSection;
use jarvis_mining::stats::{Detail, HashrateWindows};

use crate::output::format::{
    UNKNOWN, ago, count, duration, mac_rate, or_unknown, utc_second, utc_tick,
};
use crate::output::{Doc, Pairs};

/// Values start here, or further right for a long detail key.
const COLUMN: usize = 20;

/// What `mine status` knows: the session, whether `[mining]` is configured, the reason a
/// supervisor that gave up left in its sidecar, and the live stats.
pub(crate) struct StatusData<'a> {
    pub(crate) session: &'a SessionSummary,
    pub(crate) configured: bool,
    pub(crate) left_error: Option<&'a str>,
    pub(crate) stats: Option<&'a MiningStats>,
}

/// The status report.
pub(crate) fn report(data: &StatusData<'_>) -> Doc {
    let mut doc = Doc::new();
    let s = data.session;
    let mut rows = Pairs::new(0).min_column(COLUMN);
    if s.state == "absent" {
        doc.line("No active mining session");
        if data.configured {
            doc.line("Mining is configured but not running; start it with `jarvis mine start`.");
        }
    } else {
        rows.push("session", s.state);
        rows.push("provider", s.provider.as_deref().unwrap_or(UNKNOWN));
        rows.push("sidecar", s.path.display().to_string());
        if let Some(detail) = &s.detail {
            rows.push("detail", detail.as_str());
        }
        if let (Some(why), "stale") = (data.left_error, s.state) {
            rows.push("last error", why);
        }
    }
    if let Some(stats) = data.stats {
        rows.push("shares submitted", count(stats.shares_submitted));
        rows.push("blocks found", count(stats.blocks_found));
        rows.push("hashrate", windows(&stats.hashrate));
        rows.push(
            "uptime",
            stats
                .uptime_seconds
                .map_or_else(|| UNKNOWN.to_owned(), duration),
        );
        for (key, value) in stats.details.iter() {
            rows.push(key.replace('_', " "), detail(value));
        }
        if let Some(e) = &stats.last_error {
            rows.push("last error", e.as_str());
        }
    }
    doc.pairs(rows);
    doc
}

/// The three windows on one line: `10s 241.4 GMAC/s   60s unknown   15m unknown`.
fn windows(h: &HashrateWindows) -> String {
    format!(
        "10s {}   60s {}   15m {}",
        mac_rate(h.s10),
        mac_rate(h.s60),
        mac_rate(h.m15)
    )
}

/// A provider detail as people read it: numbers formatted here, unknown spelled one way.
fn detail(value: &Detail) -> String {
    match value {
        Detail::Count(n) => count(*n),
        Detail::Number(n) => or_unknown(*n),
        Detail::Rate(r) => mac_rate(*r),
        Detail::Seconds(s) => s.map_or_else(|| UNKNOWN.to_owned(), duration),
        Detail::Timestamp(t) => t.map_or_else(|| UNKNOWN.to_owned(), utc_second),
        Detail::Flag(Some(true)) => "yes".to_owned(),
        Detail::Flag(Some(false)) => "no".to_owned(),
        Detail::Flag(None) => UNKNOWN.to_owned(),
        Detail::Text(text) => text.clone(),
        Detail::Unknown { why } => format!("{UNKNOWN} ({why})"),
    }
}

/// One refresh of `--watch` on a terminal: a title line, then the numbers that move.
pub(crate) fn watch_frame(
    session: &SessionSummary,
    stats: Option<&MiningStats>,
    history: Option<&str>,
    at: f64,
    interval_s: f64,
) -> Doc {
    let mut doc = Doc::new();
    doc.heading(format!(
        "jarvis mining  {}  {}  {}  (every {interval_s}s, q quits)",
        session.provider.as_deref().unwrap_or("no provider"),
        session.state,
        utc_second(at),
    ))
    .blank();
    let mut rows = Pairs::new(0).min_column(18);
    if let Some(d) = &session.detail {
        rows.push("detail", d.as_str());
    }
    match stats {
        None => {
            doc.pairs(rows)
                .line("No live stats: nothing is mining (start with `jarvis mine start`).");
            return doc;
        }
        Some(st) => {
            rows.push("hashrate", windows(&st.hashrate));
            rows.push(
                "proofs",
                format!(
                    "submitted {}   accepted {}   blocks {}",
                    count(st.shares_submitted),
                    count(st.shares_accepted),
                    count(st.blocks_found)
                ),
            );
            rows.push(
                "uptime",
                st.uptime_seconds
                    .map_or_else(|| UNKNOWN.to_owned(), duration),
            );
            rows.push("last proof", ago(st.last_share_at, at));
            for (key, value) in st.details.iter() {
                rows.push(key.replace('_', " "), detail(value));
            }
            rows.push("last error", st.last_error.as_deref().unwrap_or("none"));
            if let Some(h) = history {
                rows.push("history", h);
            }
        }
    }
    doc.pairs(rows);
    doc
}

/// Who records the mining history, for `--watch`: the provider's background process the
/// sidecar names, and whether it runs.
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
pub(crate) fn watch_line(session: &SessionSummary, stats: Option<&MiningStats>, at: f64) -> String {
    let mut line = format!(
        "{} {} {}",
        utc_tick(at),
        session.provider.as_deref().unwrap_or("-"),
        session.state
    );
    if let Some(st) = stats {
        line.push_str(&format!(
            " rate10s={} submitted={} blocks={}",
            mac_rate(st.hashrate.s10),
            or_unknown(st.shares_submitted),
            or_unknown(st.blocks_found)
        ));
        if let Some(height) = st.details.get("template_height") {
            line.push_str(&format!(" height={}", detail(height)));
        }
        if let Some(e) = &st.last_error {
            line.push_str(&format!(" error={e:?}"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::views::plain;

    const AT: f64 = 1_714_867_512.0;

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

    fn cpu_stats() -> MiningStats {
        let mut st = MiningStats::unknown("cpu-pearl");
        st.hashrate.s10 = Some(2.432e11);
        st.hashrate.s60 = Some(2.414e11);
        st.shares_submitted = Some(4);
        st.shares_accepted = Some(4);
        st.blocks_found = Some(0);
        st.uptime_seconds = Some(11_520.0);
        st.last_share_at = Some(AT - 250.0);
        for (k, v) in [
            ("supervisor", Detail::text("ready")),
            (
                "gateway_url",
                Detail::text("unix:///home/me/.openjarvis/runtime/gateway.sock"),
            ),
            ("gateway_pid", Detail::Number(Some(48213))),
            ("metrics_url", Detail::text("http://127.0.0.1:9109/metrics")),
            ("gateway", Detail::text("up")),
            ("gateway_up", Detail::Flag(Some(true))),
            ("template_height", Detail::Number(Some(4242))),
            ("mac_total", Detail::Count(Some(13_976_108_793_856))),
            ("submit_errors", Detail::Count(Some(0))),
        ] {
            st.details.insert(k, v);
        }
        st
    }

    fn vllm_stats() -> MiningStats {
        let mut st = MiningStats::unknown("vllm-pearl");
        st.shares_submitted = Some(12);
        st.blocks_found = Some(1);
        for (k, v) in [
            ("history_sampler", Detail::text("running (pid 48300)")),
            (
                "docker",
                Detail::text("Docker 27.3.1 at unix:///var/run/docker.sock"),
            ),
            ("container_id", Detail::text("3f2a9c1b7d4e")),
            ("container_state", Detail::text("running")),
            ("container_restarts", Detail::Count(Some(0))),
            ("block_template_height", Detail::Number(None)),
            ("vllm_endpoint", Detail::text("http://127.0.0.1:8000/v1")),
            ("vllm_health", Detail::text("ok")),
            (
                "served_models",
                Detail::text("pearl-ai/Llama-3.3-70B-Instruct-pearl"),
            ),
            ("vllm_requests", Detail::Count(Some(1_204))),
            ("vllm_uptime_seconds", Detail::Seconds(Some(11_520.0))),
            (
                "pearld_height",
                Detail::unknown("pearld did not answer within 2 s: connection refused"),
            ),
        ] {
            st.details.insert(k, v);
        }
        st
    }

    fn status(
        session: &SessionSummary,
        configured: bool,
        left: Option<&str>,
        stats: Option<&MiningStats>,
    ) -> String {
        plain(&report(&StatusData {
            session,
            configured,
            left_error: left,
            stats,
        }))
    }

    #[test]
    fn not_configured() {
        insta::assert_snapshot!(status(&session("absent", None, None), false, None, None));
    }

    #[test]
    fn configured_not_running() {
        insta::assert_snapshot!(status(&session("absent", None, None), true, None, None));
    }

    #[test]
    fn running_cpu_pearl() {
        let stats = cpu_stats();
        insta::assert_snapshot!(status(
            &session("running", Some("cpu-pearl"), None),
            true,
            None,
            Some(&stats)
        ));
    }

    #[test]
    fn running_vllm_pearl() {
        let stats = vllm_stats();
        insta::assert_snapshot!(status(
            &session("running", Some("vllm-pearl"), None),
            true,
            None,
            Some(&stats)
        ));
    }

    #[test]
    fn stale_with_the_reason_its_supervisor_left() {
        insta::assert_snapshot!(status(
            &session(
                "stale",
                Some("cpu-pearl"),
                Some("supervisor (pid 48210) is gone")
            ),
            true,
            Some(
                "pearl-gateway died 5 times within an hour; last: exit status 1: pearld unreachable"
            ),
            None,
        ));
    }

    #[test]
    fn failing_miner_reports_its_last_error() {
        let mut stats = cpu_stats();
        stats.hashrate = HashrateWindows::default();
        stats.details.insert("supervisor", Detail::text("failed"));
        stats
            .details
            .insert("gateway", Detail::text("down: connection refused"));
        stats
            .details
            .insert("gateway_up", Detail::Flag(Some(false)));
        stats.last_error =
            Some("pearl-gateway exited with status 1; see `jarvis mine logs`".to_owned());
        insta::assert_snapshot!(status(
            &session("running", Some("cpu-pearl"), None),
            true,
            None,
            Some(&stats)
        ));
    }

    #[test]
    fn corrupt() {
        insta::assert_snapshot!(status(
            &session("corrupt", None, Some("expected value at line 1 column 2")),
            true,
            None,
            None,
        ));
    }

    #[test]
    fn watch_frames() {
        let stats = cpu_stats();
        let running = watch_frame(
            &session("running", Some("cpu-pearl"), None),
            Some(&stats),
            Some("recorded by the supervisor (pid 48210)"),
            AT,
            2.0,
        );
        let absent = watch_frame(&session("absent", None, None), None, None, AT, 2.0);
        insta::assert_snapshot!(format!("{}---\n{}", plain(&running), plain(&absent)));
    }

    #[test]
    fn watch_line_has_the_key_numbers() {
        let mut stats = MiningStats::unknown("cpu-pearl");
        stats.hashrate.s10 = Some(2.5e9);
        stats.shares_submitted = Some(4);
        stats.last_error = Some("gateway timeout".to_owned());
        stats
            .details
            .insert("template_height", Detail::Number(Some(4242)));
        let running = session("running", Some("cpu-pearl"), None);
        assert_eq!(
            watch_line(&running, Some(&stats), AT),
            "2024-05-05 00:05 cpu-pearl running rate10s=2.5 GMAC/s submitted=4 blocks=unknown height=4242 error=\"gateway timeout\""
        );
        assert_eq!(
            watch_line(&session("absent", None, None), None, AT),
            "2024-05-05 00:05 - absent"
        );
    }
}
