//! The fleet through a real Prometheus (Debian's): three cpu-pearl supervisors on this machine
//! (each with its own `OPENJARVIS_HOME` and metrics port) scraped with the shipped rules;
//! `jarvis fleet status` lists three up nodes with hashrate and one down within 10 s of its
//! stop; every PromQL expression of the shipped Grafana dashboard evaluates; `promtool` checks
//! and unit-tests the shipped rules and configs.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use jarvis_testkit::real_engine::{Prometheus, require_tool};
use serde_json::Value;

use super::skipped;
use crate::common::bin;
use crate::cpu_pearl::Rig;

fn monitoring() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../monitoring")
}

fn promtool(args: &[&str]) {
    let tool = require_tool("promtool", "prometheus");
    let out = Command::new(tool)
        .args(args)
        .current_dir(monitoring())
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool {args:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn promtool_checks_and_tests_the_shipped_rules_and_configs() {
    if skipped(
        "fleet::promtool_checks_and_tests_the_shipped_rules_and_configs",
        "promtool (Debian's prometheus)",
    ) {
        return;
    }
    promtool(&["check", "rules", "rules.yml"]);
    promtool(&["test", "rules", "rules.test.yml"]);
    promtool(&["check", "config", "prometheus.yml"]);
    promtool(&["check", "config", "--agent", "agent.yml"]);
}

/// `jarvis fleet status --json` against `url`.
fn fleet(url: &str) -> Value {
    let out = Command::new(bin())
        .args(["fleet", "status", "--json", "--prometheus", url])
        .output()
        .expect("run jarvis fleet status");
    assert!(
        out.status.success(),
        "fleet status: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("fleet status JSON")
}

fn node<'a>(report: &'a Value, instance: &str) -> &'a Value {
    report["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["instance"] == instance))
        .unwrap_or_else(|| panic!("{instance} is not listed: {report}"))
}

/// Every `expr` in the dashboard, with Grafana's variables replaced as Grafana would.
fn dashboard_queries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(monitoring().join("grafana-dashboard.json"))
        .expect("the dashboard");
    let dashboard: Value = serde_json::from_str(&text).expect("dashboard JSON");
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("expr");
            queries.push((
                panel["title"].as_str().unwrap_or("").to_owned(),
                expr.to_owned(),
            ));
        }
    }
    for variable in dashboard["templating"]["list"]
        .as_array()
        .expect("variables")
    {
        if let Some(query) = variable["query"]["query"].as_str() {
            // label_values(SELECTOR, label): Grafana asks for the selector's series.
            let selector = query
                .strip_prefix("label_values(")
                .and_then(|q| q.rsplit_once(','))
                .map(|(selector, _)| selector.to_owned())
                .expect("label_values(selector, label)");
            queries.push((format!("variable {}", variable["name"]), selector));
        }
    }
    queries
        .into_iter()
        .map(|(title, expr)| {
            let expr = expr
                .replace("$__rate_interval", "10s")
                .replace("$job", ".*pearl-miner.*")
                .replace("$instance", ".*");
            (title, expr)
        })
        .collect()
}

