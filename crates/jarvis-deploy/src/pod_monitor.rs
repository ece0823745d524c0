//! The Prometheus Operator's `PodMonitor` (`monitoring.coreos.com/v1`), typed: `k8s-openapi`
//! has only Kubernetes' own kinds. Only the fields jarvis renders are modelled.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

/// A `PodMonitor` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMonitor {
    /// `monitoring.coreos.com/v1`.
    pub api_version: &'static str,
    /// `PodMonitor`.
    pub kind: &'static str,
    /// Name, namespace and labels.
    pub metadata: ObjectMeta,
    /// What to scrape.
    pub spec: PodMonitorSpec,
}

impl PodMonitor {
    /// A PodMonitor with its `apiVersion` and `kind` set.
    pub fn new(
        metadata: ObjectMeta,
        selector: LabelSelector,
        namespace_selector: NamespaceSelector,
        pod_metrics_endpoints: Vec<PodMetricsEndpoint>,
    ) -> Self {
        Self {
            api_version: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata,
            spec: PodMonitorSpec {
                selector,
                namespace_selector,
                pod_metrics_endpoints,
            },
        }
    }
}

/// `spec` of a PodMonitor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMonitorSpec {
    /// The pods' labels.
    pub selector: LabelSelector,
    /// The namespaces to look in.
    pub namespace_selector: NamespaceSelector,
    /// The endpoints to scrape on each pod.
    pub pod_metrics_endpoints: Vec<PodMetricsEndpoint>,
}

/// `namespaceSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    /// Namespaces by name.
    pub match_names: Vec<String>,
}

/// One entry of `podMetricsEndpoints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMetricsEndpoint {
    /// The container port's name.
    pub port: String,
    /// The HTTP path.
    pub path: String,
    /// Scrape interval, e.g. `15s`.
    pub interval: String,
    /// Relabelings applied before the scrape.
    pub relabelings: Vec<RelabelConfig>,
}

/// A relabeling rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelabelConfig {
    /// Source labels.
    pub source_labels: Vec<String>,
    /// Target label.
    pub target_label: String,
    /// `replace`, `keep`, ...
    pub action: String,
}
