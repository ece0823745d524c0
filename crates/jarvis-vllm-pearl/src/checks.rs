//! Doctor rows of `vllm-pearl`: the engine, its NVIDIA runtime, the image, the HF cache disk.
//! GPU compute capability and VRAM rows come from the generic doctor (NvidiaGpu providers).

use std::path::Path;

use jarvis_mining::check::{CheckRow, Group, ProviderCheckContext, Status, disk_free_row};
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::BoxFuture;
use jarvis_pearl_source::PEARL_PINNED_REF;

use super::docker::{Engine, EngineEndpoint, EngineKind, connect};
use super::image::inspect_local;
use crate::spec::hf_cache_dir;

/// Free space the HF cache needs for a 70B model and its conversions.
pub const HF_CACHE_MIN_FREE_GB: f64 = 200.0;

/// CDI specs Podman reads NVIDIA GPUs from.
const CDI_SPECS: [&str; 2] = ["/etc/cdi/nvidia.yaml", "/var/run/cdi/nvidia.yaml"];

/// This provider's doctor rows.
pub(super) fn checks<'a>(cx: &'a ProviderCheckContext<'a>) -> BoxFuture<'a, Vec<CheckRow>> {
    Box::pin(async move {
        let endpoint = EngineEndpoint::from_docker_host((cx.env)("DOCKER_HOST").as_deref());
        let mut rows = Vec::new();
        match connect(&endpoint, cx.timeouts.docker).await {
            Ok(engine) => {
                rows.push(CheckRow::new(
                    Group::Docker,
                    "Daemon",
                    Status::Ok,
                    format!(
                        "{} {} (API {}) at {}",
                        if engine.kind == EngineKind::Podman {
                            "Podman"
                        } else {
                            "Docker"
                        },
                        engine.version,
                        engine.api_version,
                        endpoint.host
                    ),
                ));
                rows.push(runtime_row(&engine).await);
                rows.push(image_row(&engine, cx).await);
            }
            Err(e) => {
                let (detail, fix) = match e {
                    MiningError::Docker { detail, fix, .. } => (detail, fix),
                    other => (other.to_string(), String::new()),
                };
                rows.push(
                    CheckRow::new(
                        Group::Docker,
                        "Daemon",
                        Status::Fail,
                        format!("{detail} ({})", endpoint.host),
                    )
                    .fix(fix),
                );
                for name in ["NVIDIA runtime", "Image"] {
                    rows.push(CheckRow::new(
                        Group::Docker,
                        name,
                        Status::Info,
                        "not checked (engine unreachable)",
                    ));
                }
            }
        }
        rows.push(disk_free_row(
            Group::Disk,
            "HF cache",
            &hf_cache_dir(cx.env),
            HF_CACHE_MIN_FREE_GB,
            "free space there, or point HF_HOME / HF_HUB_CACHE at a larger disk",
        ));
        rows
    })
}

async fn runtime_row(engine: &Engine) -> CheckRow {
    let name = "NVIDIA runtime";
    if engine.kind == EngineKind::Podman {
        if engine.endpoint.remote_host().is_some() {
            return CheckRow::new(
                Group::Docker,
                name,
                Status::Info,
                "remote Podman: CDI spec not checked",
            );
        }
        return match CDI_SPECS.iter().find(|p| Path::new(p).exists()) {
            Some(p) => CheckRow::new(Group::Docker, name, Status::Ok, format!("CDI spec {p} (GPUs as nvidia.com/gpu=...)")),
            None => CheckRow::new(Group::Docker, name, Status::Fail, "no NVIDIA CDI spec: Podman ignores Docker GPU requests")
                .fix("install nvidia-container-toolkit and run `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`"),
        };
    }
    match engine.docker.info().await {
        Ok(info) => {
            let runtimes = info.runtimes.unwrap_or_default();
            if runtimes.contains_key("nvidia") {
                CheckRow::new(Group::Docker, name, Status::Ok, "nvidia runtime registered")
            } else {
                let mut names: Vec<String> = runtimes.into_keys().collect();
                names.sort();
                CheckRow::new(Group::Docker, name, Status::Fail, format!("runtimes: {}", names.join(", ")))
                    .fix("install nvidia-container-toolkit, run `sudo nvidia-ctk runtime configure --runtime=docker`, restart Docker")
            }
        }
        Err(e) => CheckRow::new(
            Group::Docker,
            name,
            Status::Warn,
            super::docker::describe(&e, "docker info", &[]),
        ),
    }
}

async fn image_row(engine: &Engine, cx: &ProviderCheckContext<'_>) -> CheckRow {
    let name = "Image";
    let extra = &cx.section.extra;
    let tag = extra.docker_image_tag.as_str();
    let pinned = extra.pearl_ref.as_deref().unwrap_or(PEARL_PINNED_REF);
    match inspect_local(engine, tag).await {
        Ok(Some(image)) => match image.pearl_ref {
            Some(r) if r == pinned => CheckRow::new(
                Group::Docker,
                name,
                Status::Ok,
                format!("{tag}, built from Pearl {}", short(&r)),
            ),
            Some(r) => CheckRow::new(
                Group::Docker,
                name,
                Status::Warn,
                format!(
                    "{tag} was built from Pearl {}, the config pins {}",
                    short(&r),
                    short(pinned)
                ),
            )
            .fix(format!(
                "`docker rmi {tag}`, then `jarvis mine start` rebuilds it at the pinned ref"
            )),
            None => CheckRow::new(
                Group::Docker,
                name,
                Status::Ok,
                format!("{tag} present (no Pearl ref label)"),
            ),
        },
        Ok(None) => CheckRow::new(
            Group::Docker,
            name,
            Status::Warn,
            format!("{tag} not present"),
        )
        .fix("`jarvis mine start` pulls it, or builds it from Pearl's source (30-60 minutes)"),
        Err(e) => CheckRow::new(Group::Docker, name, Status::Warn, e.to_string()),
    }
}

fn short(r: &str) -> &str {
    if r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()) {
        r.get(..12).unwrap_or(r)
    } else {
        r
    }
}
