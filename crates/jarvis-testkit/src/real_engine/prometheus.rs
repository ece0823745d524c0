//! A real Prometheus server (Debian's `prometheus`) scraping one target or a fleet, with rule
//! files, for telemetry and fleet tests.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::{encode, http_get};
use super::{free_port, require_tool};

/// A running Prometheus on 127.0.0.1; killed and its data removed when dropped.
pub struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus scraping `target` (`host:port`, path `/metrics`) every
    /// `scrape_interval`, and waits until it is ready.
    pub fn scraping(target: &str, scrape_interval: Duration) -> Self {
        let interval = format!("{}ms", scrape_interval.as_millis());
        Self::with_config(
            scrape_interval,
            &[],
            &format!(
                "  - job_name: jarvis\n    scrape_interval: {interval}\n    \
                 scrape_timeout: {interval}\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
    }

    /// Starts Prometheus with `scrape_configs` (the YAML list under that key, indented by
    /// two spaces), scraping and evaluating `rule_files` every `interval`, and waits until it
    /// is ready.
    pub fn with_config(interval: Duration, rule_files: &[PathBuf], scrape_configs: &str) -> Self {
        let exe = require_tool("prometheus", "prometheus");
        let dir = tempfile::tempdir().expect("a directory for Prometheus");
        let every = format!("{}ms", interval.as_millis());
        let rules: String = rule_files
            .iter()
            .map(|f| format!("  - '{}'\n", f.display()))
            .collect();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: {every}\n  evaluation_interval: {every}\n\
                 rule_files:\n{rules}scrape_configs:\n{scrape_configs}"
            ),
        )
        .expect("write prometheus.yml");
        let port = free_port();
        let log = dir.path().join("prometheus.log");
        let log_file = std::fs::File::create(&log).expect("create the Prometheus log");
        let child = Command::new(exe)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("run prometheus");
        let prometheus = Prometheus {
            child,
            port,
            _dir: dir,
            log,
        };
        prometheus.wait_ready();
        prometheus
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        while !matches!(http_get(&format!("{}/-/ready", self.url())), Ok((200, _))) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "Prometheus was not ready within 30 s; its log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its log (stderr), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET /api/v1/<path>`: `(HTTP status, body)`, for queries that may fail.
    pub fn api_raw(&self, path_and_query: &str) -> (u16, String) {
        http_get(&format!("{}/api/v1/{path_and_query}", self.url()))
            .unwrap_or_else(|e| panic!("Prometheus API {path_and_query}: {e}"))
    }

    /// An instant PromQL query now: `(labels, value)` per series.
    pub fn query(&self, promql: &str) -> Vec<(Value, f64)> {
        self.query_at(promql, self.now())
    }

    /// `GET /api/v1/<path>`'s `data`; panics unless Prometheus answered `success`.
    pub fn api(&self, path_and_query: &str) -> Value {
        let (status, body) = http_get(&format!("{}/api/v1/{path_and_query}", self.url()))
            .unwrap_or_else(|e| panic!("Prometheus API {path_and_query}: {e}"));
        let value: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("Prometheus API {path_and_query}: {e}: {body}"));
        assert!(
            status == 200 && value["status"] == "success",
            "Prometheus API {path_and_query}: HTTP {status}: {body}"
        );
        value["data"].clone()
    }

    /// Unix seconds now, for [`Self::query_at`] (one evaluation time for several queries).
    pub fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    /// An instant PromQL query evaluated at `time` (unix seconds): `(labels, value)` per series.
    pub fn query_at(&self, promql: &str, time: f64) -> Vec<(Value, f64)> {
        let data = self.api(&format!("query?query={}&time={time:.3}", encode(promql)));
        data["result"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| {
                        let v = r["value"][1].as_str()?.parse().ok()?;
                        Some((r["metric"].clone(), v))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The scrape targets' `health` (`up`, `down`, `unknown`) and last error.
    pub fn target_health(&self) -> Vec<(String, String)> {
        let data = self.api("targets");
        data["activeTargets"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .map(|t| {
                        (
                            t["health"].as_str().unwrap_or_default().to_owned(),
                            t["lastError"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
