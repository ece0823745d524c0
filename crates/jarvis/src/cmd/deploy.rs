//! `jarvis mine deploy kubernetes`: the vllm-pearl miner's manifests, rendered by
//! `jarvis-deploy` from config.toml's launch spec, written to a directory for the user's
//! `kubectl`. Nothing here talks to a cluster.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jarvis_deploy::{
    DEFAULT_HF_CACHE, DEFAULT_NAMESPACE, DEFAULT_PASSWORD_SECRET, HfCache, KubernetesOptions,
};
use jarvis_mining::MiningConfig;

use super::Ctx;
use crate::views;

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

pub(crate) fn run(ctx: &Ctx, command: &DeployCommand) -> anyhow::Result<ExitCode> {
    let DeployCommand::Kubernetes(args) = command;
    let out = ctx.out.json_if(args.json);
    let section = super::session::mining_section(ctx)?;
    let mut config = MiningConfig::from_section(&section)?;
    if let Some(image) = &args.image {
        config.extra.docker_image_tag = image.clone();
    }
    if let Some(model) = &args.model {
        config.extra.model = model.clone();
    }
    let options = KubernetesOptions {
        namespace: args.namespace.clone(),
        gpus: args.gpus,
        node_selector: args.node_selector.clone(),
        password_secret: args.password_secret.clone(),
        hf_cache: HfCache::parse(&args.hf_cache)?,
    };
    // Only the lookups the launch spec makes for paths; secrets are referred to by name.
    let env = |key: &str| match key {
        "HOME" | "HF_HUB_CACHE" | "HF_HOME" => std::env::var(key).ok(),
        _ => None,
    };
    let rendered = jarvis_deploy::render(&config, &env, &options)?;
    let files = jarvis_deploy::write(&args.output, &rendered)?;
    let plan = views::deploy::Plan {
        provider: section.provider.clone(),
        output: args.output.clone(),
        files,
        namespace_file: args.output.join(rendered.namespace_file()),
        secret_command: rendered.secret_command(&config.extra.pearld_rpc_password_env),
        rendered,
    };
    out.emit(&plan.json(), || views::deploy::written(&plan))?;
    Ok(ExitCode::SUCCESS)
}
