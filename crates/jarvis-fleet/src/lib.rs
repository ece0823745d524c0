//! The fleet as Prometheus sees it: one [`Node`] per miner it scrapes (cpu-pearl supervisors
//! through the `jarvis_mining_*` metrics, vLLM miners through vLLM's own), read through
//! Prometheus' HTTP API. A target whose scrape fails is a node that is down, never dropped;
//! what Prometheus does not know is `None` (JSON `null`), never zero.

mod api;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::try_join_all;
use jarvis_telemetry::names;
use serde::Serialize;

pub use api::{FleetError, Prometheus, Sample, Target};

/// A vLLM metric every vLLM server exposes, which marks a target as a vLLM miner.
pub const VLLM_MARKER: &str = "vllm:num_requests_running";
/// How far back a target that stopped answering is still recognised as a miner.
pub const LOOKBACK: &str = "1h";

/// What kind of miner a node runs, from the metrics it exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MinerKind {
    /// A jarvis cpu-pearl supervisor (`jarvis_mining_*`).
    #[serde(rename = "cpu-pearl")]
    CpuPearl,
    /// A vLLM server (Pearl's vLLM miner).
    #[serde(rename = "vllm")]
    Vllm,
}

impl MinerKind {
    /// The name shown to people and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CpuPearl => "cpu-pearl",
            Self::Vllm => "vllm",
        }
    }
}

/// MAC/s over the exporter's windows; `None` where the window has not filled or the miner does
/// not report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Windows {
    /// Last 10 seconds.
    #[serde(rename = "10s")]
    pub s10: Option<f64>,
    /// Last 60 seconds.
    #[serde(rename = "60s")]
    pub s60: Option<f64>,
    /// Last 15 minutes.
    #[serde(rename = "15m")]
    pub m15: Option<f64>,
}

impl Windows {
    fn set(&mut self, window: &str, value: f64) {
        let slot = match window {
            "10s" => &mut self.s10,
            "60s" => &mut self.s60,
            "15m" => &mut self.m15,
            _ => return,
        };
        *slot = Some(value);
    }

    /// The windows in [`names::WINDOW_LABELS`] order.
    pub fn values(&self) -> [Option<f64>; 3] {
        [self.s10, self.s60, self.m15]
    }

    fn add(&mut self, other: &Windows) {
        for (slot, value) in [
            (&mut self.s10, other.s10),
            (&mut self.s60, other.s60),
            (&mut self.m15, other.m15),
        ] {
            if let Some(v) = value {
                *slot = Some(slot.unwrap_or(0.0) + v);
            }
        }
    }
}

/// One miner Prometheus scrapes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// The target's `instance` label.
    pub instance: String,
    /// The target's `job` label.
    pub job: String,
    /// Whether the last scrape succeeded.
    pub up: bool,
    /// What it runs; `None` for a target of a `--job` that never exposed miner metrics.
    pub kind: Option<MinerKind>,
    /// MAC/s by window.
    pub hashrate_macs: Windows,
    /// Proofs the gateway accepted since the miner started.
    pub proofs_submitted: Option<u64>,
    /// Whether the miner's pearl-gateway answers.
    pub gateway_up: Option<bool>,
    /// Restarts of the miner's children since it started.
    pub restarts: Option<u64>,
    /// Unix time of the last accepted submission.
    pub last_submit: Option<f64>,
    /// Why the last scrape failed, as Prometheus says.
    pub scrape_error: Option<String>,
}

/// The fleet at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetReport {
    /// The Prometheus asked (credentials removed).
    pub prometheus: String,
    /// Unix time every query was evaluated at.
    pub evaluated_at: f64,
    /// One row per miner, ordered by job then instance.
    pub nodes: Vec<Node>,
    /// Nodes up.
    pub nodes_up: usize,
    /// Nodes down.
    pub nodes_down: usize,
    /// Sum over the nodes that report each window; `None` where none does.
    pub total_hashrate_macs: Windows,
    /// Sum of the proofs submitted where known.
    pub total_proofs_submitted: Option<u64>,
}

