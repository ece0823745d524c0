//! The objects: Namespace, DaemonSet, Service, PodMonitor, PodDisruptionBudget.
//!
//! **Why a DaemonSet, not a StatefulSet.** A miner is one pod per GPU node holding all of its
//! GPUs, exactly what `mine start` runs on one host: a DaemonSet places one pod on every node
//! the selector matches, and a new GPU node starts mining when it joins. The miner keeps no
//! state a pod must carry across rescheduling (the chain lives in pearld, the model cache is a
//! node directory or a shared claim), so a StatefulSet's stable identities and per-replica
//! volumes would buy nothing, and its replica count would have to track the node count by hand.
//! Like the Docker container, the pod uses the host network: the spec's `PEARLD_RPC_URL` means
//! the same thing on both (a node-local pearld at 127.0.0.1), and one miner per node is what a
//! DaemonSet guarantees anyway.

use std::collections::BTreeMap;

use jarvis_vllm_pearl::spec::{
    CONTAINER_HF_HUB, GpuSelection, HF_TOKEN_VAR, LaunchSpec, PASSWORD_VAR,
};
use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, RollingUpdateDaemonSet,
};
use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource, HTTPGetAction,
    HostPathVolumeSource, Namespace, NodeAffinity, NodeSelector, NodeSelectorRequirement,
    NodeSelectorTerm, PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SecretKeySelector, Service, ServicePort, ServiceSpec, Toleration, Volume,
    VolumeMount,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::pod_monitor::{NamespaceSelector, PodMetricsEndpoint, PodMonitor, RelabelConfig};
use crate::{DeployError, HfCache, KubernetesOptions, Manifest, Rendered};

/// `app.kubernetes.io/name` and the objects' name.
pub const APP_NAME: &str = "pearl-miner";
/// GPUs per pod when `--gpus` is not given and no GPUs are pinned: all eight of an HGX
/// H100/H200 node (Kubernetes cannot request "all of them").
pub const DEFAULT_GPUS: u32 = 8;
/// The GPU feature discovery label the default affinity matches.
pub const PRODUCT_LABEL: &str = "nvidia.com/gpu.product";
/// `nvidia.com/gpu.product` values of NVIDIA's Hopper data-centre GPUs (nvidia-smi's product
/// names with spaces as dashes, as GPU feature discovery writes them).
pub const H100_H200_PRODUCTS: [&str; 6] = [
    "NVIDIA-H100-80GB-HBM3",
    "NVIDIA-H100-PCIe",
    "NVIDIA-H100-NVL",
    "NVIDIA-H200",
    "NVIDIA-H200-NVL",
    "NVIDIA-H100-SXM5-80GB",
];
/// The Secret's key holding pearld's RPC password.
pub const PASSWORD_KEY: &str = "password";
/// The Secret's optional key holding a Hugging Face token.
pub const HF_TOKEN_KEY: &str = "hf-token";
pub(crate) const NAMESPACE_FILE: &str = "00-namespace.yaml";

const GPU_RESOURCE: &str = "nvidia.com/gpu";
const PORT_NAME: &str = "http";
const HEADER: &str = "# Rendered by `jarvis mine deploy kubernetes` from [mining] in config.toml.\n\
                      # Render again instead of editing; secrets are referred to by name only.\n";

/// Renders every object from `spec`.
pub(crate) fn render(
    spec: &LaunchSpec,
    options: &KubernetesOptions,
) -> Result<Rendered, DeployError> {
    let gpus = options.gpus.unwrap_or(match &spec.gpus {
        GpuSelection::Host(ids) => u32::try_from(ids.len()).unwrap_or(DEFAULT_GPUS),
        GpuSelection::All => DEFAULT_GPUS,
    });
    let ns = options.namespace.as_str();
    let manifests = vec![
        manifest(NAMESPACE_FILE, "Namespace", ns, &namespace(ns))?,
        manifest(
            "10-daemonset.yaml",
            "DaemonSet",
            APP_NAME,
            &daemon_set(spec, options, gpus),
        )?,
        manifest("20-service.yaml", "Service", APP_NAME, &service(spec, ns))?,
        manifest(
            "30-podmonitor.yaml",
            "PodMonitor",
            APP_NAME,
            &pod_monitor(ns),
        )?,
        manifest(
            "40-poddisruptionbudget.yaml",
            "PodDisruptionBudget",
            APP_NAME,
            &disruption_budget(ns),
        )?,
    ];
    Ok(Rendered {
        manifests,
        namespace: ns.to_owned(),
        image: spec.image.clone(),
        model: spec.model.clone(),
        gpus,
        password_secret: options.password_secret.clone(),
    })
}