#[test]
fn fleet_status_lists_three_supervisors_and_one_down_after_its_stop() {
    if skipped(
        "fleet::fleet_status_lists_three_supervisors_and_one_down_after_its_stop",
        "a real Prometheus (Debian's prometheus)",
    ) {
        return;
    }
    let rigs: Vec<Rig> = (0..3)
        .map(|_| Rig::new("").with_env("JARVIS_MINER_RESUME_MS", "1"))
        .collect();
    let mut targets = Vec::new();
    for rig in &rigs {
        rig.run(&["mine", "start"]).assert_success();
        let url = rig.sidecar()["metrics_url"]
            .as_str()
            .expect("metrics_url")
            .to_owned();
        targets.push(
            url.trim_start_matches("http://")
                .trim_end_matches("/metrics")
                .to_owned(),
        );
    }
    let list: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    let prometheus = Prometheus::with_config(
        Duration::from_secs(1),
        &[monitoring().join("rules.yml")],
        &format!(
            "  - job_name: pearl-miner\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    \
             static_configs:\n      - targets: [{}]\n",
            list.join(", ")
        ),
    );
    let url = prometheus.url();

    // Three up, each with its 10 s hashrate once the window filled.
    let started = Instant::now();
    let report = loop {
        let report = fleet(&url);
        let ready = report["nodes"].as_array().is_some_and(|nodes| {
            nodes.len() == 3
                && nodes
                    .iter()
                    .all(|n| n["up"] == true && n["hashrate_macs"]["10s"].as_f64() > Some(0.0))
        });
        if ready {
            break report;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no three up miners with hashrate after 90 s: {report}\nlog:\n{}",
            prometheus.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    for target in &targets {
        let n = node(&report, target);
        assert_eq!(n["job"], "pearl-miner");
        assert_eq!(n["kind"], "cpu-pearl");
        assert_eq!(n["gateway_up"], true, "{n}");
        assert!(n["proofs_submitted"].is_u64(), "{n}");
        assert_eq!(n["restarts"], 0, "{n}");
    }
    let total = report["total_hashrate_macs"]["10s"]
        .as_f64()
        .expect("a total");
    let sum: f64 = targets
        .iter()
        .filter_map(|t| node(&report, t)["hashrate_macs"]["10s"].as_f64())
        .sum();
    assert!((total - sum).abs() < 1e-6 * sum, "{total} vs {sum}");
    assert_eq!(report["nodes_up"], 3);

    // The recording rules run (the dashboard reads them).
    let rules_started = Instant::now();
    while prometheus
        .query("instance:jarvis_mining_mac:rate1m_avg1h")
        .len()
        < 3
    {
        assert!(
            rules_started.elapsed() < Duration::from_secs(30),
            "the recording rules produced nothing; log:\n{}",
            prometheus.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // Every dashboard expression evaluates on real data.
    for (title, expr) in dashboard_queries() {
        let (status, body) = prometheus.api_raw(&format!(
            "query?query={}",
            jarvis_testkit::real_engine::url_encode(&expr)
        ));
        assert_eq!(status, 200, "{title}: {expr}: {body}");
        let value: Value = serde_json::from_str(&body).expect("query JSON");
        assert_eq!(value["status"], "success", "{title}: {expr}: {body}");
        let empty = value["data"]["result"].as_array().is_none_or(Vec::is_empty);
        // vLLM's panel has no vLLM here; the exporter's 15 min window is not filled yet; the
        // last proof needs a submission.
        let may_be_empty = expr.contains("vllm:")
            || expr.contains("window=\"15m\"")
            || expr.contains("last_submit");
        assert!(!empty || may_be_empty, "{title}: {expr} returned nothing");
    }
    // Stop one: it is listed down within 10 s, and the others stay up.
    rigs[1].run(&["mine", "stop"]).assert_success();
    let stopped = Instant::now();
    let report = loop {
        let report = fleet(&url);
        if node(&report, &targets[1])["up"] == false {
            break report;
        }
        assert!(
            stopped.elapsed() <= Duration::from_secs(10),
            "still up 10 s after its stop: {report}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(
        report["nodes"].as_array().map(Vec::len),
        Some(3),
        "{report}"
    );
    let down = node(&report, &targets[1]);
    assert!(down["hashrate_macs"]["10s"].is_null(), "{down}");
    assert!(down["scrape_error"].is_string() || down["scrape_error"].is_null());
    for up in [&targets[0], &targets[2]] {
        assert_eq!(node(&report, up)["up"], true, "{report}");
    }
    assert_eq!(report["nodes_down"], 1);

    let human = Command::new(bin())
        .args(["fleet", "status", "--prometheus", &url])
        .output()
        .expect("run jarvis fleet status");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("Fleet: 3 miners, 2 up, 1 down"), "{text}");
    for rig in [&rigs[0], &rigs[2]] {
        rig.run(&["mine", "stop"]).assert_success();
    }
}