/// Which targets count as miners.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// A PromQL regex on `job`: every target of these jobs is listed, miner metrics or not.
    /// `None`: targets that exposed miner metrics within [`LOOKBACK`].
    pub job: Option<String>,
}

/// Asks `prometheus` for the fleet, every query evaluated at one instant.
pub async fn status(
    prometheus: &Prometheus,
    selection: &Selection,
) -> Result<FleetReport, FleetError> {
    let at = prometheus.now();
    let job = selection
        .job
        .as_deref()
        .map(|re| {
            format!(
                "{{job=~\"{}\"}}",
                re.replace('\\', "\\\\").replace('"', "\\\"")
            )
        })
        .unwrap_or_default();
    let seen = |metric: &str| {
        format!("count by (job, instance) (last_over_time({metric}{job}[{LOOKBACK}]))")
    };
    let restarts = format!("sum by (job, instance) ({}{job})", names::RESTARTS);
    let queries = [
        format!("up{job}"),
        seen(names::MAC_TOTAL),
        seen(VLLM_MARKER),
        format!("{}{job}", names::HASHRATE),
        format!("{}{job}", names::PROOFS_SUBMITTED),
        format!("{}{job}", names::GATEWAY_UP),
        restarts,
        format!("{}{job}", names::LAST_SUBMIT),
    ];
    let (results, targets) = tokio::join!(
        try_join_all(queries.iter().map(|q| prometheus.query(q, at))),
        prometheus.targets()
    );
    let mut results = results?.into_iter();
    let mut next = || results.next().unwrap_or_default();
    let answers = Answers {
        up: next(),
        cpu_seen: next(),
        vllm_seen: next(),
        hashrate: next(),
        proofs: next(),
        gateway: next(),
        restarts: next(),
        last_submit: next(),
        // The targets list only adds scrape errors: a failure there loses no node.
        targets: targets.unwrap_or_default(),
    };
    Ok(assemble(
        prometheus.display_url(),
        at,
        &answers,
        selection.job.is_some(),
    ))
}

/// The answers to the fleet's queries.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// `up`.
    pub up: Vec<Sample>,
    /// Targets that exposed `jarvis_mining_mac_total` within the look-back.
    pub cpu_seen: Vec<Sample>,
    /// Targets that exposed vLLM's metrics within the look-back.
    pub vllm_seen: Vec<Sample>,
    /// `jarvis_mining_hashrate_macs` by window.
    pub hashrate: Vec<Sample>,
    /// `jarvis_mining_proofs_submitted_total`.
    pub proofs: Vec<Sample>,
    /// `jarvis_mining_gateway_up`.
    pub gateway: Vec<Sample>,
    /// Restarts summed by target.
    pub restarts: Vec<Sample>,
    /// `jarvis_mining_last_submit_timestamp_seconds`.
    pub last_submit: Vec<Sample>,
    /// The active targets, for their scrape errors.
    pub targets: Vec<Target>,
}

type Key = (String, String);

fn key(sample: &Sample) -> Key {
    (label(sample, "job"), label(sample, "instance"))
}

fn label(sample: &Sample, name: &str) -> String {
    sample.labels.get(name).cloned().unwrap_or_default()
}

