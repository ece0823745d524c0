//! The flags of `jarvis mine deploy`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jarvis_deploy::{DEFAULT_HF_CACHE, DEFAULT_NAMESPACE, DEFAULT_PASSWORD_SECRET};

/// `jarvis mine deploy <target>`.
#[derive(Debug, Subcommand)]
pub(crate) enum DeployCommand {
    /// Write Namespace, DaemonSet, Service, PodMonitor and PodDisruptionBudget manifests.
    Kubernetes(KubernetesArgs),
}

/// `jarvis mine deploy kubernetes`.
#[derive(Debug, Args)]
pub(crate) struct KubernetesArgs {
    /// Directory the manifests are written to (created if missing).
    #[arg(long, short)]
    pub(crate) output: PathBuf,
    /// Namespace of every object.
    #[arg(long, default_value = DEFAULT_NAMESPACE)]
    pub(crate) namespace: String,
    /// Miner image [default: [mining.extra].docker_image_tag].
    #[arg(long)]
    pub(crate) image: Option<String>,
    /// Pearl model vLLM serves [default: [mining.extra].model].
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// GPUs per pod, one pod per node [default: the pinned cuda_visible_devices count, else 8,
    /// all of an HGX H100/H200 node].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) gpus: Option<u32>,
    /// Schedule only on nodes with this label, KEY=VALUE (repeatable) [default: node affinity
    /// to nvidia.com/gpu.product H100/H200 values].
    #[arg(long = "node-selector", value_name = "KEY=VALUE", value_parser = key_value)]
    pub(crate) node_selector: Vec<(String, String)>,
    /// Secret holding pearld's RPC password under the key `password` (optional `hf-token`).
    #[arg(long, default_value = DEFAULT_PASSWORD_SECRET)]
    pub(crate) password_secret: String,
    /// Hugging Face cache: an absolute node path (hostPath) or a PersistentVolumeClaim name.
    #[arg(long, default_value = DEFAULT_HF_CACHE)]
    pub(crate) hf_cache: String,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))
}
