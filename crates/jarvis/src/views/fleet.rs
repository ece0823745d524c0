//! `jarvis fleet status`: one row per miner, then the totals.

use jarvis_fleet::{FleetReport, Node};

use crate::output::format::{UNKNOWN, ago, count, mac_rate};
use crate::output::{Doc, Table};

/// The fleet table.
pub(crate) fn status(report: &FleetReport) -> Doc {
    let mut doc = Doc::new();
    doc.heading(format!(
        "Fleet: {} miners, {} up, {} down (Prometheus {})",
        report.nodes.len(),
        report.nodes_up,
        report.nodes_down,
        report.prometheus
    ));
    if report.nodes.is_empty() {
        doc.line(
            "Prometheus scrapes no miner: point it at each host's metrics (see the README's \
             \"More than one host\"), or pass --job REGEX to list every target of a job.",
        );
        return doc;
    }
    let mut jobs: Vec<&str> = report.nodes.iter().map(|n| n.job.as_str()).collect();
    jobs.dedup();
    for job in jobs {
        let nodes: Vec<&Node> = report.nodes.iter().filter(|n| n.job == job).collect();
        let mut kinds: Vec<&str> = nodes
            .iter()
            .map(|n| n.kind.map_or(UNKNOWN, |k| k.as_str()))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        doc.line(format!("job {job} ({})", kinds.join(", ")));
        let mut table = Table::new(
            2,
            &[
                "instance",
                "state",
                "MAC/s 10s",
                "60s",
                "15m",
                "proofs",
                "gateway",
                "restarts",
                "last submit",
            ],
        )
        .right(&[2, 3, 4, 5, 7]);
        for node in nodes {
            table.row(row(node, report.evaluated_at));
        }
        doc.table(table);
    }
    for node in &report.nodes {
        if let (false, Some(why)) = (node.up, &node.scrape_error) {
            doc.line(format!("{} is down: {why}", node.instance));
        }
    }
    let [s10, s60, m15] = report.total_hashrate_macs.values().map(rate);
    doc.line(format!(
        "Total: {s10} / {s60} / {m15} MAC/s over 10s / 60s / 15m, {} proofs submitted",
        count(report.total_proofs_submitted)
    ));
    doc
}

fn row(node: &Node, now: f64) -> Vec<String> {
    let state = if node.up { "up" } else { "down" }.to_owned();
    let [s10, s60, m15] = node.hashrate_macs.values().map(rate);
    vec![
        node.instance.clone(),
        state,
        s10,
        s60,
        m15,
        count(node.proofs_submitted),
        node.gateway_up
            .map_or(UNKNOWN, |up| if up { "up" } else { "down" })
            .to_owned(),
        count(node.restarts),
        ago(node.last_submit, now),
    ]
}

/// A rate in a column titled MAC/s: `250.0 G`.
fn rate(value: Option<f64>) -> String {
    let text = mac_rate(value);
    text.strip_suffix("MAC/s")
        .map_or(text.clone(), |s| s.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use jarvis_fleet::{MinerKind, Windows};

    use super::*;
    use crate::views::plain;

    fn node(instance: &str, up: bool) -> Node {
        Node {
            instance: instance.to_owned(),
            job: "pearl-miner".to_owned(),
            up,
            kind: Some(MinerKind::CpuPearl),
            hashrate_macs: Windows::default(),
            proofs_submitted: None,
            gateway_up: None,
            restarts: None,
            last_submit: None,
            scrape_error: None,
        }
    }

    #[test]
    fn three_miners_one_down_and_a_vllm_pod() {
        let mut a = node("gpu-a:9109", true);
        a.hashrate_macs = Windows {
            s10: Some(2.5e11),
            s60: Some(2.4e11),
            m15: None,
        };
        a.proofs_submitted = Some(1234);
        a.gateway_up = Some(true);
        a.restarts = Some(0);
        a.last_submit = Some(1_000.0);
        let mut b = node("gpu-b:9109", false);
        b.scrape_error = Some("connection refused".to_owned());
        let mut c = node("10.0.0.7:8000", true);
        c.job = "pearl/pearl-miner".to_owned();
        c.kind = Some(MinerKind::Vllm);
        let report = FleetReport {
            prometheus: "http://prom:9090".to_owned(),
            evaluated_at: 1_250.0,
            nodes_up: 2,
            nodes_down: 1,
            total_hashrate_macs: a.hashrate_macs,
            total_proofs_submitted: Some(1234),
            nodes: vec![a, b, c],
        };
        insta::assert_snapshot!(plain(&status(&report)));
    }

    #[test]
    fn no_miner_says_how_to_add_one() {
        let report = FleetReport {
            prometheus: "http://prom:9090".to_owned(),
            evaluated_at: 0.0,
            nodes: vec![],
            nodes_up: 0,
            nodes_down: 0,
            total_hashrate_macs: Windows::default(),
            total_proofs_submitted: None,
        };
        insta::assert_snapshot!(plain(&status(&report)));
    }
}