fn manifest<T: Serialize>(
    file_name: &'static str,
    kind: &'static str,
    name: &str,
    object: &T,
) -> Result<Manifest, DeployError> {
    let yaml =
        serde_yaml_ng::to_string(object).map_err(|source| DeployError::Yaml { kind, source })?;
    Ok(Manifest {
        file_name,
        kind,
        name: name.to_owned(),
        yaml: format!("{HEADER}{yaml}"),
    })
}

/// The selector labels (stable across renders: a DaemonSet's selector is immutable).
fn selector_labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), APP_NAME.to_owned()),
        ("app.kubernetes.io/instance".to_owned(), APP_NAME.to_owned()),
    ])
}

fn labels() -> BTreeMap<String, String> {
    let mut labels = selector_labels();
    labels.extend([
        ("app.kubernetes.io/component".to_owned(), "miner".to_owned()),
        ("app.kubernetes.io/part-of".to_owned(), "jarvis".to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "jarvis".to_owned(),
        ),
    ]);
    labels
}

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        labels: Some(labels()),
        ..Default::default()
    }
}

fn selector() -> LabelSelector {
    LabelSelector {
        match_labels: Some(selector_labels()),
        ..Default::default()
    }
}

fn namespace(name: &str) -> Namespace {
    Namespace {
        metadata: meta(name, None),
        ..Default::default()
    }
}

