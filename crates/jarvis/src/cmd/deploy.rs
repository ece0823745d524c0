//! `jarvis mine deploy kubernetes`: the vllm-pearl miner's manifests, rendered by
//! `jarvis-deploy` from config.toml's launch spec, written to a directory for the user's
//! `kubectl`. Nothing here talks to a cluster.

use std::process::ExitCode;

use jarvis_deploy::{HfCache, KubernetesOptions};
use jarvis_mining::MiningConfig;

use super::Ctx;
use crate::cli::DeployCommand;
use crate::views;

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
