//! A real Prometheus (Debian's `prometheus`) scrapes a running cpu-pearl supervisor: our
//! exposition passes `promtool check metrics`, the target is up, and PromQL's rate of our MAC
//! counter agrees with the supervisor's own 10 s window.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jarvis_testkit::real_engine::{Prometheus, http_get, require_tool};

use super::skipped;
use crate::cpu_pearl::Rig;

/// Sample at `time` (unix seconds) of a one-series PromQL query.
fn one(prometheus: &Prometheus, promql: &str, time: f64) -> Option<f64> {
    let rows = prometheus.query_at(promql, time);
    assert!(rows.len() <= 1, "{promql}: {rows:?}");
    rows.first().map(|(_, v)| *v)
}

#[test]
fn prometheus_scrapes_the_supervisor_and_agrees_with_its_rate() {
    if skipped(
        "prometheus::prometheus_scrapes_the_supervisor_and_agrees_with_its_rate",
        "a real Prometheus and promtool (Debian's prometheus)",
    ) {
        return;
    }
    let promtool = require_tool("promtool", "prometheus");
    // The easy job would otherwise get one proof and then no mining while the supervisor
    // waits for a next block (one proof per header): resume at once to keep a rate.
    let rig = Rig::new("").with_env("JARVIS_MINER_RESUME_MS", "1");
    rig.run(&["mine", "start"]).assert_success();
    let url = rig.sidecar()["metrics_url"]
        .as_str()
        .expect("metrics_url")
        .to_owned();

    let (code, body) = http_get(&url).expect("scrape /metrics");
    assert_eq!(code, 200);
    let mut check = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    check
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("feed promtool");
    let out = check.wait_with_output().expect("promtool finished");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics: {said}\n{body}"
    );

    let target = url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_owned();
    let prometheus = Prometheus::scraping(&target, Duration::from_secs(1));
    let started = Instant::now();
    // Both are evaluated at the last scrape, so both windows end at the same instant, once
    // Prometheus holds more than 10 s of scrapes (else its rate extrapolates over a gap) and
    // our own 10 s window has filled.
    let at = loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = prometheus.now();
        let scraped_at = one(
            &prometheus,
            r#"timestamp(jarvis_mining_hashrate_macs{window="10s"})"#,
            now,
        );
        let scrapes = one(
            &prometheus,
            "count_over_time(jarvis_mining_mac_total[15s])",
            now,
        );
        if let (Some(at), Some(12.0..)) = (scraped_at, scrapes) {
            break at;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no 10 s window after 60 s; targets {:?}; log:\n{}",
            prometheus.target_health(),
            prometheus.log()
        );
    };
    let health = prometheus.target_health();
    assert_eq!(health.len(), 1, "{health:?}");
    assert_eq!(health[0].0, "up", "{health:?}");
    assert_eq!(one(&prometheus, "up", at), Some(1.0));

    let promql =
        one(&prometheus, "rate(jarvis_mining_mac_total[10s])", at).expect("Prometheus has a rate");
    let ours = one(
        &prometheus,
        r#"jarvis_mining_hashrate_macs{window="10s"}"#,
        at,
    )
    .expect("our 10 s window");
    assert!(ours > 0.0 && promql > 0.0, "ours {ours}, PromQL {promql}");
    let off = (promql - ours).abs() / ours;
    assert!(
        off <= 0.25,
        "PromQL rate {promql:.0} MAC/s vs our 10 s window {ours:.0} MAC/s: {:.0} % apart",
        off * 100.0
    );
    rig.run(&["mine", "stop"]).assert_success();
}