/// Builds the report from the answers (pure: what `status` asks, assembled). With
/// `every_target`, each `up` series is a node; otherwise only targets with miner metrics in
/// the look-back are.
pub fn assemble(prometheus: String, at: f64, answers: &Answers, every_target: bool) -> FleetReport {
    let mut nodes: BTreeMap<Key, Node> = BTreeMap::new();
    let kind_of = |k: &Key| {
        if answers.cpu_seen.iter().any(|s| key(s) == *k) {
            Some(MinerKind::CpuPearl)
        } else if answers.vllm_seen.iter().any(|s| key(s) == *k) {
            Some(MinerKind::Vllm)
        } else {
            None
        }
    };
    for sample in &answers.up {
        let k = key(sample);
        let kind = kind_of(&k);
        if kind.is_none() && !every_target {
            continue;
        }
        let up = sample.value == Some(1.0);
        nodes.insert(
            k.clone(),
            Node {
                instance: k.1.clone(),
                job: k.0.clone(),
                up,
                kind,
                hashrate_macs: Windows::default(),
                proofs_submitted: None,
                gateway_up: None,
                // An exporter that lists no restart sample has restarted nothing.
                restarts: (up && kind == Some(MinerKind::CpuPearl)).then_some(0),
                last_submit: None,
                scrape_error: None,
            },
        );
    }
    // A miner seen within the look-back whose target is gone from service discovery (its
    // `up` series ended) is still listed: down.
    for sample in answers.cpu_seen.iter().chain(&answers.vllm_seen) {
        let k = key(sample);
        if !nodes.contains_key(&k) {
            let kind = kind_of(&k);
            nodes.insert(
                k.clone(),
                Node {
                    instance: k.1.clone(),
                    job: k.0.clone(),
                    up: false,
                    kind,
                    hashrate_macs: Windows::default(),
                    proofs_submitted: None,
                    gateway_up: None,
                    restarts: None,
                    last_submit: None,
                    scrape_error: Some("no longer a scrape target".to_owned()),
                },
            );
        }
    }
    let count = |v: Option<f64>| v.filter(|v| *v >= 0.0).map(|v| v as u64);
    for (samples, apply) in [
        (
            &answers.hashrate,
            (|n: &mut Node, s: &Sample| {
                if let Some(v) = s.value {
                    n.hashrate_macs.set(&label(s, "window"), v);
                }
            }) as fn(&mut Node, &Sample),
        ),
        (&answers.proofs, |n, s| {
            n.proofs_submitted = s.value.filter(|v| *v >= 0.0).map(|v| v as u64);
        }),
        (&answers.gateway, |n, s| {
            n.gateway_up = s.value.map(|v| v == 1.0);
        }),
        (&answers.last_submit, |n, s| n.last_submit = s.value),
    ] {
        for sample in samples {
            if let Some(node) = nodes.get_mut(&key(sample)) {
                apply(node, sample);
            }
        }
    }
    for sample in &answers.restarts {
        if let Some(node) = nodes.get_mut(&key(sample)) {
            node.restarts = count(sample.value);
        }
    }
    for target in &answers.targets {
        let k = (target.job.clone(), target.instance.clone());
        if let Some(node) = nodes.get_mut(&k)
            && !node.up
            && !target.last_error.is_empty()
        {
            node.scrape_error = Some(target.last_error.clone());
        }
    }
    let nodes: Vec<Node> = nodes.into_values().collect();
    let mut total = Windows::default();
    for node in &nodes {
        total.add(&node.hashrate_macs);
    }
    let proofs: Vec<u64> = nodes.iter().filter_map(|n| n.proofs_submitted).collect();
    FleetReport {
        prometheus,
        evaluated_at: at,
        nodes_up: nodes.iter().filter(|n| n.up).count(),
        nodes_down: nodes.iter().filter(|n| !n.up).count(),
        total_hashrate_macs: total,
        total_proofs_submitted: (!proofs.is_empty()).then(|| proofs.iter().sum()),
        nodes,
    }
}

