//! Building the miner image from Pearl's source pinned to an exact commit.
//!
//! The cache (`$OPENJARVIS_HOME/cache/pearl`) is synced by `jarvis-pearl-source` (a reset
//! checkout, so a patched tree never blocks the next sync), two idempotent patches are applied,
//! and the image is built by the Docker CLI ([`crate::build`]).

use std::path::{Path, PathBuf};

use jarvis_mining::error::MiningError;
use jarvis_mining::progress::{Progress, ProgressEvent};

/// The Dockerfile, relative to the repository root (the build context).
pub const DOCKERFILE: &str = "miner/vllm-miner/Dockerfile";
/// The container entrypoint script.
pub const ENTRYPOINT: &str = "miner/vllm-miner/entrypoint.sh";

/// How to build the image.
#[derive(Debug, Clone)]
pub struct BuildPlan {
    /// The source cache.
    pub cache_dir: PathBuf,
    /// Repository URL (a local path in tests).
    pub repo_url: String,
    /// Commit, tag or branch to build.
    pub pearl_ref: String,
    /// The Docker CLI (`docker`).
    pub docker_cli: PathBuf,
    /// `DOCKER_HOST` for the CLI, so it builds on the engine jarvis talks to.
    pub docker_host: String,
}

/// Syncs the source, patches it and builds `tag`; returns the commit built.
pub async fn build_from_source(
    plan: &BuildPlan,
    tag: &str,
    progress: &dyn Progress,
) -> Result<String, MiningError> {
    progress.event(ProgressEvent::Phase(format!(
        "syncing Pearl source ({}) into {}",
        plan.pearl_ref,
        plan.cache_dir.display()
    )));
    let commit = sync_source(plan, tag).await?;
    let applied = apply_patches(&plan.cache_dir)
        .map_err(|e| image_error(tag, e, "check the permissions of the jarvis cache"))?;
    for name in applied {
        progress.event(ProgressEvent::Line(format!("patched {name}")));
    }
    progress.event(ProgressEvent::Phase(format!(
        "building {tag} from Pearl {commit} (30-60 minutes)"
    )));
    super::build::run_build(plan, tag, &commit, progress).await?;
    progress.event(ProgressEvent::Done(format!("built {tag}")));
    Ok(commit)
}

pub(super) fn image_error(tag: &str, detail: String, fix: &str) -> MiningError {
    MiningError::Image {
        tag: tag.to_owned(),
        detail,
        fix: fix.to_owned(),
    }
}

/// Brings the cache to exactly `plan.pearl_ref` and returns the commit id.
pub async fn sync_source(plan: &BuildPlan, tag: &str) -> Result<String, MiningError> {
    jarvis_pearl_source::sync_source(&plan.cache_dir, &plan.repo_url, &plan.pearl_ref)
        .await
        .map_err(|e| {
            image_error(
                tag,
                e.to_string(),
                "check network access to the Pearl repository and [mining.extra].pearl_ref; delete the cache directory to start over",
            )
        })
}

/// Upstream's runtime stage base; vLLM's DeepGEMM JIT needs nvcc at run time.
const RUNTIME_BASE: &str = "FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04";
const DEVEL_BASE: &str = "FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu24.04";
/// Upstream's readiness wait polls a metrics port the gateway does not serve.
const GATEWAY_WAIT_MARKER: &str = "# Wait until the gateway is ready";
const GATEWAY_WAIT_CURL: &str = "localhost:8339/metrics";
const SOCKET_WAIT: &str = "# jarvis: wait for the gateway's Unix socket (the gateway serves no metrics port)\n\
for _ in $(seq 1 20); do\n    [ -S /tmp/pearlgw.sock ] && break\n    sleep 1\ndone\n\
[ -S /tmp/pearlgw.sock ] || { echo \"pearl-gateway socket /tmp/pearlgw.sock did not appear\" >&2; exit 1; }\n";

/// Applies both patches where their old text is present; returns the files changed.
pub fn apply_patches(root: &Path) -> Result<Vec<&'static str>, String> {
    let mut changed = Vec::new();
    if patch_file(&root.join(DOCKERFILE), patch_dockerfile)? {
        changed.push(DOCKERFILE);
    }
    if patch_file(&root.join(ENTRYPOINT), patch_entrypoint)? {
        changed.push(ENTRYPOINT);
    }
    Ok(changed)
}

fn patch_file(path: &Path, patch: fn(&str) -> Option<String>) -> Result<bool, String> {
    let text = match jarvis_core::fs::read_regular_to_string(path, 1024 * 1024) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    match patch(&text) {
        Some(new) => std::fs::write(path, new)
            .map(|()| true)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => Ok(false),
    }
}

/// The runtime stage on the `-devel-` CUDA image; `None` when already patched.
pub fn patch_dockerfile(text: &str) -> Option<String> {
    text.contains(RUNTIME_BASE)
        .then(|| text.replace(RUNTIME_BASE, DEVEL_BASE))
}

/// The gateway wait as a socket poll; `None` when there is no metrics-port wait to replace.
pub fn patch_entrypoint(text: &str) -> Option<String> {
    if !text.contains(GATEWAY_WAIT_CURL) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + SOCKET_WAIT.len());
    let mut inserted = false;
    for line in text.lines() {
        let is_wait = line.trim() == GATEWAY_WAIT_MARKER || line.contains(GATEWAY_WAIT_CURL);
        if is_wait {
            if !inserted {
                out.push_str(SOCKET_WAIT);
                inserted = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_patch_is_idempotent() {
        let text = "FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu24.04 AS builder\nFROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04\n";
        let once = patch_dockerfile(text).unwrap();
        assert!(!once.contains("-runtime-"));
        assert_eq!(once.matches("-devel-").count(), 2);
        assert_eq!(patch_dockerfile(&once), None);
    }

    #[test]
    fn entrypoint_patch_waits_for_the_socket() {
        let text = "#!/bin/bash\npearl-gateway start &\n# Wait until the gateway is ready\ncurl -s http://localhost:8339/metrics --retry-delay 1 --retry 20 --retry-all-errors > /dev/null\nexec vllm serve \"$@\"\n";
        let once = patch_entrypoint(text).unwrap();
        assert!(once.contains("/tmp/pearlgw.sock"));
        assert!(!once.contains("localhost:8339/metrics"));
        assert!(once.ends_with("exec vllm serve \"$@\"\n"));
        assert_eq!(patch_entrypoint(&once), None);
    }
}