fn daemon_set(spec: &LaunchSpec, options: &KubernetesOptions, gpus: u32) -> DaemonSet {
    let ns = options.namespace.as_str();
    let (mounts, volumes) = volumes(spec, &options.hf_cache);
    let gpu_quantity = BTreeMap::from([(GPU_RESOURCE.to_owned(), Quantity(gpus.to_string()))]);
    let mut requests = gpu_quantity.clone();
    requests.extend([
        ("cpu".to_owned(), Quantity("4".to_owned())),
        ("memory".to_owned(), Quantity("32Gi".to_owned())),
    ]);
    let probe = |period: i32, failures: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/health".to_owned()),
            port: IntOrString::String(PORT_NAME.to_owned()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(5),
        failure_threshold: Some(failures),
        ..Default::default()
    };
    let container = Container {
        name: APP_NAME.to_owned(),
        image: Some(spec.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(spec.cmd.clone()),
        env: Some(env(spec, &options.password_secret)),
        ports: Some(vec![ContainerPort {
            name: Some(PORT_NAME.to_owned()),
            container_port: i32::from(spec.vllm_port),
            protocol: Some("TCP".to_owned()),
            ..Default::default()
        }]),
        resources: Some(ResourceRequirements {
            requests: Some(requests),
            limits: Some(gpu_quantity),
            ..Default::default()
        }),
        // Loading a 70B model takes many minutes: liveness starts once /health answered.
        startup_probe: Some(probe(10, 180)),
        readiness_probe: Some(probe(10, 3)),
        liveness_probe: Some(probe(15, 4)),
        volume_mounts: Some(mounts),
        ..Default::default()
    };
    let pod = PodSpec {
        host_network: Some(true),
        dns_policy: Some("ClusterFirstWithHostNet".to_owned()),
        containers: vec![container],
        volumes: Some(volumes),
        termination_grace_period_seconds: Some(60),
        tolerations: Some(vec![Toleration {
            key: Some(GPU_RESOURCE.to_owned()),
            operator: Some("Exists".to_owned()),
            effect: Some("NoSchedule".to_owned()),
            ..Default::default()
        }]),
        node_selector: (!options.node_selector.is_empty()).then(|| {
            options
                .node_selector
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }),
        affinity: options.node_selector.is_empty().then(hopper_affinity),
        ..Default::default()
    };
    DaemonSet {
        metadata: meta(APP_NAME, Some(ns)),
        spec: Some(DaemonSetSpec {
            selector: selector(),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels()),
                    ..Default::default()
                }),
                spec: Some(pod),
            },
            update_strategy: Some(DaemonSetUpdateStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDaemonSet {
                    max_unavailable: Some(IntOrString::Int(1)),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The spec's environment, without the GPU pinning (the device plugin assigns GPUs), and the
/// secrets by reference.
fn env(spec: &LaunchSpec, secret: &str) -> Vec<EnvVar> {
    let mut vars: Vec<EnvVar> = spec
        .env
        .iter()
        .filter(|(k, _)| k != "NVIDIA_VISIBLE_DEVICES" && k != "CUDA_VISIBLE_DEVICES")
        .map(|(name, value)| EnvVar {
            name: name.clone(),
            value: Some(value.clone()),
            ..Default::default()
        })
        .collect();
    for name in spec.secret_names() {
        let (key, optional) = match name {
            PASSWORD_VAR => (PASSWORD_KEY, false),
            HF_TOKEN_VAR => (HF_TOKEN_KEY, true),
            other => (other, true),
        };
        vars.push(EnvVar {
            name: name.to_owned(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret.to_owned(),
                    key: key.to_owned(),
                    optional: optional.then_some(true),
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    vars
}

/// The spec's mounts (the HF cache from `--hf-cache`, a local model read-only from the same
/// path on the node) and `/dev/shm` as a memory `emptyDir` of the spec's size.
fn volumes(spec: &LaunchSpec, hf_cache: &HfCache) -> (Vec<VolumeMount>, Vec<Volume>) {
    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    for (i, mount) in spec.mounts.iter().enumerate() {
        let (name, volume) = if mount.container == CONTAINER_HF_HUB {
            let volume = match hf_cache {
                HfCache::HostPath(path) => Volume {
                    host_path: Some(HostPathVolumeSource {
                        path: path.clone(),
                        type_: Some("DirectoryOrCreate".to_owned()),
                    }),
                    ..Default::default()
                },
                HfCache::Claim(claim) => Volume {
                    persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                        claim_name: claim.clone(),
                        read_only: None,
                    }),
                    ..Default::default()
                },
            };
            ("hf-cache".to_owned(), volume)
        } else {
            let volume = Volume {
                host_path: Some(HostPathVolumeSource {
                    path: mount.host.display().to_string(),
                    type_: Some("Directory".to_owned()),
                }),
                ..Default::default()
            };
            (format!("host-{i}"), volume)
        };
        mounts.push(VolumeMount {
            name: name.clone(),
            mount_path: mount.container.clone(),
            read_only: mount.read_only.then_some(true),
            ..Default::default()
        });
        volumes.push(Volume { name, ..volume });
    }
    mounts.push(VolumeMount {
        name: "dshm".to_owned(),
        mount_path: "/dev/shm".to_owned(),
        ..Default::default()
    });
    volumes.push(Volume {
        name: "dshm".to_owned(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: Some("Memory".to_owned()),
            size_limit: Some(Quantity(bytes_quantity(spec.shm_bytes))),
        }),
        ..Default::default()
    });
    (mounts, volumes)
}

/// `8Gi` for 8 GiB; plain bytes when not a whole number of MiB.
fn bytes_quantity(bytes: i64) -> String {
    const MI: i64 = 1024 * 1024;
    const GI: i64 = 1024 * MI;
    if bytes > 0 && bytes % GI == 0 {
        format!("{}Gi", bytes / GI)
    } else if bytes > 0 && bytes % MI == 0 {
        format!("{}Mi", bytes / MI)
    } else {
        bytes.to_string()
    }
}

fn hopper_affinity() -> Affinity {
    Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(vec![NodeSelectorRequirement {
                        key: PRODUCT_LABEL.to_owned(),
                        operator: "In".to_owned(),
                        values: Some(H100_H200_PRODUCTS.map(str::to_owned).to_vec()),
                    }]),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn service(spec: &LaunchSpec, ns: &str) -> Service {
    Service {
        metadata: meta(APP_NAME, Some(ns)),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(selector_labels()),
            ports: Some(vec![ServicePort {
                name: Some(PORT_NAME.to_owned()),
                port: i32::from(spec.vllm_port),
                target_port: Some(IntOrString::String(PORT_NAME.to_owned())),
                protocol: Some("TCP".to_owned()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A PodMonitor rather than a ServiceMonitor: every miner pod is its own target whether or not
/// the Service selects it, and the node's name becomes a `node` label.
fn pod_monitor(ns: &str) -> PodMonitor {
    PodMonitor::new(
        meta(APP_NAME, Some(ns)),
        selector(),
        NamespaceSelector {
            match_names: vec![ns.to_owned()],
        },
        vec![PodMetricsEndpoint {
            port: PORT_NAME.to_owned(),
            path: "/metrics".to_owned(),
            interval: "15s".to_owned(),
            relabelings: vec![RelabelConfig {
                source_labels: vec!["__meta_kubernetes_pod_node_name".to_owned()],
                target_label: "node".to_owned(),
                action: "replace".to_owned(),
            }],
        }],
    )
}

/// Voluntary disruptions (drains, upgrades) take one miner at a time.
fn disruption_budget(ns: &str) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: meta(APP_NAME, Some(ns)),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(selector()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_use_binary_units() {
        assert_eq!(bytes_quantity(8 * 1024 * 1024 * 1024), "8Gi");
        assert_eq!(bytes_quantity(512 * 1024 * 1024), "512Mi");
        assert_eq!(bytes_quantity(1000), "1000");
    }
}