/// Default time for one Prometheus request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(job: &str, instance: &str, extra: &[(&str, &str)], value: f64) -> Sample {
        let mut labels = BTreeMap::from([
            ("job".to_owned(), job.to_owned()),
            ("instance".to_owned(), instance.to_owned()),
        ]);
        labels.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Sample {
            labels,
            value: Some(value).filter(|v| v.is_finite()),
        }
    }

    fn answers() -> Answers {
        Answers {
            up: vec![
                sample("pearl-miner", "a:9109", &[], 1.0),
                sample("pearl-miner", "b:9109", &[], 0.0),
                sample("prometheus", "localhost:9090", &[], 1.0),
                sample("pearl/pearl-miner", "10.0.0.7:8000", &[], 1.0),
            ],
            cpu_seen: vec![
                sample("pearl-miner", "a:9109", &[], 1.0),
                sample("pearl-miner", "b:9109", &[], 1.0),
                sample("pearl-miner", "gone:9109", &[], 1.0),
            ],
            vllm_seen: vec![sample("pearl/pearl-miner", "10.0.0.7:8000", &[], 1.0)],
            hashrate: vec![
                sample("pearl-miner", "a:9109", &[("window", "10s")], 100.0),
                sample("pearl-miner", "a:9109", &[("window", "60s")], 90.0),
            ],
            proofs: vec![sample("pearl-miner", "a:9109", &[], 3.0)],
            gateway: vec![sample("pearl-miner", "a:9109", &[], 1.0)],
            restarts: vec![],
            last_submit: vec![sample("pearl-miner", "a:9109", &[], 1.7e9)],
            targets: vec![Target {
                job: "pearl-miner".into(),
                instance: "b:9109".into(),
                health: "down".into(),
                last_error: "connection refused".into(),
            }],
        }
    }

    #[test]
    fn down_and_vanished_miners_are_listed_and_others_are_not() {
        let report = assemble("http://p".into(), 1.0, &answers(), false);
        let rows: Vec<(&str, bool)> = report
            .nodes
            .iter()
            .map(|n| (n.instance.as_str(), n.up))
            .collect();
        assert_eq!(
            rows,
            [
                ("a:9109", true),
                ("b:9109", false),
                ("gone:9109", false),
                ("10.0.0.7:8000", true)
            ],
            "by job, then instance"
        );
        let b = &report.nodes[1];
        assert_eq!(b.scrape_error.as_deref(), Some("connection refused"));
        assert_eq!(b.hashrate_macs, Windows::default());
        assert_eq!(b.restarts, None, "a down node's restarts are unknown");
        let a = &report.nodes[0];
        assert_eq!(a.kind, Some(MinerKind::CpuPearl));
        assert_eq!(a.hashrate_macs.values(), [Some(100.0), Some(90.0), None]);
        assert_eq!(a.restarts, Some(0));
        assert_eq!(a.gateway_up, Some(true));
        assert_eq!(
            report.nodes[2].scrape_error.as_deref(),
            Some("no longer a scrape target")
        );
        let vllm = &report.nodes[3];
        assert_eq!(vllm.kind, Some(MinerKind::Vllm));
        assert_eq!(vllm.proofs_submitted, None);
        assert_eq!(report.nodes_up, 2);
        assert_eq!(report.nodes_down, 2);
        assert_eq!(
            report.total_hashrate_macs.values(),
            [Some(100.0), Some(90.0), None]
        );
        assert_eq!(report.total_proofs_submitted, Some(3));

        let every = assemble("http://p".into(), 1.0, &answers(), true);
        assert!(
            every
                .nodes
                .iter()
                .any(|n| n.job == "prometheus" && n.kind.is_none())
        );
    }

    #[test]
    fn json_spells_unknown_null() {
        let report = assemble("http://p".into(), 1.0, &answers(), false);
        let json = serde_json::to_value(&report).unwrap();
        let b = &json["nodes"][1];
        assert_eq!(b["up"], false);
        assert!(b["hashrate_macs"]["10s"].is_null());
        assert!(b["proofs_submitted"].is_null());
        assert!(b["gateway_up"].is_null());
        assert!(json["total_hashrate_macs"]["15m"].is_null());
        assert_eq!(json["total_hashrate_macs"]["10s"], 100.0);
        assert_eq!(json["nodes"][0]["kind"], "cpu-pearl");
    }
}
